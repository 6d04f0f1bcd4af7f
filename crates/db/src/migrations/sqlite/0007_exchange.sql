-- The sync feed reads a resource's versions in id order from a cursor.
CREATE INDEX record_versions_feed ON record_versions(resource, id);

-- Calls a second a grant may make; NULL takes the platform's default.
ALTER TABLE grants ADD COLUMN rate_per_second BIGINT;

-- Exchange calls per China-time day, per system, resource and grant (0: refused with no
-- grant in force). Written in the same transaction as the calls' audit entries, so the
-- counts are exactly what the audit log holds.
CREATE TABLE exchange_usage (
    day TEXT NOT NULL,
    system TEXT NOT NULL,
    resource TEXT NOT NULL,
    grant_id BIGINT NOT NULL,
    calls BIGINT NOT NULL DEFAULT 0,
    records BIGINT NOT NULL DEFAULT 0,
    refused BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, system, resource, grant_id)
);
CREATE INDEX exchange_usage_grant ON exchange_usage(grant_id, day);
