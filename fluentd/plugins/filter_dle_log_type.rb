# dle: gives each line of an application its log type and parses it into that type's fields; a line that does not
# parse is kept whole and marked, never dropped. Otherwise as dle_events (filter_dle_events.rb), in the same pass: the
# line valid UTF-8, the keys storable, the event id, the count. Used by fluentd/agent-log-types.conf:
#
#   <filter docker.webapp>
#     @type dle_log_type
#     app webapp
#     type_by_stream stdout:nginx_access,stderr:nginx_error
#     <parse nginx_access>
#       @type json
#     </parse>
#     <parse nginx_error>
#       @type regexp
#       expression /…/
#     </parse>
#   </filter>
#
# Each record gets `app` and `log_type`: the <parse> section chosen by the stream the line came on (`source`, as
# Docker's log driver and FireLens send it), or the first section for a stream not listed. The parsed fields are
# merged into the record, which keeps the line itself (like fluentd's parser filter with reserve_data); the line's
# own time, where the parser reads one, becomes the event's time.
#
# fluentd's parser filter keeps an unparsed line only unmarked (or sends it to @ERROR, out of the pipeline). This
# filter keeps the record as it came, with `parse_error` saying why the line did not parse, and counts those lines:
# monitor_agent's `parse_errors` for the plugin. A line that is not valid UTF-8 is parsed and kept with U+FFFD in
# place of the invalid bytes, so that no sink refuses its fields.
require_relative 'filter_dle_events'

module Fluent::Plugin
  class DleLogTypeFilter < DleEventsFilter
    Fluent::Plugin.register_filter('dle_log_type', self)

    helpers :parser

    desc 'The field that names the stream a line came on.'
    config_param :stream_key, :string, default: 'source'
    desc 'The log type (a <parse> section) of each stream; other streams get the first section.'
    config_param :type_by_stream, :hash, default: {}, value_type: :string

    # What a parser's nil result means, by the parser's type (fluentd's JSON parser reports a syntax error that way too).
    NO_MATCH = {
      'json' => 'not a JSON object',
      'regexp' => 'does not match the pattern of the log type',
    }.freeze

    def configure(conf)
      super
      @types = @parser_configs.map(&:usage)
      if @types.empty? || @types.any?(&:empty?)
        raise Fluent::ConfigError, 'dle_log_type needs a <parse LOG_TYPE> section per log type, e.g. <parse nginx_access>'
      end
      raise Fluent::ConfigError, 'dle_log_type takes its log types from its <parse> sections, not from log_type' if @log_type
      unknown = @type_by_stream.values - @types
      raise Fluent::ConfigError, "type_by_stream names log types without a <parse> section: #{unknown.join(', ')}" unless unknown.empty?
      @parsers = @types.to_h { |log_type| [log_type, parser_create(usage: log_type)] }
      @no_match = @parser_configs.to_h { |section| [section.usage, NO_MATCH.fetch(section[:@type], 'does not match')] }
      @parse_errors = metrics_create(namespace: 'fluentd', subsystem: 'filter', name: 'parse_errors',
                                     help_text: 'Lines kept unparsed, marked with parse_error')
    end

    # Filter#initialize looks for the filter methods the plugin's own class defines (Filter#has_filter_with_time?).
    def filter_stream(tag, es)
      super
    end

    def statistics
      stats = super
      stats['filter'] = stats['filter'].merge('parse_errors' => @parse_errors.get)
      stats
    end

    private

    def own_log_types
      @types
    end

    # Yields each event a line makes: one new hash per event, the record, the parsed fields, then what the agent says
    # (the line, scrubbed where it was not UTF-8; the app and the log type, which a line cannot override).
    def each_event(time, record, app)
      log_type = @type_by_stream.fetch(record[@stream_key], @types.first)
      line = DleUtf8.valid(record[@key_name])
      results, error = parse(log_type, line)
      if error
        @parse_errors.add(1)
        results = [[nil, { @error_key => error }]]
      end
      results.each do |parsed_time, values|
        event = record.merge(values)
        event[@key_name] = line unless line.nil?
        event['app'] = app if app
        event['log_type'] = log_type
        yield parsed_time || time, event
      end
    end

    # [[time, values], ...] from the log type's parser, or [nil, reason] when the line does not parse.
    def parse(log_type, line)
      return [nil, "no #{@key_name} field, or not a string"] unless line.is_a?(String)

      results = []
      @parsers[log_type].parse(line) { |parsed_time, values| results << [parsed_time, values] }
      return [nil, @no_match[log_type]] if results.empty? || results.any? { |_, values| values.nil? }

      [results, nil]
    rescue StandardError => e
      [nil, e.message]
    end
  end
end
