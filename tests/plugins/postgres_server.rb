# A real PostgreSQL 17 on loopback for the sql sink's plugin tests (tests/support/postgres-server.sh starts it): the
# same server the end-to-end and fault tests use, in a directory of its own that goes with it.
require 'pg'
require 'securerandom'
require 'tmpdir'
require 'timeout'

class PostgresServer
  SCRIPT = File.expand_path('../support/postgres-server.sh', __dir__)

  attr_reader :port, :password, :dir

  def initialize(port)
    @port = port
    @password = SecureRandom.alphanumeric(24)
    @dir = Dir.mktmpdir('dle-postgres-')
    File.chmod(0o755, @dir)
  end

  # Starts the server (again, with the same data, after #stop) and waits until it takes connections.
  def start
    @pid = Process.spawn('bash', SCRIPT, @dir, @port.to_s, @password, out: File::NULL)
    Timeout.timeout(60) do
      loop do
        begin
          connect(dbname: 'postgres').close
          break
        rescue PG::ConnectionBad
          raise "PostgreSQL exited: #{File.read(File.join(@dir, 'postgres.log')) rescue '(no log)'}" if Process.waitpid(@pid, Process::WNOHANG)

          sleep 0.2
        end
      end
    end
    self
  end

  # A fast shutdown (SIGINT): the clients' connections are closed, the data stays.
  def stop
    return unless @pid

    Process.kill('INT', @pid)
    Process.wait(@pid)
    @pid = nil
  end

  def destroy
    stop
    FileUtils.rm_rf(@dir)
  end

  def connect(dbname:)
    PG.connect(host: '127.0.0.1', port: @port, user: 'dle', password: @password, dbname: dbname, connect_timeout: 5)
  end

  # A fresh database for one test.
  def create_database
    name = "t_#{SecureRandom.hex(6)}"
    conn = connect(dbname: 'postgres')
    conn.exec("CREATE DATABASE #{name}")
    conn.close
    name
  end
end
