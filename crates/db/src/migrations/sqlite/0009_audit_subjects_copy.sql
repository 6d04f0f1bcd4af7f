-- The subject index moves into the audit file, beside the entries it indexes: step one, run on
-- a connection with that file attached as `audit`, writes only that file and can run again
-- after a crash before step two (0009_audit_subjects.sql). In the main file, every commit of
-- the index emptied the exchange workers' page caches of the records they read (docs/bench-log/
-- 2026-12-03.md).
DROP TABLE IF EXISTS audit.audit_subjects;
DROP TABLE IF EXISTS audit.audit_subjects_mark;

CREATE TABLE audit.audit_subjects (
    subject TEXT NOT NULL,
    idx BIGINT NOT NULL,
    PRIMARY KEY (subject, idx)
) WITHOUT ROWID;
INSERT INTO audit.audit_subjects (subject, idx) SELECT subject, idx FROM main.audit_subjects ORDER BY 1, 2;

CREATE TABLE audit.audit_subjects_mark (
    id BIGINT PRIMARY KEY,
    upto BIGINT NOT NULL
);
INSERT INTO audit.audit_subjects_mark (id, upto) SELECT id, upto FROM main.audit_subjects_mark;
