//! Department databases: PostgreSQL and MySQL/MariaDB, a table or a query, full or incremental.
