# dle: a metric in the Prometheus registry that fluent-plugin-prometheus's source serves, for dle's metric plugins
# (dle_monitor, dle_records). Registered once per process: a second plugin instance (or a second config section)
# gets the same metric, as the registry refuses a name twice; and a series set up where it is absent, never reset.
require 'prometheus/client'

module DlePrometheus
  def self.metric(kind, name, docstring, labels)
    registry = ::Prometheus::Client.registry
    registry.exist?(name) ? registry.get(name) : registry.public_send(kind, name, docstring: docstring, labels: labels)
  end

  # Sets up the counter's series of these labels at 0 where it does not exist yet, so that its first events show as an
  # increase; a series that exists keeps its count. prometheus-client's init_label_set would set that back to 0 (a
  # second plugin instance, a restarted filter, every reading of dle_monitor). Adding 0 does it in one step under the
  # metric store's lock, so no increment between a look and a set is lost.
  def self.ensure_series(counter, labels)
    counter.increment(by: 0, labels: labels)
  end
end
