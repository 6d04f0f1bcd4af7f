-- The public's side of the portal: registered members, applications for 有条件开放 data and
-- the keys they lead to, data requests (数据需求) and feedback (纠错). Each is answered by the
-- provider within working days counted on the sharing calendar.
CREATE TABLE open_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE public_members (
    username TEXT PRIMARY KEY REFERENCES accounts(username),
    kind TEXT NOT NULL,
    contact TEXT NOT NULL,
    registered_at BIGINT NOT NULL
);

CREATE TABLE open_applications (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL REFERENCES resources(code),
    provider TEXT NOT NULL,
    applicant TEXT NOT NULL,
    purpose TEXT NOT NULL,
    agreement TEXT NOT NULL,
    status TEXT NOT NULL,
    filed_at BIGINT NOT NULL,
    due_at BIGINT,
    due_unknown_year BIGINT,
    decided_by TEXT,
    decided_at BIGINT,
    reason TEXT,
    quota_per_day BIGINT,
    days BIGINT
);
CREATE INDEX open_applications_provider ON open_applications(provider, status);
CREATE INDEX open_applications_applicant ON open_applications(applicant);

CREATE TABLE open_keys (
    id INTEGER PRIMARY KEY,
    application BIGINT NOT NULL,
    code TEXT NOT NULL,
    holder TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    quota_per_day BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE open_key_usage (
    key_id BIGINT NOT NULL,
    day TEXT NOT NULL,
    calls BIGINT NOT NULL,
    PRIMARY KEY (key_id, day)
);

CREATE TABLE open_requests (
    id INTEGER PRIMARY KEY,
    requester TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    org TEXT,
    status TEXT NOT NULL,
    filed_at BIGINT NOT NULL,
    due_at BIGINT,
    due_unknown_year BIGINT,
    outcome TEXT,
    answer TEXT,
    dataset TEXT,
    answered_by TEXT,
    answered_at BIGINT
);
CREATE INDEX open_requests_org ON open_requests(org, status);

CREATE TABLE open_feedback (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL REFERENCES resources(code),
    provider TEXT NOT NULL,
    row_id BIGINT,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL,
    filed_at BIGINT NOT NULL,
    due_at BIGINT,
    due_unknown_year BIGINT,
    answer TEXT,
    answered_by TEXT,
    answered_at BIGINT
);
CREATE INDEX open_feedback_provider ON open_feedback(provider, status);
