# dle: what a forwarder adds to every event before it copies the event to the sinks (fluentd/forwarder.conf):
#   forwarder  this forwarder's name (primary or secondary): the path the event took, in every sink
#   _id        the agent's event_id, the store's document id (MongoDB names it so): an event sent twice is stored once
#   log        the line, with any bytes that are not UTF-8 replaced by U+FFFD: MongoDB's BSON encoder refuses a chunk
#              holding an invalid string, the other events with it too
# Two record_transformer filters did this before; record_transformer builds a placeholder for every field of every
# event and ran Ruby for the scrub, which the benchmark's profile put at a fifth of a forwarder's CPU. This filter
# sets the three fields in place, and copies the line only when it is not valid UTF-8.
require 'fluent/plugin/filter'
require_relative 'dle_utf8'

module Fluent::Plugin
  class DleForwarderFieldsFilter < Filter
    Fluent::Plugin.register_filter('dle_forwarder_fields', self)

    desc "This forwarder's name, each event's `forwarder`"
    config_param :forwarder, :string
    desc 'The field whose value becomes the event\'s `_id`'
    config_param :id_key, :string, default: 'event_id'
    desc 'The field that holds the line'
    config_param :key_name, :string, default: 'log'

    def multi_workers_ready?
      true
    end

    def filter(_tag, _time, record)
      record[@key_name] = DleUtf8.valid(record[@key_name]) if record.key?(@key_name)
      record['forwarder'] = @forwarder
      # Without an id (an event that did not come through dle's agent) the store gives the document one.
      id = record[@id_key]
      record['_id'] = id unless id.nil?
      record
    end
  end
end
