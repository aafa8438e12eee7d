# dle: the cloudwatch sink's output (aws only), fluent-plugin-cloudwatch-logs's with each event's log group chosen
# from the groups the stack created. Used by fluentd/sinks/cloudwatch.conf:
#
#   <store>
#     @type dle_cloudwatch_logs
#     log_group_prefix /dle/aws/logs/
#     log_groups webapp/nginx_access,webapp/nginx_error,api/app,canary/app,other
#     log_group_name_key dle_log_group      # the field this output sets, which the plugin reads and removes
#     remove_log_group_name_key true
#     …                                     # the plugin's own parameters
#   </store>
#
# An event goes to `<prefix><app>/<log_type>` when that is one of log_groups, else to `<prefix>other`: the plugin
# itself would skip (and so lose) an event whose group does not exist, and the forwarders' task role may not create
# one. The plugin's batching is kept as it is: at most 10,000 events and 1,048,576 bytes (messages plus 26 bytes
# each) per PutLogEvents call, no call spanning 24 hours, events in time order.
require 'fluent/plugin/out_cloudwatch_logs'

module Fluent::Plugin
  class DleCloudwatchLogsOutput < CloudwatchLogsOutput
    Fluent::Plugin.register_output('dle_cloudwatch_logs', self)

    GROUP_KEY = 'dle_log_group'
    OTHER = 'other'

    desc 'The prefix of every log group (`/dle/<stack>/logs/`).'
    config_param :log_group_prefix, :string
    desc 'The groups under the prefix that exist: `<app>/<log_type>` each, and `other`.'
    config_param :log_groups, :array, value_type: :string

    def configure(conf)
      super
      raise Fluent::ConfigError, "log_group_name_key must be #{GROUP_KEY}, the field this output sets" unless @log_group_name_key == GROUP_KEY
      raise Fluent::ConfigError, "remove_log_group_name_key must be true: #{GROUP_KEY} is not part of the event" unless @remove_log_group_name_key
      raise Fluent::ConfigError, "log_groups must include #{OTHER}, the group of events of no listed app and log type" unless @log_groups.include?(OTHER)
      @known = @log_groups.to_h { |g| [g, "#{@log_group_prefix}#{g}"] }
    end

    # The event's group, by its app and log_type (fluentd/agent-log-types.conf gives them).
    def group_for(record)
      @known.fetch("#{record['app']}/#{record['log_type']}") { @known.fetch(OTHER) }
    end

    def format(tag, time, record)
      super(tag, time, record.merge(GROUP_KEY => group_for(record)))
    end

    # fluentd tells a buffered output by the methods its own class defines (Output#implement?), not those it inherits.
    def write(chunk)
      super
    end
  end
end
