-- On SQLite the audit log moves to a file of its own (see db::SqliteDb). PostgreSQL keeps it
-- in the one database, where the sequencer's commits do not disturb other sessions.

-- The subject index is no longer written by the sequencer (one random-order insert per
-- subject was half of a sequencing commit's pages): `audit::index_subjects` adds the entries
-- from `upto` on in large batches, and queries read the index below the mark and the entries'
-- own `subjects` column (space separated) above it.
ALTER TABLE audit_entries ADD COLUMN subjects TEXT;
UPDATE audit_entries e SET subjects = s.subjects
    FROM (SELECT idx, string_agg(subject, ' ' ORDER BY subject) AS subjects
          FROM audit_subjects GROUP BY idx) s
    WHERE s.idx = e.idx;
CREATE TABLE audit_subjects_mark (
    id BIGINT PRIMARY KEY,
    upto BIGINT NOT NULL
);
INSERT INTO audit_subjects_mark (id, upto) SELECT 1, size FROM audit_head;
