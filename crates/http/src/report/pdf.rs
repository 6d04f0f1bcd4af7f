//! A [`super::Document`] as PDF, with a CJK font embedded so that Chinese text renders on
//! any reader.
//!
//! The document is laid out on A4 pages (`layout`, with the charts in `charts`) in one pass
//! that also records which glyphs are used; the font is then subset to those glyphs and the
//! file assembled (`assemble`). Decisions: docs/adr/0008-report-pdf.md.
mod assemble;
mod charts;
mod font;
mod layout;

use super::Document;

pub use font::font_candidates;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// No CJK font was found where one was looked for.
    #[error("no CJK font found (looked at: {tried}); install fonts-wqy-microhei or set SHUQIAO_PDF_FONT")]
    NoFont { tried: String },
    /// The font was found but could not be cut down to the glyphs the report uses.
    #[error("the font {path} could not be subset: {reason}")]
    Subset { path: String, reason: String },
}

pub fn render(doc: &Document) -> Result<Vec<u8>, PdfError> {
    let mut font = font::Font::find()?;
    let pages = layout::lay_out(doc, &mut font);
    assemble::assemble(doc, pages, &font)
}
