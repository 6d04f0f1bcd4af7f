//! The PDF file: pages, the subset font as a Type 0 (CID) font with Identity-H encoding so
//! that any CJK character can be shown, and a ToUnicode map so that text can be searched
//! and copied.
use super::font::Font;
use super::layout::{FONT, PAGE_H, PAGE_W};
use super::PdfError;
use crate::report::Document;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

const IDENTITY: SystemInfo = SystemInfo {
    registry: Str(b"Adobe"),
    ordering: Str(b"Identity"),
    supplement: 0,
};

fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

pub fn assemble(doc: &Document, pages: Vec<Content>, font: &Font) -> Result<Vec<u8>, PdfError> {
    let subset = deflate(&font.subset()?);
    let mut next = Ref::new(1);
    let catalog = next.bump();
    let tree = next.bump();
    let info = next.bump();
    let type0 = next.bump();
    let cid = next.bump();
    let descriptor = next.bump();
    let file = next.bump();
    let to_unicode = next.bump();
    let page_refs: Vec<(Ref, Ref)> = pages.iter().map(|_| (next.bump(), next.bump())).collect();

    let mut pdf = Pdf::new();
    let mut cat = pdf.catalog(catalog);
    cat.pages(tree).lang(TextStr("zh-CN"));
    cat.viewer_preferences().display_doc_title(true);
    cat.finish();
    pdf.document_info(info)
        .title(TextStr(&doc.title))
        .subject(TextStr(&doc.subtitle))
        .producer(TextStr("Shuqiao"));
    pdf.pages(tree)
        .kids(page_refs.iter().map(|(page, _)| *page))
        .count(page_refs.len() as i32);
    for (content, (page_ref, content_ref)) in pages.into_iter().zip(&page_refs) {
        let mut page = pdf.page(*page_ref);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(tree)
            .contents(*content_ref);
        page.resources().fonts().pair(FONT, type0);
        page.finish();
        pdf.stream(*content_ref, &deflate(&content.finish()))
            .filter(Filter::FlateDecode);
    }

    let name = font.subset_name();
    pdf.type0_font(type0)
        .base_font(Name(name.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(to_unicode);
    write_cid_font(&mut pdf, font, &name, cid, descriptor);
    write_descriptor(&mut pdf, font, &name, descriptor, file);
    let mut stream = pdf.stream(file, &subset);
    stream.filter(Filter::FlateDecode);
    if font.is_cff {
        stream.pair(Name(b"Subtype"), Name(b"OpenType"));
    }
    stream.finish();
    let mut cmap = UnicodeCmap::new(Name(b"Custom"), IDENTITY);
    for (id, _, c) in font.used_glyphs().filter(|(id, _, _)| *id != 0) {
        cmap.pair(id, c);
    }
    pdf.cmap(to_unicode, &cmap.finish());
    Ok(pdf.finish())
}

fn write_cid_font(pdf: &mut Pdf, font: &Font, name: &str, id: Ref, descriptor: Ref) {
    let mut cid = pdf.cid_font(id);
    cid.subtype(if font.is_cff {
        CidFontType::Type0
    } else {
        CidFontType::Type2
    })
    .base_font(Name(name.as_bytes()))
    .system_info(IDENTITY)
    .font_descriptor(descriptor)
    .default_width(0.0);
    if !font.is_cff {
        cid.cid_to_gid_map_predefined(Name(b"Identity"));
    }
    // The subset numbers its glyphs from 0 without gaps, so one run covers them all.
    let widths: Vec<f32> = font.used_glyphs().map(|(_, w, _)| w).collect();
    let first = font.used_glyphs().next().map_or(0, |(id, _, _)| id);
    cid.widths().consecutive(first, widths);
    cid.finish();
}

fn write_descriptor(pdf: &mut Pdf, font: &Font, name: &str, id: Ref, file: Ref) {
    let em = |v: f32| v * 1000.0 / font.units_per_em;
    let [x0, y0, x1, y1] = font.bbox.map(em);
    let mut d = pdf.font_descriptor(id);
    d.name(Name(name.as_bytes()))
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(x0, y0, x1, y1))
        .italic_angle(0.0)
        .ascent(em(font.ascender))
        .descent(em(font.descender))
        .cap_height(em(font.cap_height))
        .stem_v(80.0);
    if font.is_cff {
        d.font_file3(file);
    } else {
        d.font_file2(file);
    }
    d.finish();
}
