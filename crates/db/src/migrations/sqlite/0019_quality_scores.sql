-- Quality scores: the consistency rules each provider's steward declares on a resource, and
-- every computation of a resource's score with its components (JSON: completeness,
-- validity, uniqueness, timeliness, consistency), so its trend can be shown. `mark` says
-- what it was computed from (the data's change time, the rules' time, the day).
CREATE TABLE quality_rules (
    resource TEXT PRIMARY KEY REFERENCES resources(code),
    rules TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at BIGINT NOT NULL
);

CREATE TABLE quality_scores (
    resource TEXT NOT NULL REFERENCES resources(code),
    computed_at BIGINT NOT NULL,
    provider TEXT NOT NULL,
    mark TEXT NOT NULL,
    records BIGINT NOT NULL,
    components TEXT NOT NULL,
    -- Tenths of a point (0–1000); NULL when nothing could be measured.
    score_tenths BIGINT,
    PRIMARY KEY (resource, computed_at)
);
CREATE INDEX quality_scores_provider ON quality_scores(provider);
