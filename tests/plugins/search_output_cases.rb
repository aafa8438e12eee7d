# The tests dle_elasticsearch and dle_opensearch share: both are dle_search_inject.rb over a search plugin's output,
# configured from a target's own search.conf and writing to its sink's stand-in on loopback. A test file includes
# SearchOutputCases, calls search_output_cases with its plugins, target and sink's stand-in (a LoopbackHTTP with
# LoopbackBulk), and defines what is its own:
#   target_env(dir)   the environment its forwarder gets besides the sink's address (credentials, written into dir)
#   assert_authenticated(request)   that a bulk request carries its target's authentication
require 'fileutils'
require 'tmpdir'
require_relative 'loopback_http'

module SearchOutputCases
  CONFIG_DIR = File.expand_path('../../fluentd', __dir__)

  EVENTS = [
    { 'log' => 'GET / 200', 'event_id' => 'e-1', '_id' => 'e-1' },
    { 'log' => 'GET /a 404', 'event_id' => 'e-2', '_id' => 'e-2' },
    { 'log' => 'POST /b 500', 'event_id' => 'e-3', '_id' => 'e-3', 'forwarder' => 'spoofed' },
  ].freeze

  def self.included(base)
    base.extend(ClassMethods)
  end

  module ClassMethods
    # The tests of `plugin`, dle's output over `upstream` (the @type `upstream_type` of the gem `gem`), configured
    # from fluentd/targets/<target>/search.conf, writing to a new `sink` (a class) in each test.
    def search_output_cases(plugin:, upstream:, upstream_type:, gem:, target:, sink:)
      define_method(:project_store) do |type: nil|
        path = File.join(CONFIG_DIR, 'targets', target, 'search.conf')
        store = Fluent::Config.parse(File.read(path), path, File.dirname(path)).elements('store').first
        store['@type'] = type if type
        store
      end

      # An output as fluentd/plugins/out_dle_*.rb makes one, over the plugin changed by `change` as a release might.
      define_method(:output_over_changed_plugin) do |&change|
        changed = Class.new(upstream, &change)
        Class.new(changed) do
          include DleSearchInject
          def write(chunk)
            super
          end
        end
      end

      setup do
        @search = sink.new
        @dir = Dir.mktmpdir('dle-search-')
        # What components/fluentd-env.ts gives a forwarder of the target, pointed at the stand-in.
        env = {
          'SEARCH_HOST' => '127.0.0.1', 'SEARCH_PORT' => @search.port.to_s, 'SEARCH_SCHEME' => 'http', 'SEARCH_INDEX_PREFIX' => 'logs',
          'FLUENTD_CONF_DIR' => CONFIG_DIR, 'FLUENTD_BUFFER_DIR' => @dir, 'FORWARDER_FLUSH_INTERVAL' => '1', 'FORWARDER_NAME' => 'forwarder-a',
        }.merge(target_env(@dir))
        @saved_env = env.keys.to_h { |k| [k, ENV[k]] }
        env.each { |k, v| ENV[k] = v }
      end

      teardown do
        # Each test configures the <store> anew, its @id too, which fluentd takes once a process (PluginId#configure)
        # unless the caller is a file named test_*.rb, as this one is not.
        Fluent::VariableStore.fetch_or_build(:plugin_id, default_value: Set.new).delete(project_store['@id'])
        @search.stop
        @saved_env.each { |k, v| ENV[k] = v }
        FileUtils.rm_rf(@dir)
      end

      test 'the forwarder field of <inject> lands in every bulk document' do
        write_events(plugin, project_store, EVENTS)

        docs = @search.bulk_documents
        assert_equal %w[e-1 e-2 e-3], docs.map { |action, _| action.dig('index', '_id') }
        assert_equal %w[forwarder-a] * 3, docs.map { |_, source| source['forwarder'] }
      end

      test 'the rest of each document is as search-index.conf makes it' do
        write_events(plugin, project_store, EVENTS.first(1))

        action, source = @search.bulk_documents.first
        assert_equal({ 'index' => { '_index' => 'logs-2026.03.04', '_id' => 'e-1' } }, action)
        assert_equal({ 'log' => 'GET / 200', 'event_id' => 'e-1', 'forwarder' => 'forwarder-a', '@log_name' => 'docker.web' },
                     source.except('@timestamp'))
        assert_match(/\A2026-03-04T05:06:07/, source['@timestamp'])
        assert_authenticated(@search.requests.find { |r| r.path == '/_bulk' })
      end

      test "is still needed: #{gem}'s own output ignores <inject>" do
        # When this fails, the plugin gained <inject>: dle_search_inject.rb may go.
        write_events(upstream, project_store(type: upstream_type), EVENTS.first(1))

        docs = @search.bulk_documents
        assert_equal 1, docs.size
        assert_false docs.first.last.key?('forwarder')
      end

      test "configure finds every internal dle_search_inject.rb wraps on the locked #{gem}" do
        d = Fluent::Test::Driver::Output.new(plugin).configure(project_store)
        assert_equal DleSearchInject::PROCESS_MESSAGE_PARAMETERS, DleSearchInject.wrapped_process_message(d.instance).parameters
        assert_equal upstream, DleSearchInject.wrapped_process_message(d.instance).owner
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
  end

  def write_events(klass, conf, events)
    d = Fluent::Test::Driver::Output.new(klass).configure(conf)
    d.run(default_tag: 'docker.web', timeout: 30) { events.each { |record| d.feed(event_time('2026-03-04 05:06:07 UTC'), record) } }
    d
  end
end
