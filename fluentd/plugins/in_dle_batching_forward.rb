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
#
# It relies on in_forward's internals; `configure` checks that each is there and refuses to start, naming what is
# missing, on a fluentd that changed them: there a batch might never be emitted (no read ends it) or an emit might
# fail, where in_forward itself would work (tests/plugins/test_in_dle_batching_forward.rb pins the check).
require 'delegate'
require 'fluent/plugin/in_forward'
require 'fluent/version'
require_relative 'dle_internals'

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

    # The internals used here, each checked at configure. Read from the methods' instructions where what matters is
    # what a method calls (CRuby's, as fluentd runs on).
    INTERNALS = {
      'ForwardInput#handle_connection(conn) reading through #read_messages' =>
        -> { ForwardInput.instance_method(:handle_connection).arity == 1 && DleInternals.in_code?(ForwardInput.instance_method(:handle_connection), :read_messages) },
      'ForwardInput#read_messages(conn, &block) reading through conn.data' =>
        -> { ForwardInput.instance_method(:read_messages).arity == 1 && DleInternals.in_code?(ForwardInput.instance_method(:read_messages), :data) },
      'ForwardInput#on_message(msg, chunk_size, conn) returning the option it answers' =>
        -> { ForwardInput.instance_method(:on_message).arity == 3 },
      'ForwardInput#response(option) acking option["chunk"]' =>
        -> { ForwardInput.instance_method(:response).bind_call(ForwardInput.allocate, { 'chunk' => 'c' }) == { 'ack' => 'c' } },
      'ForwardInput emitting only with router.emit, #emit_stream and #emit_error_event (what ReadBatch takes)' =>
        -> { (router_calls_of(ForwardInput) - ReadBatch.public_instance_methods(false)).empty? },
      'PluginHelper::EventEmitter#router' => -> { Fluent::PluginHelper::EventEmitter.method_defined?(:router) },
      'PluginHelper::Server::TCPCallbackSocket#data, TLSCallbackSocket#data' =>
        -> { %i[TCPCallbackSocket TLSCallbackSocket].all? { |c| Fluent::PluginHelper::Server.const_get(c).method_defined?(:data) } },
    }.freeze

    # The names of INTERNALS that this fluentd does not have.
    def self.missing_internals
      DleInternals.missing(INTERNALS)
    end

    # The EventRouter emit methods that a class's own methods call (on the router or on anything else: a superset).
    def self.router_calls_of(klass)
      emits = Fluent::EventRouter.public_instance_methods(false).select { |m| m.start_with?('emit') && !m.start_with?('emit_error_handler') }
      own = klass.instance_methods(false) + klass.private_instance_methods(false)
      emits.select { |emit| own.any? { |name| DleInternals.in_code?(klass.instance_method(name), emit) } }
    end

    # The event router itself (fluentd's plugin helper), for the batch. Where the helper has none, configure says so.
    alias_method :event_router, :router if method_defined?(:router)

    def configure(conf)
      missing = self.class.missing_internals
      unless missing.empty?
        raise Fluent::ConfigError, "dle_batching_forward was written against fluentd 1.19.3's in_forward, and this " \
          "fluentd (#{Fluent::VERSION}) has no #{missing.join('; no ')}: adapt the plugin or use @type forward"
      end
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
