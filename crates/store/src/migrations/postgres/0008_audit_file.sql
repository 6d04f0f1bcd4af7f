-- On SQLite the audit log moves to a file of its own (see db::SqliteDb). PostgreSQL keeps it
-- in the one database, where the sequencer's commits do not disturb other sessions.
SELECT 1;
