//! A [`super::Document`] as a standalone HTML page, charts as inline SVG.
