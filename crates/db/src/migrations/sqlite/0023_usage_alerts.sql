-- Usage monitoring (监测预警): the operator's settings, the alerts the sweep raises, what the
-- sweep keeps between runs, and grants suspended pending the operator's review.
CREATE TABLE alert_settings (
    id BIGINT PRIMARY KEY,
    settings TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One alert per kind, grant and window (a China day): a sweep run twice, or by two
-- replicas, raises it once.
CREATE TABLE usage_alerts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    system TEXT NOT NULL,
    consumer_org TEXT NOT NULL,
    resource TEXT NOT NULL,
    provider TEXT NOT NULL,
    grant_id BIGINT NOT NULL,
    window_day TEXT NOT NULL,
    observed BIGINT NOT NULL,
    baseline REAL NOT NULL,
    -- JSON: the counts behind the finding and the settings it was judged by.
    evidence TEXT NOT NULL,
    state TEXT NOT NULL,
    suspended BIGINT NOT NULL DEFAULT 0,
    raised_at BIGINT NOT NULL,
    reviewed_by TEXT,
    reviewed_at BIGINT,
    review_note TEXT,
    UNIQUE (kind, grant_id, window_day)
);
CREATE INDEX usage_alerts_state ON usage_alerts(state, id);
CREATE INDEX usage_alerts_provider ON usage_alerts(provider, id);
CREATE INDEX usage_alerts_consumer ON usage_alerts(consumer_org, id);

-- The last audit entry the sweep has read.
CREATE TABLE alert_cursor (
    id BIGINT PRIMARY KEY,
    idx BIGINT NOT NULL
);
INSERT INTO alert_cursor (id, idx) VALUES (1, -1);

-- Calls served per China day and hour and grant, counted by the sweep from the log.
CREATE TABLE usage_hours (
    day TEXT NOT NULL,
    hour BIGINT NOT NULL,
    grant_id BIGINT NOT NULL,
    calls BIGINT NOT NULL,
    PRIMARY KEY (day, hour, grant_id)
);

-- Distinct subjects read per China day and grant, only ever as the log's keyed hashes.
CREATE TABLE usage_subjects (
    day TEXT NOT NULL,
    grant_id BIGINT NOT NULL,
    subject TEXT NOT NULL,
    PRIMARY KEY (day, grant_id, subject)
);

ALTER TABLE grants ADD COLUMN suspended_at BIGINT;
ALTER TABLE grants ADD COLUMN suspend_reason TEXT;
ALTER TABLE grants ADD COLUMN suspended_alert BIGINT;
