require_relative 'helper'
require_relative 'search_output_cases'
require_dle_plugin('out_dle_opensearch')

# dle_opensearch (fluentd/plugins/out_dle_opensearch.rb, with dle_search_inject.rb), configured from the aws target's
# own search.conf (SigV4-signed requests to an <endpoint>), writing to an OpenSearch stand-in on loopback: the
# `forwarder` field of its <inject> section lands in every bulk document, and configure refuses a plugin whose
# process_message is not the one wrapped (the tests in search_output_cases.rb).
class DleOpenSearchOutputTest < Test::Unit::TestCase
  # OpenSearch 2 as it answers what the output asks: the index template exists, every bulk item is indexed. The client
  # checks the version and distribution (GET /).
  class LoopbackOpenSearch < LoopbackHTTP
    include LoopbackBulk

    private

    def about
      { 'version' => { 'number' => '2.19.0', 'distribution' => 'opensearch' } }
    end
  end

  include SearchOutputCases
  search_output_cases plugin: Fluent::Plugin::DleOpenSearchOutput, upstream: Fluent::Plugin::OpenSearchOutput,
                      upstream_type: 'opensearch', gem: 'fluent-plugin-opensearch', target: 'aws', sink: LoopbackOpenSearch

  # The aws target signs its requests (SigV4) with the default credential chain: here the shared credentials file,
  # which the plugin reads before the ECS task role, whose endpoint is not on loopback.
  def target_env(dir)
    File.write(File.join(dir, 'credentials'), "[default]\naws_access_key_id = AKIDDLETEST\naws_secret_access_key = dle-test-secret\n")
    File.write(File.join(dir, 'config'), '')
    {
      'SEARCH_REGION' => 'eu-west-1',
      'AWS_SHARED_CREDENTIALS_FILE' => File.join(dir, 'credentials'), 'AWS_CONFIG_FILE' => File.join(dir, 'config'),
      'AWS_PROFILE' => nil, 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI' => nil, 'AWS_EC2_METADATA_DISABLED' => 'true',
    }
  end

  def assert_authenticated(request)
    assert_match(%r{\AAWS4-HMAC-SHA256 Credential=AKIDDLETEST/\d{8}/eu-west-1/es/aws4_request, }, request.headers['authorization'])
  end
end
