//! Whatever the bytes, opening and draining a file never panics and always ends: arbitrary
//! bytes, mutations of the seed files in `fuzz-corpus/` (BOMs, GBK, GB18030, unbalanced
//! quotes, CR/CRLF, JSON Lines, a small workbook), each read as every format. The seeds
//! are drained on every run too; failures found are kept in `proptest-regressions/`.
#[path = "file_support.rs"]
mod support;

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use shuqiao_core::collect::source::{Next, RawRow};
use shuqiao_ingest::file::{open_file, EncodingChoice, FileFormat, FileOptions};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz-corpus");

fn corpus() -> Vec<(PathBuf, Vec<u8>)> {
    let mut seeds: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(CORPUS)
        .expect("fuzz-corpus directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).expect("read seed");
            (p, bytes)
        })
        .collect();
    seeds.sort();
    assert!(seeds.len() >= 10, "the corpus has its seeds");
    seeds
}

/// Every way a file is read here.
fn option_sets() -> Vec<FileOptions> {
    let mut all = Vec::new();
    for encoding in [
        EncodingChoice::Auto,
        EncodingChoice::Utf8,
        EncodingChoice::Gb18030,
    ] {
        for format in [FileFormat::Csv, FileFormat::JsonLines] {
            all.push(FileOptions {
                format: Some(format),
                encoding,
                ..FileOptions::default()
            });
        }
    }
    all.push(FileOptions {
        format: Some(FileFormat::Csv),
        encoding: EncodingChoice::Gb18030,
        delimiter: Some(b'|'),
        ..FileOptions::default()
    });
    all.push(FileOptions {
        format: Some(FileFormat::Xlsx),
        ..FileOptions::default()
    });
    all
}

/// Opens and drains `path` every way; checks what must hold whatever the input.
fn drain_all(path: &Path) {
    for opts in option_sets() {
        let Ok(mut source) = open_file(path, None, &opts) else {
            continue;
        };
        let width = source.columns().len();
        assert!(width > 0, "a source has columns");
        let mut row = RawRow::default();
        let mut last_row_no = 0;
        let mut ended = false;
        for _ in 0..100_000 {
            match source.next_row(&mut row) {
                Ok(Next::Row) => {
                    assert_eq!(row.cells.len(), width);
                    if opts.format != Some(FileFormat::Xlsx) {
                        assert!(
                            row.row_no > last_row_no,
                            "rows come in order: {} after {last_row_no} in {} read as {opts:?}",
                            row.row_no,
                            path.display()
                        );
                    }
                    last_row_no = row.row_no;
                }
                Ok(Next::Bad { row_no, refusal }) => {
                    assert!(!refusal.zh.is_empty() && !refusal.en.is_empty());
                    last_row_no = row_no;
                }
                Ok(Next::End) | Err(_) => {
                    ended = true;
                    break;
                }
            }
            let p = source.progress();
            if let Some(total) = p.total {
                assert!(p.done <= total);
            }
        }
        assert!(ended, "{opts:?} ends");
    }
}

#[test]
fn corpus_seeds_drain() {
    for (path, _) in corpus() {
        drain_all(&path);
    }
}

/// Bytes worth inserting: the CSV and JSON syntax, BOMs, GBK lead and trail bytes, bytes
/// valid in neither encoding.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b",",
    b"\n",
    b"\r",
    b"\r\n",
    b"|",
    b"{",
    b"}",
    b"[",
    b":",
    b"\\",
    &[0xEF, 0xBB, 0xBF],
    &[0x84, 0x31, 0x95, 0x33],
    &[0x80],
    &[0xFF],
    &[0xC4, 0xE3],
    &[0x81, 0x7C],
    &[0x81, 0x30, 0x81, 0x30],
    &[0xE4, 0xB8],
    b"PK\x03\x04",
];

#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, usize),
    Delete(usize, usize),
    Truncate(usize),
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        let len = bytes.len();
        match *edit {
            Edit::Flip(at, mask) if len > 0 => bytes[at % len] ^= mask.max(1),
            Edit::Insert(at, token) => {
                let at = if len == 0 { 0 } else { at % (len + 1) };
                let token = TOKENS[token % TOKENS.len()];
                bytes.splice(at..at, token.iter().copied());
            }
            Edit::Delete(at, n) if len > 0 => {
                let at = at % len;
                let end = (at + n % 8 + 1).min(len);
                bytes.drain(at..end);
            }
            Edit::Truncate(at) if len > 0 => bytes.truncate(at % len),
            _ => {}
        }
    }
    bytes
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(a, m)| Edit::Flip(a, m)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, t)| Edit::Insert(a, t)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, n)| Edit::Delete(a, n)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/proptest-regressions/file_fuzz.txt"
        )))),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let dir = tempfile::tempdir().expect("temp dir");
        drain_all(&support::write(dir.path(), "input", &bytes));
    }

    #[test]
    fn mutated_seeds(seed in any::<usize>(), edits in proptest::collection::vec(edit(), 1..8)) {
        let seeds = corpus();
        let (_, bytes) = &seeds[seed % seeds.len()];
        let dir = tempfile::tempdir().expect("temp dir");
        drain_all(&support::write(dir.path(), "input", &apply(bytes.clone(), &edits)));
    }

    #[test]
    fn token_soup(tokens in proptest::collection::vec(any::<usize>(), 0..64)) {
        let mut bytes = b"a,b,c\n".to_vec();
        for t in tokens {
            match t % 3 {
                0 => bytes.extend_from_slice(TOKENS[t / 3 % TOKENS.len()]),
                1 => bytes.extend_from_slice("名".as_bytes()),
                _ => bytes.push(b'a' + (t % 26) as u8),
            }
        }
        let dir = tempfile::tempdir().expect("temp dir");
        drain_all(&support::write(dir.path(), "input", &bytes));
    }
}

/// Pieces of a worksheet's XML: cells of every type with odd references, values and styles,
/// shared-string indexes past the end, rows out of order, broken markup.
const SHEET_PIECES: &[&str] = &[
    r#"<row r="1">"#,
    r#"<row r="2">"#,
    r#"<row r="1048576">"#,
    r#"<row r="0">"#,
    r#"<row r="99999999999">"#,
    r#"<row>"#,
    "</row>",
    r#"<c r="A1" t="inlineStr"><is><t>名称</t></is></c>"#,
    r#"<c r="B1" t="inlineStr"><is><t>代码</t></is></c>"#,
    r#"<c r="A2" t="s"><v>0</v></c>"#,
    r#"<c r="B2" t="s"><v>999999</v></c>"#,
    r#"<c r="C2" t="s"><v>-1</v></c>"#,
    r#"<c r="A3"><v>1.5e308</v></c>"#,
    r#"<c r="B3" s="1"><v>45000</v></c>"#,
    r#"<c r="C3" s="2"><v>-99999999</v></c>"#,
    r#"<c r="D3" s="1"><v>NaN</v></c>"#,
    r#"<c r="E3" s="9"><v>1</v></c>"#,
    r#"<c r="A4" t="b"><v>2</v></c>"#,
    r#"<c r="B4" t="e"><v>#DIV/0!</v></c>"#,
    r#"<c r="C4" t="str"><f>1+1</f><v>2</v></c>"#,
    r#"<c r="XFD1"><v>1</v></c>"#,
    r#"<c r="XFE1"><v>1</v></c>"#,
    r#"<c r="A0"><v>1</v></c>"#,
    r#"<c r="1A"><v>1</v></c>"#,
    r#"<c><v>7</v></c>"#,
    r#"<c r="B1" t="inlineStr"><is><t></t></is></c>"#,
    r#"<c r="A5" t="d"><v>2026-12-07T10:00:00</v></c>"#,
    r#"<c r="A6" t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r></is></c>"#,
    r#"<c r="A7">"#,
    "<v>",
    "</v>",
    "</c>",
    "&amp;",
    "&#0;",
    "&bogus;",
    "<![CDATA[x]]>",
    "\u{0}",
];

fn sheet_xml(pieces: &[usize]) -> String {
    pieces
        .iter()
        .map(|i| SHEET_PIECES[i % SHEET_PIECES.len()])
        .collect()
}

proptest! {
    #![proptest_config(config())]

    /// Workbooks whose zip is sound but whose sheet and shared strings are not.
    #[test]
    fn workbook_contents(pieces in proptest::collection::vec(any::<usize>(), 0..40),
                         second in proptest::collection::vec(any::<usize>(), 0..10),
                         shared in proptest::collection::vec("[a-z名&<>]{0,6}", 0..4),
                         styles in any::<bool>()) {
        let shared: Vec<&str> = shared.iter().map(String::as_str).collect();
        let book = support::xlsx(
            &[("数据", &sheet_xml(&pieces)), ("二", &sheet_xml(&second))],
            &shared,
            styles,
        );
        let dir = tempfile::tempdir().expect("temp dir");
        drain_all(&support::write(dir.path(), "input.xlsx", &book));
    }
}
