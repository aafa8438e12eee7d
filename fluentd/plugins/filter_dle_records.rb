# dle: counts the events a forwarder passes on, by the event schema's `log_type`, and those that did not parse (they
# carry `parse_error`): dle_records_total and dle_records_unparsed_total (dle_record_counter.rb). The agent counts in
# its dle_events filters, in the pass that gives the events their log type.
# fluent-plugin-prometheus's own filter copies every record (twice) to evaluate its labels; this one counts a whole
# event stream and adds once per log type, and passes the stream on untouched (so a forwarder writes the agent's
# MessagePack to its buffers as it came).
require 'fluent/plugin/filter'
require_relative 'dle_record_counter'

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
      @counter = DleRecordCounter.new(@log_types)
    end

    def filter_stream(_tag, es)
      seen = Hash.new(0)
      unparsed = Hash.new(0)
      es.each do |_time, record|
        label = @counter.label(record[@log_type_key])
        seen[label] += 1
        unparsed[label] += 1 if record.key?(@parse_error_key)
      end
      @counter.add(seen, unparsed)
      es
    end
  end
end
