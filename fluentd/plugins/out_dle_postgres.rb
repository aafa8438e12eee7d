# dle: the sql sink's output, PostgreSQL (the official image locally, Amazon RDS for PostgreSQL on AWS), with the pg
# gem. Used by fluentd/sinks/sql.conf:
#
#   <store>
#     @type dle_postgres
#     host sql
#     port 5432
#     database logs
#     user dle
#     password …                     # from a secret file, never the environment
#     sslmode verify-full            # RDS: TLS required by its parameter group; locally, on the stack's network: disable
#     sslrootcert /fluentd/etc/rds-global-bundle.pem
#     migrations_dir /fluentd/etc/sql
#     forwarder primary
#   </store>
#
# Each chunk is written in one transaction: COPY into a temporary table, then INSERT … SELECT … ON CONFLICT
# (event_id) DO NOTHING into `logs`, so a chunk sent again (a retry, a failover's resend) inserts nothing twice.
# COPY is one round trip per chunk and PostgreSQL's fastest way in; the INSERT from the temporary table keeps the
# conflict handling that COPY lacks.
#
# A row PostgreSQL refuses (a data error such as a NUL character, or a broken constraint) fails the COPY of its whole
# chunk: the chunk is then written row by row, each in a savepoint, and each refused row goes to the @ERROR label with
# PostgreSQL's message, kept with the other sinks' rejects, while the rest of the chunk is inserted. Any other error
# (PostgreSQL down, a lost connection, a failover) fails the chunk, which the buffer retries; nothing is dropped.
#
# Before its first write, a forwarder applies the migrations (migrations_dir/*.sql, in name order) that the database
# has not recorded in dle_schema_migrations, under an advisory lock, so that two forwarders starting together apply
# each once.
#
# Rows per result (inserted, duplicate, rejected): dle_sql_rows_total.
require 'pg'
require 'fluent/plugin/output'
require_relative 'dle_prometheus'

module Fluent::Plugin
  class DlePostgresOutput < Output
    Fluent::Plugin.register_output('dle_postgres', self)

    # The fields every log type has, as columns (fluentd/sql/001_logs.sql); the rest of a record is `fields`.
    COLUMNS = %w[event_id @timestamp app log_type forwarder log fields].freeze
    COLUMN_LIST = COLUMNS.map { |c| PG::Connection.quote_ident(c) }.join(', ').freeze
    # The record keys that are columns (the time and the forwarder come from the event and from the config).
    RECORD_COLUMNS = %w[event_id app log_type log].freeze
    # pg_advisory_xact_lock's key for the migrations: any constant, the same in every forwarder ("dle-sql").
    MIGRATION_LOCK = 0x646c652d73716c
    # The errors that belong to the rows, not to the server: data exceptions (class 22) and broken constraints (23), and
    # libpq's refusal of a parameter it cannot send (a NUL character, which PostgreSQL's text cannot hold either).
    ROW_ERRORS = [PG::DataException, PG::IntegrityConstraintViolation, ArgumentError].freeze

    helpers :event_emitter

    desc 'The PostgreSQL server.'
    config_param :host, :string
    config_param :port, :integer, default: 5432
    config_param :database, :string
    config_param :user, :string
    config_param :password, :string, secret: true
    desc 'libpq\'s sslmode: verify-full against sslrootcert on AWS; disable on the local stack\'s own network.'
    config_param :sslmode, :enum, list: %i[disable require verify-ca verify-full], default: :'verify-full'
    config_param :sslrootcert, :string, default: nil
    desc 'Seconds a connection may take.'
    config_param :connect_timeout, :integer, default: 10
    desc 'Seconds one statement may take before PostgreSQL cancels it (and the chunk is retried).'
    config_param :statement_timeout, :integer, default: 60
    desc 'Where the migrations are: *.sql, applied in name order.'
    config_param :migrations_dir, :string
    desc 'The forwarder that writes (the rows\' `forwarder`).'
    config_param :forwarder, :string

    config_section :buffer do
      # The rejects go to the @ERROR label under their own tag.
      config_set_default :chunk_keys, ['tag']
    end

    def configure(conf)
      super
      raise Fluent::ConfigError, "dle_postgres: no migrations (*.sql) in #{@migrations_dir}" if migrations.empty?
      raise Fluent::ConfigError, "dle_postgres: sslmode #{@sslmode} needs sslrootcert" if @sslmode == :'verify-full' && @sslrootcert.nil?
      @copy_encoder = PG::TextEncoder::CopyRow.new
      @connection = nil
      @lock = Mutex.new
      @rows = DlePrometheus.metric(:counter, :dle_sql_rows_total,
                                   'Rows the sql sink wrote (inserted), found already there (duplicate: a chunk sent again) or PostgreSQL refused (rejected: sent to the error path).',
                                   %i[result])
      %w[inserted duplicate rejected].each { |result| DlePrometheus.ensure_series(@rows, { result: result }) }
    end

    def shutdown
      @lock.synchronize { disconnect }
      super
    end

    def multi_workers_ready?
      true
    end

    def write(chunk)
      rows, unkeyed = rows_of(chunk)
      unkeyed.each { |time, record| reject(chunk.metadata.tag, time, record, 'the event has no event_id, the sql sink\'s primary key') }
      return if rows.empty?

      @lock.synchronize do
        conn = connection
        begin
          inserted = copy_and_insert(conn, rows)
          count(inserted: inserted, duplicate: rows.size - inserted)
        rescue *ROW_ERRORS => e
          log.warn 'PostgreSQL refused the chunk as one COPY; writing it row by row', error: e.message.strip
          write_one_by_one(conn, rows, chunk.metadata.tag)
        end
      rescue PG::Error
        # The connection may be broken: the next attempt makes a new one.
        disconnect
        raise
      end
    end

    private

    def migrations
      Dir.glob(File.join(@migrations_dir, '*.sql')).sort
    end

    # [[time, record, row]] for the events with an event_id; [[time, record]] for those without.
    def rows_of(chunk)
      rows = []
      unkeyed = []
      chunk.msgpack_each do |time, record|
        if record['event_id'].is_a?(String) && !record['event_id'].empty?
          rows << [time, record, row(time, record)]
        else
          unkeyed << [time, record]
        end
      end
      [rows, unkeyed]
    end

    def row(time, record)
      fields = record.reject { |key, _| RECORD_COLUMNS.include?(key) }
      [record['event_id'], Time.at(time.to_r).utc.strftime('%Y-%m-%dT%H:%M:%S.%6NZ'), record['app'], record['log_type'],
       @forwarder, record['log']&.to_s, JSON.generate(fields)]
    end

    def copy_and_insert(conn, rows)
      conn.transaction do
        conn.copy_data("COPY dle_incoming (#{COLUMN_LIST}) FROM STDIN", @copy_encoder) do
          rows.each { |(_, _, values)| conn.put_copy_data(values) }
        end
        conn.exec("INSERT INTO logs (#{COLUMN_LIST}) SELECT #{COLUMN_LIST} FROM dle_incoming ON CONFLICT (event_id) DO NOTHING").cmd_tuples
      end
    end

    def write_one_by_one(conn, rows, tag)
      placeholders = (1..COLUMNS.size).map { |i| "$#{i}" }.join(', ')
      counts = { inserted: 0, duplicate: 0, rejected: 0 }
      rejects = []
      conn.transaction do
        rows.each do |(time, record, values)|
          conn.exec('SAVEPOINT dle_row')
          begin
            inserted = conn.exec_params("INSERT INTO logs (#{COLUMN_LIST}) VALUES (#{placeholders}) ON CONFLICT (event_id) DO NOTHING", values).cmd_tuples
            counts[inserted == 1 ? :inserted : :duplicate] += 1
            conn.exec('RELEASE SAVEPOINT dle_row')
          rescue *ROW_ERRORS => e
            conn.exec('ROLLBACK TO SAVEPOINT dle_row')
            counts[:rejected] += 1
            rejects << [time, record, e.message.strip]
          end
        end
      end
      # Only once the transaction has committed: a retried chunk sends no reject twice.
      rejects.each { |(time, record, message)| reject(tag, time, record, "PostgreSQL refused the row: #{message}") }
      count(**counts.except(:rejected))
    end

    def reject(tag, time, record, message)
      count(rejected: 1)
      router.emit_error_event(tag || 'dle.sql', time, record, RuntimeError.new(message))
    end

    def count(**by_result)
      by_result.each { |result, n| @rows.increment(by: n, labels: { result: result.to_s }) if n.positive? }
    end

    def connection
      return @connection if @connection && !@connection.finished? && @connection.status == PG::CONNECTION_OK

      disconnect
      conn = PG.connect(host: @host, port: @port, dbname: @database, user: @user, password: @password,
                        sslmode: @sslmode.to_s, sslrootcert: @sslrootcert, connect_timeout: @connect_timeout,
                        application_name: "dle-#{@forwarder}", options: "-c statement_timeout=#{@statement_timeout * 1000} -c client_min_messages=warning")
      migrate(conn)
      conn.exec("CREATE TEMPORARY TABLE dle_incoming (LIKE logs INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
      @connection = conn
    rescue PG::Error
      conn&.close
      raise
    end

    def migrate(conn)
      conn.transaction do
        conn.exec("SELECT pg_advisory_xact_lock(#{MIGRATION_LOCK})")
        conn.exec('CREATE TABLE IF NOT EXISTS dle_schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())')
        applied = conn.exec('SELECT version FROM dle_schema_migrations').column_values(0)
        migrations.each do |file|
          version = File.basename(file, '.sql')
          next if applied.include?(version)

          conn.exec(File.read(file))
          conn.exec_params('INSERT INTO dle_schema_migrations (version) VALUES ($1)', [version])
          log.info 'applied the sql sink\'s migration', version: version
        end
      end
    end

    def disconnect
      @connection&.close unless @connection&.finished?
      @connection = nil
    end
  end
end
