//! The assessment figures (考核指标): figures per department, city or county and province,
//! the ranking, the definitions, the rows each figure was computed from, and the reports.
use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use shuqiao_core::assess::figures::{Definition, Figure, Scope};
use shuqiao_service::assess::figures::{FigureRow, Figures, Ranking};

use super::admin::List;
use super::params::{bad_param, only_known, parse_number, parse_u64};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Path};
use crate::report::assessment::{self, Format};
use crate::AppState;

/// `org` or `region` (not both); neither is the province.
pub fn scope_of(q: &HashMap<String, String>) -> ApiResult<Scope> {
    let text = |n: &str| {
        q.get(n)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    match (text("org"), text("region")) {
        (Some(_), Some(_)) => Err(bad_param(
            "region",
            "org 与 region 只能二选一 / either org or region",
        )),
        (Some(o), None) => Ok(Scope::Org(o)),
        (None, Some(r)) => Ok(Scope::Region(r)),
        (None, None) => Ok(Scope::Province),
    }
}

fn period_of(q: &HashMap<String, String>) -> String {
    q.get("period").cloned().unwrap_or_default()
}

pub async fn figures(
    State(st): State<AppState>,
    Caller(p): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Figures>> {
    only_known(&q, &["period", "org", "region"])?;
    let scope = scope_of(&q)?;
    Ok(Json(
        st.store.assess_figures(p, &period_of(&q), scope).await?,
    ))
}

pub async fn ranking(
    State(st): State<AppState>,
    Caller(p): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Ranking>> {
    only_known(&q, &["period"])?;
    Ok(Json(st.store.assess_ranking(p, &period_of(&q)).await?))
}

pub async fn definitions() -> Json<List<Definition>> {
    Json(List::from(Figure::ALL.map(Figure::definition).to_vec()))
}

pub async fn definition(Path(code): Path<String>) -> ApiResult<Json<Definition>> {
    Ok(Json(Figure::parse_or_not_found(&code)?.definition()))
}

#[derive(Serialize)]
pub struct RowsPage {
    pub figure: Figure,
    pub period: String,
    pub items: Vec<FigureRow>,
    pub total: u64,
}

pub async fn rows(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    only_known(
        &q,
        &["period", "org", "region", "limit", "offset", "format"],
    )?;
    let scope = scope_of(&q)?;
    let csv = match q.get("format").map(String::as_str) {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(bad_param("format", "json, csv")),
    };
    // The CSV is every row; a page is for reading on screen.
    let limit = if csv {
        1_000_000
    } else {
        parse_number(&q, "limit", 100, 1000)?
    };
    let offset = if csv {
        0
    } else {
        parse_u64(&q, "offset")?.unwrap_or(0)
    };
    let period = period_of(&q);
    let listed = st
        .store
        .assess_rows(p, &code, &period, scope, offset, limit)
        .await?;
    let figure = Figure::parse_or_not_found(&code)?;
    if !csv {
        return Ok(Json(RowsPage {
            figure,
            period,
            items: listed.items,
            total: listed.total,
        })
        .into_response());
    }
    let body = rows_csv(&listed.items);
    let name = format!("{}-{}.csv", figure.as_str(), safe_name(&period));
    Ok(download(
        body.into_bytes(),
        "text/csv; charset=utf-8",
        &name,
    ))
}

fn safe_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Rows as CSV, every cell escaped against formulas.
pub fn rows_csv(items: &[FigureRow]) -> String {
    use shuqiao_core::csv;
    let mut out = String::from("\u{feff}");
    out.push_str(&csv::line(["org", "id", "label", "counted", "value"]));
    out.push_str("\r\n");
    for r in items {
        let value = r.value.map(|v| v.to_string()).unwrap_or_default();
        let counted = if r.counted { "1" } else { "0" };
        out.push_str(&csv::line([
            r.org.as_str(),
            r.id.as_str(),
            r.label.as_str(),
            counted,
            value.as_str(),
        ]));
        out.push_str("\r\n");
    }
    out
}

fn download(body: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// The problem when a PDF cannot be written: no CJK font on the server.
pub fn no_font(e: crate::report::pdf::PdfError) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "pdf_unavailable",
        format!("服务器无法生成 PDF：{e}；请先下载 HTML 或 CSV 格式"),
        format!("the server cannot write PDF: {e}; download HTML or CSV meanwhile"),
    )
}

pub async fn report(
    State(st): State<AppState>,
    Caller(p): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    only_known(&q, &["period", "org", "format"])?;
    let format = match q.get("format").map(String::as_str) {
        None => Format::Html,
        Some(f) => Format::parse(f).ok_or_else(|| bad_param("format", "html, pdf, csv"))?,
    };
    let scope = scope_of(&q)?;
    let org = match &scope {
        Scope::Org(o) => Some(o.clone()),
        _ => None,
    };
    let period = period_of(&q);
    let data = assessment::load(&st.store, p, &period, scope).await?;
    let doc = assessment::build(&data);
    let bytes = assessment::render(&doc, format).map_err(no_font)?;
    let name = assessment::file_name(&data.figures.period, org.as_deref(), format);
    Ok(download(bytes, format.content_type(), &name))
}
