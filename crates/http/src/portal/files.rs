//! Whole-dataset downloads: CSV (UTF-8 with a BOM so Excel reads it as such, every cell
//! through core's formula-escaping writer), JSON and XLSX. Rows are read a page at a time
//! with `open_rows_each`, so a large dataset never sits in memory; CSV and JSON stream as they
//! are read, and the workbook is written to a temporary file first (a zip's directory comes
//! last) and then streamed.
use std::io::{Seek, Write};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::stream;
use shuqiao_core::csv;
use shuqiao_service::open::OpenDataset;
use shuqiao_service::Store;

use super::pages::released;
use super::PortalError;
use crate::console::session::lang_of;
use crate::AppState;

/// Rows per read of the portal's copy.
const PAGE: usize = 2000;
/// Excel's rows per sheet, the header's included.
pub const XLSX_MAX_ROWS: usize = 1_048_576;

/// The dataset for a download: released, and with rows the public may read, or a
/// 有条件开放 one asked for with its open-data key (`Authorization: <key>`, or `Bearer <key>`).
/// The key is checked, counted and sealed by `open_key_read` before any row is read; a wrong
/// or expired key is 401, another dataset's 403, a used-up quota 429 with `Retry-After`.
async fn downloadable(
    st: &AppState,
    headers: &HeaderMap,
    slug: &str,
    what: &str,
) -> Result<(Arc<OpenDataset>, bool), PortalError> {
    let lang = lang_of(headers);
    let d = released(st, lang, slug).await?;
    if d.rows_are_public() {
        return Ok((d, false));
    }
    let Some(key) = open_key(headers) else {
        return Err(PortalError::Conditional(lang, d.open_condition.clone()));
    };
    st.store
        .open_key_read(key, &d.code, what)
        .await
        .map_err(|e| PortalError::from_store(lang, e))?;
    Ok((d, true))
}

/// The key an `Authorization` header carries, bare or as a bearer token.
fn open_key(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let key = v
        .strip_prefix("Bearer ")
        .or_else(|| v.strip_prefix("bearer "))
        .unwrap_or(v)
        .trim();
    (!key.is_empty()).then_some(key)
}

/// A file; one read with a key is the holder's alone, so no cache keeps it.
fn file_response(
    content_type: &'static str,
    filename: String,
    body: Body,
    keyed: bool,
) -> Response {
    // Slugs are lowercase ASCII letters, digits, `-` and `_`: safe in a quoted filename.
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(if keyed {
                    "private, no-store"
                } else {
                    "no-cache"
                }),
            ),
        ],
        body,
    )
        .into_response()
}

/// The rows of `d` as a stream of chunks, each made by `render` from one page of rows; a
/// read failing midway ends the stream with an error, so the client sees a broken transfer
/// rather than a file that looks complete.
fn pages_of(
    store: Arc<Store>,
    d: Arc<OpenDataset>,
    first: String,
    last: String,
    render: impl Fn(&OpenDataset, &[(i64, std::collections::BTreeMap<String, String>)], bool) -> String
        + Send
        + Sync
        + 'static,
) -> Body {
    enum State {
        Start,
        After(i64, bool),
        End,
        Done,
    }
    let render = Arc::new(render);
    let s = stream::unfold(State::Start, move |state| {
        let store = store.clone();
        let d = d.clone();
        let render = render.clone();
        let (first, last) = (first.clone(), last.clone());
        async move {
            match state {
                State::Start => Some((Ok(Bytes::from(first)), State::After(0, true))),
                State::After(after, is_first) => {
                    match store.open_rows_each(d.clone(), after, PAGE).await {
                        Ok(rows) if rows.is_empty() => Some((Ok(Bytes::new()), State::End)),
                        Ok(rows) => {
                            let next = rows.last().map_or(after, |(id, _)| *id);
                            let chunk = render(&d, &rows, is_first);
                            Some((Ok(Bytes::from(chunk)), State::After(next, false)))
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "portal: download failed midway");
                            Some((Err(std::io::Error::other("read failed")), State::Done))
                        }
                    }
                }
                State::End => Some((Ok(Bytes::from(last)), State::Done)),
                State::Done => None,
            }
        }
    });
    Body::from_stream(s)
}

/// `data.csv`: a header of the items' names, then one line a row, `\r\n` as RFC 4180 says.
pub async fn csv(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PortalError> {
    let (d, keyed) = downloadable(&st, &headers, &slug, "download csv").await?;
    let head = format!(
        "\u{feff}{}\r\n",
        csv::line(d.items.iter().map(|i| i.name.as_str()))
    );
    let body = pages_of(
        st.store.clone(),
        d.clone(),
        head,
        String::new(),
        |d, rows, _| {
            let mut out = String::new();
            for (_, r) in rows {
                out.push_str(&csv::line(
                    d.items
                        .iter()
                        .map(|i| r.get(&i.code).map(String::as_str).unwrap_or("")),
                ));
                out.push_str("\r\n");
            }
            out
        },
    );
    Ok(file_response(
        "text/csv; charset=utf-8",
        format!("{}.csv", d.slug),
        body,
        keyed,
    ))
}

/// `data.json`: the dataset's name, its fields, and its records by item code with `_id`.
pub async fn json(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PortalError> {
    let (d, keyed) = downloadable(&st, &headers, &slug, "download json").await?;
    let fields: Vec<serde_json::Value> = d
        .items
        .iter()
        .map(|i| {
            serde_json::json!({
                "id": i.code, "name": i.name, "type": i.item_type.as_str(), "length": i.length,
            })
        })
        .collect();
    let head = format!(
        "{{\"dataset\":{},\"id\":{},\"name\":{},\"license\":\"CC-BY-4.0\",\"fields\":{},\"records\":[",
        serde_json::Value::from(d.slug.as_str()),
        serde_json::Value::from(d.id.as_str()),
        serde_json::Value::from(d.name.as_str()),
        serde_json::Value::from(fields),
    );
    let body = pages_of(
        st.store.clone(),
        d.clone(),
        head,
        "]}\n".into(),
        |d, rows, is_first| {
            let mut out = String::new();
            for (n, (id, r)) in rows.iter().enumerate() {
                if !(is_first && n == 0) {
                    out.push(',');
                }
                let mut o = serde_json::Map::new();
                o.insert("_id".into(), (*id).into());
                for i in &d.items {
                    if let Some(v) = r.get(&i.code) {
                        o.insert(i.code.clone(), v.as_str().into());
                    }
                }
                out.push_str(&serde_json::Value::Object(o).to_string());
            }
            out
        },
    );
    Ok(file_response(
        "application/json",
        format!("{}.json", d.slug),
        body,
        keyed,
    ))
}

/// `data.xlsx`: one sheet, the header of names and the rows as text cells (inline strings are
/// never formulas), at most Excel's rows per sheet.
pub async fn xlsx(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PortalError> {
    let lang = lang_of(&headers);
    let (d, keyed) = downloadable(&st, &headers, &slug, "download xlsx").await?;
    let store = st.store.clone();
    let handle = tokio::runtime::Handle::current();
    let dd = d.clone();
    let file = tokio::task::spawn_blocking(move || write_workbook(&handle, &store, dd))
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))
        .and_then(|r| r)
        .map_err(|e| {
            tracing::error!(error = %e, "portal: workbook failed");
            PortalError::Internal(lang)
        })?;
    let file = tokio::fs::File::from_std(file);
    let s = stream::unfold(Some(file), |file| async move {
        use tokio::io::AsyncReadExt;
        let mut file = file?;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    });
    Ok(file_response(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("{}.xlsx", d.slug),
        Body::from_stream(s),
        keyed,
    ))
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;

/// Text for an XML element: escaped, and without the control characters XML 1.0 forbids
/// (a value may hold any of them).
pub fn xml_text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
}

fn row_xml(cells: impl IntoIterator<Item = impl AsRef<str>>, out: &mut String) {
    out.push_str("<row>");
    for c in cells {
        out.push_str("<c t=\"inlineStr\"><is><t xml:space=\"preserve\">");
        xml_text(c.as_ref(), out);
        out.push_str("</t></is></c>");
    }
    out.push_str("</row>");
}

/// Writes the workbook into a temporary file, reading rows through `handle` a page at a time.
fn write_workbook(
    handle: &tokio::runtime::Handle,
    store: &Store,
    d: Arc<OpenDataset>,
) -> std::io::Result<std::fs::File> {
    let io = |e: zip::result::ZipError| std::io::Error::other(e.to_string());
    let mut zip = zip::ZipWriter::new(tempfile::tempfile()?);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, text) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
    ] {
        zip.start_file(name, opts).map_err(io)?;
        zip.write_all(text.as_bytes())?;
    }
    zip.start_file("xl/worksheets/sheet1.xml", opts)
        .map_err(io)?;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>",
    );
    row_xml(d.items.iter().map(|i| i.name.as_str()), &mut out);
    let mut written = 1;
    let mut after = 0;
    'pages: loop {
        let rows = handle
            .block_on(store.open_rows_each(d.clone(), after, PAGE))
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        if rows.is_empty() {
            break;
        }
        for (id, r) in &rows {
            if written >= XLSX_MAX_ROWS {
                break 'pages;
            }
            row_xml(
                d.items
                    .iter()
                    .map(|i| r.get(&i.code).map(String::as_str).unwrap_or("")),
                &mut out,
            );
            written += 1;
            after = *id;
        }
        zip.write_all(out.as_bytes())?;
        out.clear();
    }
    out.push_str("</sheetData></worksheet>");
    zip.write_all(out.as_bytes())?;
    let mut file = zip.finish().map_err(io)?;
    file.rewind()?;
    Ok(file)
}
