-- Step two of moving the subject index into the audit file (step one:
-- 0009_audit_subjects_copy.sql, already committed to that file): the main file's copies go.
DROP TABLE main.audit_subjects;
DROP TABLE main.audit_subjects_mark;
