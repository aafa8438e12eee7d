# dle: the event counts by the event schema's `log_type`, into the Prometheus registry that the `prometheus` source
# serves, for dle's filters that count what their fluentd passes on (dle_events at the agent, dle_records at the
# forwarders):
#   dle_records_total{log_type}            events seen, by log type
#   dle_records_unparsed_total{log_type}   of those, events with a parse_error
# A log type outside the schema is counted as "other", an event without one as "none": a sender cannot make up
# label values. A filter counts a whole event stream in local tallies and adds them once per log type.
require_relative 'dle_prometheus'

class DleRecordCounter
  def initialize(log_types)
    @label_of = Hash.new('other').merge(log_types.to_h { |type| [type, type] })
    @label_of[nil] = 'none'
    @records = DlePrometheus.metric(:counter, :dle_records_total, 'Events seen, by log_type.', [:log_type])
    @unparsed = DlePrometheus.metric(:counter, :dle_records_unparsed_total, 'Events that did not parse (with a parse_error), by log_type.', [:log_type])
    # Every series exists from the start, at 0 where it is new: the counts of an earlier filter (another one, or this
    # one before a restart) in this process stay.
    (log_types + %w[other none]).each do |type|
      DlePrometheus.ensure_series(@records, log_type: type)
      DlePrometheus.ensure_series(@unparsed, log_type: type)
    end
  end

  # The label an event of this log type is counted under.
  def label(log_type)
    @label_of[log_type]
  end

  # Adds one stream's tallies, each { label => events }.
  def add(seen, unparsed)
    seen.each { |label, n| @records.increment(by: n, labels: { log_type: label }) }
    unparsed.each { |label, n| @unparsed.increment(by: n, labels: { log_type: label }) }
  end
end
