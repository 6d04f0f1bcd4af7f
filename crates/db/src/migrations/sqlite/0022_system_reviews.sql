-- Zombie systems (僵尸系统): the operator's marks on candidates, kept as a history (the
-- latest mark of a system is its current one), and the settings that find candidates.
CREATE TABLE system_reviews (
    id INTEGER PRIMARY KEY,
    system TEXT NOT NULL REFERENCES systems(code),
    -- confirmed, dismissed or integrated.
    verdict TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    marked_by TEXT NOT NULL,
    marked_at BIGINT NOT NULL
);
CREATE INDEX system_reviews_system ON system_reviews(system, id);

-- idle_days (default 90), min_users (default 2).
CREATE TABLE system_review_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
