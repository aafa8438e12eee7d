# dle_batching_forward: fluentd's forward input that emits the Message-mode events of one read from a connection
# together, one event stream per tag, instead of one emit per event. The log agent's input for Docker's fluentd log
# driver and for applications (fluentd/targets/local/agent-input.conf).
#
# Docker's log driver sends every line as a message of its own ([tag, time, record]); in_forward emits each one alone,
# so every line went through each filter and the output's buffer write (a lock, a chunk, a file write) by itself: a
# third of the agent's CPU in the benchmark's profile. A read from the socket holds every message that arrived since
# the last one (many under load, one when idle), so batching by read adds no wait.
#
# in_forward is otherwise unchanged: it parses, checks and prefixes each message as it does, and emits through
# `router`; here `router` collects Message-mode events into the read's batch, which is emitted once the read is done.
# A message of another mode (Forward, PackedForward), and one that asks for an ack, is emitted after what the batch
# held before it: an ack is sent only for what was emitted. Within one tag the events keep their order.
require 'delegate'
require 'fluent/plugin/in_forward'

module Fluent::Plugin
  class DleBatchingForwardInput < ForwardInput
    Fluent::Plugin.register_input('dle_batching_forward', self)

    # What in_forward's `router` calls reach during a read.
    class ReadBatch
      def initialize(input)
        @input = input
        @streams = {}
      end

      def emit(tag, time, record)
        (@streams[tag] ||= Fluent::MultiEventStream.new).add(time, record) unless record.nil?
      end

      def emit_stream(tag, es)
        flush
        @input.event_router.emit_stream(tag, es)
      end

      def emit_error_event(tag, time, record, error)
        @input.event_router.emit_error_event(tag, time, record, error)
      end

      def flush
        return if @streams.empty?
        streams = @streams
        @streams = {}
        streams.each { |tag, es| @input.event_router.emit_stream(tag, es) }
      end
    end

    # A connection whose data callback emits the read's batch after each read, also when the callback failed halfway.
    class EmitAfterEachRead < SimpleDelegator
      def initialize(conn, batch)
        super(conn)
        @batch = batch
      end

      def data(&callback)
        __getobj__.data do |data|
          callback.call(data)
        ensure
          @batch.flush
        end
      end
    end

    # The event router itself (fluentd's plugin helper), for the batch.
    alias_method :event_router, :router

    def configure(conf)
      super
      # One batch for all connections: the server helper reads every connection on one event loop thread, and a
      # batch is emitted at the end of each read.
      @read_batch = ReadBatch.new(self)
    end

    def router
      @read_batch
    end

    def read_messages(conn, &block)
      super(EmitAfterEachRead.new(conn, @read_batch), &block)
    end

    def on_message(msg, chunk_size, conn)
      option = super
      @read_batch.flush if option.is_a?(Hash) && option['chunk']
      option
    end
  end
end
