require_relative 'helper'
require 'base64'
require_dle_plugin 'filter_dle_log_type'

# dle_log_type as the agent runs it: the webapp's and the api's <filter> of fluentd/agent-log-types.conf, read from that
# file with its @include of the parsers in fluentd/parsers/, fed records as Docker's log driver sends them.
class DleLogTypeFilterTest < Test::Unit::TestCase
  include DleRecordCounts

  FLUENTD_DIR = File.expand_path('../../fluentd', __dir__)
  LOG_DRIVER_TIME = '2026-12-02 10:00:07 UTC'

  # fluentd/parsers/nginx-access.conf's sample line.
  ACCESS_LINE = '{"time":1764669600.123,"client_ip":"172.18.0.1","x_forwarded_for":"","method":"GET","path":"/",' \
                '"query":"dle-verify=r1-0","protocol":"HTTP/1.1","status":200,"bytes_sent":237,"referer":"",' \
                '"user_agent":"curl/8.5.0","request_time":0.000,"upstream_addr":"10.0.0.5:8080, 10.0.0.6:8080",' \
                '"upstream_response_time":"0.002, 0.004","request_id":"94c5abd79599f7effd7ff3669629ff2f"}'
  # fluentd/parsers/nginx-error.conf's sample line.
  ERROR_LINE = '2026/12/02 10:00:00 [error] 29#29: *5 connect() failed (111: Connection refused) while connecting to ' \
               'upstream, client: 172.18.0.1, server: , request: "GET /api/hello HTTP/1.1", upstream: ' \
               '"http://127.0.0.1:8080/api/hello", host: "localhost:8000"'

  def agent_filter(id)
    path = File.join(FLUENTD_DIR, 'agent-log-types.conf')
    conf = Fluent::Config.parse(File.read(path), path, FLUENTD_DIR, syntax: :v1)
    conf.elements.find { |e| e.name == 'filter' && e['@id'] == id } or raise "no filter #{id} in #{path}"
  end

  def webapp
    agent_filter('webapp_log_types')
  end

  def api
    agent_filter('api_log_types')
  end

  def create_driver(conf)
    Fluent::Test::Driver::Filter.new(Fluent::Plugin::DleLogTypeFilter).configure(conf)
  end

  # [[time, record], ...] that the filter makes of these records (one stream, each with the log driver's time).
  def filter(conf, records, tag: 'docker.webapp')
    d = create_driver(conf)
    d.run(default_tag: tag) { d.feed(records.map { |r| [event_time(LOG_DRIVER_TIME), r] }) }
    d.filtered
  end

  def line(log, source = 'stdout')
    { 'container_name' => '/dle-webapp', 'source' => source, 'log' => log }
  end

  def without_ids(record)
    record.reject { |k, _| %w[event_id _id].include?(k) }
  end

  test "an access line becomes an nginx_access event of its fields, typed as the parser says, at nginx's time" do
    time, record = filter(webapp, [line(ACCESS_LINE)]).first
    assert_equal_event_time event_time('2025-12-02 10:00:00.123 UTC'), time
    expected = {
      'container_name' => '/dle-webapp', 'source' => 'stdout', 'log' => ACCESS_LINE, 'app' => 'webapp', 'log_type' => 'nginx_access',
      'client_ip' => '172.18.0.1', 'x_forwarded_for' => nil, 'method' => 'GET', 'path' => '/', 'query' => 'dle-verify=r1-0',
      'protocol' => 'HTTP/1.1', 'status' => 200, 'bytes_sent' => 237, 'referer' => nil, 'user_agent' => 'curl/8.5.0',
      'request_time' => 0.0, 'upstream_addr' => '10.0.0.5:8080, 10.0.0.6:8080', 'upstream_response_time' => 0.002,
      'request_id' => '94c5abd79599f7effd7ff3669629ff2f',
    }
    assert_equal expected, without_ids(record)
    assert_kind_of Integer, record['status']
    assert_kind_of Float, record['request_time']
  end

  test 'an access line with numbers as strings gets them typed' do
    _, record = filter(webapp, [line('{"time":1764669600.5,"status":"404","bytes_sent":"0","request_time":"1.5","upstream_response_time":""}')]).first
    assert_equal [404, 0, 1.5, nil], record.values_at('status', 'bytes_sent', 'request_time', 'upstream_response_time')
  end

  test "an error line becomes an nginx_error event of its parts, at the log driver's time (the line's has no zone)" do
    time, record = filter(webapp, [line(ERROR_LINE, 'stderr')]).first
    assert_equal_event_time event_time(LOG_DRIVER_TIME), time
    expected = {
      'container_name' => '/dle-webapp', 'source' => 'stderr', 'log' => ERROR_LINE, 'app' => 'webapp', 'log_type' => 'nginx_error',
      'level' => 'error', 'pid' => 29, 'connection_id' => 5,
      'message' => 'connect() failed (111: Connection refused) while connecting to upstream',
      'client_ip' => '172.18.0.1', 'request' => 'GET /api/hello HTTP/1.1', 'upstream' => 'http://127.0.0.1:8080/api/hello',
      'host' => 'localhost:8000',
    }
    assert_equal expected, without_ids(record)
  end

  test 'an error line without a request has no request parts; one with every part and a quote in its request keeps them apart' do
    lines = [
      '2026/12/02 10:00:00 [notice] 1#1: start worker processes',
      '2026/12/02 10:00:01 [warn] 30#30: *9 an upstream response is buffered to a temporary file, client: 10.0.0.1, ' \
      'server: example.org, request: "GET /x?q="y" HTTP/1.1", subrequest: "/sub", upstream: "http://10.0.0.2:8080/x", ' \
      'host: "h.example", referrer: "http://r.example/"',
    ]
    notice, warn = filter(webapp, lines.map { |l| line(l, 'stderr') }).map(&:last)
    assert_equal ['notice', 1, nil, 'start worker processes', nil, nil],
                 notice.values_at('level', 'pid', 'connection_id', 'message', 'client_ip', 'request')
    assert_nil notice['parse_error']
    assert_equal ['warn', 30, 9, 'an upstream response is buffered to a temporary file', '10.0.0.1', 'GET /x?q="y" HTTP/1.1',
                  'http://10.0.0.2:8080/x', 'h.example'],
                 warn.values_at('level', 'pid', 'connection_id', 'message', 'client_ip', 'request', 'upstream', 'host')
  end

  test 'the stream chooses the log type: stdout access, stderr error, any other (or none) the first <parse>' do
    records = [line(ACCESS_LINE, 'stdout'), line(ERROR_LINE, 'stderr'), line(ACCESS_LINE, 'other'), line(ACCESS_LINE).tap { |r| r.delete('source') }]
    out = filter(webapp, records).map(&:last)
    assert_equal %w[nginx_access nginx_error nginx_access nginx_access], out.map { |r| r['log_type'] }
    assert_equal [nil, nil, nil, nil], out.map { |r| r['parse_error'] }
  end

  test 'a line that does not parse is kept whole with parse_error saying why, and counted as a parse error' do
    records = [line('plain text on stdout'), line('[1,2]'), line('no date [error] here', 'stderr'), { 'source' => 'stdout' }, line(42)]
    d = create_driver(webapp)
    delta = nil
    d.run(default_tag: 'docker.webapp') do
      delta = added('nginx_access', 'nginx_error') { d.feed(records.map { |r| [event_time(LOG_DRIVER_TIME), r] }) }
    end
    out = d.filtered.map(&:last)
    assert_equal ['not a JSON object', 'not a JSON object', 'does not match the pattern of the log type',
                  'no log field, or not a string', 'no log field, or not a string'], out.map { |r| r['parse_error'] }
    assert_equal ['plain text on stdout', '[1,2]', 'no date [error] here', nil, 42], out.map { |r| r['log'] }
    assert_equal %w[nginx_access nginx_access nginx_error nginx_access nginx_access], out.map { |r| r['log_type'] }
    assert_equal(%w[webapp] * 5, out.map { |r| r['app'] })
    out.each { |r| assert_match(/\A[A-Za-z0-9+\/]+=*\z/, r['event_id']) }
    assert_equal 5, d.instance.statistics['filter']['parse_errors']
    assert_equal [[4, 4], [1, 1]], delta
    assert_equal d.filtered.map(&:first), [event_time(LOG_DRIVER_TIME)] * 5
  end

  test 'parsed events are counted by their log type' do
    d = create_driver(webapp)
    d.run(default_tag: 'docker.webapp') do
      delta = added('nginx_access', 'nginx_error', 'none') do
        d.feed([[event_time, line(ACCESS_LINE)], [event_time, line(ERROR_LINE, 'stderr')], [event_time, line(ACCESS_LINE)]])
      end
      assert_equal [[2, 0], [1, 0], [0, 0]], delta
    end
    assert_equal 0, d.instance.statistics['filter']['parse_errors']
  end

  test 'a line cannot set its app, log type or line' do
    forged = '{"time":1764669600,"app":"api","log_type":"app","log":"forged","status":200}'
    _, record = filter(webapp, [line(forged)]).first
    assert_equal ['webapp', 'nginx_access', forged, 200], record.values_at('app', 'log_type', 'log', 'status')
  end

  test 'a line that is not valid UTF-8 is parsed, its line and fields with U+FFFD for the invalid bytes' do
    api_line = "{\"level\":\"info\",\"message\":\"caf\xC3 \xFF\"}".b
    error_line = "2026/12/02 10:00:00 [error] 7#7: open() \"/srv/\xFF.html\" failed".b
    api_record = filter(api, [line(api_line)], tag: 'docker.api').first.last
    error_record = filter(webapp, [line(error_line, 'stderr')]).first.last
    assert_nil api_record['parse_error']
    assert_equal "caf\uFFFD \uFFFD", api_record['message']
    assert_equal "open() \"/srv/\uFFFD.html\" failed", error_record['message']
    [api_record['log'], api_record['message'], error_record['log'], error_record['message']].each do |s|
      assert_equal Encoding::UTF_8, s.encoding
      assert_true s.valid_encoding?
    end
  end

  test 'parsed keys with a dot or a leading dollar become storable' do
    _, record = filter(api, [line('{"a.b":1,"$where":{"x.y":[{"$z":2}]},"ok":3}')], tag: 'docker.api').first
    assert_equal({ 'a_b' => 1, '_where' => { 'x_y' => [{ '_z' => 2 }] }, 'ok' => 3 },
                 record.slice('a_b', '_where', 'ok', 'a.b', '$where'))
  end

  test "the api's line: typed duration, its stack as one field, at the log driver's time" do
    api_line = '{"level":"fatal","message":"Uncaught Error: boom","error_type":"Error","stack":"Error: boom\n    at f (x.js:1:2)","duration_ms":"12.5"}'
    time, record = filter(api, [line(api_line)], tag: 'docker.api').first
    assert_equal_event_time event_time(LOG_DRIVER_TIME), time
    assert_equal ['api', 'app', 'fatal', "Error: boom\n    at f (x.js:1:2)", 12.5],
                 record.values_at('app', 'log_type', 'level', 'stack', 'duration_ms')
  end

  test 'a line of several JSON objects makes one event each, each its own hash and id, the fed record untouched' do
    fed = line('[{"level":"info","n":1},{"level":"warn","n":2}]')
    original = Marshal.load(Marshal.dump(fed))
    out = filter(api, [fed], tag: 'docker.api').map(&:last)
    assert_equal [1, 2], out.map { |r| r['n'] }
    refute_same out[0], out[1]
    refute_equal out[0]['event_id'], out[1]['event_id']
    out.each { |r| assert_equal r['event_id'], r['_id'] }
    assert_equal original, fed
  end

  test 'every event gets its own id, the same in event_id and _id' do
    out = filter(webapp, Array.new(20) { line(ACCESS_LINE) }).map(&:last)
    assert_equal 20, out.map { |r| r['event_id'] }.uniq.size
    out.each do |r|
      assert_equal r['event_id'], r['_id']
      assert_match(/\A\h{8}-\h{4}-4\h{3}-[89ab]\h{3}-\h{12}\z/, Base64.strict_decode64(r['event_id']))
    end
  end

  test 'configurations dle_log_type refuses' do
    cases = {
      'a <parse> without a log type' => [config_element('filter', '', {}, [config_element('parse', '', { '@type' => 'json' })]), /needs a <parse LOG_TYPE> section/],
      'log_type' => [config_element('filter', '', { 'log_type' => 'app' }, [config_element('parse', 'app', { '@type' => 'json' })]), /not from log_type/],
      'a stream of an unknown type' => [config_element('filter', '', { 'type_by_stream' => 'stdout:app,stderr:nope' }, [config_element('parse', 'app', { '@type' => 'json' })]), /without a <parse> section: nope/],
    }
    cases.each do |name, (conf, message)|
      error = assert_raise(Fluent::ConfigError, name) { create_driver(conf) }
      assert_match message, error.message, name
    end
    # Without any <parse>, fluentd's parser helper refuses first (an ArgumentError: its <parse> section has no default @type).
    assert_raise(Fluent::ConfigError, ArgumentError) { create_driver(config_element('filter', '', { 'app' => 'x' })) }
  end
end
