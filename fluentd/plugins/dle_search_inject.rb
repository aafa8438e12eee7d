# dle: fluent-plugin-elasticsearch and fluent-plugin-opensearch with an <inject> section, which neither has: the
# forwarders give every sink the same `forwarder` field by <inject> (hostname_key) as the events are written, so that
# nothing touches an event between the agent's MessagePack and the three buffers (fluentd/forwarder.conf). Included by
# dle_elasticsearch and dle_opensearch, whose process_message (the plugins' per-event step of a bulk request) it wraps.
#
# process_message is an internal of the plugins, not an interface they keep: a release may rename it or move the
# record, and the wrap would then fail on every event or, worse, inject into the wrong argument. So `configure`
# checks that each internal below is there, as fluent-plugin-elasticsearch 6.0.0 and fluent-plugin-opensearch 1.1.6
# have it, and refuses to start, naming what is missing (tests/plugins/test_out_dle_elasticsearch.rb and
# test_out_dle_opensearch.rb run that check on the locked gems).
require_relative 'dle_internals'

module DleSearchInject
  # The parameters of the process_message wrapped here, in both plugins.
  PROCESS_MESSAGE_PARAMETERS = [[:req, :tag], [:req, :meta], [:req, :header], [:req, :time], [:req, :record],
                                [:req, :affinity_target_indices], [:req, :extracted_values]].freeze

  # The internals used below, each checked at configure on the including output.
  INTERNALS = {
    "process_message(#{PROCESS_MESSAGE_PARAMETERS.map(&:last).join(', ')}) in the search plugin" =>
      ->(output) { wrapped_process_message(output)&.parameters == PROCESS_MESSAGE_PARAMETERS },
    'PluginHelper::Inject#inject_values_to_record(tag, time, record)' =>
      ->(_) { Fluent::PluginHelper::Inject.method_defined?(:inject_values_to_record) && Fluent::PluginHelper::Inject.instance_method(:inject_values_to_record).arity == 3 },
  }.freeze

  def self.included(output)
    output.helpers :inject
  end

  # The method this module's process_message calls with super on `output`: nil when there is none.
  def self.wrapped_process_message(output)
    instance_method(:process_message).bind(output).super_method
  end

  def configure(conf)
    missing = DleInternals.missing(INTERNALS, self)
    unless missing.empty?
      wrapped = DleSearchInject.wrapped_process_message(self)
      found = wrapped && wrapped.parameters != PROCESS_MESSAGE_PARAMETERS ? " (it has process_message(#{wrapped.parameters.map(&:last).join(', ')}))" : ''
      raise Fluent::ConfigError, "#{self.class} was written against fluent-plugin-elasticsearch 6.0.0 and " \
        "fluent-plugin-opensearch 1.1.6, and here there is no #{missing.join('; no ')}#{found}: adapt " \
        "fluentd/plugins/dle_search_inject.rb to the plugin's per-event step"
    end
    super
  end

  def process_message(tag, meta, header, time, record, *rest)
    super(tag, meta, header, time, inject_values_to_record(tag, time, record), *rest)
  end
end
