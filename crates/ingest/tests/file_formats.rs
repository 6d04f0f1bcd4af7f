//! The file readers against small files written on the fly: CSV in UTF-8 and GBK/GB18030,
//! JSON Lines, XLSX built with the `zip` crate.
#[path = "file_support.rs"]
mod support;

use shuqiao_core::collect::source::{Next, RawRow};
use shuqiao_core::collect::TextEncoding;
use shuqiao_ingest::file::{
    detect_encoding, open_file, EncodingChoice, FileFormat, FileOptions, MAX_ROW_BYTES,
};
use support::{drain, n, row, s, strings, write, xlsx, Got};

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "{text} is all GBK");
    bytes.into_owned()
}

fn opts(encoding: EncodingChoice) -> FileOptions {
    FileOptions {
        encoding,
        ..FileOptions::default()
    }
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

// ----- names and choices -----

#[test]
fn formats_and_encodings_by_name() {
    assert_eq!(FileFormat::parse("CSV"), Some(FileFormat::Csv));
    for s in ["jsonl", "ndjson", "json-lines"] {
        assert_eq!(FileFormat::parse(s), Some(FileFormat::JsonLines));
    }
    assert_eq!(FileFormat::parse("xlsx"), Some(FileFormat::Xlsx));
    assert_eq!(FileFormat::parse("xls"), None);
    assert_eq!(FileFormat::from_name("人口.CSV"), Some(FileFormat::Csv));
    assert_eq!(FileFormat::from_name("dir.v2/a.txt"), Some(FileFormat::Csv));
    assert_eq!(
        FileFormat::from_name("a.ndjson"),
        Some(FileFormat::JsonLines)
    );
    assert_eq!(
        FileFormat::from_name("a.jsonl"),
        Some(FileFormat::JsonLines)
    );
    assert_eq!(
        FileFormat::from_name("C:\\x\\a.xlsx"),
        Some(FileFormat::Xlsx)
    );
    assert_eq!(FileFormat::from_name("upload"), None);
    assert_eq!(FileFormat::from_name("dir.csv/upload"), None);
    assert_eq!(EncodingChoice::parse("auto"), Some(EncodingChoice::Auto));
    for s in ["utf-8", "UTF8"] {
        assert_eq!(EncodingChoice::parse(s), Some(EncodingChoice::Utf8));
    }
    for s in ["gbk", "GB18030", "gb2312"] {
        assert_eq!(EncodingChoice::parse(s), Some(EncodingChoice::Gb18030));
    }
    assert_eq!(EncodingChoice::parse("latin1"), None);
}

#[test]
fn format_from_hint_then_sniffing() {
    let dir = tmp();
    let jsonl = write(dir.path(), "upload1", b"\xEF\xBB\xBF  {\"a\": 1}\n");
    let csv = write(dir.path(), "upload2", b"a,b\n1,2\n");
    let book = write(
        dir.path(),
        "upload3",
        &xlsx(&[("S", &row(1, &[s("A1", "a")]))], &[], false),
    );
    let d = FileOptions::default();
    for (path, want) in [(&jsonl, &["a"][..]), (&csv, &["a", "b"]), (&book, &["a"])] {
        let source = open_file(path, None, &d).map_err(|e| e.en);
        assert_eq!(source.map(|s| s.columns().to_vec()), Ok(strings(want)));
    }
    // The hint wins over sniffing; the explicit format over both.
    let as_csv = open_file(&jsonl, Some("x.csv"), &d).map(|s| s.columns().to_vec());
    assert_eq!(as_csv.map_err(|e| e.reason), Ok(strings(&["{\"a\": 1}"])));
    let explicit = FileOptions {
        format: Some(FileFormat::JsonLines),
        ..FileOptions::default()
    };
    assert!(open_file(&csv, Some("x.csv"), &explicit).is_err());
    // Old Excel and workbooks named .csv are refused with a clear reason.
    let xls = write(
        dir.path(),
        "old.xls",
        &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0],
    );
    assert_eq!(drain(&xls, &d).error_reason(), Some("unsupported_format"));
    let fake = write(dir.path(), "book.csv", &std::fs::read(&book).expect("read"));
    assert_eq!(drain(&fake, &d).error_reason(), Some("format_mismatch"));
    let missing = dir.path().join("missing.csv");
    assert_eq!(drain(&missing, &d).error_reason(), Some("io"));
}

// ----- CSV -----

#[test]
fn csv_utf8_with_and_without_bom() {
    let dir = tmp();
    let body = " 姓名 , 代码 ,备注\n张三, 110101 ,\"  \"\n李四,2,x\n";
    for (name, bytes) in [
        ("plain.csv", body.as_bytes().to_vec()),
        (
            "bom.csv",
            [&[0xEF, 0xBB, 0xBF][..], body.as_bytes()].concat(),
        ),
    ] {
        let path = write(dir.path(), name, &bytes);
        let d = drain(&path, &FileOptions::default());
        assert_eq!(d.error, None, "{name}");
        assert_eq!(d.columns, strings(&["姓名", "代码", "备注"]), "{name}");
        assert_eq!(
            d.items,
            vec![
                Got::Row(2, strings(&["张三", "110101", ""])),
                Got::Row(3, strings(&["李四", "2", "x"])),
            ],
            "{name}"
        );
        assert_eq!(
            detect_encoding(&path, &FileOptions::default()),
            Ok(TextEncoding::Utf8)
        );
    }
}

#[test]
fn csv_gbk_auto_and_explicit() {
    let dir = tmp();
    let path = write(
        dir.path(),
        "gbk.csv",
        &gbk("单位名称,统一社会信用代码\r\n省大数据管理局,11330000MB1234567X\r\n"),
    );
    assert_eq!(
        detect_encoding(&path, &FileOptions::default()),
        Ok(TextEncoding::Gb18030)
    );
    for choice in [EncodingChoice::Auto, EncodingChoice::Gb18030] {
        let d = drain(&path, &opts(choice));
        assert_eq!(d.error, None);
        assert_eq!(d.columns, strings(&["单位名称", "统一社会信用代码"]));
        assert_eq!(
            d.items,
            vec![Got::Row(
                2,
                strings(&["省大数据管理局", "11330000MB1234567X"])
            )]
        );
    }
    // Read as UTF-8 the header is not text.
    let d = drain(&path, &opts(EncodingChoice::Utf8));
    assert_eq!(d.error_reason(), Some("invalid_encoding"));
}

#[test]
fn csv_gb18030_four_byte_characters() {
    let dir = tmp();
    let (bytes, _, bad) = encoding_rs::GB18030.encode("名,字\n𠀀,䶮\n€,😀\n");
    assert!(!bad);
    assert!(bytes
        .windows(4)
        .any(|w| w[1].is_ascii_digit() && w[3].is_ascii_digit()));
    let path = write(dir.path(), "gb18030.csv", &bytes);
    for choice in [EncodingChoice::Auto, EncodingChoice::Gb18030] {
        let d = drain(&path, &opts(choice));
        assert_eq!(
            d.rows(),
            vec![strings(&["𠀀", "䶮"]), strings(&["€", "😀"])]
        );
    }
    // A GB18030 byte-order mark is skipped too.
    let with_bom = [&[0x84, 0x31, 0x95, 0x33][..], &bytes].concat();
    let path = write(dir.path(), "gb18030-bom.csv", &with_bom);
    let d = drain(&path, &opts(EncodingChoice::Gb18030));
    assert_eq!(d.columns, strings(&["名", "字"]));
}

#[test]
fn csv_quoted_fields() {
    let dir = tmp();
    let body = "a,b,c\n\"x, y\",\"line1\nline2\",\"say \"\"hi\"\"\"\n4,5,6\r\n\n7,\"\",9";
    let path = write(dir.path(), "q.csv", body.as_bytes());
    let d = drain(&path, &FileOptions::default());
    assert_eq!(d.error, None);
    assert_eq!(
        d.items,
        vec![
            Got::Row(2, strings(&["x, y", "line1\nline2", "say \"hi\""])),
            Got::Row(4, strings(&["4", "5", "6"])),
            // Line 5 is blank; the record is on line 6.
            Got::Row(6, strings(&["7", "", "9"])),
        ]
    );
    let p = open_file(&path, None, &FileOptions::default()).map(|mut s| {
        let mut row = RawRow::default();
        while let Ok(Next::Row) = s.next_row(&mut row) {}
        s.progress()
    });
    let p = p.map_err(|e| e.en).expect("progress");
    assert_eq!(
        (p.done, p.total),
        (body.len() as u64, Some(body.len() as u64))
    );
}

#[test]
fn csv_wrong_column_count_and_blank_rows() {
    let dir = tmp();
    let path = write(
        dir.path(),
        "cols.csv",
        b"a,b,c\n1,2\n1,2,3\n,,\n  \n1,2,3,4\n",
    );
    let d = drain(&path, &FileOptions::default());
    assert_eq!(d.error, None);
    assert_eq!(d.items[1], Got::Row(3, strings(&["1", "2", "3"])));
    assert_eq!(d.bad(), vec![(2, "column_count"), (6, "column_count")]);
    match &d.items[0] {
        Got::Bad(_, _, en) => assert_eq!(
            en,
            "row 2 has 2 columns, the header has 3. Check the delimiters and quotes in that row."
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn csv_bytes_that_are_neither_encoding() {
    let dir = tmp();
    let mut bytes = b"a,b\n1,x".to_vec();
    bytes.extend_from_slice(&[0x80, 0xFF]);
    bytes.extend_from_slice(b"\n2,y\n");
    let path = write(dir.path(), "neither.csv", &bytes);
    let d = drain(&path, &FileOptions::default());
    assert_eq!(d.error_reason(), Some("unknown_encoding"));
    assert!(d
        .error
        .as_ref()
        .is_some_and(|e| e.en.contains("--encoding gbk")));
    for choice in [EncodingChoice::Utf8, EncodingChoice::Gb18030] {
        let d = drain(&path, &opts(choice));
        assert_eq!(d.error, None);
        assert_eq!(d.bad(), vec![(2, "invalid_encoding")]);
        assert_eq!(d.rows(), vec![strings(&["2", "y"])]);
    }
}

#[test]
fn csv_gbk_with_one_bad_row() {
    let dir = tmp();
    let mut bytes = gbk("名称,代码\n甲,1\n");
    bytes.extend_from_slice(b"\x80\xFF,2\n");
    bytes.extend_from_slice(&gbk("丙,3\n"));
    let path = write(dir.path(), "stray.csv", &bytes);
    let d = drain(&path, &opts(EncodingChoice::Gb18030));
    assert_eq!(d.bad(), vec![(3, "invalid_encoding")]);
    assert_eq!(d.rows(), vec![strings(&["甲", "1"]), strings(&["丙", "3"])]);
    // Beyond the sniffed 64 KiB, auto-detection still says GBK and only that row is bad.
    let mut big = gbk("名称,代码\n");
    let filler = gbk("甲,1\n");
    while big.len() < 70 * 1024 {
        big.extend_from_slice(&filler);
    }
    big.extend_from_slice(b"\x80\xFF,2\n");
    big.extend_from_slice(&gbk("丙,3\n"));
    let path = write(dir.path(), "stray-late.csv", &big);
    assert_eq!(
        detect_encoding(&path, &FileOptions::default()),
        Ok(TextEncoding::Gb18030)
    );
    let d = drain(&path, &FileOptions::default());
    assert_eq!(d.error, None);
    assert_eq!(d.bad().len(), 1);
    assert_eq!(d.bad()[0].1, "invalid_encoding");
    assert_eq!(d.rows().last(), Some(&strings(&["丙", "3"])));
}

#[test]
fn csv_pipe_delimiter_in_gbk() {
    // Some GBK characters have `|` (0x7C) as their second byte; with `|` as the delimiter
    // the file is decoded before it is split.
    let trail_pipe = (0x4E00u32..0x9FA5)
        .filter_map(char::from_u32)
        .find(|c| {
            let mut utf8 = [0; 4];
            let (b, _, bad) = encoding_rs::GBK.encode(c.encode_utf8(&mut utf8));
            !bad && b.len() == 2 && b[1] == b'|'
        })
        .expect("a GBK character ending in 0x7C");
    let dir = tmp();
    let mut bytes = gbk(&format!("名称|代码\n{trail_pipe}{trail_pipe}|1\n"));
    bytes.extend_from_slice(b"\xFF|2\n");
    let path = write(dir.path(), "pipe.txt", &bytes);
    let o = FileOptions {
        delimiter: Some(b'|'),
        encoding: EncodingChoice::Gb18030,
        ..FileOptions::default()
    };
    let d = drain(&path, &o);
    assert_eq!(d.error, None);
    assert_eq!(d.columns, strings(&["名称", "代码"]));
    assert_eq!(
        d.items[0],
        Got::Row(2, vec![format!("{trail_pipe}{trail_pipe}"), "1".into()])
    );
    assert_eq!(d.bad(), vec![(3, "invalid_encoding")]);
    // `;` in UTF-8, and a delimiter that cannot work.
    let path = write(dir.path(), "semi.csv", "a;b\n1;\"2;3\"\n".as_bytes());
    let o = FileOptions {
        delimiter: Some(b';'),
        ..FileOptions::default()
    };
    assert_eq!(drain(&path, &o).rows(), vec![strings(&["1", "2;3"])]);
    let o = FileOptions {
        delimiter: Some(b'"'),
        ..FileOptions::default()
    };
    assert_eq!(drain(&path, &o).error_reason(), Some("bad_delimiter"));
}

#[test]
fn csv_ten_megabyte_line() {
    let dir = tmp();
    let mut bytes = b"a,b\n1,2\n".to_vec();
    bytes.resize(bytes.len() + 10 * 1024 * 1024, b'x');
    bytes.extend_from_slice(b",3\n");
    let path = write(dir.path(), "long.csv", &bytes);
    let d = drain(&path, &FileOptions::default());
    assert_eq!(d.rows(), vec![strings(&["1", "2"])]);
    assert_eq!(d.error_reason(), Some("row_too_long"));
    let e = d.error.expect("error");
    assert!(e.en.contains("line 3") && e.en.contains("1 MiB") && e.en.contains("unbalanced quote"));
    assert!(e.zh.contains("第 3 行") && e.zh.contains("引号"));
}

#[test]
fn csv_unbalanced_quote() {
    let dir = tmp();
    // Short: the rest of the file becomes one bad row.
    let path = write(dir.path(), "open.csv", b"a,b\n1,2\n3,\"oops\n4,5\n6,7\n");
    let d = drain(&path, &FileOptions::default());
    assert_eq!(d.error, None);
    assert_eq!(d.rows(), vec![strings(&["1", "2"])]);
    assert_eq!(d.bad(), vec![(3, "unbalanced_quote")]);
    // Long: many short lines inside the open quote still stop at 1 MiB.
    let mut bytes = b"a,b\n1,\"2\n".to_vec();
    while bytes.len() < 3 * MAX_ROW_BYTES {
        bytes.extend_from_slice(b"some,short,line\n");
    }
    let path = write(dir.path(), "open-long.csv", &bytes);
    let d = drain(&path, &FileOptions::default());
    assert_eq!(d.error_reason(), Some("row_too_long"));
    assert!(d.error.is_some_and(|e| e.en.contains("line 2")));
    // In the header.
    let path = write(dir.path(), "open-header.csv", b"a,\"b\n1,2\n");
    assert_eq!(
        drain(&path, &FileOptions::default()).error_reason(),
        Some("unbalanced_quote")
    );
}

#[test]
fn csv_empty_and_header_only() {
    let dir = tmp();
    let d = FileOptions::default();
    for (name, bytes) in [
        ("empty.csv", &b""[..]),
        ("bom-only.csv", &b"\xEF\xBB\xBF"[..]),
        ("newlines.csv", &b"\n\r\n"[..]),
    ] {
        let path = write(dir.path(), name, bytes);
        assert_eq!(
            drain(&path, &d).error_reason(),
            Some("empty_file"),
            "{name}"
        );
    }
    let path = write(dir.path(), "header.csv", b"a,b\n");
    let got = drain(&path, &d);
    assert_eq!(
        (got.columns, got.items, got.error),
        (strings(&["a", "b"]), vec![], None)
    );
    for (name, bytes, reason) in [
        ("blank-header.csv", &b" , \n1,2\n"[..], "no_header"),
        ("dup.csv", &b"a,b,a\n1,2,3\n"[..], "duplicate_column"),
        ("gap.csv", &b"a,,c\n1,2,3\n"[..], "blank_column"),
    ] {
        let path = write(dir.path(), name, bytes);
        assert_eq!(drain(&path, &d).error_reason(), Some(reason), "{name}");
    }
}

// ----- JSON Lines -----

#[test]
fn jsonl_rows_by_key() {
    let dir = tmp();
    let body = concat!(
        "\u{FEFF}{\"name\": \"张三\", \"id\": 110101199003077777, \"score\": 1.50, \"ok\": true, \"note\": null}\n",
        "\n",
        "{\"id\": 2, \"name\": \"李四\"}\r\n",
        "{\"name\": \"x\", \"extra\": 1}\n",
        "{\"name\": [1]}\n",
        "{\"name\": \"y\",}\n",
        "[1, 2]\n",
        "{\"name\": \"a\", \"name\": \"b\"}\n",
        "{\"name\": \"z\", \"big\": 1}\n",
    );
    let path = write(dir.path(), "rows.jsonl", body.as_bytes());
    let d = drain(&path, &FileOptions::default());
    assert_eq!(d.error, None);
    assert_eq!(d.columns, strings(&["name", "id", "score", "ok", "note"]));
    assert_eq!(
        d.items[..2],
        [
            Got::Row(
                1,
                strings(&["张三", "110101199003077777", "1.50", "true", ""])
            ),
            Got::Row(3, strings(&["李四", "2", "", "", ""])),
        ]
    );
    assert_eq!(
        d.bad(),
        vec![
            (4, "unknown_column"),
            (5, "nested_value"),
            (6, "invalid_json"),
            (7, "invalid_json"),
            (8, "duplicate_column"),
            (9, "unknown_column"),
        ]
    );
    match &d.items[4] {
        Got::Bad(_, _, en) => assert!(en.contains("line 6") && en.contains("column"), "{en}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn jsonl_encoding() {
    let dir = tmp();
    let mut bytes = b"{\"a\": \"ok\"}\n{\"a\": \"".to_vec();
    bytes.extend_from_slice(&[0x80, 0xFF]);
    bytes.extend_from_slice(b"\"}\n{\"a\": \"fine\"}\n");
    let path = write(dir.path(), "bad.jsonl", &bytes);
    let d = drain(&path, &FileOptions::default());
    assert_eq!(d.bad(), vec![(2, "invalid_encoding")]);
    assert_eq!(d.rows(), vec![strings(&["ok"]), strings(&["fine"])]);
    // A GBK export is recognised like a CSV one.
    let path = write(
        dir.path(),
        "gbk.jsonl",
        &gbk("{\"名称\": \"省大数据管理局\"}\n"),
    );
    let d = drain(&path, &FileOptions::default());
    assert_eq!(d.columns, strings(&["名称"]));
    assert_eq!(d.rows(), vec![strings(&["省大数据管理局"])]);
}

#[test]
fn jsonl_file_level_errors() {
    let dir = tmp();
    let d = FileOptions::default();
    for (name, bytes, reason) in [
        ("empty.jsonl", &b""[..], "empty_file"),
        ("blank.jsonl", &b" \n\r\n\t\n"[..], "empty_file"),
        (
            "first-bad.jsonl",
            &b"{\"a\" 1}\n{\"a\": 1}\n"[..],
            "invalid_json",
        ),
        ("first-array.jsonl", &b"[1]\n"[..], "invalid_json"),
        ("empty-object.jsonl", &b"{}\n"[..], "no_header"),
        (
            "dup.jsonl",
            &b"{\"a\": 1, \" a \": 2}\n"[..],
            "duplicate_column",
        ),
    ] {
        let path = write(dir.path(), name, bytes);
        assert_eq!(drain(&path, &d).error_reason(), Some(reason), "{name}");
    }
    let mut long = b"{\"a\": 1}\n{\"a\": \"".to_vec();
    long.resize(long.len() + 10 * 1024 * 1024, b'x');
    long.extend_from_slice(b"\"}\n");
    let path = write(dir.path(), "long.jsonl", &long);
    let got = drain(&path, &d);
    assert_eq!(got.rows(), vec![strings(&["1"])]);
    assert_eq!(got.error_reason(), Some("row_too_long"));
    assert!(got.error.is_some_and(|e| e.en.contains("line 2")));
    // Exactly at the limit is still fine.
    let mut edge = b"{\"a\": \"".to_vec();
    edge.resize(MAX_ROW_BYTES - 2, b'y');
    edge.extend_from_slice(b"\"}\n");
    let path = write(dir.path(), "edge.jsonl", &edge);
    assert_eq!(drain(&path, &d).error, None);
}

// ----- XLSX -----

#[test]
fn xlsx_cells() {
    let dir = tmp();
    let sheet = [
        row(
            1,
            &[
                s("A1", " 名称 "),
                r#"<c r="B1" t="s"><v>1</v></c>"#.to_string(),
                s("C1", "金额"),
                s("D1", "日期"),
                s("E1", "时间"),
                s("F1", "是否"),
            ],
        ),
        row(
            2,
            &[
                s("A2", "甲"),
                n("B2", "4.6E+17", None),
                n("C2", "12.5", None),
                n("D2", "45943", Some(1)),
                n("E2", "45943.5", Some(2)),
                r#"<c r="F2" t="b"><v>1</v></c>"#.to_string(),
            ],
        ),
        // Gaps become empty cells.
        row(3, &[s("A3", "乙"), n("C3", "3", None)]),
        // Completely empty rows are skipped.
        row(4, &[]),
        row(5, &[r#"<c r="A5" s="1"/>"#.to_string()]),
        row(
            6,
            &[
                s("A6", "丙"),
                r#"<c r="C6" t="e"><v>#DIV/0!</v></c>"#.to_string(),
            ],
        ),
        row(7, &[s("A7", "丁"), s("G7", "beyond")]),
        row(
            8,
            &[
                r#"<c r="A8" t="s"><v>0</v></c>"#.to_string(),
                n("B8", "110101", None),
            ],
        ),
    ]
    .concat();
    let bytes = xlsx(&[("数据", &sheet)], &["共享", "代码"], true);
    let path = write(dir.path(), "book.xlsx", &bytes);
    let d = drain(&path, &FileOptions::default());
    assert_eq!(d.error, None);
    assert_eq!(
        d.columns,
        strings(&["名称", "代码", "金额", "日期", "时间", "是否"])
    );
    assert_eq!(
        d.items,
        vec![
            Got::Row(2, strings(&["甲", "460000000000000000", "12.5", "2025-10-13", "2025-10-13 12:00:00", "true"])),
            Got::Row(3, strings(&["乙", "", "3", "", "", ""])),
            Got::Bad(6, "cell_error", "cell C6 of row 6 holds the error #DIV/0! (usually from a formula); the row was not imported. Fix that cell.".into()),
            Got::Bad(7, "column_count", "row 7 has data in cell G7, beyond the header's 6 columns; the row was not imported. Delete the extra data or name that column.".into()),
            Got::Row(8, strings(&["共享", "110101", "", "", "", ""])),
        ]
    );
}

#[test]
fn xlsx_sheets() {
    let dir = tmp();
    let first = row(1, &[s("A1", "a")]) + &row(2, &[s("A2", "1")]);
    let second = row(2, &[s("B2", "b")]) + &row(3, &[s("B3", "2")]);
    let path = write(
        dir.path(),
        "two.xlsx",
        &xlsx(&[("一", &first), ("二", &second)], &[], false),
    );
    let d = drain(&path, &FileOptions::default());
    assert_eq!(
        (d.columns.clone(), d.rows()),
        (strings(&["a"]), vec![strings(&["1"])])
    );
    let pick = |name: &str| FileOptions {
        sheet: Some(name.into()),
        ..FileOptions::default()
    };
    // The header is the first non-empty row; a leading empty column is a blank name.
    let d = drain(&path, &pick("二"));
    assert_eq!(d.error_reason(), Some("blank_column"));
    let d = drain(&path, &pick("三"));
    assert_eq!(d.error_reason(), Some("unknown_sheet"));
    assert!(d
        .error
        .is_some_and(|e| e.zh.contains("“一”、“二”") && e.en.contains("\"一\", \"二\"")));
}

#[test]
fn xlsx_header_only_empty_and_invalid() {
    let dir = tmp();
    let d = FileOptions::default();
    let path = write(
        dir.path(),
        "header.xlsx",
        &xlsx(&[("S", &row(1, &[s("A1", "a"), s("B1", "b")]))], &[], false),
    );
    let got = drain(&path, &d);
    assert_eq!(
        (got.columns, got.items, got.error),
        (strings(&["a", "b"]), vec![], None)
    );
    let path = write(dir.path(), "empty.xlsx", &xlsx(&[("S", "")], &[], false));
    assert_eq!(drain(&path, &d).error_reason(), Some("empty_file"));
    let path = write(
        dir.path(),
        "dup.xlsx",
        &xlsx(&[("S", &row(1, &[s("A1", "a"), s("B1", "a")]))], &[], false),
    );
    assert_eq!(drain(&path, &d).error_reason(), Some("duplicate_column"));
    let path = write(dir.path(), "text.xlsx", b"a,b\n1,2\n");
    assert_eq!(drain(&path, &d).error_reason(), Some("xlsx_invalid"));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("hello.txt", zip::write::SimpleFileOptions::default())
        .expect("entry");
    let other = zip.finish().expect("zip").into_inner();
    let path = write(dir.path(), "zip.xlsx", &other);
    assert_eq!(drain(&path, &d).error_reason(), Some("xlsx_invalid"));
}

#[test]
fn xlsx_many_rows_and_progress() {
    let dir = tmp();
    let mut sheet = row(1, &[s("A1", "n"), s("B1", "text")]);
    for r in 2..=3000u32 {
        sheet.push_str(&row(
            r,
            &[
                n(&format!("A{r}"), &r.to_string(), None),
                s(&format!("B{r}"), "行"),
            ],
        ));
    }
    let path = write(dir.path(), "many.xlsx", &xlsx(&[("S", &sheet)], &[], false));
    let mut source = open_file(&path, None, &FileOptions::default())
        .map_err(|e| e.en)
        .expect("open");
    let mut row_buf = RawRow::default();
    let mut count = 0u64;
    while let Ok(Next::Row) = source.next_row(&mut row_buf) {
        count += 1;
        assert_eq!(row_buf.cells[0], row_buf.row_no.to_string());
    }
    assert_eq!(count, 2999);
    assert_eq!(source.progress().done, 3000);
}

#[test]
fn xlsx_seed_with_dimension_and_shared_strings() {
    let path = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz-corpus/small.xlsx"
    ));
    let source = open_file(path, None, &FileOptions::default()).map_err(|e| e.en);
    let source = source.expect("open the seed workbook");
    assert_eq!(source.progress().total, Some(4));
    let d = support::drain_source(source, 100);
    assert_eq!(d.columns, strings(&["名称", "代码", "值"]));
    assert_eq!(
        d.items.iter().map(Got::reason).collect::<Vec<_>>(),
        ["row", "cell_error", "row"]
    );
    assert_eq!(
        d.rows(),
        vec![
            strings(&["共享", "460000000000000000", "true"]),
            strings(&["", "", "0.5"])
        ]
    );
}

/// A key left out of a line is absent (a merge keeps the stored value), unlike `null`.
#[test]
fn jsonl_keys_left_out_are_absent() {
    let dir = tmp();
    let body = "{\"id\": 1, \"name\": \"张三\", \"note\": null}\n{\"id\": 2}\n{\"note\": \"x\", \"id\": 3}\n";
    let path = write(dir.path(), "partial.jsonl", body.as_bytes());
    let mut source = open_file(&path, None, &FileOptions::default()).unwrap();
    let mut row = RawRow::default();
    let mut absent = Vec::new();
    while let Next::Row = source.next_row(&mut row).unwrap() {
        absent.push(row.absent.clone());
    }
    assert_eq!(absent, [vec![], vec![1, 2], vec![1]]);
}

// ----- files as departments export them: titles, units, notes -----

#[test]
fn csv_title_units_and_notes_are_passed_over() {
    let dir = tmp();
    let text = "海南省公安厅 人口信息导出（2026年12月）,,\n\
                公民身份号码,姓名,月收入\n\
                ,,（元）\n\
                11010519491231002X,张三,3000\n\
                \n\
                440524188001010014,李四,4500\n\
                注：数据截至 2026 年 11 月底,,\n\
                制表人：王五\n";
    let path = write(dir.path(), "export.csv", text.as_bytes());
    let d = drain(&path, &FileOptions::default());
    assert_eq!(d.error, None);
    assert_eq!(d.columns, strings(&["公民身份号码", "姓名", "月收入"]));
    assert_eq!(
        d.items,
        vec![
            Got::Row(4, strings(&["11010519491231002X", "张三", "3000"])),
            Got::Row(6, strings(&["440524188001010014", "李四", "4500"])),
        ]
    );
}

#[test]
fn csv_header_row_named_and_expected_names() {
    let dir = tmp();
    let text = "人口信息\n填报单位：公安厅,日期：2026-12-01\nGMSFHM,XM\n11010519491231002X,张三\n";
    let path = write(dir.path(), "named.csv", text.as_bytes());
    // Without help, the two-cell line under the title reads as the header.
    let d = drain(&path, &FileOptions::default());
    assert_eq!(
        d.columns,
        strings(&["填报单位：公安厅", "日期：2026-12-01"])
    );
    let named = FileOptions {
        header_row: Some(3),
        ..FileOptions::default()
    };
    let d = drain(&path, &named);
    assert_eq!(d.columns, strings(&["GMSFHM", "XM"]));
    assert_eq!(d.rows(), vec![strings(&["11010519491231002X", "张三"])]);
    let expected = FileOptions {
        expected_columns: strings(&["公民身份号码", "GMSFHM", "姓名", "XM"]),
        ..FileOptions::default()
    };
    assert_eq!(drain(&path, &expected).columns, strings(&["GMSFHM", "XM"]));
    let beyond = FileOptions {
        header_row: Some(9),
        ..FileOptions::default()
    };
    assert_eq!(
        drain(&path, &beyond).error_reason(),
        Some("header_row_missing")
    );
}

#[test]
fn xlsx_title_units_notes_and_numeric_ids() {
    let dir = tmp();
    let sheet = [
        // A title merged across the columns: only its first cell holds the text.
        row(1, &[s("A1", "海南省公安厅 人口信息导出（2026年12月）")]),
        row(
            2,
            &[s("A2", "公民身份号码"), s("B2", "姓名"), s("C2", "面积")],
        ),
        row(3, &[s("C3", "单位：平方米")]),
        row(
            4,
            &[
                s("A4", "11010519491231002X"),
                s("B4", "张三"),
                n("C4", "88.5", None),
            ],
        ),
        // An ID number typed into a number cell: Excel kept 15 significant digits.
        row(
            5,
            &[
                n("A5", "4.60100198801011E+17", None),
                s("B5", "李四"),
                n("C5", "90", None),
            ],
        ),
        row(7, &[s("A7", "注：面积为建筑面积")]),
    ]
    .concat();
    let path = write(
        dir.path(),
        "export.xlsx",
        &xlsx(&[("人口", &sheet)], &[], false),
    );
    let d = drain(&path, &FileOptions::default());
    assert_eq!(d.error, None);
    assert_eq!(d.columns, strings(&["公民身份号码", "姓名", "面积"]));
    assert_eq!(
        d.items,
        vec![
            Got::Row(4, strings(&["11010519491231002X", "张三", "88.5"])),
            Got::Row(5, strings(&["460100198801011000", "李四", "90"])),
        ]
    );
    let named = FileOptions {
        header_row: Some(2),
        ..FileOptions::default()
    };
    assert_eq!(drain(&path, &named).rows().len(), 2);
    // Number cells are told apart from text, so the checks can say what happened.
    let mut source = open_file(&path, None, &FileOptions::default()).unwrap();
    let mut raw = RawRow::default();
    let mut numeric = Vec::new();
    while let Ok(Next::Row) = source.next_row(&mut raw) {
        numeric.push(raw.numeric.clone());
    }
    assert_eq!(numeric, vec![vec![2], vec![0, 2]]);
}
