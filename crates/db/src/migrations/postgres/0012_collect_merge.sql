-- Upserts merge: a batch reports how many updated records kept stored values of items it did
-- not carry (merged), and how many lost them because the batch replaced whole records
-- (replaced, only under the replace and snapshot modes).
ALTER TABLE collect_batches ADD COLUMN merged BIGINT NOT NULL DEFAULT 0;
ALTER TABLE collect_batches ADD COLUMN replaced BIGINT NOT NULL DEFAULT 0;
