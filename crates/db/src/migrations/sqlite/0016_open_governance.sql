-- Open-data governance: the open negative list (开放负面清单), each entry with its legal
-- basis, and each department's yearly open plan (年度开放计划), reviewed by the operator. A
-- resource is released only while it is off the list and in its provider's approved plan
-- for the year.
CREATE TABLE open_negative (
    code TEXT PRIMARY KEY REFERENCES resources(code),
    legal_basis TEXT NOT NULL,
    reason TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL
);

CREATE TABLE open_plans (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL REFERENCES orgs(code),
    year BIGINT NOT NULL,
    items TEXT NOT NULL,
    status TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    reviewed_by TEXT,
    reviewed_at BIGINT,
    reason TEXT
);
CREATE INDEX open_plans_org ON open_plans(org, year, id);
