-- The audit log moves to its own file (see db::SqliteDb): step one, run on a connection with
-- that file attached as `audit`, writes only that file. It rebuilds the file's tables from the
-- main file's, so it can run again after a crash before step two (0008_audit_file.sql).
DROP TABLE IF EXISTS audit.audit_head;
DROP TABLE IF EXISTS audit.audit_entries;
DROP TABLE IF EXISTS audit.audit_nodes;
DROP TABLE IF EXISTS audit.audit_checkpoints;
DROP TABLE IF EXISTS audit.exchange_usage;

-- pending_upto: the last audit_pending id sequenced. The pending rows live in the main file
-- and are deleted after the sequencing commit, by the main file's writer; until then this
-- mark keeps them from being sequenced twice.
CREATE TABLE audit.audit_head (
    id BIGINT PRIMARY KEY,
    size BIGINT NOT NULL,
    root BLOB,
    pending_upto BIGINT NOT NULL DEFAULT 0
);
INSERT INTO audit.audit_head (id, size, root) SELECT id, size, root FROM main.audit_head;

-- idx is the rowid (no second index on it). subjects: the entry's subject hashes, space
-- separated, for the subject index's tail (see 0008_audit_file.sql).
CREATE TABLE audit.audit_entries (
    idx INTEGER PRIMARY KEY,
    entry BLOB NOT NULL,
    time BIGINT NOT NULL,
    actor_org TEXT NOT NULL,
    actor_system TEXT,
    actor_person TEXT,
    action TEXT NOT NULL,
    resource TEXT,
    grant_id TEXT,
    purpose TEXT,
    result TEXT NOT NULL,
    subjects TEXT
);
INSERT INTO audit.audit_entries SELECT e.idx, e.entry, e.time, e.actor_org, e.actor_system,
    e.actor_person, e.action, e.resource, e.grant_id, e.purpose, e.result, s.subjects
    FROM main.audit_entries e
    LEFT JOIN (SELECT idx, group_concat(subject, ' ') AS subjects FROM main.audit_subjects
               GROUP BY idx) s ON s.idx = e.idx
    ORDER BY e.idx;
CREATE INDEX audit.audit_entries_org ON audit_entries(actor_org, idx);
CREATE INDEX audit.audit_entries_resource ON audit_entries(resource, idx);

-- A node is kept under its position: (the index of the leaf that completes it) * 64 + its
-- level. The nodes a batch completes then have consecutive positions after every stored one,
-- so they are appended at the end of one B-tree: keyed by (level, idx), each level's nodes
-- went into the middle of the tree, a page or more per level per commit (half of a
-- sequencing commit's pages once the subject index had left it).
CREATE TABLE audit.audit_nodes (
    pos INTEGER PRIMARY KEY,
    hash BLOB NOT NULL
);
INSERT INTO audit.audit_nodes (pos, hash)
    SELECT (((idx + 1) << level) - 1) * 64 + level, hash FROM main.audit_nodes ORDER BY 1;

CREATE TABLE audit.audit_checkpoints (
    size BIGINT PRIMARY KEY,
    note TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
INSERT INTO audit.audit_checkpoints SELECT size, note, created_at FROM main.audit_checkpoints;

CREATE TABLE audit.exchange_usage (
    day TEXT NOT NULL,
    system TEXT NOT NULL,
    resource TEXT NOT NULL,
    grant_id BIGINT NOT NULL,
    calls BIGINT NOT NULL DEFAULT 0,
    records BIGINT NOT NULL DEFAULT 0,
    refused BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, system, resource, grant_id)
);
INSERT INTO audit.exchange_usage SELECT day, system, resource, grant_id, calls, records, refused
    FROM main.exchange_usage;
CREATE INDEX audit.exchange_usage_grant ON exchange_usage(grant_id, day);
