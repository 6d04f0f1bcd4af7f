-- SQLite moves its subject index into the audit file; PostgreSQL keeps one database.
SELECT 1;
