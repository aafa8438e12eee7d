require_relative 'helper'
require_dle_plugin('out_dle_cloudwatch_logs')

# dle_cloudwatch_logs (fluentd/plugins/out_dle_cloudwatch_logs.rb): fluent-plugin-cloudwatch-logs with each event's log
# group chosen among the groups the stack created, `<prefix><app>/<log_type>` or `<prefix>other`; configure refuses a
# setting that would let the plugin look for a group elsewhere. Its writes to CloudWatch Logs are tested end to end
# against the stand-in (tests/e2e/cloudwatch.test.ts).
class DleCloudwatchLogsOutputTest < Test::Unit::TestCase
  GROUPS = 'webapp/nginx_access,webapp/nginx_error,api/app,canary/app,other'

  def setup
    Fluent::Test.setup
  end

  def config(overrides = {})
    params = {
      'region' => 'us-east-1', 'log_group_prefix' => '/dle/test/logs/', 'log_groups' => GROUPS,
      'log_group_name_key' => 'dle_log_group', 'remove_log_group_name_key' => 'true', 'log_stream_name' => 'primary',
    }.merge(overrides).compact
    params.map { |k, v| "#{k} #{v}" }.join("\n")
  end

  def driver(conf = config)
    Fluent::Test::Driver::Output.new(Fluent::Plugin::DleCloudwatchLogsOutput).configure(conf)
  end

  # The group the output gives an event, as the buffer holds it.
  def group_of(record)
    packed = driver.instance.format('docker.webapp', Fluent::EventTime.now, record)
    Fluent::MessagePackFactory.msgpack_unpacker.feed(packed).read[2]['dle_log_group']
  end

  test 'an event of a listed app and log type goes to its own group' do
    assert_equal '/dle/test/logs/webapp/nginx_access', group_of('app' => 'webapp', 'log_type' => 'nginx_access')
    assert_equal '/dle/test/logs/api/app', group_of('app' => 'api', 'log_type' => 'app')
  end

  test 'an event of another app, another log type or none goes to the other group' do
    assert_equal '/dle/test/logs/other', group_of('app' => 'batch-job', 'log_type' => 'app')
    assert_equal '/dle/test/logs/other', group_of('app' => 'webapp', 'log_type' => 'app')
    assert_equal '/dle/test/logs/other', group_of('log' => 'a line of no application')
  end

  test 'the event itself is left as it came' do
    record = { 'app' => 'api', 'log_type' => 'app', 'message' => 'hello' }
    group_of(record)
    assert_equal({ 'app' => 'api', 'log_type' => 'app', 'message' => 'hello' }, record)
  end

  test 'configure refuses another group key, keeping the key in the event, or no other group' do
    error = assert_raise(Fluent::ConfigError) { driver(config('log_group_name_key' => 'group')) }
    assert_equal 'log_group_name_key must be dle_log_group, the field this output sets', error.message
    error = assert_raise(Fluent::ConfigError) { driver(config('remove_log_group_name_key' => 'false')) }
    assert_equal 'remove_log_group_name_key must be true: dle_log_group is not part of the event', error.message
    error = assert_raise(Fluent::ConfigError) { driver(config('log_groups' => 'api/app')) }
    assert_equal 'log_groups must include other, the group of events of no listed app and log type', error.message
  end
end
