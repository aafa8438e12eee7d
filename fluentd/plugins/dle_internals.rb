# dle: how a dle plugin checks, at configure, the fluentd internals it overrides or reads (dle_forward,
# dle_batching_forward, dle_monitor, the search outputs' inject). An internal is no interface a release keeps: where
# one changed, the plugin refuses to start and names it, rather than fail on every event or report nothing.
module DleInternals
  # The names in `table` (name => check) whose check is false or raises (a constant or method that is gone).
  def self.missing(table, *args)
    table.reject { |_, present| (present.call(*args) rescue false) }.keys
  end

  # Whether a method's instructions call `name` (a Symbol) or hold the string `name`: for internals where what matters
  # is what a method calls or which keys it reports. CRuby's instructions, as fluentd runs on.
  def self.in_code?(method, name)
    walk = lambda do |node|
      case node
      when Array then node.any?(&walk)
      when Hash then node[:mid] == name
      else node.is_a?(String) && node == name
      end
    end
    walk.call(RubyVM::InstructionSequence.of(method).to_a)
  end
end
