//! Pages from a document: text wrapped to the column, tables that go on across pages under
//! their header, and the page numbers once the count is known.
use super::charts;
use super::font::Font;
use crate::report::axis::is_number;
use crate::report::{Block, Document, Table};
use pdf_writer::{Content, Name, Str};

pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;
pub const LEFT: f32 = 56.0;
pub const WIDTH: f32 = PAGE_W - 2.0 * LEFT;
const TOP: f32 = PAGE_H - 56.0;
const BOTTOM: f32 = 64.0;
pub const FONT: Name<'static> = Name(b"F1");

pub type Rgb = (f32, f32, f32);
pub const INK: Rgb = (0.1, 0.1, 0.1);
pub const MUTED: Rgb = (0.33, 0.33, 0.33);
pub const RULE: Rgb = (0.6, 0.6, 0.6);
const HEADER_FILL: Rgb = (0.9, 0.91, 0.93);

/// The page being filled and those before it; `y` is the top of the room left on the last.
pub struct Pager<'f> {
    pub font: &'f mut Font,
    pub pages: Vec<Content>,
    pub y: f32,
}

pub fn lay_out(doc: &Document, font: &mut Font) -> Vec<Content> {
    let mut p = Pager {
        font,
        pages: vec![Content::new()],
        y: TOP,
    };
    title(&mut p, doc);
    for (i, block) in doc.blocks.iter().enumerate() {
        match block {
            Block::Heading(h) => heading(&mut p, h, doc.blocks.get(i + 1)),
            Block::Paragraph(text) => paragraph(&mut p, text, 10.5, 17.0),
            Block::Table(t) => table(&mut p, t),
            Block::Bars(b) => charts::bars(&mut p, b),
            Block::Lines(l) => charts::lines(&mut p, l),
        }
    }
    page_numbers(&mut p);
    p.pages
}

impl Pager<'_> {
    pub fn content(&mut self) -> &mut Content {
        self.pages.last_mut().expect("a pager always has a page")
    }

    pub fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.y = TOP;
    }

    pub fn room(&self) -> f32 {
        self.y - BOTTOM
    }

    /// Starts a new page unless `height` fits on this one (or this one is still empty).
    pub fn ensure(&mut self, height: f32) {
        if self.room() < height && self.y < TOP {
            self.new_page();
        }
    }

    pub fn text(&mut self, x: f32, baseline: f32, size: f32, color: Rgb, text: &str) {
        let glyphs = self.font.encode(text);
        let c = self.content();
        c.set_fill_rgb(color.0, color.1, color.2);
        c.begin_text();
        c.set_font(FONT, size);
        c.next_line(x, baseline);
        c.show(Str(&glyphs));
        c.end_text();
    }

    pub fn text_right(&mut self, right: f32, baseline: f32, size: f32, color: Rgb, text: &str) {
        let w = self.font.width(text, size);
        self.text(right - w, baseline, size, color, text);
    }

    pub fn text_center(&mut self, center: f32, baseline: f32, size: f32, color: Rgb, text: &str) {
        let w = self.font.width(text, size);
        self.text(center - w / 2.0, baseline, size, color, text);
    }

    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, color: Rgb) {
        let c = self.content();
        c.set_stroke_rgb(color.0, color.1, color.2);
        c.set_line_width(width);
        c.move_to(from.0, from.1);
        c.line_to(to.0, to.1);
        c.stroke();
    }

    pub fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
        let c = self.content();
        c.set_fill_rgb(color.0, color.1, color.2);
        c.rect(x, y, w, h);
        c.fill_nonzero();
    }

    pub fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32, width: f32, color: Rgb) {
        let c = self.content();
        c.set_stroke_rgb(color.0, color.1, color.2);
        c.set_line_width(width);
        c.rect(x, y, w, h);
        c.stroke();
    }

    /// Lines of `text` no wider than `width`: Chinese breaks between any two characters
    /// (not before closing punctuation), Latin between words, and a word longer than the
    /// line between its letters.
    pub fn wrap(&mut self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            self.wrap_paragraph(paragraph, size, width, &mut lines);
        }
        lines
    }

    fn wrap_paragraph(&mut self, text: &str, size: f32, width: f32, lines: &mut Vec<String>) {
        let space = self.font.width(" ", size);
        let mut line = String::new();
        let mut line_w = 0.0;
        let mut pending_space = false;
        for token in tokens(text) {
            if token.trim().is_empty() {
                pending_space = !line.is_empty();
                continue;
            }
            let w = self.font.width(&token, size);
            let gap = if pending_space { space } else { 0.0 };
            pending_space = false;
            if line_w + gap + w <= width {
                if gap > 0.0 {
                    line.push(' ');
                }
                line.push_str(&token);
                line_w += gap + w;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_w = 0.0;
            }
            for c in token.chars() {
                let cw = self.font.width(c.encode_utf8(&mut [0; 4]), size);
                if line_w + cw > width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                line.push(c);
                line_w += cw;
            }
        }
        lines.push(line);
    }

    /// `text` cut to `width`, ending in an ellipsis when it was cut.
    pub fn fit(&mut self, text: &str, size: f32, width: f32) -> String {
        if self.font.width(text, size) <= width {
            return text.to_string();
        }
        let mut out = String::new();
        let room = width - self.font.width("…", size);
        for c in text.chars() {
            out.push(c);
            if self.font.width(&out, size) > room {
                out.pop();
                break;
            }
        }
        out.push('…');
        out
    }
}

/// Chinese, Japanese and Korean characters and their full-width punctuation.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

fn closes(c: char) -> bool {
    "，。、；：？！）》」』】〕”’%…·,.;:?!)]}".contains(c)
}

fn opens(c: char) -> bool {
    "（《「『【〔“‘([{".contains(c)
}

/// The pieces a line may break between: a Latin word, one Chinese character (with the
/// punctuation that may not be parted from it), or a run of spaces.
fn tokens(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut glued = false;
    for c in text.chars() {
        let prev = out.last_mut();
        let joins = match &prev {
            Some(p) if c.is_whitespace() => p.ends_with(char::is_whitespace),
            Some(p) if p.ends_with(char::is_whitespace) => false,
            Some(_) if closes(c) || glued => true,
            Some(p) => !is_cjk(c) && !p.ends_with(is_cjk),
            None => false,
        };
        match prev {
            Some(p) if joins => p.push(c),
            _ => out.push(c.to_string()),
        }
        glued = opens(c);
    }
    out
}

fn title(p: &mut Pager, doc: &Document) {
    for line in p.wrap(&doc.title, 20.0, WIDTH) {
        p.y -= 28.0;
        p.text(LEFT, p.y, 20.0, INK, &line);
    }
    p.y -= 6.0;
    for line in p.wrap(&doc.subtitle, 10.0, WIDTH) {
        p.y -= 15.0;
        p.text(LEFT, p.y, 10.0, MUTED, &line);
    }
    p.y -= 8.0;
    p.line((LEFT, p.y), (LEFT + WIDTH, p.y), 0.8, RULE);
    p.y -= 6.0;
}

/// How much of a block must follow its heading on the same page: a few lines of text, the
/// start of a table or ranking, a whole trend chart.
fn keep_with_heading(next: Option<&Block>) -> f32 {
    match next {
        Some(Block::Lines(l)) => charts::lines_height(l),
        Some(Block::Bars(_)) => 130.0,
        Some(Block::Table(_)) => 80.0,
        _ => 60.0,
    }
}

fn heading(p: &mut Pager, text: &str, next: Option<&Block>) {
    let lines = p.wrap(text, 14.0, WIDTH);
    p.ensure(lines.len() as f32 * 20.0 + 16.0 + keep_with_heading(next));
    p.y -= 10.0;
    for line in lines {
        p.y -= 20.0;
        p.text(LEFT, p.y, 14.0, INK, &line);
    }
    p.y -= 6.0;
}

fn paragraph(p: &mut Pager, text: &str, size: f32, leading: f32) {
    for line in p.wrap(text, size, WIDTH) {
        p.ensure(leading);
        p.y -= leading;
        p.text(LEFT, p.y + (leading - size) / 2.0, size, INK, &line);
    }
    p.y -= 6.0;
}

const CELL_SIZE: f32 = 9.0;
const CELL_LEADING: f32 = 12.5;
const CELL_PAD: f32 = 4.0;

fn table(p: &mut Pager, t: &Table) {
    let columns = t
        .rows
        .iter()
        .map(Vec::len)
        .chain([t.header.len()])
        .max()
        .unwrap_or(0);
    if columns == 0 {
        return;
    }
    let widths = column_widths(p, t, columns);
    let header = wrap_row(p, &t.header, &widths);
    let first = t.rows.first().map(|r| wrap_row(p, r, &widths));
    let first_h = first.as_ref().map_or(0.0, |r| {
        row_height(r).min(3.0 * CELL_LEADING + 2.0 * CELL_PAD)
    });
    p.ensure(22.0 + row_height(&header) + first_h);
    caption(p, &t.caption);
    let plain = vec![false; columns];
    draw_row(p, &header, &widths, true, &plain);
    let go_on = format!("{}（续）", t.caption);
    // The room a row has on a page that holds nothing but the table's caption and header.
    let page_room = TOP - BOTTOM - caption_height(p, &go_on) - row_height(&header);
    for row in &t.rows {
        let numeric: Vec<bool> = (0..columns)
            .map(|i| row.get(i).is_some_and(|c| is_number(c)))
            .collect();
        let mut cells = wrap_row(p, row, &widths);
        loop {
            let h = row_height(&cells);
            if h <= p.room() {
                draw_row(p, &cells, &widths, false, &numeric);
                break;
            }
            // A row taller than a whole page is cut between its lines, as much as fits.
            let fit = ((p.room() - 2.0 * CELL_PAD) / CELL_LEADING).floor();
            if h > page_room && fit >= 1.0 {
                let rest = split_lines(&mut cells, fit as usize);
                draw_row(p, &cells, &widths, false, &numeric);
                cells = rest;
            }
            p.new_page();
            caption(p, &go_on);
            draw_row(p, &header, &widths, true, &plain);
        }
    }
    p.y -= 12.0;
}

/// Keeps the first `n` lines of each cell and returns the rest.
fn split_lines(cells: &mut [Vec<String>], n: usize) -> Vec<Vec<String>> {
    cells
        .iter_mut()
        .map(|lines| lines.split_off(n.min(lines.len())))
        .collect()
}

fn caption_height(p: &mut Pager, text: &str) -> f32 {
    p.wrap(text, 10.5, WIDTH).len() as f32 * 16.0 + 4.0
}

pub fn caption(p: &mut Pager, text: &str) {
    for line in p.wrap(text, 10.5, WIDTH) {
        p.y -= 16.0;
        p.text(LEFT, p.y + 3.0, 10.5, INK, &line);
    }
    p.y -= 4.0;
}

/// Text this wide (four Chinese characters) is not wrapped to make room for other columns.
const SHORT: f32 = 4.0 * CELL_SIZE;

/// Each column as wide as its widest line would like, shrunk towards its longest word (or
/// its short text) when the table is wider than the page, and stretched to the page's
/// width otherwise.
fn column_widths(p: &mut Pager, t: &Table, columns: usize) -> Vec<f32> {
    let mut natural = vec![0.0f32; columns];
    let mut least = vec![0.0f32; columns];
    for row in std::iter::once(&t.header).chain(&t.rows) {
        for (i, cell) in row.iter().enumerate() {
            for line in cell.split('\n') {
                natural[i] = natural[i].max(p.font.width(line, CELL_SIZE));
            }
            for token in tokens(cell) {
                least[i] = least[i].max(p.font.width(&token, CELL_SIZE));
            }
        }
    }
    let pad = 2.0 * CELL_PAD;
    let natural: Vec<f32> = natural.iter().map(|w| w + pad).collect();
    let least: Vec<f32> = least
        .iter()
        .zip(&natural)
        .map(|(l, n)| (l + pad).max(SHORT + pad).min(*n).min(WIDTH / 3.0))
        .collect();
    let natural_sum: f32 = natural.iter().sum();
    if natural_sum <= WIDTH {
        return natural.iter().map(|w| w * WIDTH / natural_sum).collect();
    }
    let least_sum: f32 = least.iter().sum();
    if least_sum >= WIDTH {
        return least.iter().map(|w| w * WIDTH / least_sum).collect();
    }
    let spare = WIDTH - least_sum;
    let wanted = natural_sum - least_sum;
    least
        .iter()
        .zip(&natural)
        .map(|(l, n)| l + (n - l) * spare / wanted)
        .collect()
}

fn wrap_row(p: &mut Pager, row: &[String], widths: &[f32]) -> Vec<Vec<String>> {
    widths
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let cell = row.get(i).map_or("", String::as_str);
            p.wrap(cell, CELL_SIZE, w - 2.0 * CELL_PAD)
        })
        .collect()
}

fn row_height(cells: &[Vec<String>]) -> f32 {
    let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
    lines as f32 * CELL_LEADING + 2.0 * CELL_PAD
}

fn draw_row(p: &mut Pager, cells: &[Vec<String>], widths: &[f32], header: bool, numeric: &[bool]) {
    let h = row_height(cells);
    let bottom = p.y - h;
    if header {
        p.fill_rect(LEFT, bottom, WIDTH, h, HEADER_FILL);
    }
    let mut x = LEFT;
    for ((lines, w), right) in cells.iter().zip(widths).zip(numeric) {
        p.stroke_rect(x, bottom, *w, h, 0.5, RULE);
        let mut baseline = p.y - CELL_PAD - CELL_SIZE;
        for line in lines {
            if *right {
                p.text_right(x + w - CELL_PAD, baseline, CELL_SIZE, INK, line);
            } else {
                p.text(x + CELL_PAD, baseline, CELL_SIZE, INK, line);
            }
            baseline -= CELL_LEADING;
        }
        x += w;
    }
    p.y = bottom;
}

fn page_numbers(p: &mut Pager) {
    let count = p.pages.len();
    for i in 0..count {
        let label = format!("第 {} 页，共 {} 页", i + 1, count);
        let glyphs = p.font.encode(&label);
        let x = LEFT + (WIDTH - p.font.width(&label, 9.0)) / 2.0;
        let c = &mut p.pages[i];
        c.set_fill_rgb(MUTED.0, MUTED.1, MUTED.2);
        c.begin_text();
        c.set_font(FONT, 9.0);
        c.next_line(x, 34.0);
        c.show(Str(&glyphs));
        c.end_text();
    }
}

#[cfg(test)]
mod tests {
    use super::tokens;

    #[test]
    fn chinese_breaks_by_character_and_latin_by_word() {
        assert_eq!(
            tokens("数据共享 open data，好（甲）"),
            [
                "数",
                "据",
                "共",
                "享",
                " ",
                "open",
                " ",
                "data，",
                "好",
                "（甲）"
            ]
        );
    }
}
