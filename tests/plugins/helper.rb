# What every dle plugin test loads: test-unit (the lock's `test` group), fluentd's test drivers, and the plugins from
# fluentd/plugins/ as the image loads them. Run one file with `.fluentd/bin/ruby tests/plugins/test_<plugin>.rb`; npm
# test runs them all (tests/plugins/plugins.test.ts).
require 'test/unit'
require 'fluent/test'
require 'fluent/test/helpers'
require 'fluent/test/driver/input'
require 'fluent/test/driver/filter'
require 'fluent/test/driver/output'
require 'socket'

PLUGIN_DIR = File.expand_path('../../fluentd/plugins', __dir__)

# Loads dle's plugin `file` (e.g. 'filter_dle_events') from fluentd/plugins/.
def require_dle_plugin(file)
  require File.join(PLUGIN_DIR, file)
end

# What the tests of several plugins do alike.
module DlePluginTestHelpers
  # A port free for TCP and UDP (in_forward listens on both) on 127.0.0.1.
  def unused_port
    10.times do
      tcp = TCPServer.new('127.0.0.1', 0)
      port = tcp.addr[1]
      udp = UDPSocket.new
      begin
        udp.bind('127.0.0.1', port)
        return port
      rescue Errno::EADDRINUSE
        next
      ensure
        udp.close
        tcp.close
      end
    end
    raise 'no free port'
  end

  # Polls until the block is truthy or `seconds` have passed; the block's last value.
  def wait_until(seconds = 20)
    deadline = Fluent::Clock.now + seconds
    loop do
      value = yield
      return value if value || Fluent::Clock.now > deadline

      sleep 0.05
    end
  end

  # Runs the block on a fluentd whose `klass` lacks its own method `name`, or has `body` for it, as a release that
  # changed it would; then puts the method back as it was, its visibility too. The block's value.
  def changing_method(klass, name, body = nil)
    visibility = if klass.private_method_defined?(name) then :private
                 elsif klass.protected_method_defined?(name) then :protected
                 else :public
                 end
    own = klass.instance_method(name)
    own = own.super_method until own.owner == klass # past a module prepended to it
    klass.send(:remove_method, name)
    klass.send(:define_method, name, &body) if body
    yield
  ensure
    if own
      klass.send(:remove_method, name) if body
      klass.send(:define_method, name, own)
      klass.send(visibility, name)
    end
  end
end

# dle_records_total and dle_records_unparsed_total (DleRecordCounter), as the tests of the filters that count read them.
module DleRecordCounts
  def counter(name)
    Prometheus::Client.registry.get(name)
  end

  # [[seen, unparsed], ...] of these log type labels.
  def counts(*labels)
    labels.map { |l| %i[dle_records_total dle_records_unparsed_total].map { |n| counter(n).get(labels: { log_type: l }).to_i } }
  end

  # How much the block adds to counts(*labels), as [[seen, unparsed], ...].
  def added(*labels)
    before = counts(*labels)
    yield
    counts(*labels).zip(before).map { |(s, u), (s0, u0)| [s - s0, u - u0] }
  end
end

class Test::Unit::TestCase
  include Fluent::Test::Helpers
  include DlePluginTestHelpers
end

Fluent::Test.setup
