-- Failed sign-ins per (account name as typed, client address), and per client address across
-- every name (username ''). Unknown names are counted like known ones, so this is not keyed to
-- accounts. The old per-account counters in `accounts` are no longer used.
CREATE TABLE login_failures (
    username TEXT NOT NULL,
    address TEXT NOT NULL,
    failures BIGINT NOT NULL,
    last_failed_at BIGINT NOT NULL,
    PRIMARY KEY (username, address)
);
CREATE INDEX login_failures_last ON login_failures(last_failed_at);
