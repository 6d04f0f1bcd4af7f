//! A [`super::Document`] as PDF, with a CJK font embedded.
