//! Shuqiao's domain: types and rules, no I/O.
pub mod account;
pub mod assess;
pub mod audit;
pub mod catalog;
pub mod collect;
pub mod csv;
pub mod error;
pub mod exchange;
pub mod ident;
pub mod open;
pub mod org;
pub mod quality;
pub mod region;
pub mod search;
pub mod share;

pub use error::{DomainError, FieldError, Msg};

/// One page of a longer list, and how many items the whole list has.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}
