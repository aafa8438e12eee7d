# dle_forward: fluentd's forward output whose standby server takes over whenever a regular server becomes unavailable,
# not only when the heartbeats detach it. The log agent's output to the forwarder pair (fluentd/agent.conf).
#
# The upstream defect (fluentd 1.19.3's lib/fluent/plugin/out_forward.rb, unchanged on master): a `standby` server
# enters the weight array only in LoadBalancer#rebuild_weight_array, and out_forward rebuilds it only when Node#tick
# detaches a server (hard_timeout or phi) on the heartbeat timer. Three other paths disable a server without a
# rebuild: a failed ack (`ack_check`: `node&.disable!`), a connection or handshake error (`establish_connection`),
# and a name that does not resolve at configure (with ignore_network_errors_at_startup). Node#tick returns early for a
# server already disabled, so its later heartbeat failures never rebuild the array either: the standby stays out,
# every flush raises NoNodesAvailable, and the agent holds everything until the primary returns. A SIGKILLed primary
# with an ack outstanding takes exactly that path (its socket closes, the ack fails). The same paths keep the
# server's resolved address, so a forwarder task replaced at a new address is found only at the next DNS expiry.
#
# The fix, kept to the node: when a server becomes unavailable by any path, (1) the weight array is rebuilt, which
# brings the standby in; (2) its cached address is dropped, so the next heartbeat resolves the name again; (3) its
# heartbeat history is cleared, so that it is used again only after recover_wait of good heartbeats, as after a
# detach; (4) the acks still outstanding on it are given up now, so that their chunks are sent to the standby at once
# instead of after ack_response_timeout (a chunk the server did take is then delivered twice: the store and the search
# index keep one copy by event_id). A refused connection (nothing listening: the forwarder is gone or restarting) is
# one more way to become unavailable. Timeouts are not: a busy server may answer late, and the heartbeats' hard_timeout
# decides for those.
#
# And the other way round: an ack is a sign of life. A forwarder busy with a backlog may take longer than
# connect_timeout to answer a heartbeat's handshake, on a loaded machine again and again, and out_forward detached such
# a forwarder after hard_timeout although it kept acknowledging chunks (the failover scenarios saw it under full load).
# Here each ack counts as a heartbeat, as out_forward already counts each successful send, and a handshake that fails
# on a forwarder that acknowledged a chunk within hard_timeout does not disable it: a hung forwarder acknowledges
# nothing, a dead one closes its connections (its acks fail), so neither is mistaken for a busy one.
#
# When the servers in use change (a detach, a return), the chunks that failed meanwhile are sent at once. They wait
# for the output's retry timer otherwise, and a flush thread asleep until then (and, with acks, until the retried
# chunk is acknowledged: fluentd's Output#flush_thread_run says so in a TODO): up to retry_max_interval more of gap.
#
# Last, its sockets close at once. out_forward sets SO_LINGER to send_timeout on every connection, so that closing one
# whose peer went silent (a network cut while a heartbeat or a chunk was on the wire) blocks until send_timeout: the
# heartbeat thread then stalls for send_timeout (20 s here), no heartbeat detaches the primary meanwhile, and the
# flush threads stall likewise (the cut scenario saw both). Without the linger, close returns and the kernel finishes
# or gives up the connection in the background; nothing is lost by it, since a chunk counts as sent only once acked.
#
# And it trusts only the stack's CA (tls_cert_path) for the forwarders. out_forward's TLS connections also trust
# every CA of the system's store, loaded anew for each connection: a public CA's certificate for a forwarder's name is
# no forwarder of this stack, and with no keepalive (every chunk and every heartbeat is a connection) that load alone
# took 7.8 % of the agent's CPU (docs/benchmark.md).
#
# It relies on out_forward's internals; `configure` checks that each is there and refuses to start, naming what is
# missing, on a fluentd that changed them (tests/e2e/dle-forward.test.ts runs that check and the behaviour on the
# tests' fluentd).
require 'fluent/plugin/out_forward'
require_relative 'dle_internals'
require 'fluent/version' # Fluent::VERSION, which configure names when it refuses to start

module Fluent::Plugin
  class DleForwardOutput < ForwardOutput
    Fluent::Plugin.register_output('dle_forward', self)

    # The internals used below, each checked at configure. A check that raises (a NameError for a class or a method
    # that is gone) finds its internal missing, so that configure names it.
    INTERNALS = {
      'ForwardOutput#build_node (private)' => -> { ForwardOutput.private_method_defined?(:build_node) },
      'ForwardOutput::Node#disable!, #available?, #tick, #send_data' =>
        -> { %i[disable! available? tick send_data].all? { |m| ForwardOutput::Node.method_defined?(m) } },
      'ForwardOutput::Node.new(sender, server, failure:, connection_manager:, ack_handler:)' =>
        -> { ForwardOutput::Node.instance_method(:initialize).parameters == [[:req, :sender], [:req, :server], [:keyreq, :failure], [:keyreq, :connection_manager], [:keyreq, :ack_handler]] },
      'ForwardOutput::FailureDetector#clear' => -> { ForwardOutput::FailureDetector.method_defined?(:clear) },
      'ForwardOutput::AckHandler::ACKWaitingSockInfo#node, #expired_time=' =>
        -> { %i[node expired_time=].all? { |m| ForwardOutput::AckHandler::ACKWaitingSockInfo.method_defined?(m) } },
      'ForwardOutput::AckHandler#collect_response(select_interval) yielding chunk_id, node, sock, result' =>
        -> { ForwardOutput::AckHandler.instance_method(:collect_response).parameters == [[:req, :select_interval]] },
      'PluginHelper::SocketOption#socket_option_set(sock, linger_timeout:, ...)' =>
        -> { Fluent::PluginHelper::SocketOption.instance_method(:socket_option_set).parameters.include?([:key, :linger_timeout]) },
      'Output#submit_flush_once' => -> { Fluent::Plugin::Output.method_defined?(:submit_flush_once) },
      'PluginHelper::ServiceDiscovery#service_discovery_rebalance (private)' =>
        -> { Fluent::PluginHelper::ServiceDiscovery.private_method_defined?(:service_discovery_rebalance) },
      'PluginHelper::Socket#socket_create_tls(host, port, enable_system_cert_store:, ...)' =>
        -> { Fluent::PluginHelper::Socket.instance_method(:socket_create_tls).parameters.include?([:key, :enable_system_cert_store]) },
      'ForwardOutput::Node#establish_connection(sock, ri), #heartbeat(detect)' =>
        -> { ForwardOutput::Node.instance_method(:establish_connection).arity == 2 && ForwardOutput::Node.instance_method(:heartbeat).arity == -1 },
    }.freeze

    # The names of INTERNALS that this fluentd does not have.
    def self.missing_internals
      DleInternals.missing(INTERNALS)
    end

    # The ack handler's results, with each ack counted as its forwarder's sign of life.
    module AckIsASignOfLife
      def collect_response(select_interval)
        super(select_interval) do |chunk_id, node, sock, result|
          node.acknowledged if node && result == ForwardOutput::AckHandler::Result::SUCCESS
          yield chunk_id, node, sock, result
        end
      end
    end

    # A Node that, on becoming unavailable, tells its output (see the header).
    class FailoverNode < ForwardOutput::Node
      def disable!
        # Already unavailable: nothing changes (the ack path disables again for every chunk that was in flight).
        return unless available?
        # Busy, not gone (see the header).
        return if Thread.current[:dle_forward_handshaking] && acknowledged_within?(@sender.hard_timeout)
        super
        # Node#tick rebuilds the array and drops the address and the history itself after its own detach.
        if Thread.current[:dle_forward_in_tick]
          @sender.give_up_acks(self)
        else
          @sender.became_unavailable(self)
        end
      end

      def tick
        Thread.current[:dle_forward_in_tick] = true
        super
      ensure
        Thread.current[:dle_forward_in_tick] = false
      end

      def establish_connection(sock, request_info)
        Thread.current[:dle_forward_handshaking] = true
        super
      ensure
        Thread.current[:dle_forward_handshaking] = false
      end

      # A chunk was acknowledged: the forwarder is alive.
      def acknowledged
        @acknowledged_at = Fluent::Clock.now
        heartbeat(false) if available?
      end

      def acknowledged_within?(seconds)
        !@acknowledged_at.nil? && Fluent::Clock.now - @acknowledged_at <= seconds
      end

      def send_data(tag, chunk)
        super
      rescue Errno::ECONNREFUSED
        disable!
        raise
      end

      # What tick does on its detach, for the other paths.
      def forget_address_and_history
        @resolved_host = nil
        @failure.clear
      end
    end

    def configure(conf)
      missing = self.class.missing_internals
      unless missing.empty?
        raise Fluent::ConfigError, "dle_forward was written against fluentd 1.19.3's out_forward, and this fluentd " \
          "(#{Fluent::VERSION}) has no #{missing.join('; no ')}: check whether its failover defect (see the plugin's " \
          "header) is still there, then adapt the plugin or use @type forward"
      end
      # Only a name that does not resolve disables a server during configure.
      @configuring = true
      super
      @configuring = false
      return unless @ack_handler
      unless %i[@ack_waitings @mutex].all? { |ivar| @ack_handler.instance_variable_defined?(ivar) }
        raise Fluent::ConfigError, "dle_forward: the AckHandler of fluentd #{Fluent::VERSION} no longer keeps @ack_waitings and @mutex"
      end
      @ack_handler.extend(AckIsASignOfLife)
    end

    def start
      super
      raise Fluent::ConfigError, "dle_forward: the Output of fluentd #{Fluent::VERSION} no longer keeps @retry_mutex" unless instance_variable_defined?(:@retry_mutex)
    end

    # Output#configure decides between buffered writes and delayed commits (acks) by the methods the plugin's own class
    # defines, not those it inherits (Output#implement?): out_forward's two, named here.
    def write(chunk)
      super
    end

    def try_write(chunk)
      super
    end

    # No SO_LINGER (see the header): every other option as out_forward sets it.
    def socket_option_set(sock, linger_timeout: nil, **options)
      super(sock, **options)
    end

    # The stack's CA only (see the header).
    def socket_create_tls(host, port, **options, &block)
      super(host, port, **options, enable_system_cert_store: false, &block)
    end

    # Called by a FailoverNode that became unavailable outside the heartbeats' detach.
    def became_unavailable(node)
      reason = @configuring ? 'its name does not resolve' : 'a failed ack, a refused connection or a failed handshake'
      log.warn "detached forwarding server '#{node.name}'", host: node.host, port: node.port, reason: reason
      node.forget_address_and_history
      give_up_acks(node)
      service_discovery_rebalance
    end

    # The ack reader's next pass reports them failed and rolls their chunks back for the next flush.
    def give_up_acks(node)
      return unless @ack_handler
      waitings = @ack_handler.instance_variable_get(:@ack_waitings)
      @ack_handler.instance_variable_get(:@mutex).synchronize do
        waitings.each { |info| info.expired_time = 0 if info.node.equal?(node) }
      end
    end

    private

    # The servers in use changed: what waits for a retry goes now (see the header). Not while configuring, before
    # there is a flush thread to wake.
    def service_discovery_rebalance
      super
      return if @configuring
      @retry_mutex.synchronize { @retry = nil }
      submit_flush_once
    end

    def build_node(server)
      return super if @heartbeat_type == :none
      name = server.name || "#{server.host}:#{server.port}"
      log.info "adding forwarding server '#{name}'", host: server.host, port: server.port, weight: server.weight, plugin_id: plugin_id
      failure = FailureDetector.new(@heartbeat_interval, @hard_timeout, Time.now.to_i.to_f)
      FailoverNode.new(self, server, failure: failure, connection_manager: @connection_manager, ack_handler: @ack_handler)
    end
  end
end
