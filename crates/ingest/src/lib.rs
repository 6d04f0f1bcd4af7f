//! Reading incoming data into rows: department exports (CSV in UTF-8 or GBK/GB18030, JSON
//! Lines, XLSX) and department databases (PostgreSQL, MySQL/MariaDB). Everything here
//! implements [`shuqiao_core::collect::source::RowSource`] and holds a bounded amount of
//! memory whatever the size of the source; checking and storing the rows is the store's.
pub mod file;
pub mod pull;
