require_relative 'helper'
require 'json'
require 'tmpdir'
require 'webrick'
require_dle_plugin('out_dle_opensearch')

# dle_opensearch (fluentd/plugins/out_dle_opensearch.rb, with dle_search_inject.rb), configured from the aws target's
# own search.conf (SigV4-signed requests to an <endpoint>), writing to an OpenSearch stand-in on loopback: the
# `forwarder` field of its <inject> section lands in every bulk document, and configure refuses a plugin whose
# process_message is not the one wrapped.
class DleOpenSearchOutputTest < Test::Unit::TestCase
  # An OpenSearch on 127.0.0.1 that records each request and answers as OpenSearch 2 does to what the output asks:
  # the index template exists, every bulk item is indexed. The client checks the version and distribution (GET /).
  class LoopbackOpenSearch
    Request = Struct.new(:method, :path, :headers, :body)

    attr_reader :port

    def initialize
      @requests = []
      @mutex = Mutex.new
      @server = WEBrick::HTTPServer.new(BindAddress: '127.0.0.1', Port: 0, Logger: WEBrick::Log.new(File::NULL), AccessLog: [])
      @server.mount_proc('/') { |req, res| answer(req, res) }
      @port = @server.config[:Port]
      @thread = Thread.new { @server.start }
    end

    def requests
      @mutex.synchronize { @requests.dup }
    end

    # The documents of every bulk request, each [action, source].
    def bulk_documents
      requests.select { |r| r.method == 'POST' && r.path == '/_bulk' }
              .flat_map { |r| r.body.lines.map { |line| JSON.parse(line) }.each_slice(2).to_a }
    end

    def stop
      @server.shutdown
      @thread.join(5)
    end

    private

    def answer(req, res)
      @mutex.synchronize { @requests << Request.new(req.request_method, req.path, req.header.transform_values(&:first), req.body.to_s) }
      res['Content-Type'] = 'application/json'
      res.body = case req.path
                 when '/' then JSON.generate('version' => { 'number' => '2.19.0', 'distribution' => 'opensearch' })
                 when '/_bulk'
                   items = req.body.to_s.lines.each_slice(2).map { |action, _| { 'index' => JSON.parse(action)['index'].merge('status' => 201) } }
                   JSON.generate('took' => 1, 'errors' => false, 'items' => items)
                 else '{}'
                 end
    end
  end

  CONFIG_DIR = File.expand_path('../../fluentd', __dir__)

  setup do
    @search = LoopbackOpenSearch.new
    @dir = Dir.mktmpdir('dle-os-')
    # The plugin looks for credentials in the shared file before the ECS task role, whose endpoint is not on loopback.
    File.write(File.join(@dir, 'credentials'), "[default]\naws_access_key_id = AKIDDLETEST\naws_secret_access_key = dle-test-secret\n")
    File.write(File.join(@dir, 'config'), '')
    # What components/fluentd-env.ts gives an aws forwarder, pointed at the stand-in.
    env = {
      'SEARCH_HOST' => '127.0.0.1', 'SEARCH_PORT' => @search.port.to_s, 'SEARCH_SCHEME' => 'http', 'SEARCH_REGION' => 'eu-west-1',
      'SEARCH_INDEX_PREFIX' => 'logs', 'FLUENTD_CONF_DIR' => CONFIG_DIR, 'FLUENTD_BUFFER_DIR' => @dir,
      'FORWARDER_FLUSH_INTERVAL' => '1', 'FORWARDER_NAME' => 'forwarder-a',
      'AWS_SHARED_CREDENTIALS_FILE' => File.join(@dir, 'credentials'), 'AWS_CONFIG_FILE' => File.join(@dir, 'config'),
      'AWS_PROFILE' => nil, 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI' => nil, 'AWS_EC2_METADATA_DISABLED' => 'true',
    }
    @saved_env = env.keys.to_h { |k| [k, ENV[k]] }
    ENV.update(env)
  end

  teardown do
    @search.stop
    @saved_env.each { |k, v| ENV[k] = v }
    FileUtils.rm_rf(@dir)
  end

  # The <store> of fluentd/targets/aws/search.conf, its @include and ENV references resolved as fluentd does.
  def project_store(type: nil)
    path = File.join(CONFIG_DIR, 'targets/aws/search.conf')
    store = Fluent::Config.parse(File.read(path), path, File.dirname(path)).elements('store').first
    store['@type'] = type if type
    store
  end

  def write_events(klass, conf, events)
    d = Fluent::Test::Driver::Output.new(klass).configure(conf)
    d.run(default_tag: 'docker.web', timeout: 30) { events.each { |record| d.feed(event_time('2026-03-04 05:06:07 UTC'), record) } }
    d
  end

  EVENTS = [
    { 'log' => 'GET / 200', 'event_id' => 'e-1', '_id' => 'e-1' },
    { 'log' => 'GET /a 404', 'event_id' => 'e-2', '_id' => 'e-2' },
    { 'log' => 'POST /b 500', 'event_id' => 'e-3', '_id' => 'e-3', 'forwarder' => 'spoofed' },
  ].freeze

  test 'the forwarder field of <inject> lands in every bulk document' do
    write_events(Fluent::Plugin::DleOpenSearchOutput, project_store, EVENTS)

    docs = @search.bulk_documents
    assert_equal %w[e-1 e-2 e-3], docs.map { |action, _| action.dig('index', '_id') }
    assert_equal %w[forwarder-a] * 3, docs.map { |_, source| source['forwarder'] }
  end

  test 'the rest of each document is as search-index.conf makes it' do
    write_events(Fluent::Plugin::DleOpenSearchOutput, project_store, EVENTS.first(1))

    action, source = @search.bulk_documents.first
    assert_equal({ 'index' => { '_index' => 'logs-2026.03.04', '_id' => 'e-1' } }, action)
    assert_equal({ 'log' => 'GET / 200', 'event_id' => 'e-1', 'forwarder' => 'forwarder-a', '@log_name' => 'docker.web' },
                 source.except('@timestamp'))
    assert_match(/\A2026-03-04T05:06:07/, source['@timestamp'])
    bulk = @search.requests.find { |r| r.path == '/_bulk' }
    assert_match(%r{\AAWS4-HMAC-SHA256 Credential=AKIDDLETEST/\d{8}/eu-west-1/es/aws4_request, }, bulk.headers['authorization'])
  end

  test "is still needed: fluent-plugin-opensearch's own output ignores <inject>" do
    # When this fails, the plugin gained <inject>: dle_search_inject.rb may go.
    write_events(Fluent::Plugin::OpenSearchOutput, project_store(type: 'opensearch'), EVENTS.first(1))

    docs = @search.bulk_documents
    assert_equal 1, docs.size
    assert_false docs.first.last.key?('forwarder')
  end

  test 'configure finds every internal dle_search_inject.rb wraps on the locked fluent-plugin-opensearch' do
    d = Fluent::Test::Driver::Output.new(Fluent::Plugin::DleOpenSearchOutput).configure(project_store)
    assert_equal DleSearchInject::PROCESS_MESSAGE_PARAMETERS, DleSearchInject.wrapped_process_message(d.instance).parameters
    assert_equal Fluent::Plugin::OpenSearchOutput, DleSearchInject.wrapped_process_message(d.instance).owner
  end

  # An output as out_dle_opensearch.rb makes one, over a plugin changed by `change`, as a release might change it.
  def output_over_changed_plugin(&change)
    changed = Class.new(Fluent::Plugin::OpenSearchOutput, &change)
    Class.new(changed) do
      include DleSearchInject
      def write(chunk)
        super
      end
    end
  end

  test 'configure refuses a plugin without process_message, naming it' do
    klass = output_over_changed_plugin { undef_method :process_message }
    error = assert_raise(Fluent::ConfigError) { Fluent::Test::Driver::Output.new(klass).configure(project_store) }
    assert_match(/here there is no process_message\(tag, meta, header, time, record, affinity_target_indices, extracted_values\) in the search plugin: adapt fluentd\/plugins\/dle_search_inject\.rb/, error.message)
    assert_empty @search.requests
  end

  test 'configure refuses a process_message that takes other parameters, naming what it found' do
    klass = output_over_changed_plugin do
      def process_message(tag, time, record, extracted_values)
        super(tag, {}, {}, time, record, {}, extracted_values)
      end
    end
    error = assert_raise(Fluent::ConfigError) { Fluent::Test::Driver::Output.new(klass).configure(project_store) }
    assert_match(/no process_message\(tag, meta, header, time, record, affinity_target_indices, extracted_values\) in the search plugin \(it has process_message\(tag, time, record, extracted_values\)\)/, error.message)
  end
end
