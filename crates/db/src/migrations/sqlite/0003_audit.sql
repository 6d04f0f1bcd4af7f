-- The tamper-evident audit log. audit_head is the sequencer's lock and the tree size.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    size BIGINT NOT NULL,
    root BLOB
);
INSERT INTO audit_head (id, size) VALUES (1, 0);

-- entry holds the canonical encoding that was hashed into the tree; the other columns are
-- copies for queries.
CREATE TABLE audit_entries (
    idx BIGINT PRIMARY KEY,
    entry BLOB NOT NULL,
    time BIGINT NOT NULL,
    actor_org TEXT NOT NULL,
    actor_system TEXT,
    actor_person TEXT,
    action TEXT NOT NULL,
    resource TEXT,
    grant_id TEXT,
    purpose TEXT,
    result TEXT NOT NULL
);
CREATE INDEX audit_entries_org ON audit_entries(actor_org, idx);
CREATE INDEX audit_entries_resource ON audit_entries(resource, idx);

CREATE TABLE audit_subjects (
    subject TEXT NOT NULL,
    idx BIGINT NOT NULL,
    PRIMARY KEY (subject, idx)
) WITHOUT ROWID;

CREATE TABLE audit_nodes (
    level BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

CREATE TABLE audit_checkpoints (
    size BIGINT PRIMARY KEY,
    note TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Entries written inside other transactions (catalog changes, decisions) wait here, committed
-- with the change they record, until the sequencer puts them in the tree.
CREATE TABLE audit_pending (
    id INTEGER PRIMARY KEY,
    entry TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
