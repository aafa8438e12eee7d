require_relative 'helper'
require_relative 'search_output_cases'
require_dle_plugin('out_dle_elasticsearch')

# dle_elasticsearch (fluentd/plugins/out_dle_elasticsearch.rb, with dle_search_inject.rb), configured from the local
# target's own search.conf, writing to an Elasticsearch stand-in on loopback: the `forwarder` field of its <inject>
# section lands in every bulk document, and configure refuses a plugin whose process_message is not the one wrapped
# (the tests in search_output_cases.rb).
class DleElasticsearchOutputTest < Test::Unit::TestCase
  # Elasticsearch 8 as it answers what the output asks: the index template exists, every bulk item is indexed. The
  # client refuses answers without the product header.
  class LoopbackElasticsearch < LoopbackHTTP
    include LoopbackBulk

    private

    def about
      { 'version' => { 'number' => '8.19.3' }, 'tagline' => 'You Know, for Search' }
    end

    def headers
      { 'X-Elastic-Product' => 'Elasticsearch' }
    end
  end

  include SearchOutputCases
  search_output_cases plugin: Fluent::Plugin::DleElasticsearchOutput, upstream: Fluent::Plugin::ElasticsearchOutput,
                      upstream_type: 'elasticsearch', gem: 'fluent-plugin-elasticsearch', target: 'local', sink: LoopbackElasticsearch

  # The local target authenticates with the elastic user's password, from a file.
  def target_env(dir)
    File.write(File.join(dir, 'search-password'), "s3cret\n")
    { 'SEARCH_USER' => 'elastic', 'SEARCH_PASSWORD_FILE' => File.join(dir, 'search-password') }
  end

  def assert_authenticated(request)
    assert_equal "Basic #{['elastic:s3cret'].pack('m0')}", request.headers['authorization']
  end
end
