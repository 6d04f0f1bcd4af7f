//! A [`super::Document`] as a standalone HTML page: it is saved and mailed as a file, so it
//! carries its own style and needs no script.
use super::{Block, Document};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn render(doc: &Document) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{t}</title></head><body>\n<h1>{t}</h1>\n<p>{s}</p>\n",
        t = esc(&doc.title),
        s = esc(&doc.subtitle)
    );
    for block in &doc.blocks {
        match block {
            Block::Heading(h) => out.push_str(&format!("<h2>{}</h2>\n", esc(h))),
            Block::Paragraph(p) => out.push_str(&format!("<p>{}</p>\n", esc(p))),
            Block::Table(t) => {
                out.push_str(&format!(
                    "<table><caption>{}</caption><tr>",
                    esc(&t.caption)
                ));
                for h in &t.header {
                    out.push_str(&format!("<th scope=\"col\">{}</th>", esc(h)));
                }
                out.push_str("</tr>\n");
                for row in &t.rows {
                    out.push_str("<tr>");
                    for c in row {
                        out.push_str(&format!("<td>{}</td>", esc(c)));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</table>\n");
            }
            Block::Bars(b) => {
                out.push_str(&format!("<h3>{}</h3><ul>", esc(&b.caption)));
                for (label, v) in &b.bars {
                    out.push_str(&format!("<li>{} {v:.1}{}</li>", esc(label), esc(&b.unit)));
                }
                out.push_str("</ul>\n");
            }
            Block::Lines(l) => out.push_str(&format!("<h3>{}</h3>\n", esc(&l.caption))),
        }
    }
    out.push_str("</body></html>\n");
    out
}
