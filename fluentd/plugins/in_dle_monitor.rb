# dle: the fluentd metrics that fluent-plugin-prometheus (2.2) does not export, into the same Prometheus registry, so
# that the `prometheus` source serves them on /metrics beside the plugin's own:
#   fluentd_input_status_emit_records_total{plugin_id,type}          records each input emitted (records in)
#   fluentd_input_status_invalid_events_total{plugin_id,type}        events in_forward (or an input built on it) dropped as invalid
#   fluentd_output_status_buffer_total_limit_bytes{plugin_id,type}   each buffer's total_limit_size, to draw its bytes against
#   fluentd_output_status_write_secondary_count_total{plugin_id,type} chunks written to the <secondary> (an error path)
#   fluentd_output_forward_node_available{plugin_id,node,standby}    1 while out_forward uses a node, 0 while it is detached
#   fluentd_output_forward_node_serving{plugin_id,node}              1 for the nodes out_forward sends to now
# Loaded from the image's plugin directory (/fluentd/plugins); the tests pass the same folder to fluentd with -p.
# It reads fluentd's internals (the root agent's plugins, their statistics, out_forward's nodes) and hooks in_forward's
# invalid_event?; `configure` checks that each is there and refuses to start, naming what is missing, on a fluentd that
# changed them: there a metric would silently stay at 0 (tests/plugins/test_in_dle_monitor.rb pins the check).
require 'fluent/plugin/input'
require 'fluent/plugin/in_forward'
require 'fluent/plugin/out_forward'
require 'fluent/version'
require_relative 'dle_internals'
require_relative 'dle_prometheus'

module Fluent::Plugin
  class DleMonitorInput < Input
    Fluent::Plugin.register_input('dle_monitor', self)

    helpers :timer

    desc 'Seconds between two readings of the plugins (as prometheus_output_monitor)'
    config_param :interval, :time, default: 5

    # in_forward logs and drops an invalid event without counting it: count it here, in the one method that decides,
    # for in_forward and for the inputs built on it (the agent's dle_batching_forward), each under its own type.
    module CountInvalidEvents
      def invalid_event?(tag, time, record)
        invalid = super
        DleMonitorInput.invalid_events.increment(labels: DleMonitorInput.labels_of(self)) if invalid
        invalid
      end
    end

    # The internals used here, each checked at configure. Read from the methods' instructions where what matters is
    # what a method calls or which statistics it reports (CRuby's, as fluentd runs on).
    INTERNALS = {
      'Engine.root_agent, RootAgent#inputs, #outputs, #labels, Label#outputs' =>
        -> { Fluent::Engine.respond_to?(:root_agent) && %i[inputs outputs labels].all? { |m| Fluent::RootAgent.method_defined?(m) } && Fluent::Label.method_defined?(:outputs) },
      "Input#statistics['input']['emit_records']" =>
        -> { DleInternals.in_code?(Input.instance_method(:statistics), 'emit_records') },
      "Output#statistics['output']['write_secondary_count'], Output#buffer, Buffer#total_limit_size" =>
        -> { DleInternals.in_code?(Output.instance_method(:statistics), 'write_secondary_count') && Output.method_defined?(:buffer) && Buffer.method_defined?(:total_limit_size) },
      'ForwardInput#invalid_event?(tag, time, record), called by #on_message and #check_and_skip_invalid_event' =>
        -> { ForwardInput.method_defined?(:invalid_event?, false) && %i[on_message check_and_skip_invalid_event].all? { |m| DleInternals.in_code?(ForwardInput.instance_method(m), :invalid_event?) } },
      'ForwardOutput#nodes, Node#name, #host, #port, #weight, #standby?, #available?' =>
        -> { ForwardOutput.method_defined?(:nodes) && %i[name host port weight standby? available?].all? { |m| ForwardOutput::Node.method_defined?(m) } },
      'ForwardOutput::LoadBalancer#rebuild_weight_array(nodes), whose rule update_forward_nodes follows' =>
        -> { ForwardOutput::LoadBalancer.instance_method(:rebuild_weight_array).arity == 1 },
    }.freeze

    # The names of INTERNALS that this fluentd does not have.
    def self.missing_internals
      DleInternals.missing(INTERNALS)
    end

    # The labels of a plugin's series: its @id and its @type as configured.
    def self.labels_of(plugin)
      { plugin_id: plugin.plugin_id, type: plugin.config['@type'].to_s }
    end

    def self.invalid_events
      DlePrometheus.metric(:counter, :fluentd_input_status_invalid_events_total, 'Events in_forward dropped as invalid.', [:plugin_id, :type])
    end

    def multi_workers_ready?
      true
    end

    def configure(conf)
      missing = self.class.missing_internals
      unless missing.empty?
        raise Fluent::ConfigError, "dle_monitor was written against fluentd 1.19.3, and this fluentd (#{Fluent::VERSION}) " \
          "has no #{missing.join('; no ')}: adapt the plugin, or remove the dle_monitor source from fluentd/metrics.conf"
      end
      super
      plugin_labels = [:plugin_id, :type]
      @input_records = DlePrometheus.metric(:counter, :fluentd_input_status_emit_records_total, 'Records each input plugin emitted.', plugin_labels)
      @buffer_limit = DlePrometheus.metric(:gauge, :fluentd_output_status_buffer_total_limit_bytes, 'The buffer total_limit_size of each output.', plugin_labels)
      @secondary_writes = DlePrometheus.metric(:counter, :fluentd_output_status_write_secondary_count_total, 'Chunks each output wrote to its secondary.', plugin_labels)
      @node_available = DlePrometheus.metric(:gauge, :fluentd_output_forward_node_available, 'Whether out_forward considers the node available (1) or detached (0).', [:plugin_id, :node, :standby])
      @node_serving = DlePrometheus.metric(:gauge, :fluentd_output_forward_node_serving, 'Whether out_forward sends to the node now (1) or not (0).', [:plugin_id, :node])
      self.class.invalid_events
      Fluent::Plugin::ForwardInput.prepend(CountInvalidEvents) unless Fluent::Plugin::ForwardInput < CountInvalidEvents
    end

    def start
      super
      timer_execute(:in_dle_monitor, @interval, &method(:update))
    end

    def update
      root = Fluent::Engine.root_agent
      root.inputs.each { |input| update_input(input) }
      outputs = root.outputs + root.labels.values.flat_map(&:outputs)
      outputs.each { |output| update_output(output) if output.is_a?(Fluent::Plugin::Output) }
    rescue => e
      log.warn 'dle_monitor: could not read the plugins', error: e
    end

    private

    # fluentd keeps cumulative counts; the Prometheus counter follows them.
    def follow(counter, labels, total)
      delta = total - counter.get(labels: labels)
      counter.increment(by: delta, labels: labels) if delta > 0
    end

    def update_input(input)
      records = input.respond_to?(:statistics) ? input.statistics.dig('input', 'emit_records') : nil
      follow(@input_records, self.class.labels_of(input), records) if records
      # From the first reading on, before its first invalid event; every reading after that leaves the count alone.
      DlePrometheus.ensure_series(self.class.invalid_events, self.class.labels_of(input)) if input.is_a?(Fluent::Plugin::ForwardInput)
    end

    def update_output(output)
      labels = self.class.labels_of(output)
      buffer = output.buffer
      @buffer_limit.set(buffer.total_limit_size, labels: labels) if buffer
      written = output.statistics.dig('output', 'write_secondary_count')
      follow(@secondary_writes, labels, written) if written
      update_forward_nodes(output) if output.is_a?(Fluent::Plugin::ForwardOutput)
    end

    # Which nodes out_forward sends to, by the rule of its LoadBalancer#rebuild_weight_array: every available regular
    # node, and standby nodes in order while regular nodes' weight is lost.
    def update_forward_nodes(output)
      nodes = output.nodes.select { |node| node.weight > 0 }
      standby, regular = nodes.partition(&:standby?)
      lost = regular.reject(&:available?).sum(&:weight)
      serving = regular.select(&:available?)
      standby.select(&:available?).each do |node|
        break if lost <= 0
        serving << node
        lost -= node.weight
      end
      nodes.each do |node|
        name = node.name || "#{node.host}:#{node.port}"
        @node_available.set(node.available? ? 1 : 0, labels: { plugin_id: output.plugin_id, node: name, standby: node.standby?.to_s })
        @node_serving.set(serving.include?(node) ? 1 : 0, labels: { plugin_id: output.plugin_id, node: name })
      end
    end
  end
end
