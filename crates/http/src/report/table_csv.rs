//! The tables of a [`super::Document`] as CSV, every cell escaped against formulas.
