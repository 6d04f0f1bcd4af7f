-- Sharing: the three lists, applications, grants, notifications.
ALTER TABLE resources ADD COLUMN negative_listed BIGINT NOT NULL DEFAULT 0;

CREATE TABLE share_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE calendar_years (
    year BIGINT PRIMARY KEY,
    data TEXT NOT NULL,
    source TEXT NOT NULL,
    loaded_by TEXT NOT NULL,
    loaded_at BIGINT NOT NULL
);

-- Maintained by data collection: how many records a resource holds.
CREATE TABLE resource_data (
    code TEXT PRIMARY KEY REFERENCES resources(code),
    records BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE responsibilities (
    id BIGSERIAL PRIMARY KEY,
    org TEXT NOT NULL REFERENCES orgs(code),
    title TEXT NOT NULL,
    duty TEXT NOT NULL,
    resource TEXT REFERENCES resources(code),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX responsibilities_org ON responsibilities(org);

CREATE TABLE needs (
    id BIGSERIAL PRIMARY KEY,
    org TEXT NOT NULL REFERENCES orgs(code),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    resource TEXT REFERENCES resources(code),
    status TEXT NOT NULL,
    reason TEXT,
    grant_id BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT,
    satisfied_at BIGINT
);
CREATE INDEX needs_org ON needs(org);
CREATE INDEX needs_resource ON needs(resource, status);

CREATE TABLE negative_proposals (
    id BIGSERIAL PRIMARY KEY,
    resource TEXT NOT NULL REFERENCES resources(code),
    provider TEXT NOT NULL REFERENCES orgs(code),
    action TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at BIGINT NOT NULL,
    decided_at BIGINT
);
CREATE UNIQUE INDEX negative_one_pending ON negative_proposals(resource) WHERE status = 'pending';

CREATE TABLE negative_reviews (
    proposal BIGINT NOT NULL REFERENCES negative_proposals(id),
    role TEXT NOT NULL,
    decision TEXT NOT NULL,
    opinion TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (proposal, role)
);

CREATE TABLE applications (
    id BIGSERIAL PRIMARY KEY,
    system TEXT NOT NULL REFERENCES systems(code),
    consumer_org TEXT NOT NULL REFERENCES orgs(code),
    resource TEXT NOT NULL REFERENCES resources(code),
    provider TEXT NOT NULL REFERENCES orgs(code),
    fields TEXT NOT NULL,
    purpose TEXT NOT NULL,
    scene TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    days BIGINT NOT NULL,
    status TEXT NOT NULL,
    filed_by TEXT NOT NULL,
    filed_at BIGINT NOT NULL,
    due_at BIGINT,
    due_unknown_year BIGINT,
    escalated_at BIGINT,
    decided_by TEXT,
    decided_at BIGINT,
    opinion TEXT,
    grant_id BIGINT
);
CREATE INDEX applications_provider ON applications(provider, status);
CREATE INDEX applications_consumer ON applications(consumer_org);
CREATE INDEX applications_due ON applications(status, due_at);

CREATE TABLE grants (
    id BIGSERIAL PRIMARY KEY,
    system TEXT NOT NULL REFERENCES systems(code),
    consumer_org TEXT NOT NULL REFERENCES orgs(code),
    resource TEXT NOT NULL REFERENCES resources(code),
    provider TEXT NOT NULL REFERENCES orgs(code),
    fields TEXT NOT NULL,
    purpose TEXT NOT NULL,
    scene TEXT NOT NULL,
    source TEXT NOT NULL,
    application BIGINT,
    quota_per_day BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_by TEXT,
    revoke_reason TEXT,
    expiry_noted BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX grants_system ON grants(system, resource);
CREATE INDEX grants_resource ON grants(resource);
CREATE INDEX grants_consumer ON grants(consumer_org);
CREATE INDEX grants_expiry ON grants(expiry_noted, expires_at);

CREATE TABLE conversions (
    id BIGSERIAL PRIMARY KEY,
    resource TEXT NOT NULL REFERENCES resources(code),
    provider TEXT NOT NULL REFERENCES orgs(code),
    status TEXT NOT NULL,
    consumers BIGINT NOT NULL,
    proposed_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT,
    legal_basis TEXT
);
CREATE UNIQUE INDEX conversions_one_open ON conversions(resource) WHERE status = 'proposed';

CREATE TABLE share_events (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    resource TEXT,
    actor TEXT NOT NULL,
    reason TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX share_events_subject ON share_events(subject_type, subject_id, id);

CREATE TABLE inbox (
    id BIGSERIAL PRIMARY KEY,
    org TEXT NOT NULL REFERENCES orgs(code),
    kind TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    title_zh TEXT NOT NULL,
    title_en TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT,
    read_by TEXT
);
CREATE INDEX inbox_org ON inbox(org, id);

CREATE TABLE webhooks (
    id BIGSERIAL PRIMARY KEY,
    org TEXT NOT NULL REFERENCES orgs(code),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    removed_at BIGINT
);
CREATE INDEX webhooks_org ON webhooks(org);

CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    webhook BIGINT NOT NULL REFERENCES webhooks(id),
    payload TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    delivered_at BIGINT,
    dead_at BIGINT,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE delivered_at IS NULL AND dead_at IS NULL;
