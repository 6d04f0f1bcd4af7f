//! A [`super::Document`] as a standalone HTML page: it is saved and mailed as a file, so it
//! carries its own style and needs no script. Charts are inline SVG with a title and a
//! description, and each is followed by the table of its values, so that a screen reader,
//! a search or a copy into a spreadsheet gets the figures as text.
use super::axis::{finite, is_number, number, scale, ticks};
use super::table_csv::{bars_table, lines_table};
use super::{BarChart, Block, Document, LineChart, Table};
use std::fmt::Write;

const STYLE: &str = r#"
:root { color: #1a1a1a; background: #fff; }
body { margin: 0; font: 15px/1.7 "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
  "Microsoft YaHei", "PingFang SC", sans-serif; }
main { max-width: 60rem; margin: 0 auto; padding: 2rem 1.5rem 3rem; }
h1 { font-size: 1.8rem; line-height: 1.3; margin: 0 0 .4rem; }
.subtitle { color: #4d4d4d; margin: 0 0 1.5rem; padding-bottom: .8rem; border-bottom: 2px solid #8a8a8a; }
h2 { font-size: 1.3rem; margin: 2rem 0 .6rem; break-after: avoid; }
p { margin: .5rem 0; }
table { border-collapse: collapse; width: 100%; margin: .8rem 0 1.4rem; font-size: .9rem; }
caption { text-align: left; font-weight: bold; padding: .3rem 0; caption-side: top; }
th, td { border: 1px solid #8a8a8a; padding: .3rem .5rem; text-align: left; vertical-align: top; }
thead th { background: #e6e8ec; }
tbody th { font-weight: normal; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.table-wrap { overflow-x: auto; }
figure { margin: 1.2rem 0 .4rem; break-inside: avoid; }
figcaption { font-weight: bold; margin-bottom: .3rem; }
svg { display: block; width: 100%; height: auto; max-width: 48rem; }
svg text { fill: #1a1a1a; font-family: inherit; }
svg .axis { fill: #4d4d4d; }
svg .v { paint-order: stroke; stroke: #fff; stroke-width: 3px; }
table.chart-data { font-size: .85rem; width: auto; min-width: 50%; }
@media print {
  @page { size: A4; margin: 18mm 16mm; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  .table-wrap { overflow: visible; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
}
"#;

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

pub fn render(doc: &Document) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title><style>{STYLE}</style></head>\n<body><main>\n\
         <header><h1>{t}</h1><p class=\"subtitle\">{s}</p></header>",
        t = esc(&doc.title),
        s = esc(&doc.subtitle)
    );
    for (i, block) in doc.blocks.iter().enumerate() {
        match block {
            Block::Heading(h) => {
                let _ = writeln!(out, "<h2>{}</h2>", esc(h));
            }
            Block::Paragraph(p) => {
                for line in p.split('\n') {
                    let _ = writeln!(out, "<p>{}</p>", esc(line));
                }
            }
            Block::Table(t) => table(&mut out, t, ""),
            Block::Bars(b) => {
                bars_svg(&mut out, b, i);
                table(&mut out, &data_table(bars_table(b)), "chart-data");
            }
            Block::Lines(l) => {
                lines_svg(&mut out, l, i);
                table(&mut out, &data_table(lines_table(l)), "chart-data");
            }
        }
    }
    out.push_str("</main></body></html>\n");
    out
}

/// A chart's values, captioned apart from the chart's own caption.
fn data_table(t: Table) -> Table {
    Table {
        caption: format!("{}（数据）", t.caption),
        ..t
    }
}

/// The first column names the row (a department, a period), so it is the row's header.
fn table(out: &mut String, t: &Table, class: &str) {
    let class = if class.is_empty() {
        String::new()
    } else {
        format!(" class=\"{class}\"")
    };
    let _ = write!(
        out,
        "<div class=\"table-wrap\"><table{class}><caption>{}</caption>\n<thead><tr>",
        esc(&t.caption)
    );
    for h in &t.header {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            if i == 0 {
                let _ = write!(out, "<th scope=\"row\">{}</th>", esc(c));
            } else if is_number(c) {
                let _ = write!(out, "<td class=\"num\">{}</td>", esc(c));
            } else {
                let _ = write!(out, "<td>{}</td>", esc(c));
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
}

const BAR: &str = "#0072b2";
const BELOW: &str = "#e69f00";
const TARGET: &str = "#d55e00";
const GRID: &str = "#d9d9d9";
const SERIES: [(&str, &str); 6] = [
    ("#0072b2", "none"),
    ("#d55e00", "6 3"),
    ("#009e73", "2 2"),
    ("#cc79a7", "8 3 2 3"),
    ("#56b4e9", "4 4"),
    ("#595959", "1 3"),
];

/// Roughly how wide text is in the SVG: Chinese a full em, Latin about half.
fn approx_width(s: &str, size: f64) -> f64 {
    s.chars()
        .map(|c| if c.is_ascii() { 0.58 } else { 1.0 })
        .sum::<f64>()
        * size
}

fn clip(s: &str, size: f64, width: f64) -> String {
    if approx_width(s, size) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        out.push(c);
        if approx_width(&out, size) > width - size {
            out.pop();
            break;
        }
    }
    out.push('…');
    out
}

fn open_figure(out: &mut String, id: &str, caption: &str, desc: &str, w: f64, h: f64) {
    let _ = writeln!(
        out,
        "<figure><figcaption id=\"{id}-c\">{c}</figcaption>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
         role=\"img\" aria-labelledby=\"{id}-t\" aria-describedby=\"{id}-d\">\
         <title id=\"{id}-t\">{c}</title><desc id=\"{id}-d\">{d}</desc>",
        c = esc(caption),
        d = esc(desc)
    );
}

fn bars_desc(b: &BarChart) -> String {
    let target = b.target.filter(|t| t.is_finite());
    let unit = &b.unit;
    let mut d = format!("横向条形图，共 {} 项", b.bars.len());
    if let Some(t) = target {
        let below = b.bars.iter().filter(|(_, v)| *v < t).count();
        let _ = write!(d, "，目标 {}{unit}，{below} 项未达目标", number(t));
    }
    let best = b.bars.iter().max_by(|x, y| x.1.total_cmp(&y.1));
    let worst = b.bars.iter().min_by(|x, y| x.1.total_cmp(&y.1));
    if let (Some(best), Some(worst)) = (best, worst) {
        let _ = write!(
            d,
            "；最高 {} {}{unit}，最低 {} {}{unit}",
            best.0,
            number(best.1),
            worst.0,
            number(worst.1)
        );
    }
    d.push_str("。数值见下表。");
    d
}

fn bars_svg(out: &mut String, b: &BarChart, index: usize) {
    let target = b.target.filter(|t| t.is_finite());
    const W: f64 = 720.0;
    const ROW: f64 = 24.0;
    const LABEL_W: f64 = 180.0;
    const VALUE_W: f64 = 70.0;
    let top = b
        .bars
        .iter()
        .map(|(_, v)| finite(*v))
        .chain(target)
        .fold(0.0, f64::max);
    let (_, hi, step) = scale(0.0, top);
    let x0 = LABEL_W;
    let plot_w = W - LABEL_W - VALUE_W;
    let x_of = |v: f64| x0 + finite(v).clamp(0.0, hi) / hi * plot_w;
    let head = if target.is_some() { 24.0 } else { 8.0 };
    let plot_bottom = head + b.bars.len() as f64 * ROW;
    let h = plot_bottom + 24.0;
    open_figure(
        out,
        &format!("chart-{index}"),
        &b.caption,
        &bars_desc(b),
        W,
        h,
    );
    for t in ticks(0.0, hi, step) {
        let x = x_of(t);
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{head}\" x2=\"{x:.1}\" y2=\"{plot_bottom}\" stroke=\"{GRID}\"/>\
             <text class=\"axis\" x=\"{x:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            plot_bottom + 16.0,
            number(t)
        );
    }
    for (i, (label, v)) in b.bars.iter().enumerate() {
        let y = head + i as f64 * ROW;
        let fill = if target.is_some_and(|t| *v < t) {
            BELOW
        } else {
            BAR
        };
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" text-anchor=\"end\">{}</text>\
             <rect x=\"{x0}\" y=\"{:.1}\" width=\"{:.1}\" height=\"16\" fill=\"{fill}\"/>",
            x0 - 8.0,
            y + 16.5,
            esc(&clip(label, 13.0, LABEL_W - 12.0)),
            y + 4.0,
            x_of(*v) - x0,
        );
    }
    let _ = writeln!(
        out,
        "<line x1=\"{x0}\" y1=\"{head}\" x2=\"{x0}\" y2=\"{plot_bottom}\" stroke=\"#595959\" stroke-width=\"1.5\"/>"
    );
    if let Some(t) = target {
        let x = x_of(t);
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{plot_bottom}\" stroke=\"{TARGET}\" \
             stroke-width=\"2\" stroke-dasharray=\"5 3\"/>\
             <text x=\"{x:.1}\" y=\"14\" font-size=\"12\" text-anchor=\"middle\">目标 {}{}</text>",
            head - 4.0,
            number(t),
            esc(&b.unit)
        );
    }
    // The figures come last, with a white halo, so that the target line never hides one.
    for (i, (_, v)) in b.bars.iter().enumerate() {
        let _ = writeln!(
            out,
            "<text class=\"v\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{}{}</text>",
            x_of(*v) + 4.0,
            head + i as f64 * ROW + 16.5,
            number(*v),
            esc(&b.unit)
        );
    }
    out.push_str("</svg></figure>\n");
}

fn lines_desc(l: &LineChart) -> String {
    let names: Vec<&str> = l.series.iter().map(|(n, _)| n.as_str()).collect();
    let span = match (l.x.first(), l.x.last()) {
        (Some(a), Some(b)) => format!("{a} 至 {b}"),
        _ => String::new(),
    };
    format!(
        "折线图，{span}，共 {} 个期间；系列：{}。数值见下表。",
        l.x.len(),
        names.join("、")
    )
}

fn lines_svg(out: &mut String, l: &LineChart, index: usize) {
    const W: f64 = 720.0;
    const X0: f64 = 60.0;
    const TOP: f64 = 24.0;
    const PLOT_H: f64 = 220.0;
    let values: Vec<f64> = l
        .series
        .iter()
        .flat_map(|(_, v)| v.iter().flatten().copied().filter(|v| v.is_finite()))
        .collect();
    let lo = values.iter().copied().fold(0.0, f64::min);
    let hi = values.iter().copied().fold(lo, f64::max);
    let (lo, hi, step) = scale(lo, hi);
    let plot_w = W - X0 - 20.0;
    let bottom = TOP + PLOT_H;
    let n = l.x.len().max(1);
    let x_of = |i: usize| {
        if n == 1 {
            X0 + plot_w / 2.0
        } else {
            X0 + 16.0 + i as f64 * (plot_w - 32.0) / (n - 1) as f64
        }
    };
    let y_of = |v: f64| bottom - (v - lo) / (hi - lo) * PLOT_H;
    let legend_rows = l.series.len().div_ceil(3);
    let h = bottom + 36.0 + legend_rows as f64 * 22.0;
    open_figure(
        out,
        &format!("chart-{index}"),
        &l.caption,
        &lines_desc(l),
        W,
        h,
    );
    if !l.unit.is_empty() {
        let _ = writeln!(
            out,
            "<text class=\"axis\" x=\"0\" y=\"12\" font-size=\"11\">单位：{}</text>",
            esc(&l.unit)
        );
    }
    for t in ticks(lo, hi, step) {
        let y = y_of(t);
        let _ = writeln!(
            out,
            "<line x1=\"{X0}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{GRID}\"/>\
             <text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            X0 + plot_w,
            X0 - 6.0,
            y + 4.0,
            number(t)
        );
    }
    let every = (approx_width(l.x.iter().max_by_key(|x| x.len()).map_or("", |x| x), 11.0) + 8.0)
        * l.x.len() as f64
        / plot_w;
    let every = (every.ceil() as usize).max(1);
    for (i, x) in l.x.iter().enumerate().step_by(every) {
        let _ = writeln!(
            out,
            "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            x_of(i),
            bottom + 16.0,
            esc(x)
        );
    }
    let label_points = l.series.len() <= 2 && n <= 12;
    for (k, (_, vals)) in l.series.iter().enumerate() {
        let (color, dash) = SERIES[k % SERIES.len()];
        let mut d = String::new();
        let mut open = false;
        for (i, v) in vals.iter().enumerate() {
            match v.filter(|v| v.is_finite()) {
                Some(v) => {
                    let _ = write!(
                        d,
                        "{}{:.1},{:.1} ",
                        if open { "L" } else { "M" },
                        x_of(i),
                        y_of(v)
                    );
                    open = true;
                }
                None => open = false,
            }
        }
        let _ = writeln!(
            out,
            "<path d=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2.5\" stroke-dasharray=\"{dash}\"/>",
            d.trim_end()
        );
        for (i, v) in vals.iter().enumerate() {
            let Some(v) = v.filter(|v| v.is_finite()) else {
                continue;
            };
            let (x, y) = (x_of(i), y_of(v));
            let _ = write!(
                out,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"6\" height=\"6\" fill=\"{color}\"/>",
                x - 3.0,
                y - 3.0
            );
            // With two series, the first is labelled above its points, the second below.
            if label_points {
                let _ = write!(
                    out,
                    "<text class=\"v\" x=\"{x:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
                    if k == 0 { y - 7.0 } else { y + 16.0 },
                    number(v)
                );
            }
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "<line x1=\"{X0}\" y1=\"{bottom}\" x2=\"{:.1}\" y2=\"{bottom}\" stroke=\"#595959\" stroke-width=\"1.5\"/>",
        X0 + plot_w
    );
    for (k, (name, _)) in l.series.iter().enumerate() {
        let (color, dash) = SERIES[k % SERIES.len()];
        let x = X0 + (k % 3) as f64 * 220.0;
        let y = bottom + 40.0 + (k / 3) as f64 * 22.0;
        let _ = writeln!(
            out,
            "<line x1=\"{x}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{color}\" stroke-width=\"2.5\" \
             stroke-dasharray=\"{dash}\"/><text x=\"{:.1}\" y=\"{y:.1}\" font-size=\"12\">{}</text>",
            y - 4.0,
            x + 28.0,
            y - 4.0,
            x + 34.0,
            esc(&clip(name, 12.0, 180.0))
        );
    }
    out.push_str("</svg></figure>\n");
}
