-- The open-data portal (ADR 0006). A resource reaches the portal only through a release:
-- proposed by its provider with a security assessment, reviewed by the operator. `slug` is
-- the dataset's public name, fixed at the first proposal and never reused.
CREATE TABLE open_releases (
    code TEXT PRIMARY KEY REFERENCES resources(code),
    ds BIGINT NOT NULL UNIQUE,
    slug TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    assessment TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at BIGINT NOT NULL,
    reviewed_by TEXT,
    reviewed_at BIGINT,
    returned_reason TEXT,
    released_at BIGINT,
    modified_at BIGINT NOT NULL,
    -- The portal's copy: which public items it holds, how many rows, and the last
    -- record_versions id it reflects (versions of one resource commit in id order).
    items TEXT NOT NULL DEFAULT '',
    rows BIGINT NOT NULL DEFAULT 0,
    synced_to BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX open_releases_state ON open_releases(state, modified_at);

-- Released data, public items only: one row per record key. `id` is the row's public `_id`.
CREATE TABLE open_rows (
    id BIGSERIAL PRIMARY KEY,
    ds BIGINT NOT NULL,
    record_key TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE UNIQUE INDEX open_rows_key ON open_rows(ds, record_key);
CREATE INDEX open_rows_order ON open_rows(ds, id);

-- Exact values of the filterable public items, so filters and their totals come from an
-- index whatever the dataset's size.
CREATE TABLE open_cells (
    ds BIGINT NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    row_id BIGINT NOT NULL,
    PRIMARY KEY (ds, field, value, row_id)
);
