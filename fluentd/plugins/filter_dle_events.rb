# dle: what every event gets at the log agent, in the one filter it passes there (fluentd/agent-log-types.conf): its
# line made valid UTF-8 and every key storable, its application and log type, its event id, and its count. This
# filter does it for records that are fields already; dle_log_type (filter_dle_log_type.rb) is this filter that also
# parses lines into the fields of their log type.
#
#   <filter app.**>
#     @type dle_events
#     app_tag_part 1      # app.<application>: the records' `app`
#     log_type app
#   </filter>
#
# The event id: a random UUID (base64) in `event_id`, so that two identical lines are still two events, given before
# the buffer, so that a chunk the agent sends again (its ack was lost, or the agent restarted) carries the same ids;
# and in `_id` too, the store's document id (MongoDB names it so), so that the store keeps one copy of an event sent
# twice. Keys are made storable by DleStorableKeys; the counts are dle_records_total and dle_records_unparsed_total
# (DleRecordCounter), counted here for the whole stream.
#
# An event passes one dle_events (or dle_log_type) filter, the first whose tag pattern matches: the stream that filter
# returns passes later ones untouched, so a catch-all after the applications' filters takes only the events they did
# not take.
require 'base64'
require 'securerandom'
require 'fluent/plugin/filter'
require 'fluent/event'
require_relative 'dle_record_counter'
require_relative 'dle_storable_keys'
require_relative 'dle_utf8'

module Fluent::Plugin
  class DleEventsFilter < Filter
    Fluent::Plugin.register_filter('dle_events', self)

    # The events a dle_events filter returns, which later ones pass on as they are.
    class Events < Fluent::MultiEventStream; end

    desc 'The application the records come from: their `app` (none where neither this nor app_tag_part is set).'
    config_param :app, :string, default: nil
    desc 'The part of the tag (counted from 0) that names the application, instead of `app`.'
    config_param :app_tag_part, :integer, default: nil
    desc 'The records\' `log_type` (none where not set).'
    config_param :log_type, :string, default: nil
    desc 'The field that holds the line.'
    config_param :key_name, :string, default: 'log'
    desc 'The field present on an event whose line did not parse, counted apart.'
    config_param :error_key, :string, default: 'parse_error'
    desc 'The fields that get the event id: the event\'s own, and the store\'s document id.'
    config_param :id_keys, :array, value_type: :string, default: %w[event_id _id]
    desc 'The log types of the event schema, for the counts (others are counted as "other"); default: this filter\'s.'
    config_param :log_types, :array, value_type: :string, default: nil

    def configure(conf)
      super
      raise Fluent::ConfigError, "#{self.class.name}: app or app_tag_part, not both" if @app && @app_tag_part
    end

    def start
      super
      @counter = DleRecordCounter.new(@log_types || own_log_types)
    end

    def filter_stream(tag, es)
      return es if es.is_a?(Events)

      app = @app_tag_part ? tag.split('.')[@app_tag_part] : @app
      out = Events.new
      seen = Hash.new(0)
      unparsed = Hash.new(0)
      es.each do |time, record|
        each_event(time, record, app) do |event_time, event|
          event = DleStorableKeys.storable(event)
          id = Base64.strict_encode64(SecureRandom.uuid)
          @id_keys.each { |key| event[key] = id }
          label = @counter.label(event['log_type'])
          seen[label] += 1
          unparsed[label] += 1 if event.key?(@error_key)
          out.add(event_time, event)
        end
      end
      @counter.add(seen, unparsed)
      out
    end

    private

    # The log types this filter gives.
    def own_log_types
      [@log_type].compact
    end

    # Yields the event a record makes: the record, its line scrubbed, the application and the log type set where given.
    def each_event(time, record, app)
      record[@key_name] = DleUtf8.valid(record[@key_name]) if record.key?(@key_name)
      record['app'] = app if app
      record['log_type'] = @log_type if @log_type
      yield time, record
    end
  end
end
