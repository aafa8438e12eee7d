# dle: fluent-plugin-opensearch's output with <inject> (dle_search_inject.rb), the aws stack's search sink.
require 'fluent/plugin/out_opensearch'
require_relative 'dle_search_inject'

module Fluent::Plugin
  class DleOpenSearchOutput < OpenSearchOutput
    Fluent::Plugin.register_output('dle_opensearch', self)
    include DleSearchInject

    # Output#configure counts only the methods a plugin's own class defines as buffered writes (Output#implement?).
    def write(chunk)
      super
    end
  end
end
