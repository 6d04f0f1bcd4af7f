-- SQLite's subject index is in the audit file: its change is 0010_subject_spans_audit.sql.
SELECT 1;
