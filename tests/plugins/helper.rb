# What every dle plugin test loads: test-unit (the lock's `test` group), fluentd's test drivers, and the plugins from
# fluentd/plugins/ as the image loads them. Run one file with `.fluentd/bin/ruby tests/plugins/test_<plugin>.rb`; npm
# test runs them all (tests/plugins/plugins.test.ts).
require 'test/unit'
require 'fluent/test'
require 'fluent/test/helpers'
require 'fluent/test/driver/input'
require 'fluent/test/driver/filter'
require 'fluent/test/driver/output'

PLUGIN_DIR = File.expand_path('../../fluentd/plugins', __dir__)

# Loads dle's plugin `file` (e.g. 'filter_dle_events') from fluentd/plugins/.
def require_dle_plugin(file)
  require File.join(PLUGIN_DIR, file)
end

class Test::Unit::TestCase
  include Fluent::Test::Helpers
end

Fluent::Test.setup
