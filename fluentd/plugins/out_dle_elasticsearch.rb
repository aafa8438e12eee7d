# dle: fluent-plugin-elasticsearch's output with <inject> (dle_search_inject.rb), the local stack's search sink.
require 'fluent/plugin/out_elasticsearch'
require_relative 'dle_search_inject'

module Fluent::Plugin
  class DleElasticsearchOutput < ElasticsearchOutput
    Fluent::Plugin.register_output('dle_elasticsearch', self)
    include DleSearchInject

    # Output#configure counts only the methods a plugin's own class defines as buffered writes (Output#implement?).
    def write(chunk)
      super
    end
  end
end
