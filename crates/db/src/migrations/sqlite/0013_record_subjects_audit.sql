-- The audit file's part of migration 13 (run on a connection with the audit file attached as
-- `audit`): the downloads of a resource, for the subject view. Few among the log's entries,
-- so the partial index costs the hot path nothing but a check of each entry's action.
CREATE INDEX IF NOT EXISTS audit.audit_entries_download ON audit_entries(resource, idx)
    WHERE action = 'exchange.download';
