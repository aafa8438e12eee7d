# dle: a metric in the Prometheus registry that fluent-plugin-prometheus's source serves, for dle's metric plugins
# (dle_monitor, dle_records). Registered once per process: a second plugin instance (or a second config section)
# gets the same metric, as the registry refuses a name twice.
require 'prometheus/client'

module DlePrometheus
  def self.metric(kind, name, docstring, labels)
    registry = ::Prometheus::Client.registry
    registry.exist?(name) ? registry.get(name) : registry.public_send(kind, name, docstring: docstring, labels: labels)
  end
end
