-- Step two of moving the audit log to its own file (step one: 0008_audit_file_copy.sql, already
-- committed to that file): the main file's copies go.

-- The subject index (audit_subjects) stays in the main file and is no longer written by the
-- sequencer: one random-order insert per subject was half of every sequencing commit's pages.
-- `audit::index_subjects` adds the entries from `upto` on in large batches; queries read the
-- index below the mark and the entries' own `subjects` column above it.
CREATE TABLE audit_subjects_mark (
    id BIGINT PRIMARY KEY,
    upto BIGINT NOT NULL
);
INSERT INTO audit_subjects_mark (id, upto) SELECT 1, size FROM main.audit_head;

DROP TABLE main.audit_head;
DROP TABLE main.audit_entries;
DROP TABLE main.audit_nodes;
DROP TABLE main.audit_checkpoints;
DROP TABLE main.exchange_usage;

-- Pending ids are now compared with the audit file's mark (audit_head.pending_upto), so an id
-- must never be handed out twice, even after every row has been deleted: AUTOINCREMENT.
CREATE TABLE audit_pending_next (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    entry TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
INSERT INTO audit_pending_next (id, entry, created_at) SELECT id, entry, created_at FROM audit_pending;
DROP TABLE audit_pending;
ALTER TABLE audit_pending_next RENAME TO audit_pending;
