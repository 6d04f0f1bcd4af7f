-- A counter bumped by every catalog change, and the value it had when each resource last
-- changed: every server process keeps an in-memory search index and catches up from these.
CREATE TABLE catalog_seq (
    id BIGINT PRIMARY KEY,
    last BIGINT NOT NULL
);
INSERT INTO catalog_seq (id, last) VALUES (1, 0);
ALTER TABLE resources ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX resources_change_seq ON resources(change_seq);
