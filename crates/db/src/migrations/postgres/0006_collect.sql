-- Collection (归集): batches with their reports and rejected rows, versioned records,
-- the override list of real identifiers that fail their check character, connectors.
ALTER TABLE resource_data ADD COLUMN last_batch BIGINT;
ALTER TABLE resource_data ADD COLUMN collected_at BIGINT;

CREATE TABLE collect_batches (
    id BIGSERIAL PRIMARY KEY,
    resource TEXT NOT NULL REFERENCES resources(code),
    catalog_version BIGINT NOT NULL,
    client_batch TEXT,
    payload_hash TEXT,
    channel TEXT NOT NULL,
    source TEXT NOT NULL,
    source_system TEXT,
    format TEXT,
    encoding TEXT,
    policy TEXT NOT NULL,
    mode TEXT NOT NULL,
    status TEXT NOT NULL,
    actor TEXT NOT NULL,
    owner TEXT NOT NULL,
    rows_read BIGINT NOT NULL DEFAULT 0,
    inserted BIGINT NOT NULL DEFAULT 0,
    updated BIGINT NOT NULL DEFAULT 0,
    unchanged BIGINT NOT NULL DEFAULT 0,
    deleted BIGINT NOT NULL DEFAULT 0,
    rejected BIGINT NOT NULL DEFAULT 0,
    ignored_columns TEXT NOT NULL DEFAULT '[]',
    error_code TEXT,
    error_zh TEXT,
    error_en TEXT,
    started_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE UNIQUE INDEX collect_batches_client ON collect_batches(resource, client_batch) WHERE client_batch IS NOT NULL;
CREATE INDEX collect_batches_resource ON collect_batches(resource, id);
CREATE INDEX collect_batches_running ON collect_batches(status) WHERE status = 'running';

CREATE TABLE collect_rejects (
    batch BIGINT NOT NULL REFERENCES collect_batches(id),
    seq BIGINT NOT NULL,
    row_no BIGINT NOT NULL,
    record_key TEXT,
    field TEXT,
    value TEXT,
    reason TEXT NOT NULL,
    message_zh TEXT NOT NULL,
    message_en TEXT NOT NULL,
    PRIMARY KEY (batch, seq)
);

-- The current view: one row per key, pointing at the version holding its latest state.
CREATE TABLE records (
    resource TEXT NOT NULL,
    record_key TEXT NOT NULL,
    version BIGINT NOT NULL,
    live BIGINT NOT NULL,
    PRIMARY KEY (resource, record_key)
);

-- Every state a record has had, appended in order; `prev` chains a key's versions, so the
-- state at a time is found by walking back from `records.version` with no second index.
CREATE TABLE record_versions (
    id BIGSERIAL PRIMARY KEY,
    resource TEXT NOT NULL,
    record_key TEXT NOT NULL,
    batch BIGINT NOT NULL,
    row_no BIGINT,
    at BIGINT NOT NULL,
    op TEXT NOT NULL,
    prev BIGINT,
    data TEXT
);

CREATE TABLE collect_overrides (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (kind, value)
);

CREATE TABLE collect_connectors (
    resource TEXT PRIMARY KEY REFERENCES resources(code),
    url TEXT NOT NULL,
    table_name TEXT,
    query TEXT,
    updated_column TEXT,
    source_system TEXT,
    interval_ms BIGINT,
    watermark TEXT,
    next_run_at BIGINT,
    enabled BIGINT NOT NULL DEFAULT 1,
    last_batch BIGINT,
    last_error TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
