require_relative 'helper'
require 'socket'
require_dle_plugin 'in_dle_batching_forward'

# dle_batching_forward as the agent runs it: the `docker_log_driver` <source> of
# fluentd/targets/local/agent-input.conf, read from that file, listening on 127.0.0.1 on a free port; a client writes
# forward-protocol messages to it over a real TCP connection. Every wait is bounded (WAIT seconds).
class DleBatchingForwardInputTest < Test::Unit::TestCase
  AGENT_INPUT_CONF = File.expand_path('../../fluentd/targets/local/agent-input.conf', __dir__)
  WAIT = 5
  T0 = 1_764_669_600

  def setup
    @port = unused_port
  end

  # The agent's <source> with this @id, its environment set to this test's port.
  def agent_source(id = 'docker_log_driver')
    env = { 'FLUENTD_BIND' => '127.0.0.1', 'AGENT_PORT' => @port.to_s, 'AGENT_APP_PORT' => @port.to_s }
    saved = env.to_h { |k, _| [k, ENV[k]] }
    env.each { |k, v| ENV[k] = v }
    conf = Fluent::Config.parse(File.read(AGENT_INPUT_CONF), AGENT_INPUT_CONF, File.dirname(AGENT_INPUT_CONF), syntax: :v1)
    conf.elements.find { |e| e.name == 'source' && e['@id'] == id } or raise "no source #{id} in #{AGENT_INPUT_CONF}"
  ensure
    saved.each { |k, v| ENV[k] = v }
  end

  def create_driver(conf = agent_source)
    Fluent::Test::Driver::Input.new(Fluent::Plugin::DleBatchingForwardInput).configure(conf)
  end

  def msgpack(*messages)
    packer = Fluent::MessagePackFactory.msgpack_packer
    messages.each { |m| packer.write(m) }
    packer.to_s
  end

  def message(tag, n, option = nil)
    [tag, T0 + n, { 'n' => n }, option].compact
  end

  # Writes all the data in one write on a new connection; returns the connection.
  def send_data(data)
    sock = TCPSocket.new('127.0.0.1', @port)
    sock.write(data)
    sock
  end

  # The acks answered on this connection, read until `count` came or WAIT passed.
  def read_acks(sock, count)
    unpacker = Fluent::MessagePackFactory.msgpack_unpacker
    acks = []
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + WAIT
    while acks.size < count && (left = deadline - Process.clock_gettime(Process::CLOCK_MONOTONIC)) > 0
      next unless IO.select([sock], nil, nil, left)
      data = sock.read_nonblock(4096, exception: false)
      break if data.nil?
      next if data == :wait_readable
      unpacker.feed_each(data) { |obj| acks << obj }
    end
    acks
  end

  # [[tag, [n, ...]], ...]: each emitted stream, in the order emitted.
  def streams(d)
    d.event_streams.map { |tag, es| [tag, es.map { |_, r| r['n'] }] }
  end

  test 'the Message-mode messages of one read are emitted as one stream, in order, with the agent config\'s tag prefix' do
    d = create_driver
    d.run(expect_records: 5, timeout: WAIT) do
      send_data(msgpack(*(1..5).map { |n| message('webapp', n) })).close
    end
    assert_equal [['docker.webapp', [1, 2, 3, 4, 5]]], streams(d)
    assert_equal (1..5).map { |n| Fluent::EventTime.new(T0 + n) }, d.events.map { |_, t, _| t }
  end

  test 'interleaved tags in one read make one stream per tag, each in order' do
    d = create_driver
    d.run(expect_records: 6, timeout: WAIT) do
      send_data(msgpack(message('webapp', 1), message('api', 2), message('webapp', 3), message('api', 4), message('other', 5), message('webapp', 6))).close
    end
    assert_equal [['docker.webapp', [1, 3, 6]], ['docker.api', [2, 4]], ['docker.other', [5]]], streams(d)
  end

  test 'a lone message is emitted when its read ends, without waiting for more' do
    d = create_driver
    d.run(expect_records: 1, timeout: WAIT) do
      @sock = send_data(msgpack(message('webapp', 1)))
    end
    assert_equal [['docker.webapp', [1]]], streams(d)
  ensure
    @sock&.close
  end

  test 'reads apart are streams apart' do
    d = create_driver
    d.run(expect_records: 3, timeout: WAIT) do
      sock = send_data(msgpack(message('webapp', 1), message('webapp', 2)))
      wait_until(WAIT) { d.record_count >= 2 }
      sock.write(msgpack(message('webapp', 3)))
      wait_until(WAIT) { d.record_count >= 3 }
      sock.close
    end
    assert_equal [['docker.webapp', [1, 2]], ['docker.webapp', [3]]], streams(d)
  end

  test 'a Forward or PackedForward message is emitted after what the batch held before it, order kept' do
    packed = Fluent::MultiEventStream.new([T0 + 5, T0 + 6], [{ 'n' => 5 }, { 'n' => 6 }]).to_msgpack_stream
    d = create_driver
    d.run(expect_records: 8, timeout: WAIT) do
      send_data(msgpack(message('webapp', 1), ['webapp', [[T0 + 2, { 'n' => 2 }], [T0 + 3, { 'n' => 3 }]]], message('webapp', 4),
                        ['webapp', packed, { 'size' => 2 }], message('webapp', 7), message('webapp', 8))).close
    end
    assert_equal [['docker.webapp', [1]], ['docker.webapp', [2, 3]], ['docker.webapp', [4]], ['docker.webapp', [5, 6]], ['docker.webapp', [7, 8]]],
                 streams(d)
  end

  test 'a message that asks for an ack is emitted, with what came before it, before its ack is sent' do
    d = create_driver
    acks = emitted_at_ack = nil
    d.run(expect_records: 4, timeout: WAIT) do
      sock = send_data(msgpack(message('webapp', 1), message('api', 2), message('webapp', 3, { 'chunk' => 'c1' }), message('webapp', 4)))
      acks = read_acks(sock, 1)
      emitted_at_ack = d.events.map { |_, _, r| r['n'] }
      sock.close
    end
    assert_equal [{ 'ack' => 'c1' }], acks
    assert_equal [1, 2, 3], emitted_at_ack.first(3).sort
    assert_equal [['docker.webapp', [1, 3]], ['docker.api', [2]], ['docker.webapp', [4]]], streams(d)
  end

  test 'an invalid event is dropped (acked when asked: what came before it is emitted first) and the others are kept' do
    d = create_driver
    acks = nil
    d.run(expect_records: 3, timeout: WAIT) do
      sock = send_data(msgpack(message('webapp', 1), ['webapp', T0, 'not a record', { 'chunk' => 'bad' }], message('webapp', 2),
                               ['webapp', T0 + 0.5, { 'n' => 99 }], message('webapp', 3)))
      acks = read_acks(sock, 1)
      sock.close
    end
    assert_equal [{ 'ack' => 'bad' }], acks
    assert_equal [['docker.webapp', [1]], ['docker.webapp', [2, 3]]], streams(d)
    assert_equal 2, d.logs.grep(/got invalid event and drop it/).size
  end

  test 'JSON messages are batched too' do
    d = create_driver
    d.run(expect_records: 3, timeout: WAIT) do
      send_data((1..3).map { |n| JSON.generate(message('webapp', n)) }.join).close
    end
    assert_equal [['docker.webapp', [1, 2, 3]]], streams(d)
  end

  test 'the events before a message that fails its read are still emitted' do
    conf = agent_source
    conf['skip_invalid_event'] = 'false' # in_forward then calls to_i on the time, which a Hash does not have
    d = create_driver(conf)
    d.instance.under_plugin_development = false # the server helper logs the error instead of raising it in its thread
    d.run(expect_records: 2, timeout: WAIT) do
      @sock = send_data(msgpack(message('webapp', 1), message('webapp', 2), ['webapp', { 'a' => 1 }, { 'n' => 3 }], message('webapp', 4)))
    end
    assert_equal [['docker.webapp', [1, 2]]], streams(d)
    assert_equal 1, d.logs.grep(/unexpected error on reading data/).size
  ensure
    @sock&.close
  end

  test "the app input of the agent config prefixes app." do
    d = create_driver(agent_source('app_input'))
    d.run(expect_records: 2, timeout: WAIT) do
      send_data(msgpack(message('api', 1), message('api', 2))).close
    end
    assert_equal [['app.api', [1, 2]]], streams(d)
  end

  sub_test_case 'the check of the in_forward internals it relies on' do
    test 'passes on this fluentd' do
      assert_equal [], Fluent::Plugin::DleBatchingForwardInput.missing_internals
      assert_nothing_raised { create_driver }
    end

    test 'names a method in_forward no longer has' do
      error = changing_method(Fluent::Plugin::ForwardInput, :read_messages) do
        assert_raise(Fluent::ConfigError) { create_driver }
      end
      assert_match(/this fluentd \(#{Regexp.escape(Fluent::VERSION)}\) has no ForwardInput#read_messages\(conn, &block\)/, error.message)
      assert_equal [], Fluent::Plugin::DleBatchingForwardInput.missing_internals
    end

    test 'names a connection handler that no longer reads through read_messages' do
      reading_itself = proc { |conn| conn.data { |data| data } }
      error = changing_method(Fluent::Plugin::ForwardInput, :handle_connection, reading_itself) do
        assert_raise(Fluent::ConfigError) { create_driver }
      end
      assert_match(/has no ForwardInput#handle_connection\(conn\) reading through #read_messages:/, error.message)
    end

    test 'names an emit the batch does not take' do
      Fluent::Plugin::ForwardInput.send(:define_method, :dle_test_emit_array) { router.emit_array('t', []) }
      error = assert_raise(Fluent::ConfigError) { create_driver }
      assert_match(/has no ForwardInput emitting only with router\.emit, #emit_stream and #emit_error_event/, error.message)
    ensure
      Fluent::Plugin::ForwardInput.send(:remove_method, :dle_test_emit_array)
    end
  end
end
