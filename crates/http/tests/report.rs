//! The report renderers on one sample report in Chinese and English: the PDF read back with
//! poppler (pdftotext, pdftoppm), the HTML and CSV read as text.
//!
//! Where poppler or a CJK font is missing the PDF tests say SKIPPED, unless
//! `SHUQIAO_REQUIRE_PDF=1` (CI) makes them fail. To look at the sample report, set
//! `SHUQIAO_KEEP_PDF` to a folder to keep the PDFs in, or `SHUQIAO_KEEP_HTML` to a file.
use shuqiao_http::report::pdf;
use shuqiao_http::report::{html, table_csv, BarChart, Block, Document, LineChart, Table};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const DEPARTMENTS: [&str; 12] = [
    "省发展和改革委员会",
    "省教育厅",
    "省公安厅",
    "省民政厅",
    "省人力资源和社会保障厅",
    "省自然资源厅",
    "省生态环境厅",
    "省住房和城乡建设厅",
    "省交通运输厅",
    "省卫生健康委员会",
    "省市场监督管理局",
    "省大数据发展管理局（Big Data Bureau）",
];

const LAST_CELL: &str = "最后一行的备注单元格";

fn table(rows: usize) -> Table {
    Table {
        caption: "表1 各部门数据共享考核明细（Assessment details）".into(),
        header: vec![
            "序号".into(),
            "部门".into(),
            "目录数".into(),
            "共享率".into(),
            "说明 Notes".into(),
        ],
        rows: (1..=rows)
            .map(|i| {
                let note = if i == rows {
                    LAST_CELL.to_string()
                } else if i % 7 == 0 {
                    "接口调用量较上季度明显增长，数据质量问题已按期整改完毕。The API \
                     response time improved after the catalogue was reorganised."
                        .to_string()
                } else {
                    "按期更新".to_string()
                };
                vec![
                    i.to_string(),
                    DEPARTMENTS[i % DEPARTMENTS.len()].to_string(),
                    (20 + i * 3).to_string(),
                    format!("{:.1}%", 80.0 + (i % 20) as f64),
                    note,
                ]
            })
            .collect(),
    }
}

fn sample(rows: usize) -> Document {
    Document {
        title: "2026年第三季度政务数据共享考核报告".into(),
        subtitle: "考核期间：2026-07-01 至 2026-09-30 · 范围：全省 · Computed 2026-10-08 09:00"
            .into(),
        blocks: vec![
            Block::Heading("一、总体情况 Overview".into()),
            Block::Paragraph(
                "本季度全省共有 12 个部门参加考核，平均共享率为 91.3%，较上季度提高 2.1 个百分点。\
                 Twelve departments took part; the average sharing rate rose to 91.3%, \
                 an improvement of 2.1 points over the previous quarter."
                    .into(),
            ),
            Block::Table(table(rows)),
            Block::Heading("二、排名与趋势".into()),
            Block::Bars(BarChart {
                caption: "图1 各部门共享率排名".into(),
                unit: "%".into(),
                bars: DEPARTMENTS
                    .iter()
                    .enumerate()
                    .map(|(i, d)| (d.to_string(), 99.0 - i as f64 * 1.7))
                    .collect(),
                target: Some(95.0),
            }),
            Block::Lines(LineChart {
                caption: "图2 共享率季度趋势".into(),
                unit: "%".into(),
                x: vec![
                    "2025-Q4".into(),
                    "2026-Q1".into(),
                    "2026-Q2".into(),
                    "2026-Q3".into(),
                ],
                series: vec![
                    (
                        "全省平均".into(),
                        vec![Some(85.0), Some(87.5), Some(89.2), Some(91.3)],
                    ),
                    (
                        "省教育厅".into(),
                        vec![Some(80.0), None, Some(90.0), Some(96.5)],
                    ),
                ],
            }),
            Block::Paragraph("=1+1 <script>alert(\"x\")</script> & 'quoted'".into()),
        ],
    }
}

fn required() -> bool {
    std::env::var("SHUQIAO_REQUIRE_PDF").is_ok_and(|v| v == "1")
}

/// Whether the PDF tests can run here; fails instead of skipping where they must.
fn can_run(test: &str) -> bool {
    let missing: Vec<&str> = ["pdftotext", "pdftoppm"]
        .into_iter()
        .filter(|tool| Command::new(tool).arg("-v").output().is_err())
        .collect();
    let font = pdf::font_candidates().into_iter().any(|p| p.is_file());
    if missing.is_empty() && font {
        return true;
    }
    let why = format!("{test}: missing {missing:?}, a CJK font found: {font}");
    assert!(!required(), "SHUQIAO_REQUIRE_PDF=1 but {why}");
    println!("SKIPPED {why} (apt-get install -y poppler-utils fonts-wqy-microhei)");
    false
}

fn render_to_file(doc: &Document, dir: &Path) -> (Vec<u8>, PathBuf) {
    let bytes = pdf::render(doc).expect("the report renders as PDF");
    let path = dir.join("report.pdf");
    std::fs::write(&path, &bytes).unwrap();
    if let Ok(keep) = std::env::var("SHUQIAO_KEEP_PDF") {
        let name = std::thread::current()
            .name()
            .unwrap_or("report")
            .to_string();
        std::fs::write(Path::new(&keep).join(format!("{name}.pdf")), &bytes).unwrap();
    }
    (bytes, path)
}

/// The text of pages `first..=last`, without the spaces a PDF reader puts between glyphs.
fn text_of(pdf: &Path, first: u32, last: u32) -> String {
    let out = Command::new("pdftotext")
        .args([
            "-f",
            &first.to_string(),
            "-l",
            &last.to_string(),
            "-enc",
            "UTF-8",
        ])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(
        out.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn pdf_text_comes_back_in_chinese_with_the_table_going_on_under_its_header() {
    if !can_run("pdf_text_comes_back") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = render_to_file(&sample(45), dir.path());
    let all = text_of(&path, 1, 99);
    for expected in [
        "2026年第三季度政务数据共享考核报告",
        "省人力资源和社会保障厅",
        "Twelvedepartmentstookpart",
        "图1各部门共享率排名",
        "目标95%",
        "图2共享率季度趋势",
        "2026-Q3",
        "全省平均",
    ] {
        assert!(
            all.contains(expected),
            "{expected} missing from the PDF's text:\n{all}"
        );
    }
    let pages = all.matches("第1页，共").count();
    assert_eq!(pages, 1, "page 1 is numbered once");
    let page2 = text_of(&path, 2, 2);
    assert!(
        page2.contains(LAST_CELL),
        "the last row is on page 2:\n{page2}"
    );
    assert!(
        page2.contains(&squeeze("说明 Notes")),
        "the header is repeated on page 2:\n{page2}"
    );
    assert!(
        page2.contains("（续）"),
        "the caption says the table goes on:\n{page2}"
    );
    assert!(page2.contains("第2页，共"), "page 2 is numbered:\n{page2}");
}

#[test]
fn pdf_page_one_is_drawn_with_the_title_in_ink() {
    if !can_run("pdf_page_one_is_drawn") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = render_to_file(&sample(45), dir.path());
    let prefix = dir.path().join("page");
    let status = Command::new("pdftoppm")
        .args(["-r", "50", "-f", "1", "-l", "1", "-gray", "-singlefile"])
        .arg(&path)
        .arg(&prefix)
        .status()
        .expect("pdftoppm runs");
    assert!(status.success());
    let (w, h, pixels) = read_pgm(&std::fs::read(prefix.with_extension("pgm")).unwrap());
    // A4 at 50 dpi; the title sits in the top tenth, inside the margins.
    assert!(
        (410..=416).contains(&w) && (582..=588).contains(&h),
        "{w}x{h}"
    );
    let title_band = &pixels[(h * 5 / 100) * w..(h * 10 / 100) * w];
    let dark = title_band.iter().filter(|p| **p < 128).count();
    assert!(dark > 200, "only {dark} dark pixels where the title is");
    let page_dark = pixels.iter().filter(|p| **p < 160).count();
    assert!(page_dark > 2000, "only {page_dark} dark pixels on page 1");
}

/// A binary greyscale PNM (P5) as width, height and one byte per pixel.
fn read_pgm(data: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while data[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !data[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&data[start..at]).to_string());
    }
    assert_eq!(fields[0], "P5");
    let w: usize = fields[1].parse().unwrap();
    let h: usize = fields[2].parse().unwrap();
    (w, h, data[at + 1..at + 1 + w * h].to_vec())
}

#[test]
fn pdf_embeds_only_the_glyphs_it_uses() {
    if !can_run("pdf_embeds_only_the_glyphs_it_uses") {
        return;
    }
    let font = pdf::font_candidates()
        .into_iter()
        .find(|p| p.is_file())
        .unwrap();
    let font_size = std::fs::metadata(&font).unwrap().len() as usize;
    let bytes = pdf::render(&sample(45)).unwrap();
    assert!(
        bytes.len() * 10 < font_size,
        "the PDF ({} bytes) should be far smaller than {} ({font_size} bytes)",
        bytes.len(),
        font.display()
    );
    let raw = String::from_utf8_lossy(&bytes);
    assert!(raw.contains("/Identity-H") && raw.contains("/ToUnicode"));
}

#[test]
fn pdf_twenty_pages_render_and_are_timed() {
    if !can_run("pdf_twenty_pages") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let doc = sample(640);
    let started = Instant::now();
    let (bytes, path) = render_to_file(&doc, dir.path());
    let elapsed = started.elapsed();
    let text = text_of(&path, 1, 999);
    let pages = (1..)
        .take_while(|n| text.contains(&format!("第{n}页，共")))
        .count();
    assert!(pages >= 20, "{pages} pages");
    println!(
        "MEASURE pdf render: {pages} pages, {} bytes, {:.1} ms",
        bytes.len(),
        elapsed.as_secs_f64() * 1000.0
    );
}

#[test]
fn html_escapes_hostile_text_and_draws_charts_as_svg() {
    let mut doc = sample(5);
    doc.title = "<script>alert(1)</script> 报告".into();
    if let Block::Table(t) = &mut doc.blocks[2] {
        t.rows[0][1] = "<img src=x onerror=alert(1)>".into();
    }
    let page = html::render(&doc);
    if let Ok(keep) = std::env::var("SHUQIAO_KEEP_HTML") {
        std::fs::write(keep, html::render(&sample(5))).unwrap();
    }
    assert!(!page.to_lowercase().contains("<script"), "{page}");
    assert!(!page.contains("<img"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; 报告"));
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(page.contains("&#39;quoted&#39;"));
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"));
    assert_eq!(page.matches("<h1").count(), 1);
    assert_eq!(page.matches("<svg").count(), 2);
    assert_eq!(page.matches("<title id=").count(), 2);
    assert_eq!(page.matches("<desc id=").count(), 2);
    assert!(page.contains("<style>"));
    assert!(page.contains("<th scope=\"col\">说明 Notes</th>"));
    assert!(page.contains("<caption>表1 各部门数据共享考核明细（Assessment details）</caption>"));
    // The chart values as text, in the SVG and in the tables after it.
    assert!(page.contains("<th scope=\"row\">省发展和改革委员会</th><td class=\"num\">99</td><td class=\"num\">95</td>"));
    assert!(page.contains(
        "<th scope=\"row\">2026-Q2</th><td class=\"num\">89.2</td><td class=\"num\">90</td>"
    ));
    assert!(page.contains(">目标 95%</text>"));
    assert!(page.contains("<caption>图1 各部门共享率排名（数据）</caption>"));
    assert!(page.contains("9 项未达目标"));
}

#[test]
fn csv_holds_the_tables_and_the_charts_data_escaped() {
    let mut doc = sample(3);
    if let Block::Table(t) = &mut doc.blocks[2] {
        t.rows[0][4] = "=1+1".into();
    }
    let csv = table_csv::render(&doc);
    assert!(csv.starts_with('\u{feff}'));
    assert!(
        !csv.replace("\r\n", "").contains('\n'),
        "every line ends in CRLF"
    );
    assert!(csv.contains("\r\n1,省教育厅,23,81.0%,'=1+1\r\n"), "{csv}");
    assert!(
        csv.contains(
            "\r\n图1 各部门共享率排名\r\n名称,数值（%）,目标（%）\r\n省发展和改革委员会,99,95\r\n"
        ),
        "{csv}"
    );
    assert!(csv.contains("\r\n图2 共享率季度趋势\r\n期间,全省平均（%）,省教育厅（%）\r\n2025-Q4,85,80\r\n2026-Q1,87.5,\r\n"), "{csv}");
}

#[test]
fn empty_and_odd_charts_render_in_every_format() {
    let doc = Document {
        title: String::new(),
        subtitle: String::new(),
        blocks: vec![
            Block::Heading(String::new()),
            Block::Table(Table {
                caption: "空表".into(),
                header: vec![],
                rows: vec![],
            }),
            Block::Bars(BarChart {
                caption: "无数据".into(),
                unit: String::new(),
                bars: vec![],
                target: None,
            }),
            Block::Bars(BarChart {
                caption: "异常值".into(),
                unit: "%".into(),
                bars: vec![("负数".into(), -5.0), ("非数".into(), f64::NAN)],
                target: Some(f64::INFINITY),
            }),
            Block::Lines(LineChart {
                caption: "全部缺失".into(),
                unit: String::new(),
                x: vec!["2026-Q1".into()],
                series: vec![("甲".into(), vec![None]), ("乙".into(), vec![])],
            }),
            Block::Table(Table {
                caption: "一行长过一页".into(),
                header: vec!["部门".into(), "说明".into()],
                rows: vec![vec![
                    "省教育厅".into(),
                    format!("{}尾标记", "很长的说明。".repeat(900)),
                ]],
            }),
            Block::Paragraph(
                "\t制表符\r\n与超长单词 Pneumonoultramicroscopicsilicovolcanoconiosis".repeat(20),
            ),
        ],
    };
    assert!(html::render(&doc).contains("<svg"));
    assert!(table_csv::render(&doc).contains("无数据"));
    if can_run("empty_and_odd_charts") {
        let dir = tempfile::tempdir().unwrap();
        let (_, path) = render_to_file(&doc, dir.path());
        let text = text_of(&path, 1, 99);
        assert!(
            text.contains("全部缺失") && text.contains("尾标记"),
            "{text}"
        );
    }
}
