# dle: a record whose keys every sink stores as they are. MongoDB refuses a document with a key that contains '.' or
# begins with '$'; fluent-plugin-mongo's replace_dot_in_key_with / replace_dollar_in_key_with rewrote every key of every
# event at the forwarder, for the store alone. dle_events does it at the agent, for every sink alike, and copies only
# where a key needs it: such a key gets '_' for each '.' and for a '$' at the start of a line (the plugin's patterns),
# in nested hashes and arrays too. A record whose keys are all storable is returned as it is.
module DleStorableKeys
  def self.storable(record)
    clean?(record) ? record : rewrite(record)
  end

  def self.key?(key)
    !key.is_a?(String) || !(key.include?('.') || key.start_with?('$') || key.include?("\n$"))
  end

  # All keys at once, as one string (a '$' after a newline is one at the start of a key, or of a line in one): a call
  # per key cost a seventh of the agent's CPU in the benchmark's profile.
  def self.clean?(value)
    case value
    when Hash
      keys = value.keys.join("\n")
      return false if keys.include?('.') || keys.start_with?('$') || keys.include?("\n$")
      value.each_value { |v| return false if (v.is_a?(Hash) || v.is_a?(Array)) && !clean?(v) }
      true
    when Array then value.all? { |v| clean?(v) }
    else true
    end
  end

  def self.rewrite(value)
    case value
    when Hash then value.to_h { |k, v| [key?(k) ? k : k.tr('.', '_').gsub(/^\$/, '_'), rewrite(v)] }
    when Array then value.map { |v| rewrite(v) }
    else value
    end
  end
  private_class_method :key?, :clean?, :rewrite
end
