require_relative 'helper'
require 'base64'
require_dle_plugin 'filter_dle_events'

# dle_events as the agent runs it: the `app_records` and `other_records` filters of fluentd/agent-log-types.conf, read
# from that file, and the knobs they leave at their defaults.
class DleEventsFilterTest < Test::Unit::TestCase
  include DleRecordCounts

  FLUENTD_DIR = File.expand_path('../../fluentd', __dir__)
  UUID = /\A\h{8}-\h{4}-4\h{3}-[89ab]\h{3}-\h{12}\z/

  # The <filter> of agent-log-types.conf with this @id.
  def agent_filter(id)
    path = File.join(FLUENTD_DIR, 'agent-log-types.conf')
    conf = Fluent::Config.parse(File.read(path), path, FLUENTD_DIR, syntax: :v1)
    conf.elements.find { |e| e.name == 'filter' && e['@id'] == id } or raise "no filter #{id} in #{path}"
  end

  def create_driver(conf)
    Fluent::Test::Driver::Filter.new(Fluent::Plugin::DleEventsFilter).configure(conf)
  end

  # The records that one run of the filter gives for these records, fed as one stream.
  def filter(conf, records, tag:, time: event_time('2026-01-02 03:04:05 UTC'))
    d = create_driver(conf)
    d.run(default_tag: tag) { d.feed(records.map { |r| [time, r] }) }
    d.filtered
  end

  # The counts one stream of these records adds, through a filter of this config.
  def counted(conf, records, tag:, labels:)
    d = create_driver(conf)
    delta = nil
    d.run(default_tag: tag) { delta = added(*labels) { d.feed(records.map { |r| [event_time, r] }) } }
    delta
  end

  test 'the agent config gives an application record its app from the tag and the log type app, keeping its fields and time' do
    time = event_time('2026-01-02 03:04:05.678 UTC')
    out = filter(agent_filter('app_records'), [{ 'level' => 'info', 'message' => 'hi', 'log' => 'hi' }], tag: 'app.api', time: time)
    assert_equal 1, out.size
    event_time_out, record = out.first
    assert_equal_event_time time, event_time_out
    assert_equal({ 'level' => 'info', 'message' => 'hi', 'log' => 'hi', 'app' => 'api', 'log_type' => 'app' },
                 record.reject { |k, _| %w[event_id _id].include?(k) })
  end

  test 'the catch-all of the agent config gives neither app nor log_type, and keeps a log_type a record has' do
    out = filter(agent_filter('other_records'), [{ 'log' => 'plain line' }, { 'log' => 'x', 'log_type' => 'nginx_access' }], tag: 'docker.someprogram')
    first, second = out.map(&:last)
    refute first.key?('app')
    refute first.key?('log_type')
    assert_equal 'nginx_access', second['log_type']
  end

  test 'every event gets one id in event_id and _id: a UUID in base64, another for each event, identical lines too' do
    records = Array.new(50) { { 'log' => 'the same line' } }
    out = filter(agent_filter('app_records'), records, tag: 'app.api').map(&:last)
    assert_equal 50, out.size
    out.each do |r|
      assert_equal r['event_id'], r['_id']
      assert_match UUID, Base64.strict_decode64(r['event_id'])
    end
    assert_equal 50, out.map { |r| r['event_id'] }.uniq.size
  end

  test 'an id given by one dle_events filter is kept by a later one, which passes its stream on untouched and uncounted' do
    first = create_driver(agent_filter('app_records'))
    later = create_driver(agent_filter('other_records'))
    records = [{ 'log' => 'a' }, { 'log' => 'b' }]
    first.run(default_tag: 'app.api') do
      later.run(default_tag: 'app.api') do
        delta = added('app', 'none') do
          es = first.instance.filter_stream('app.api', Fluent::ArrayEventStream.new(records.map { |r| [event_time, r] }))
          ids = es.map { |_, r| r['event_id'] }
          assert_same es, later.instance.filter_stream('app.api', es)
          assert_equal ids, es.map { |_, r| r['event_id'] }
          assert_equal %w[app app], es.map { |_, r| r['log_type'] }
        end
        assert_equal [[2, 0], [0, 0]], delta
      end
    end
  end

  test 'custom id_keys get the id, and the default keys do not' do
    out = filter(config_element('filter', '', { 'app' => 'x', 'id_keys' => 'doc_id' }), [{ 'log' => 'l' }], tag: 't').map(&:last)
    assert_match UUID, Base64.strict_decode64(out.first['doc_id'])
    refute out.first.key?('event_id')
    refute out.first.key?('_id')
  end

  test 'keys with a dot or a leading dollar become storable, in nested hashes and arrays too; values stay as they are' do
    record = {
      'log' => 'a.b $c',
      'kubernetes.labels' => { 'app.kubernetes.io/name' => 'web', 'ok' => 1 },
      '$set' => 'v.1',
      'mid$dle' => 2,
      'list' => [{ '$ref' => 'x' }, 'plain.string', [{ 'deep.er' => true }]],
      "two\n$lines" => 3,
    }
    out = filter(agent_filter('app_records'), [record], tag: 'app.api').map(&:last).first
    expected = {
      'log' => 'a.b $c',
      'kubernetes_labels' => { 'app_kubernetes_io/name' => 'web', 'ok' => 1 },
      '_set' => 'v.1',
      'mid$dle' => 2,
      'list' => [{ '_ref' => 'x' }, 'plain.string', [{ 'deep_er' => true }]],
      "two\n_lines" => 3,
      'app' => 'api',
      'log_type' => 'app',
    }
    assert_equal expected, out.reject { |k, _| %w[event_id _id].include?(k) }
  end

  test 'a record whose keys are all storable is passed on as the same hash, not a copy' do
    record = { 'log' => 'line', 'nested' => { 'a' => [{ 'b' => 1 }] } }
    out = filter(agent_filter('other_records'), [record], tag: 'docker.x').map(&:last).first
    assert_same record, out
  end

  test 'a line that is not valid UTF-8 gets U+FFFD for its invalid bytes and is valid UTF-8 after' do
    lines = {
      'invalid UTF-8' => "caf\xC3 ok \xFF".dup.force_encoding(Encoding::UTF_8),
      'binary, valid bytes' => "caf\xC3\xA9".b,
      'binary, invalid bytes' => "\xFE\xFFend".b,
    }
    out = filter(agent_filter('other_records'), lines.values.map { |l| { 'log' => l } }, tag: 'docker.x').map { |_, r| r['log'] }
    out.each do |line|
      assert_equal Encoding::UTF_8, line.encoding
      assert_true line.valid_encoding?
    end
    assert_equal ["caf\uFFFD ok \uFFFD", 'café', "\uFFFD\uFFFDend"], out
  end

  test 'a valid line is kept as it is, and a log that is not a string is left alone' do
    line = +'déjà vu'
    out = filter(agent_filter('other_records'), [{ 'log' => line }, { 'log' => 42 }, { 'message' => "\xFF" }], tag: 'docker.x').map(&:last)
    assert_same line, out[0]['log']
    assert_equal 42, out[1]['log']
    refute out[2].key?('log')
  end

  test 'key_name chooses the field made valid UTF-8' do
    out = filter(config_element('filter', '', { 'key_name' => 'msg' }), [{ 'msg' => "a\xFFb".b, 'log' => "c\xFF".b }], tag: 't').map(&:last).first
    assert_equal "a\uFFFDb", out['msg']
    assert_equal "c\xFF".b, out['log']
  end

  test 'dle_records_total counts the events of a stream by log type, and dle_records_unparsed_total those with parse_error' do
    records = [
      { 'log' => 'a', 'log_type' => 'app' },
      { 'log' => 'b', 'log_type' => 'nginx_error', 'parse_error' => 'does not match' },
      { 'log' => 'c', 'log_type' => 'nginx_error' },
      { 'log' => 'd', 'log_type' => 'made_up_by_a_sender' },
      { 'log' => 'e' },
      { 'log' => 'f', 'parse_error' => 'x' },
    ]
    delta = counted(agent_filter('other_records'), records, tag: 'docker.x', labels: %w[app nginx_error other none])
    assert_equal [[1, 0], [2, 1], [1, 0], [2, 1]], delta
    refute counter(:dle_records_total).values.keys.any? { |labels| labels[:log_type] == 'made_up_by_a_sender' }
  end

  test 'the app_records filter counts its events under its own log type' do
    records = [{ 'log' => 'a' }, { 'log' => 'b', 'parse_error' => 'x' }, { 'log' => 'c' }]
    assert_equal [[3, 1], [0, 0]], counted(agent_filter('app_records'), records, tag: 'app.api', labels: %w[app none])
  end

  test 'every log type of the filter has its series at 0 from the start' do
    type = "t#{Process.pid}_#{rand(1 << 30)}"
    d = create_driver(config_element('filter', '', { 'log_types' => "#{type},other_#{type}" }))
    d.run(default_tag: 't') {}
    [type, "other_#{type}"].each do |t|
      assert_equal 0.0, counter(:dle_records_total).values.fetch({ log_type: t })
      assert_equal 0.0, counter(:dle_records_unparsed_total).values.fetch({ log_type: t })
    end
  end

  test 'a filter that starts leaves the counts of the log types it shares with another as they are' do
    type = "k#{Process.pid}_#{rand(1 << 30)}"
    conf = config_element('filter', '', { 'log_type' => type })
    assert_equal [[2, 1]], counted(conf, [{ 'log' => 'a' }, { 'log' => 'b', 'parse_error' => 'x' }], tag: 't', labels: [type])
    second = create_driver(conf)
    second.run(default_tag: 't') do
      assert_equal [[2, 1]], counts(type)
      second.feed(event_time, { 'log' => 'c' })
    end
    assert_equal [[3, 1]], counts(type)
  end

  test 'a fixed app, and none where the tag has no such part' do
    fixed = filter(config_element('filter', '', { 'app' => 'webapp' }), [{ 'log' => 'x' }], tag: 'docker.whatever').map(&:last).first
    assert_equal 'webapp', fixed['app']
    short = filter(config_element('filter', '', { 'app_tag_part' => '3' }), [{ 'log' => 'x' }], tag: 'app.api').map(&:last).first
    refute short.key?('app')
  end

  test 'app and app_tag_part together are refused' do
    error = assert_raise(Fluent::ConfigError) { create_driver(config_element('filter', '', { 'app' => 'a', 'app_tag_part' => '1' })) }
    assert_match(/app or app_tag_part, not both/, error.message)
  end
end
