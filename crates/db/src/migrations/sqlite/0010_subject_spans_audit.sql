-- The subject index in spans (run on a connection with the audit file attached as `audit`,
-- writing only that file, and only while the old `audit_subjects` is there: the new table is
-- filled and the old dropped in one transaction of that file, so a crash before the main
-- file records version 10 leaves nothing for a second run to do).
-- Rows are (span, first 16 hex digits of the subject hash, entry): an entry's span is its
-- index >> 18, so an upkeep pass writes only the pages of the newest span or two and not, as
-- with (subject, idx), a page almost everywhere in an index as large as the whole log; and a
-- row is a third the size. A query seeks each span and checks the entry's own subjects.
DROP TABLE IF EXISTS audit.audit_subject_index;
CREATE TABLE audit.audit_subject_index (
    span BIGINT NOT NULL,
    subject TEXT NOT NULL,
    idx BIGINT NOT NULL,
    PRIMARY KEY (span, subject, idx)
) WITHOUT ROWID;
INSERT OR IGNORE INTO audit.audit_subject_index (span, subject, idx)
    SELECT idx >> 18, substr(subject, 1, 16), idx FROM audit.audit_subjects ORDER BY 1, 2, 3;
DROP TABLE audit.audit_subjects;
