require_relative 'helper'
require 'socket'
require_dle_plugin 'in_dle_monitor'
require_dle_plugin 'in_dle_batching_forward'

# dle_monitor as fluentd/metrics.conf configures it (its <source>, read from that file), reading a real root agent: one
# configured from a config of its own here (a forward input, an out_forward with a primary, a standby and an unnamed
# server, a relabel output without a buffer, a null one with a buffer in a label) and made Fluent::Engine's for the test. Each test names its
# plugins anew (the Prometheus registry is the process's, as in fluentd).
class DleMonitorInputTest < Test::Unit::TestCase
  METRICS_CONF = File.expand_path('../../fluentd/metrics.conf', __dir__)
  WAIT = 5

  def setup
    @saved_root_agent = Fluent::Engine.root_agent
    @id = "t#{Process.pid}_#{rand(1 << 40)}"
  end

  def teardown
    Fluent::Engine.instance_variable_set(:@root_agent, @saved_root_agent)
  end

  def metrics_source
    block = File.read(METRICS_CONF)[/^<source>\n\s*@type dle_monitor\n.*?^<\/source>/m] or raise "no dle_monitor source in #{METRICS_CONF}"
    Fluent::Config.parse(block, METRICS_CONF, File.dirname(METRICS_CONF), syntax: :v1).elements.first
  end

  def create_driver(conf = metrics_source)
    Fluent::Test::Driver::Input.new(Fluent::Plugin::DleMonitorInput).configure(conf)
  end

  # Configures a root agent of this config and makes it fluentd's.
  def use_root_agent(conf)
    agent = Fluent::RootAgent.new(log: $log, system_config: Fluent::SystemConfig.new)
    Fluent::Engine.instance_variable_set(:@root_agent, agent) # relabel finds its label there while configuring
    agent.configure(Fluent::Config.parse(conf, '(test)', '(test_dir)', syntax: :v1))
    agent
  end

  def pipeline
    use_root_agent(<<~CONF)
      <source>
        @type forward
        @id in_#{@id}
        bind 127.0.0.1
        port 1
      </source>
      <match to.forwarders>
        @type forward
        @id fwd_#{@id}
        <server>
          name primary
          host 127.0.0.1
          port 1
        </server>
        <server>
          host 127.0.0.1
          port 2
          weight 20
        </server>
        <server>
          name secondary
          host 127.0.0.1
          port 3
          standby
        </server>
        <server>
          name unused
          host 127.0.0.1
          port 4
          weight 0
        </server>
        <buffer>
          @type memory
          total_limit_size 123456
        </buffer>
      </match>
      <label @ELSEWHERE>
        <match **>
          @type null
          @id labelled_#{@id}
          <buffer>
            total_limit_size 7777
          </buffer>
        </match>
      </label>
      <match **>
        @type relabel
        @id unbuffered_#{@id}
        @label @ELSEWHERE
      </match>
    CONF
  end

  def metric(name)
    Prometheus::Client.registry.get(name)
  end

  # The series' value; nil where it does not exist (the store's hash would answer 0.0 for it).
  def value(name, labels)
    metric(name).values.fetch(labels, nil)
  end

  def output(agent, id)
    (agent.outputs + agent.labels.values.flat_map(&:outputs)).find { |o| o.plugin_id == id }
  end

  test "the records each input emitted follow fluentd's count, added once" do
    agent = pipeline
    d = create_driver
    input = agent.inputs.first
    labels = { plugin_id: "in_#{@id}", type: 'forward' }
    input.router.emit_stream('x', Fluent::ArrayEventStream.new([[event_time, { 'a' => 1 }]] * 3))
    d.instance.update
    assert_equal 3.0, value(:fluentd_input_status_emit_records_total, labels)
    d.instance.update
    assert_equal 3.0, value(:fluentd_input_status_emit_records_total, labels)
    input.router.emit_stream('x', Fluent::ArrayEventStream.new([[event_time, { 'a' => 2 }]] * 2))
    d.instance.update
    assert_equal 5.0, value(:fluentd_input_status_emit_records_total, labels)
  end

  test "each buffer's total limit, of outputs at the top and in labels; none for an output without a buffer" do
    pipeline
    create_driver.instance.update
    assert_equal 123_456.0, value(:fluentd_output_status_buffer_total_limit_bytes, { plugin_id: "fwd_#{@id}", type: 'forward' })
    assert_equal 7777.0, value(:fluentd_output_status_buffer_total_limit_bytes, { plugin_id: "labelled_#{@id}", type: 'null' })
    assert_nil value(:fluentd_output_status_buffer_total_limit_bytes, { plugin_id: "unbuffered_#{@id}", type: 'relabel' })
  end

  test "the chunks written to a secondary follow fluentd's count, added once" do
    agent = pipeline
    d = create_driver
    # What fluentd counts for statistics' write_secondary_count, as its secondary writes do.
    written = output(agent, "fwd_#{@id}").instance_variable_get(:@write_secondary_count_metrics)
    labels = { plugin_id: "fwd_#{@id}", type: 'forward' }
    d.instance.update
    assert_equal 0.0, value(:fluentd_output_status_write_secondary_count_total, labels)
    written.add(2)
    d.instance.update
    d.instance.update
    assert_equal 2.0, value(:fluentd_output_status_write_secondary_count_total, labels)
    written.add(3)
    d.instance.update
    assert_equal 5.0, value(:fluentd_output_status_write_secondary_count_total, labels)
  end

  test "out_forward's nodes: available, and serving as its load balancer would (the standby only for a lost regular)" do
    agent = pipeline
    d = create_driver
    plugin_id = "fwd_#{@id}"
    nodes = output(agent, plugin_id).nodes.to_h { |n| [n.name || "#{n.host}:#{n.port}", n] }
    state = lambda do
      d.instance.update
      %w[primary 127.0.0.1:2 secondary].map do |node|
        [value(:fluentd_output_forward_node_available, { plugin_id: plugin_id, node: node, standby: (node == 'secondary').to_s }),
         value(:fluentd_output_forward_node_serving, { plugin_id: plugin_id, node: node })]
      end
    end
    assert_equal [[1.0, 1.0], [1.0, 1.0], [1.0, 0.0]], state.call
    nodes['127.0.0.1:2'].disable!
    assert_equal [[1.0, 1.0], [0.0, 0.0], [1.0, 1.0]], state.call
    nodes['127.0.0.1:2'].instance_variable_set(:@available, true)
    nodes['primary'].disable!
    assert_equal [[0.0, 0.0], [1.0, 1.0], [1.0, 1.0]], state.call
    nodes['secondary'].disable!
    assert_equal [[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]], state.call
    refute metric(:fluentd_output_forward_node_serving).values.keys.any? { |l| l[:plugin_id] == plugin_id && l[:node] == 'unused' }
  end

  test 'the timer reads the plugins every interval' do
    pipeline
    conf = metrics_source
    conf['interval'] = '0.2'
    d = create_driver(conf)
    labels = { plugin_id: "fwd_#{@id}", type: 'forward' }
    d.end_if { value(:fluentd_output_status_buffer_total_limit_bytes, labels) }
    d.run(timeout: WAIT)
    assert_equal 123_456.0, value(:fluentd_output_status_buffer_total_limit_bytes, labels)
  end

  test 'a failure to read the plugins is logged, not raised' do
    broken = Object.new
    def broken.inputs = raise('boom')
    Fluent::Engine.instance_variable_set(:@root_agent, broken)
    d = create_driver
    assert_nothing_raised { d.instance.update }
    assert_equal 1, d.logs.grep(/dle_monitor: could not read the plugins.*boom/).size
  end

  # A forward input of this class and @type on a free port of 127.0.0.1, under the Input driver; its port.
  def forward_input(klass, type)
    port = unused_port
    conf = config_element('source', '', { '@type' => type, '@id' => "in_#{@id}", 'bind' => '127.0.0.1', 'port' => port.to_s })
    [Fluent::Test::Driver::Input.new(klass).configure(conf), port]
  end

  test 'the events in_forward drops as invalid are counted for its input, the valid ones not' do
    create_driver
    forward, port = forward_input(Fluent::Plugin::ForwardInput, 'forward')
    labels = { plugin_id: "in_#{@id}", type: 'forward' }
    packer = Fluent::MessagePackFactory.msgpack_packer
    packer.write(['t', 1_764_669_600, { 'ok' => 1 }])
    packer.write(['t', 1_764_669_600, 'not a record'])
    packer.write(['t', [[1_764_669_600, { 'ok' => 2 }], [1_764_669_600.5, { 'bad time' => 1 }], [1_764_669_600, nil]]])
    packer.write(['t', 1_764_669_600, { 'ok' => 3 }])
    forward.run(expect_records: 3, timeout: WAIT) do
      TCPSocket.open('127.0.0.1', port) { |s| s.write(packer.to_s) }
    end
    assert_equal [1, 2, 3], forward.events.map { |_, _, r| r['ok'] }
    assert_equal 3.0, value(:fluentd_input_status_invalid_events_total, labels)
  end

  # The agent's dle_batching_forward inputs drop invalid events by in_forward's invalid_event? too. Each input's events
  # are counted under its own type, in the series each reading of the monitor sets up, and a reading leaves a count as
  # it is.
  data('in_forward' => [Fluent::Plugin::ForwardInput, 'forward'],
       "the agent's dle_batching_forward" => [Fluent::Plugin::DleBatchingForwardInput, 'dle_batching_forward'])
  test 'the invalid events stay counted, under the input\'s own type, across the readings of the monitor' do |(klass, type)|
    d = create_driver
    forward, port = forward_input(klass, type)
    Fluent::Engine.instance_variable_set(:@root_agent, Struct.new(:inputs, :outputs, :labels).new([forward.instance], [], {}))
    labels = { plugin_id: "in_#{@id}", type: type }
    send_invalid = lambda do |count|
      packer = Fluent::MessagePackFactory.msgpack_packer
      count.times { packer.write(['t', 1_764_669_600, 'not a record']) }
      TCPSocket.open('127.0.0.1', port) { |s| s.write(packer.to_s) }
    end
    counted = ->(n) { wait_until(WAIT) { value(:fluentd_input_status_invalid_events_total, labels) == n } }
    forward.run(timeout: WAIT) do
      d.instance.update
      assert_equal 0.0, value(:fluentd_input_status_invalid_events_total, labels), 'a reading sets up the series at 0'
      send_invalid.call(2)
      assert_true counted.call(2.0), 'the invalid events were not counted under the input\'s own type'
      d.instance.update
      assert_equal 2.0, value(:fluentd_input_status_invalid_events_total, labels), 'a reading of the monitor reset the count'
      send_invalid.call(3)
      assert_true counted.call(5.0), 'the count did not grow after a reading'
      d.instance.update
      assert_equal 5.0, value(:fluentd_input_status_invalid_events_total, labels)
    end
    assert_equal [type], metric(:fluentd_input_status_invalid_events_total).values.keys.select { |l| l[:plugin_id] == "in_#{@id}" }.map { |l| l[:type] }
  end

  sub_test_case 'the check of the fluentd internals it relies on' do
    test 'passes on this fluentd' do
      assert_equal [], Fluent::Plugin::DleMonitorInput.missing_internals
      assert_nothing_raised { create_driver }
    end

    test "names in_forward's invalid_event? where in_forward no longer has it" do
      create_driver # in_forward's own invalid_event? is then under dle's counting one
      error = changing_method(Fluent::Plugin::ForwardInput, :invalid_event?) do
        assert_raise(Fluent::ConfigError) { create_driver }
      end
      assert_match(/this fluentd \(#{Regexp.escape(Fluent::VERSION)}\) has no ForwardInput#invalid_event\?\(tag, time, record\)/, error.message)
      assert_equal [], Fluent::Plugin::DleMonitorInput.missing_internals
    end

    test 'names a statistic that Output#statistics no longer reports' do
      without_it = proc { { 'output' => { 'emit_records' => 0 } } }
      error = changing_method(Fluent::Plugin::Output, :statistics, without_it) do
        assert_raise(Fluent::ConfigError) { create_driver }
      end
      assert_match(/has no Output#statistics\['output'\]\['write_secondary_count'\]/, error.message)
      assert_equal [], Fluent::Plugin::DleMonitorInput.missing_internals
    end
  end
end
