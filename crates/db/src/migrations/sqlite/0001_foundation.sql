CREATE TABLE orgs (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent TEXT REFERENCES orgs(code),
    region TEXT NOT NULL,
    credit_code TEXT UNIQUE,
    credit_code_override TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX orgs_parent ON orgs(parent);

CREATE TABLE accounts (
    username TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    org TEXT NOT NULL REFERENCES orgs(code),
    password_hash TEXT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    last_failed_at BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE account_roles (
    username TEXT NOT NULL REFERENCES accounts(username),
    role TEXT NOT NULL,
    org TEXT NOT NULL REFERENCES orgs(code),
    PRIMARY KEY (username, role, org)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES accounts(username),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE systems (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    org TEXT NOT NULL REFERENCES orgs(code),
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX systems_org ON systems(org);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    system TEXT NOT NULL REFERENCES systems(code),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_system ON api_tokens(system);

CREATE TABLE code_counters (
    prefix TEXT PRIMARY KEY,
    last BIGINT NOT NULL
);

CREATE TABLE resources (
    code TEXT PRIMARY KEY,
    provider TEXT NOT NULL REFERENCES orgs(code),
    region TEXT NOT NULL,
    status TEXT NOT NULL,
    published_version BIGINT,
    retired BIGINT NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    summary TEXT NOT NULL,
    category TEXT NOT NULL,
    class_code TEXT NOT NULL,
    share_type TEXT NOT NULL,
    open_type TEXT NOT NULL,
    grade TEXT NOT NULL,
    update_cycle TEXT NOT NULL,
    draft_meta TEXT,
    draft_state TEXT,
    returned_reason TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX resources_provider ON resources(provider);
CREATE INDEX resources_status ON resources(status, code);

CREATE TABLE resource_versions (
    code TEXT NOT NULL REFERENCES resources(code),
    version BIGINT NOT NULL,
    meta TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    published_by TEXT NOT NULL,
    PRIMARY KEY (code, version)
);

CREATE TABLE resource_terms (
    term TEXT NOT NULL,
    code TEXT NOT NULL REFERENCES resources(code),
    weight BIGINT NOT NULL,
    PRIMARY KEY (term, code)
) WITHOUT ROWID;
CREATE INDEX resource_terms_code ON resource_terms(code);

CREATE TABLE catalog_events (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL REFERENCES resources(code),
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    version BIGINT,
    reason TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX catalog_events_code ON catalog_events(code, id);
