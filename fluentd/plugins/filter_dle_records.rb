# dle: counts the events passing through, by the event schema's `log_type`, and those that did not parse (they carry
# `parse_error`), into the Prometheus registry that the `prometheus` source serves:
#   dle_records_total{log_type}            events seen, by log type
#   dle_records_unparsed_total{log_type}   of those, events with a parse_error
# A log type outside `log_types` is counted as "other", one without any as "none": a sender cannot make up label values.
# fluent-plugin-prometheus's own filter copies every record (twice) to evaluate its labels; this one counts a whole
# event stream and adds once per log type, and passes the records on untouched.
require 'fluent/plugin/filter'
require_relative 'dle_prometheus'

module Fluent::Plugin
  class DleRecordsFilter < Filter
    Fluent::Plugin.register_filter('dle_records', self)

    desc 'The log types of the event schema'
    config_param :log_types, :array, value_type: :string
    desc 'The field holding an event\'s log type'
    config_param :log_type_key, :string, default: 'log_type'
    desc 'The field present on an event that did not parse'
    config_param :parse_error_key, :string, default: 'parse_error'

    def multi_workers_ready?
      true
    end

    def configure(conf)
      super
      @label_of = Hash.new('other').merge(@log_types.to_h { |type| [type, type] })
      @label_of[nil] = 'none'
      @records = DlePrometheus.metric(:counter, :dle_records_total, 'Events seen, by log_type.', [:log_type])
      @unparsed = DlePrometheus.metric(:counter, :dle_records_unparsed_total, 'Events that did not parse (with a parse_error), by log_type.', [:log_type])
      # Every series exists from the start at 0, so that the first events show as an increase.
      (@log_types + %w[other none]).each do |type|
        @records.init_label_set(log_type: type)
        @unparsed.init_label_set(log_type: type)
      end
    end

    def filter_stream(_tag, es)
      seen = Hash.new(0)
      unparsed = Hash.new(0)
      es.each do |_time, record|
        type = @label_of[record[@log_type_key]]
        seen[type] += 1
        unparsed[type] += 1 if record.key?(@parse_error_key)
      end
      seen.each { |type, n| @records.increment(by: n, labels: { log_type: type }) }
      unparsed.each { |type, n| @unparsed.increment(by: n, labels: { log_type: type }) }
      es
    end
  end
end
