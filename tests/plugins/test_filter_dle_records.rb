require_relative 'helper'
require_dle_plugin 'filter_dle_records'

# dle_records as the forwarders run it: the `metrics_records` <filter> of fluentd/forwarder.conf, read from that file
# (the block alone: the rest of the file reads the forwarder's environment and secrets).
class DleRecordsFilterTest < Test::Unit::TestCase
  include DleRecordCounts

  FORWARDER_CONF = File.expand_path('../../fluentd/forwarder.conf', __dir__)

  def forwarder_filter
    block = File.read(FORWARDER_CONF)[/^<filter [^>]*>\n(?:(?!<\/filter>).)*@type dle_records.*?^<\/filter>/m] or raise "no dle_records filter in #{FORWARDER_CONF}"
    Fluent::Config.parse(block, FORWARDER_CONF, File.dirname(FORWARDER_CONF), syntax: :v1).elements.first
  end

  def create_driver(conf = forwarder_filter)
    Fluent::Test::Driver::Filter.new(Fluent::Plugin::DleRecordsFilter).configure(conf)
  end

  # What feeding these streams through a started filter of this config adds to counts(*labels).
  def counted(labels, streams, conf: forwarder_filter, tag: 'docker.webapp')
    d = create_driver(conf)
    delta = nil
    d.run(default_tag: tag) { delta = added(*labels) { streams.each { |records| d.feed(records.map { |r| [event_time, r] }) } } }
    delta
  end

  # The log types the agent's filters give (fluentd/agent-log-types.conf): each dle_log_type's <parse> sections, each
  # dle_events' log_type, and those its catch-all counts.
  def agent_log_types
    path = File.expand_path('../../fluentd/agent-log-types.conf', __dir__)
    filters = Fluent::Config.parse(File.read(path), path, File.dirname(path), syntax: :v1).elements.select { |e| e.name == 'filter' }
    given = filters.flat_map do |f|
      case f['@type']
      when 'dle_log_type' then f.elements.select { |e| e.name == 'parse' }.map(&:arg)
      when 'dle_events' then [f['log_type']].compact
      else []
      end
    end
    counted = filters.select { |f| f['@type'] == 'dle_events' && f['log_types'] }.flat_map { |f| f['log_types'].split(',') }
    [given.uniq.sort, counted.uniq.sort]
  end

  test "the forwarder counts the tags the agent forwards, by exactly the log types the agent's filters give" do
    conf = forwarder_filter
    given, counted_at_agent = agent_log_types
    refute_empty given
    assert_equal [given, given], [create_driver(conf).instance.log_types.sort, counted_at_agent]
    agent_forwards = File.read(File.expand_path('../../fluentd/agent.conf', __dir__))[/^<match ([^>]+)>/, 1]
    assert_equal agent_forwards, conf.arg
  end

  test 'events are counted by log type, those with parse_error also as unparsed, others under other and none' do
    records = [
      { 'log_type' => 'nginx_access' }, { 'log_type' => 'nginx_access' },
      { 'log_type' => 'nginx_error', 'parse_error' => 'does not match' },
      { 'log_type' => 'app', 'parse_error' => 'not a JSON object' }, { 'log_type' => 'app' },
      { 'log_type' => 'made_up' }, { 'log_type' => { 'not' => 'a string' } },
      { 'log' => 'no type' }, { 'log' => 'no type', 'parse_error' => nil },
    ]
    delta = counted(%w[nginx_access nginx_error app other none], [records])
    assert_equal [[2, 0], [1, 1], [2, 1], [2, 0], [2, 1]], delta
  end

  test 'several streams add up' do
    assert_equal [[5, 2]], counted(%w[app], [[{ 'log_type' => 'app' }] * 2, [{ 'log_type' => 'app', 'parse_error' => 'x' }] * 2, [{ 'log_type' => 'app' }]])
  end

  test 'a log type a sender makes up never becomes a label' do
    made_up = "made_up_#{Process.pid}_#{rand(1 << 30)}"
    assert_equal [[1, 0]], counted(%w[other], [[{ 'log_type' => made_up }]])
    labels = counter(:dle_records_total).values.keys.map { |l| l[:log_type] }
    refute_includes labels, made_up
  end

  test "the stream is passed on as it came: the same object, the agent's MessagePack stream as it was" do
    records = [{ 'log_type' => 'app', 'a' => 1 }, { 'log_type' => 'nginx_error' }]
    es = Fluent::MessagePackEventStream.new(Fluent::MultiEventStream.new([event_time] * 2, records).to_msgpack_stream)
    d = create_driver
    d.run(default_tag: 'docker.webapp') do
      assert_same es, d.instance.filter_stream('docker.webapp', es)
    end
    assert_equal records, es.map { |_, r| r }
  end

  test 'log_type_key and parse_error_key name the fields read' do
    type = "k#{rand(1 << 30)}"
    conf = config_element('filter', '', { 'log_types' => type, 'log_type_key' => 'kind', 'parse_error_key' => 'bad' })
    delta = counted([type], [[{ 'kind' => type, 'bad' => 1 }, { 'kind' => type, 'parse_error' => 'x' }, { 'log_type' => type }]], conf: conf)
    assert_equal [[2, 1]], delta
  end

  test 'each log type of the schema has its series from the start' do
    type = "s#{Process.pid}_#{rand(1 << 30)}"
    create_driver(config_element('filter', '', { 'log_types' => type }))
    [:dle_records_total, :dle_records_unparsed_total].each do |name|
      assert_equal 0.0, counter(name).values.fetch({ log_type: type }), name
    end
  end

  test 'a second filter of the same log types leaves their counts as they are' do
    type = "c#{Process.pid}_#{rand(1 << 30)}"
    conf = config_element('filter', '', { 'log_types' => type })
    assert_equal [[2, 1]], counted([type], [[{ 'log_type' => type }, { 'log_type' => type, 'parse_error' => 'x' }]], conf: conf)
    second = create_driver(conf)
    second.run(default_tag: 'docker.webapp') do
      assert_equal [[2, 1]], counts(type)
      second.feed(event_time, { 'log_type' => type })
    end
    assert_equal [[3, 1]], counts(type)
  end

  test 'log_types is required' do
    assert_raise(Fluent::ConfigError) { create_driver(config_element('filter', '', {})) }
  end
end
