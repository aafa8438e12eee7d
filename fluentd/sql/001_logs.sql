-- dle's sql sink: one row per event, whatever its log type (docs/log-types.md). The fields every log type has are
-- columns; the rest of the record (the parsed fields of its type, container_name and source from the log driver) is
-- the jsonb `fields`. The forwarders apply this file at start (fluentd/plugins/out_dle_postgres.rb), once per
-- database: the version is recorded in dle_schema_migrations.
CREATE TABLE logs (
    -- The agent's id of the event: a chunk sent again (after a failover, a retry) inserts nothing twice.
    event_id text PRIMARY KEY,
    -- The event's time, as the other sinks' `@timestamp`.
    "@timestamp" timestamptz NOT NULL,
    app text NOT NULL,
    log_type text NOT NULL,
    -- The forwarder that wrote it (primary or secondary).
    forwarder text NOT NULL,
    -- The line as the application wrote it.
    log text,
    fields jsonb NOT NULL DEFAULT '{}'::jsonb
);
-- Queries go by time, and by log type and application within it.
CREATE INDEX logs_timestamp ON logs ("@timestamp");
CREATE INDEX logs_log_type_timestamp ON logs (log_type, "@timestamp");
CREATE INDEX logs_app_timestamp ON logs (app, "@timestamp");
