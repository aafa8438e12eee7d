# dle: a line as valid UTF-8, for the agent's dle_events filters. A container may print any bytes; MongoDB's BSON
# encoder refuses a chunk holding a string that is not valid UTF-8 (the other events with it too), so invalid bytes
# become U+FFFD. A valid UTF-8 string is returned as it is, uncopied; anything that is not a string too.
module DleUtf8
  def self.valid(value)
    return value unless value.is_a?(String)
    return value if value.encoding == Encoding::UTF_8 && value.valid_encoding?

    value.dup.force_encoding(Encoding::UTF_8).scrub
  end
end
