# dle: keeps the search sink's retention policy installed and applied, so that the log indices are deleted once they
# are older than dle:searchRetentionDays. Neither fluent-plugin-elasticsearch (whose ILM support assumes rollover
# aliases) nor fluent-plugin-opensearch (no ISM at all) does that for daily indices. Used by
# fluentd/targets/<target>/search-retention.conf:
#
#   <source>
#     @type dle_search_retention
#     flavor elasticsearch          # ILM; or opensearch: ISM
#     url http://search:9200
#     user elastic                  # basic authentication; or, for opensearch, aws_region us-east-1: SigV4 signing
#     password …                    #   with the default AWS credential chain (the ECS task role)
#     policy_file …/search-retention.json
#     index_prefix logstash
#     retention_days 30
#   </source>
#
# The policy file is the body of the ILM or ISM policy, with <<INDEX_PREFIX>> and <<RETENTION_DAYS>> in place of
# the values. Soon after start, then every retry_interval until the policy manages at least one index (while the sink
# does not answer, or before the first write has made an index), then every interval:
# - Elasticsearch: puts the ILM policy (when it differs from the one there), and names it in the settings of each
#   <prefix>-* index that lacks it (each day's index is made by that day's first write, from the index template the
#   output plugin installs, which is shared with OpenSearch and so cannot name an ILM policy);
# - OpenSearch: puts the ISM policy (when it differs: ISM keeps a version per change), whose ism_template attaches it
#   to each new <prefix>-* index, and adds it to the indices made before the policy existed.
# What it did, or why it could not, is in fluentd's log. It emits no events.
require 'digest'
require 'json'
require 'net/http'
require 'uri'
require 'fluent/plugin/input'

module Fluent::Plugin
  class DleSearchRetentionInput < Input
    Fluent::Plugin.register_input('dle_search_retention', self)

    helpers :timer

    desc 'The search sink: elasticsearch (ILM) or opensearch (ISM).'
    config_param :flavor, :enum, list: [:elasticsearch, :opensearch]
    desc 'The sink\'s URL (scheme, host and port).'
    config_param :url, :string
    desc 'Basic authentication (elasticsearch).'
    config_param :user, :string, default: nil
    config_param :password, :string, default: nil, secret: true
    desc 'Sign requests with AWS SigV4 for this region, with the default AWS credential chain (opensearch).'
    config_param :aws_region, :string, default: nil
    desc 'The ILM or ISM policy, with <<INDEX_PREFIX>> and <<RETENTION_DAYS>> placeholders.'
    config_param :policy_file, :string
    config_param :policy_id, :string, default: nil
    desc 'The indices are <index_prefix>-YYYY.MM.DD.'
    config_param :index_prefix, :string
    config_param :retention_days, :integer
    desc 'How often to check the policy and the indices once the policy manages one: a new day\'s index is managed within this.'
    config_param :interval, :time, default: 300
    desc 'How soon to try again while the sink does not answer, or no index exists yet.'
    config_param :retry_interval, :time, default: 10
    config_param :request_timeout, :time, default: 15

    def configure(conf)
      super
      raise Fluent::ConfigError, "retention_days must be at least 1, got #{@retention_days}" if @retention_days < 1
      raise Fluent::ConfigError, "policy_file #{@policy_file} does not exist" unless File.file?(@policy_file)
      if @flavor == :opensearch && @aws_region.nil? && @user.nil?
        raise Fluent::ConfigError, 'opensearch needs aws_region (SigV4) or user and password'
      end

      @policy_id ||= "#{@index_prefix}-retention"
      @base = URI(@url.chomp('/'))
      @policy = JSON.parse(File.read(@policy_file)
        .gsub('<<INDEX_PREFIX>>', @index_prefix)
        .gsub('<<RETENTION_DAYS>>', @retention_days.to_s))
      # A digest of the policy goes with it (ILM: _meta; ISM, which has no _meta: the description), so that a policy
      # already in place is recognised and left alone rather than put again on every check.
      @digest = Digest::SHA256.hexdigest(JSON.generate(@policy))[0, 12]
      if @flavor == :opensearch
        @policy['policy']['description'] = "#{@policy['policy']['description']} [#{@digest}]"
      else
        @policy['policy']['_meta'] = (@policy['policy']['_meta'] || {}).merge('dle_digest' => @digest)
      end
    end

    def start
      super
      @signer = sigv4_signer if @aws_region
      @reported = false
      @settled = false
      timer_execute(:dle_search_retention_first, 1, repeat: false) { check }
      timer_execute(:dle_search_retention_retry, @retry_interval) { check unless @settled }
      timer_execute(:dle_search_retention, @interval) { check if @settled }
    end

    private

    def check
      managed = @flavor == :elasticsearch ? apply_ilm : apply_ism
      log.info "search retention: indices #{@index_prefix}-* are deleted after #{@retention_days} days (#{@flavor} policy #{@policy_id})" unless @reported
      @reported = true
      @settled = managed.positive?
    rescue StandardError => e
      @settled = false
      log.warn "search retention: could not apply policy #{@policy_id} at #{@base}: #{e.message}; trying again in #{@retry_interval} s"
    end

    # The number of <prefix>-* indices the policy manages.
    def apply_ilm
      path = "/_ilm/policy/#{@policy_id}"
      existing = request(:get, path, nil, allow_missing: true)
      request(:put, path, @policy) if existing&.dig(@policy_id, 'policy', '_meta', 'dle_digest') != @digest
      indices = request(:get, "/#{@index_prefix}-*/_settings/index.lifecycle.name?flat_settings=true&allow_no_indices=true", nil)
      lacking = indices.reject { |_, index| index.dig('settings', 'index.lifecycle.name') == @policy_id }.keys
      request(:put, "/#{lacking.join(',')}/_settings", { 'index.lifecycle.name' => @policy_id }) unless lacking.empty?
      indices.size
    end

    def apply_ism
      path = "/_plugins/_ism/policies/#{@policy_id}"
      existing = request(:get, path, nil, allow_missing: true)
      if existing.nil?
        request(:put, path, @policy)
      elsif existing.dig('policy', 'description') != @policy['policy']['description']
        request(:put, "#{path}?if_seq_no=#{existing['_seq_no']}&if_primary_term=#{existing['_primary_term']}", @policy)
      end
      # Indices made before the policy existed; those that already have one are reported as failures and left alone.
      added = request(:post, "/_plugins/_ism/add/#{@index_prefix}-*", { 'policy_id' => @policy_id }, allow_missing: true) || {}
      added['updated_indices'].to_i + Array(added['failed_indices']).size
    end

    # The parsed JSON answer; nil for a 404 when allowed; otherwise an error naming the request and the answer.
    def request(method, path, body, allow_missing: false)
      uri = URI.join("#{@base}/", path.delete_prefix('/'))
      json = body && JSON.generate(body)
      http_request = { get: Net::HTTP::Get, put: Net::HTTP::Put, post: Net::HTTP::Post }.fetch(method).new(uri)
      http_request['Content-Type'] = 'application/json'
      http_request.body = json if json
      http_request.basic_auth(@user, @password) if @user
      sign(http_request, method, uri, json) if @signer
      response = Net::HTTP.start(uri.host, uri.port, use_ssl: uri.scheme == 'https',
                                 open_timeout: @request_timeout, read_timeout: @request_timeout) { |http| http.request(http_request) }
      return nil if allow_missing && response.code == '404'
      raise "#{method.upcase} #{uri.path} answered #{response.code}: #{response.body.to_s[0, 300]}" unless response.is_a?(Net::HTTPSuccess)

      response.body.to_s.empty? ? {} : JSON.parse(response.body)
    end

    def sigv4_signer
      require 'aws-sigv4'
      require 'aws-sdk-core'
      credentials = Aws::CredentialProviderChain.new.resolve
      raise Fluent::ConfigError, 'no AWS credentials found for SigV4 signing (env, profile, ECS task role)' if credentials.nil?

      Aws::Sigv4::Signer.new(service: 'es', region: @aws_region, credentials_provider: credentials)
    end

    def sign(http_request, method, uri, json)
      signature = @signer.sign_request(http_method: method.to_s.upcase, url: uri.to_s,
                                       headers: { 'content-type' => 'application/json' }, body: json || '')
      signature.headers.each { |name, value| http_request[name] = value }
    end
  end
end
