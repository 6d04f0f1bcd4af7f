//! Data quality (质量): the data-element registry.
pub mod registry;
