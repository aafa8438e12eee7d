require_relative 'helper'
require_relative 'postgres_server'
require 'fileutils'
require_dle_plugin('out_dle_postgres')

# dle_postgres (fluentd/plugins/out_dle_postgres.rb) against a real PostgreSQL 17, with the project's migrations
# (fluentd/sql/): every event once, its columns as the migration names them, a chunk sent again inserting nothing,
# refused rows to the error path with the rest of their chunk inserted, and an outage failing the chunk for a retry.
class DlePostgresOutputTest < Test::Unit::TestCase
  include DlePluginTestHelpers
  extend DlePluginTestHelpers

  MIGRATIONS = File.expand_path('../../fluentd/sql', __dir__)

  class << self
    attr_reader :server

    def startup
      @server = PostgresServer.new(unused_port).start
    end

    def shutdown
      @server&.destroy
    end
  end

  setup do
    Fluent::Test.setup
    @database = server.create_database
  end

  def server
    self.class.server
  end

  def driver(database = @database, extra = '')
    Fluent::Test::Driver::Output.new(Fluent::Plugin::DlePostgresOutput).configure(<<~CONF)
      host 127.0.0.1
      port #{server.port}
      database #{database}
      user dle
      password #{server.password}
      sslmode disable
      migrations_dir #{MIGRATIONS}
      forwarder primary
      #{extra}
    CONF
  end

  def rows(sql = 'SELECT * FROM logs ORDER BY event_id')
    conn = server.connect(dbname: @database)
    conn.exec(sql).to_a
  ensure
    conn&.close
  end

  def rows_total(result)
    Prometheus::Client.registry.get(:dle_sql_rows_total)&.get(labels: { result: result }).to_i
  end

  def access_event(id, path)
    { 'event_id' => id, 'app' => 'webapp', 'log_type' => 'nginx_access', 'log' => "GET #{path}", 'method' => 'GET',
      'path' => path, 'status' => 200, 'container_name' => '/dle-webapp', 'source' => 'stdout' }
  end

  test 'writes each event as one row: the common fields as columns, the rest as jsonb' do
    time = event_time('2026-12-08 01:02:03.456789 UTC')
    d = driver
    d.run(default_tag: 'docker.webapp') do
      d.feed(time, access_event('e1', '/a'))
      d.feed(time, { 'event_id' => 'e2', 'app' => 'api', 'log_type' => 'app', 'log' => '{"level":"info"}', 'level' => 'info', 'duration_ms' => 1.5 })
    end
    got = rows
    assert_equal(%w[e1 e2], got.map { |r| r['event_id'] })
    assert_equal(['2026-12-08 01:02:03.456789+00'], got.map { |r| r['@timestamp'] }.uniq)
    assert_equal([%w[webapp nginx_access primary GET\ /a], ['api', 'app', 'primary', '{"level":"info"}']],
                 got.map { |r| r.values_at('app', 'log_type', 'forwarder', 'log') })
    assert_equal({ 'method' => 'GET', 'path' => '/a', 'status' => 200, 'container_name' => '/dle-webapp', 'source' => 'stdout' },
                 JSON.parse(got[0]['fields']))
    assert_equal({ 'level' => 'info', 'duration_ms' => 1.5 }, JSON.parse(got[1]['fields']))
    assert_equal([], d.error_events)
  end

  test 'a chunk sent again inserts nothing twice' do
    before = rows_total('duplicate')
    2.times do
      d = driver
      d.run(default_tag: 'docker.webapp') { 3.times { |i| d.feed(event_time, access_event("dup-#{i}", "/#{i}")) } }
    end
    assert_equal(%w[dup-0 dup-1 dup-2], rows.map { |r| r['event_id'] })
    assert_equal(3, rows_total('duplicate') - before)
  end

  test 'rows PostgreSQL refuses go to the error path; the rest of their chunk is inserted' do
    before = rows_total('rejected')
    d = driver
    d.run(default_tag: 'docker.webapp') do
      d.feed(event_time, access_event('ok-1', '/1'))
      # PostgreSQL's text takes no NUL character (libpq refuses to send it), nor does jsonb (the server refuses it).
      d.feed(event_time, access_event('nul-in-text', '/1').merge('log' => "GET /nul\u0000"))
      d.feed(event_time, access_event('nul-in-jsonb', "/nul\u0000"))
      d.feed(event_time, access_event('ok-2', '/2'))
    end
    assert_equal(%w[ok-1 ok-2], rows.map { |r| r['event_id'] })
    assert_equal(%w[nul-in-text nul-in-jsonb], d.error_events.map { |(_, _, record)| record['event_id'] })
    assert_equal(['docker.webapp'], d.error_events.map(&:first).uniq)
    assert_equal(2, rows_total('rejected') - before)
    assert_equal(0, d.instance.retry_state(false)&.steps.to_i, 'no retry: the chunk is done')
  end

  test 'an event without an event_id, which could be inserted twice, goes to the error path' do
    d = driver
    d.run(default_tag: 'docker.webapp') do
      d.feed(event_time, access_event('keyed', '/k'))
      d.feed(event_time, access_event(nil, '/unkeyed').except('event_id'))
    end
    assert_equal(%w[keyed], rows.map { |r| r['event_id'] })
    assert_equal(['/unkeyed'], d.error_events.map { |(_, _, record)| record['path'] })
  end

  test 'applies the migrations once, however many forwarders start together' do
    drivers = Array.new(4) { driver }
    threads = drivers.each_with_index.map do |d, i|
      Thread.new { d.run(default_tag: 'docker.webapp') { d.feed(event_time, access_event("m-#{i}", '/m')) } }
    end
    threads.each(&:join)
    assert_equal(4, rows.size)
    assert_equal([{ 'version' => '001_logs' }], rows('SELECT version FROM dle_schema_migrations'))
  end

  test 'fails the chunk while PostgreSQL is down, so that the buffer retries it; writes once it is back' do
    d = driver
    d.run(default_tag: 'docker.webapp', shutdown: false) { d.feed(event_time, access_event('before', '/b')) }
    server.stop
    begin
      chunk = Fluent::Plugin::Buffer::MemoryChunk.new(Fluent::Plugin::Buffer::Metadata.new(nil, 'docker.webapp', nil))
      chunk.extend(Fluent::ChunkMessagePackEventStreamer)
      chunk.concat(Fluent::ArrayEventStream.new([[event_time, access_event('during', '/d')]]).to_msgpack_stream, 1)
      chunk.commit
      assert_raise_kind_of(PG::Error) { d.instance.write(chunk) }
    ensure
      server.start
    end
    d.instance.write(chunk)
    assert_equal(%w[before during], rows.map { |r| r['event_id'] })
  ensure
    d&.instance_shutdown
  end

  test 'refuses verify-full without the CA to verify against' do
    error = assert_raise(Fluent::ConfigError) { driver(@database, 'sslmode verify-full') }
    assert_match(/sslmode verify-full needs sslrootcert/, error.message)
  end

  test 'refuses a migrations directory without migrations' do
    Dir.mktmpdir do |empty|
      error = assert_raise(Fluent::ConfigError) do
        Fluent::Test::Driver::Output.new(Fluent::Plugin::DlePostgresOutput).configure(<<~CONF)
          host 127.0.0.1
          database x
          user dle
          password x
          sslmode disable
          migrations_dir #{empty}
          forwarder primary
        CONF
      end
      assert_match(/no migrations/, error.message)
    end
  end
end
