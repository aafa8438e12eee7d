require_relative 'helper'
require 'msgpack'
require 'socket'
require 'fluent/plugin/in_forward'
require_dle_plugin('out_dle_forward')

# dle_forward (fluentd/plugins/out_dle_forward.rb) over real TCP on 127.0.0.1: a primary that becomes unavailable by
# a failed ack or a refused connection is replaced by the standby at once (the weight array is rebuilt with it), which
# fluentd's own out_forward does not do; and configure checks the out_forward internals the plugin relies on.
# The standby is fluentd's in_forward under the Input driver, so what it received is what fluentd would route on.
class DleForwardOutputTest < Test::Unit::TestCase
  # A forwarder that reads each forward message it is sent and then resets the connection without acknowledging it: a
  # primary killed with the chunk taken and the ack outstanding. Heartbeats (connections that send nothing) get an
  # ordinary close. A reset rather than a close: over plain TCP, fluentd 1.19.3's ack reader takes a closed connection
  # for an error on Ruby >= 3.3 (its recv answers nil at EOF, not ""), and then never reports the ack failed; over TLS,
  # the agent's transport, a close is reported like a reset.
  class AckLessPrimary
    attr_reader :port

    def initialize
      @server = TCPServer.new('127.0.0.1', 0)
      @port = @server.addr[1]
      @messages = []
      @mutex = Mutex.new
      @thread = Thread.new { accept_loop }
    end

    # The [tag, option] of each forward message received.
    def messages
      @mutex.synchronize { @messages.dup }
    end

    def stop
      @server.close
      @thread.join(5)
    end

    private

    def accept_loop
      loop do
        sock = @server.accept
        Thread.new(sock) { |s| serve(s) }
      end
    rescue IOError, Errno::EBADF
      nil
    end

    def serve(sock)
      unpacker = MessagePack::Unpacker.new
      deadline = Fluent::Clock.now + 10
      while Fluent::Clock.now < deadline
        next unless sock.wait_readable(0.2)

        data = sock.readpartial(65_536)
        unpacker.feed_each(data) do |tag, _entries, option|
          @mutex.synchronize { @messages << [tag, option] }
          sock.setsockopt(Socket::SOL_SOCKET, Socket::SO_LINGER, [1, 0].pack('ii'))
          return
        end
      end
    rescue EOFError, IOError, SystemCallError
      nil
    ensure
      sock.close rescue nil
    end
  end

  # agent.conf's output without TLS: acks, transport heartbeats, a primary and a standby. The heartbeats detach nothing
  # and bring nothing back within a test (hard_timeout, recover_wait, no phi detector), so only the path under test can.
  def config(primary_port, standby_port)
    <<~CONF
      require_ack_response true
      ack_response_timeout 20
      heartbeat_type transport
      heartbeat_interval 1
      hard_timeout 60
      phi_failure_detector false
      recover_wait 60
      connect_timeout 2
      send_timeout 5
      <server>
        name primary
        host 127.0.0.1
        port #{primary_port}
      </server>
      <server>
        name secondary
        host 127.0.0.1
        port #{standby_port}
        standby
      </server>
      <buffer>
        @type memory
        flush_mode interval
        flush_interval 0.1
        flush_thread_interval 0.1
        flush_at_shutdown false
        retry_forever true
        retry_type exponential_backoff
        retry_wait 0.2
        retry_max_interval 0.5
      </buffer>
    CONF
  end

  setup do
    @standby_port = unused_port
    @standby = Fluent::Test::Driver::Input.new(Fluent::Plugin::ForwardInput).configure("bind 127.0.0.1\nport #{@standby_port}")
    @standby.instance_start
    @primary = nil
  end

  teardown do
    @standby.instance_shutdown
    @primary&.stop
  end

  def weight_array(output)
    output.instance_variable_get(:@discovery_manager).instance_variable_get(:@load_balancer).instance_variable_get(:@weight_array)
  end

  def node(output, name)
    output.nodes.find { |n| n.name == name }
  end

  def standby_records
    @standby.events.select { |tag, _, _| tag == 'app.failover' }.map(&:last)
  end

  RECORD = { 'log' => 'taken over', 'event_id' => 'e-1' }.freeze

  # Runs an output of `klass` to `primary_port`, feeds one event, and yields the output while it runs.
  def run_output(klass, primary_port)
    d = Fluent::Test::Driver::Output.new(klass).configure(config(primary_port, @standby_port))
    # force_flush_retry: a failed flush is retried, as outside the driver, instead of raised.
    d.run(default_tag: 'app.failover', flush: false, wait_flush_completion: false, force_flush_retry: true, timeout: 60) do
      assert_equal %w[primary], weight_array(d.instance).map(&:name).uniq, 'the standby was in use from the start'
      d.feed(event_time, RECORD)
      # Under the driver no enqueue thread runs: this enqueues the chunk, which the flush thread then sends.
      d.flush
      yield d.instance, d
    end
  end

  sub_test_case 'failover' do
    test 'a failed ack detaches the primary and the standby takes the chunk' do
      @primary = AckLessPrimary.new
      run_output(Fluent::Plugin::DleForwardOutput, @primary.port) do |output, d|
        assert_equal [RECORD], wait_until { standby_records.then { |r| r unless r.empty? } }, 'the standby never received the chunk'
        assert_equal 'app.failover', @primary.messages.first&.first, 'the primary never took the chunk'
        assert_false node(output, 'primary').available?
        assert_equal %w[primary secondary], weight_array(output).map(&:name).uniq.sort
        assert_true d.logs.any? { |l| l.include?("detached forwarding server 'primary'") && l.include?('reason="a failed ack, a refused connection or a failed handshake"') }
      end
    end

    test 'a refused connection detaches the primary and the standby takes the chunk' do
      run_output(Fluent::Plugin::DleForwardOutput, unused_port) do |output, d|
        assert_equal [RECORD], wait_until { standby_records.then { |r| r unless r.empty? } }, 'the standby never received the chunk'
        assert_false node(output, 'primary').available?
        assert_equal %w[primary secondary], weight_array(output).map(&:name).uniq.sort
        assert_true d.logs.any? { |l| l.include?("detached forwarding server 'primary'") && l.include?('reason="a failed ack, a refused connection or a failed handshake"') }
      end
    end

    test "is still needed: fluentd's own out_forward leaves the standby out after a failed ack" do
      # When this fails, fluentd fixed the defect the plugin's header describes: the plugin may go.
      @primary = AckLessPrimary.new
      run_output(Fluent::Plugin::ForwardOutput, @primary.port) do |output, _|
        assert_true wait_until { !node(output, 'primary').available? }, 'the ack never failed'
        # Several retries' worth of time (retry_max_interval 0.5 s) for the standby to be used, which it is not.
        sleep 3
        assert_equal [], standby_records
        assert_equal %w[primary], weight_array(output).map(&:name).uniq
      end
    end
  end

  sub_test_case 'internals check at configure' do
    test "finds every out_forward internal it relies on in this fluentd" do
      assert_equal [], Fluent::Plugin::DleForwardOutput.missing_internals
      d = Fluent::Test::Driver::Output.new(Fluent::Plugin::DleForwardOutput).configure(config(unused_port, @standby_port))
      assert_kind_of Fluent::Plugin::DleForwardOutput::FailoverNode, node(d.instance, 'primary')
    end

    test 'refuses to start, naming what is missing, on a fluentd whose out_forward changed' do
      conf = config(unused_port, @standby_port)
      error = changing_method(Fluent::Plugin::ForwardOutput::FailureDetector, :clear) do
        changing_method(Fluent::Plugin::ForwardOutput, :build_node) do
          assert_raise(Fluent::ConfigError) { Fluent::Test::Driver::Output.new(Fluent::Plugin::DleForwardOutput).configure(conf) }
        end
      end
      assert_match(/\Adle_forward was written against fluentd 1\.19\.3's out_forward, and this fluentd \(#{Regexp.escape(Fluent::VERSION)}\) has no ForwardOutput#build_node \(private\); no ForwardOutput::FailureDetector#clear: /, error.message)
      # Put back as they were: the check passes again.
      assert_true Fluent::Plugin::ForwardOutput.private_method_defined?(:build_node)
      assert_equal [], Fluent::Plugin::DleForwardOutput.missing_internals
    end

    test 'names an internal whose class is gone (its check raises a NameError) instead of raising it' do
      conf = config(unused_port, @standby_port)
      detector = Fluent::Plugin::ForwardOutput.send(:remove_const, :FailureDetector)
      error = begin
        assert_raise(Fluent::ConfigError) { Fluent::Test::Driver::Output.new(Fluent::Plugin::DleForwardOutput).configure(conf) }
      ensure
        Fluent::Plugin::ForwardOutput.const_set(:FailureDetector, detector)
      end
      assert_match(/this fluentd \(#{Regexp.escape(Fluent::VERSION)}\) has no ForwardOutput::FailureDetector#clear: /, error.message)
      assert_equal [], Fluent::Plugin::DleForwardOutput.missing_internals
    end
  end
end
