# dle: fluent-plugin-elasticsearch and fluent-plugin-opensearch with an <inject> section, which neither has: the
# forwarders give every sink the same `forwarder` field by <inject> (hostname_key) as the events are written, so that
# nothing touches an event between the agent's MessagePack and the three buffers (fluentd/forwarder.conf). Included by
# dle_elasticsearch and dle_opensearch, whose process_message (the plugins' per-event step of a bulk request) it wraps.
module DleSearchInject
  def self.included(output)
    output.helpers :inject
  end

  def process_message(tag, meta, header, time, record, *rest)
    super(tag, meta, header, time, inject_values_to_record(tag, time, record), *rest)
  end
end
