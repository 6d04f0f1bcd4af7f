-- Whose data each record is: the first 64 bits of the keyed subject hash of its key (the
-- hash the audit log names subjects by; see subject_records.rs), NULL for a resource keyed
-- by no personal or company identifier. "Who accessed my data" finds a subject's records by
-- it, and through them the downloads that carried them, without the clear identifier.
ALTER TABLE records ADD COLUMN subject BIGINT;
CREATE INDEX records_subject ON records(subject) WHERE subject IS NOT NULL;

-- Resources that may hold records whose subject is not filled in yet: every resource with
-- data when this migration runs, and any batch applied without the platform's subject
-- secret. `mark` is the batch that marked it (0 here): the filler removes the mark only if
-- no batch marked it again meanwhile. Subject queries fill these first.
CREATE TABLE records_unhashed (
    resource TEXT PRIMARY KEY,
    mark BIGINT NOT NULL
);
INSERT INTO records_unhashed (resource, mark) SELECT code, 0 FROM resource_data;

-- The downloads of a resource, for the subject view: few among the log's entries.
CREATE INDEX audit_entries_download ON audit_entries(resource, idx) WHERE action = 'exchange.download';
