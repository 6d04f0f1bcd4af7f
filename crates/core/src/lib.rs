//! Shuqiao's domain: types and rules, no I/O.
pub mod account;
pub mod audit;
pub mod catalog;
pub mod collect;
pub mod csv;
pub mod demo;
pub mod error;
pub mod exchange;
pub mod ident;
pub mod org;
pub mod region;
pub mod search;
pub mod share;

pub use error::{DomainError, FieldError, Msg};
