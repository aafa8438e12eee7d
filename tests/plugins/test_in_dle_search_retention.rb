require_relative 'helper'
require_relative 'loopback_http'
require 'tmpdir'
require_dle_plugin('in_dle_search_retention')

# dle_search_retention (fluentd/plugins/in_dle_search_retention.rb), configured from each target's own
# search-retention.conf, against a search sink on loopback that keeps the ILM or ISM policy and the indices' settings
# as Elasticsearch and OpenSearch do: what it puts, when it leaves a policy alone, how it retries, and what it refuses.
class DleSearchRetentionInputTest < Test::Unit::TestCase
  # Elasticsearch's ILM (flavor :elasticsearch) or OpenSearch's ISM (:opensearch), as far as the plugin uses them.
  # While `down`, every answer is a 503.
  class LoopbackSearch < LoopbackHTTP
    attr_reader :policies, :indices
    attr_accessor :down

    def initialize(flavor)
      @flavor = flavor
      @policies = {}   # id => { 'policy' => body, 'seq_no' => n }
      @indices = {}    # name => policy id or nil
      @down = false
      super()
    end

    def add_index(name, policy = nil)
      synchronize { @indices[name] = policy }
    end

    def put_policy(id, policy)
      synchronize { @policies[id] = { 'policy' => policy, 'seq_no' => 7 } }
    end

    private

    def route(request)
      return [503, { 'error' => 'unavailable' }] if @down

      body = request.body.empty? ? nil : JSON.parse(request.body)
      query = URI.decode_www_form(request.query.to_s).to_h
      case [@flavor, request.method, request.path]
      in [:elasticsearch, 'GET', %r{\A/_ilm/policy/([^/]+)\z}]
        stored = @policies[$1]
        stored ? [200, { $1 => { 'version' => stored['seq_no'], 'policy' => stored['policy'] } }] : [404, { 'error' => 'resource_not_found_exception' }]
      in [:elasticsearch, 'PUT', %r{\A/_ilm/policy/([^/]+)\z}]
        @policies[$1] = { 'policy' => body['policy'], 'seq_no' => (@policies.dig($1, 'seq_no') || 0) + 1 }
        [200, { 'acknowledged' => true }]
      in [:elasticsearch, 'GET', %r{\A/([^/]+)-\*/_settings/index\.lifecycle\.name\z}]
        prefix = $1
        matching = @indices.select { |name, _| name.start_with?("#{prefix}-") }
        [200, matching.to_h { |name, policy| [name, { 'settings' => policy ? { 'index.lifecycle.name' => policy } : {} }] }]
      in [:elasticsearch, 'PUT', %r{\A/([^/_][^/]*)/_settings\z}]
        names = $1.split(',')
        return [404, { 'error' => 'index_not_found_exception' }] unless names.all? { |n| @indices.key?(n) }

        names.each { |n| @indices[n] = body['index.lifecycle.name'] }
        [200, { 'acknowledged' => true }]
      in [:opensearch, 'GET', %r{\A/_plugins/_ism/policies/([^/]+)\z}]
        stored = @policies[$1]
        stored ? [200, { '_id' => $1, '_seq_no' => stored['seq_no'], '_primary_term' => 1, 'policy' => stored['policy'] }] : [404, { 'error' => 'not found' }]
      in [:opensearch, 'PUT', %r{\A/_plugins/_ism/policies/([^/]+)\z}]
        stored = @policies[$1]
        # ISM refuses to replace a policy without the sequence number of the version being replaced.
        return [409, { 'error' => 'version_conflict_engine_exception' }] if stored && query['if_seq_no'] != stored['seq_no'].to_s

        @policies[$1] = { 'policy' => body['policy'], 'seq_no' => (stored&.dig('seq_no') || 0) + 1 }
        [stored ? 200 : 201, { '_id' => $1 }]
      in [:opensearch, 'POST', %r{\A/_plugins/_ism/add/([^/]+)-\*\z}]
        prefix = $1
        matching = @indices.keys.select { |name| name.start_with?("#{prefix}-") }
        failed, updated = matching.partition { |name| @indices[name] }
        updated.each { |name| @indices[name] = body['policy_id'] }
        [200, { 'updated_indices' => updated.size, 'failures' => !failed.empty?,
                'failed_indices' => failed.map { |name| { 'index_name' => name, 'reason' => 'This index already has a policy' } } }]
      else
        [400, { 'error' => "unexpected #{request.method} #{request.path}" }]
      end
    end
  end

  CONFIG_DIR = File.expand_path('../../fluentd', __dir__)
  POLICY_ID = 'logs-retention'

  setup do
    @dir = Dir.mktmpdir('dle-retention-')
    File.write(File.join(@dir, 'search-password'), "s3cret\n")
    File.write(File.join(@dir, 'credentials'), "[default]\naws_access_key_id = AKIDRETENTION\naws_secret_access_key = dle-test-secret\n")
    File.write(File.join(@dir, 'config'), '')
    @search = nil
    # What components/fluentd-env.ts gives a forwarder; SEARCH_PORT is set by search(). The aws target signs with the
    # default credential chain: here the shared credentials file, as on no ECS task.
    env = {
      'SEARCH_SCHEME' => 'http', 'SEARCH_HOST' => '127.0.0.1', 'SEARCH_PORT' => nil, 'SEARCH_USER' => 'elastic',
      'SEARCH_PASSWORD_FILE' => File.join(@dir, 'search-password'), 'SEARCH_REGION' => 'eu-west-1',
      'SEARCH_INDEX_PREFIX' => 'logs', 'SEARCH_RETENTION_DAYS' => '30', 'FLUENTD_CONF_DIR' => CONFIG_DIR,
      'AWS_SHARED_CREDENTIALS_FILE' => File.join(@dir, 'credentials'), 'AWS_CONFIG_FILE' => File.join(@dir, 'config'),
      'AWS_ACCESS_KEY_ID' => nil, 'AWS_SECRET_ACCESS_KEY' => nil, 'AWS_SESSION_TOKEN' => nil, 'AWS_PROFILE' => nil,
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI' => nil, 'AWS_CONTAINER_CREDENTIALS_FULL_URI' => nil, 'AWS_EC2_METADATA_DISABLED' => 'true',
    }
    @saved_env = env.keys.to_h { |k| [k, ENV[k]] }
    env.each { |k, v| ENV[k] = v }
  end

  teardown do
    @search&.stop
    @saved_env.each { |k, v| ENV[k] = v }
    FileUtils.rm_rf(@dir)
  end

  def search(flavor)
    @search = LoopbackSearch.new(flavor)
    ENV['SEARCH_PORT'] = @search.port.to_s
    @search
  end

  # The <source> of fluentd/targets/<target>/search-retention.conf, ENV references resolved as fluentd does, with
  # `overrides` (e.g. a shorter retry_interval).
  def project_source(target, **overrides)
    path = File.join(CONFIG_DIR, 'targets', target, 'search-retention.conf')
    source = Fluent::Config.parse(File.read(path), path, File.dirname(path)).elements('source').first
    overrides.each { |k, v| source[k.to_s] = v.to_s }
    source
  end

  def driver(conf)
    Fluent::Test::Driver::Input.new(Fluent::Plugin::DleSearchRetentionInput).configure(conf)
  end

  def reported?(d)
    d.logs.any? { |line| line.include?("search retention: indices logs-* are deleted after #{ENV['SEARCH_RETENTION_DAYS']} days") }
  end

  def puts_to(path_pattern)
    @search.requests.select { |r| r.method == 'PUT' && r.path.match?(path_pattern) }
  end

  sub_test_case 'elasticsearch (the local target: ILM, basic authentication)' do
    test 'installs the policy with the days and prefix in place, and names it in each index that lacks it' do
      search(:elasticsearch)
      @search.add_index('logs-2026.03.01')
      @search.add_index('logs-2026.03.02', POLICY_ID)
      @search.add_index('other-2026.03.02')
      d = driver(project_source('local'))
      d.run(timeout: 20) { wait_until { @search.indices['logs-2026.03.01'] && reported?(d) } }

      policy = @search.policies.dig(POLICY_ID, 'policy')
      assert_equal '30d', policy.dig('phases', 'delete', 'min_age')
      assert_equal({ 'delete' => {} }, policy.dig('phases', 'delete', 'actions'))
      assert_match(/deletes the log indices logs-\* 30 days after/, policy.dig('_meta', 'description'))
      assert_match(/\A\h{12}\z/, policy.dig('_meta', 'dle_digest'))
      assert_equal({ 'logs-2026.03.01' => POLICY_ID, 'logs-2026.03.02' => POLICY_ID, 'other-2026.03.02' => nil }, @search.indices)
      # Only the index that lacked it was changed.
      assert_equal ['/logs-2026.03.01/_settings'], puts_to(%r{/_settings\z}).map(&:path)
      assert_equal ["Basic #{['elastic:s3cret'].pack('m0')}"], @search.requests.map { |r| r.headers['authorization'] }.uniq
    end

    test 'leaves a policy it put alone, and replaces it when the retention changes' do
      search(:elasticsearch)
      @search.add_index('logs-2026.03.01')
      first = driver(project_source('local'))
      first.run(timeout: 20) { wait_until { reported?(first) } }
      assert_equal 1, puts_to(%r{\A/_ilm/policy/}).size

      again = driver(project_source('local'))
      again.run(timeout: 20) { wait_until { reported?(again) } }
      assert_equal 1, puts_to(%r{\A/_ilm/policy/}).size, 'the same policy was put again'

      ENV['SEARCH_RETENTION_DAYS'] = '7'
      changed = driver(project_source('local'))
      changed.run(timeout: 20) { wait_until { reported?(changed) } }
      assert_equal 2, puts_to(%r{\A/_ilm/policy/}).size
      assert_equal '7d', @search.policies.dig(POLICY_ID, 'policy', 'phases', 'delete', 'min_age')
    end

    test 'retries while the sink fails or has no index yet, then checks only every interval' do
      search(:elasticsearch)
      @search.down = true
      d = driver(project_source('local', retry_interval: 0.5))
      d.run(timeout: 30) do
        assert_true wait_until { d.logs.any? { |l| l.include?("could not apply policy #{POLICY_ID} at #{@search.url}: GET /_ilm/policy/#{POLICY_ID} answered 503") } }

        # Back, but no index yet: installed, then asked again for indices at each retry.
        @search.down = false
        settings_asked = -> { @search.requests.count { |r| r.path == '/logs-*/_settings/index.lifecycle.name' && r.query.include?('allow_no_indices=true') } }
        assert_true wait_until { settings_asked.call >= 2 }
        assert_not_nil @search.policies[POLICY_ID]

        # The first day's index: managed at the next retry, and then no more retries.
        @search.add_index('logs-2026.03.01')
        assert_true wait_until { @search.indices['logs-2026.03.01'] == POLICY_ID }
        settled_at = @search.requests.size
        sleep 1.6
        assert_equal settled_at, @search.requests.size, 'it kept checking at retry_interval after the policy managed an index'
      end
    end
  end

  sub_test_case 'opensearch (the aws target: ISM, SigV4)' do
    test 'installs the policy with its digest in the description, and adds it to the indices made before it' do
      search(:opensearch)
      @search.add_index('logs-2026.03.01')
      @search.add_index('logs-2026.03.02')
      d = driver(project_source('aws'))
      d.run(timeout: 20) { wait_until { reported?(d) } }

      policy = @search.policies.dig(POLICY_ID, 'policy')
      assert_match(/\Adle: deletes the log indices logs-\* 30 days after .* \[\h{12}\]\z/, policy['description'])
      assert_equal '30d', policy.dig('states', 0, 'transitions', 0, 'conditions', 'min_index_age')
      assert_equal [{ 'index_patterns' => ['logs-*'], 'priority' => 100 }], policy['ism_template']
      assert_equal({ 'logs-2026.03.01' => POLICY_ID, 'logs-2026.03.02' => POLICY_ID }, @search.indices)
      assert_equal [nil], puts_to(%r{\A/_plugins/_ism/policies/}).map(&:query), 'a new policy is put without a sequence number'
      @search.requests.each do |r|
        assert_match(%r{\AAWS4-HMAC-SHA256 Credential=AKIDRETENTION/\d{8}/eu-west-1/es/aws4_request, }, r.headers['authorization'])
      end
    end

    test 'replaces a policy whose description differs at its sequence number, and leaves its own alone' do
      search(:opensearch)
      @search.add_index('logs-2026.03.01', POLICY_ID)
      @search.put_policy(POLICY_ID, { 'description' => 'made by hand', 'states' => [] })
      d = driver(project_source('aws'))
      d.run(timeout: 20) { wait_until { reported?(d) } }
      assert_equal ['if_seq_no=7&if_primary_term=1'], puts_to(%r{\A/_plugins/_ism/policies/}).map(&:query)
      assert_match(/ \[\h{12}\]\z/, @search.policies.dig(POLICY_ID, 'policy', 'description'))

      again = driver(project_source('aws'))
      again.run(timeout: 20) { wait_until { reported?(again) } }
      assert_equal 1, puts_to(%r{\A/_plugins/_ism/policies/}).size, 'the same policy was put again'
    end
  end

  sub_test_case 'configure' do
    test 'refuses a retention of less than a day' do
      search(:elasticsearch)
      error = assert_raise(Fluent::ConfigError) { driver(project_source('local', retention_days: 0)) }
      assert_equal 'retention_days must be at least 1, got 0', error.message
    end

    test 'refuses a policy file that does not exist' do
      search(:elasticsearch)
      error = assert_raise(Fluent::ConfigError) { driver(project_source('local', policy_file: File.join(@dir, 'none.json'))) }
      assert_equal "policy_file #{File.join(@dir, 'none.json')} does not exist", error.message
    end

    test 'refuses opensearch with neither aws_region nor user' do
      search(:opensearch)
      source = project_source('aws')
      source.delete('aws_region')
      error = assert_raise(Fluent::ConfigError) { driver(source) }
      assert_equal 'opensearch needs aws_region (SigV4) or user and password', error.message
    end
  end
end
