-- The quality loop (质量闭环): objections to wrong records (校核纠错), answered by the
-- provider within working days, confirmed or contested by the flagger, ruled on by the
-- operator; and the clock on needs that found no resource yet.
CREATE TABLE quality_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE quality_objections (
    id BIGSERIAL PRIMARY KEY,
    resource TEXT NOT NULL REFERENCES resources(code),
    provider TEXT NOT NULL,
    -- The record's key as stored, and as the flagger gave it (a pseudonym stays one).
    record_key TEXT NOT NULL,
    key_as_given TEXT NOT NULL,
    -- JSON array of 信息项 codes.
    fields TEXT NOT NULL,
    reason TEXT NOT NULL,
    evidence TEXT,
    -- 'consumer' (a department or its system) or 'public' (portal feedback).
    source TEXT NOT NULL,
    flagger_org TEXT NOT NULL,
    flagged_by TEXT NOT NULL,
    feedback_id BIGINT,
    status TEXT NOT NULL,
    filed_at BIGINT NOT NULL,
    -- The record's version when flagged; a correction is a later one.
    version_at_filing BIGINT,
    due_at BIGINT,
    due_unknown_year BIGINT,
    answered_at BIGINT,
    answered_by TEXT,
    answer TEXT,
    correction_version BIGINT,
    responded_at BIGINT,
    response TEXT,
    ruled_at BIGINT,
    ruling TEXT,
    escalated_at BIGINT,
    closed_at BIGINT
);
CREATE INDEX quality_objections_provider ON quality_objections(provider, status);
CREATE INDEX quality_objections_flagger ON quality_objections(flagger_org, status);
CREATE INDEX quality_objections_resource ON quality_objections(resource, status);
CREATE INDEX quality_objections_due ON quality_objections(status, due_at);

-- A need the catalogue had no resource for: the department made responsible catalogues and
-- shares it within working days, or it is escalated.
ALTER TABLE needs ADD COLUMN responsible_org TEXT;
ALTER TABLE needs ADD COLUMN assigned_at BIGINT;
ALTER TABLE needs ADD COLUMN due_at BIGINT;
ALTER TABLE needs ADD COLUMN due_unknown_year BIGINT;
ALTER TABLE needs ADD COLUMN escalated_at BIGINT;
