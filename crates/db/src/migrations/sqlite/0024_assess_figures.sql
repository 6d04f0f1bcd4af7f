-- The assessment figures read each period's rows by time: applications by their due time,
-- objections by when they were filed, collection batches by the system they came from.
CREATE INDEX applications_due_at ON applications(due_at);
CREATE INDEX quality_objections_filed ON quality_objections(filed_at);
CREATE INDEX collect_batches_source_system ON collect_batches(source_system, started_at);
