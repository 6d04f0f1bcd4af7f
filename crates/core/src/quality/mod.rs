//! Data quality (质量): the data-element registry and its code sets (数据元与代码集), and
//! reading files as departments really export them. No I/O.
pub mod elements;
pub mod layout;
