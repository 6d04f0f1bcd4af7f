-- The subject index in spans: rows (span = idx >> 18, first 16 hex digits of the subject
-- hash, entry). An upkeep pass writes the pages of the newest span or two, not pages all over
-- an index as large as the log; queries seek each span and check the entry's own subjects.
CREATE TABLE audit_subject_index (
    span BIGINT NOT NULL,
    subject TEXT NOT NULL,
    idx BIGINT NOT NULL,
    PRIMARY KEY (span, subject, idx)
);
INSERT INTO audit_subject_index (span, subject, idx)
    SELECT idx >> 18, substr(subject, 1, 16), idx FROM audit_subjects
    ON CONFLICT DO NOTHING;
DROP TABLE audit_subjects;
