//! Atom feeds (RFC 4287): a dataset's update history, and the site's latest modified
//! datasets. Ids are UUID URNs made from what an entry is, so a reader never
//! sees one entry twice.
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use shuqiao_core::open::stable_id;
use shuqiao_service::open::{OpenQuery, OpenSort};

use super::files::xml_text;
use super::i18n::words;
use super::pages::{change_text, iso, released};
use super::{origin, PortalError};
use crate::console::session::lang_of;
use crate::AppState;

/// Entries in a feed.
const ENTRIES: usize = 50;

struct Entry {
    id: String,
    title: String,
    link: String,
    updated: i64,
    summary: String,
}

fn x(s: &str) -> String {
    let mut out = String::new();
    xml_text(s, &mut out);
    out
}

fn atom(id: &str, title: &str, self_link: &str, alt: &str, entries: &[Entry]) -> Response {
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or(0);
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<id>urn:uuid:{}</id>\n<title>{}</title>\n<updated>{}</updated>\n<link rel=\"self\" href=\"{}\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n<author><name>{}</name></author>\n",
        stable_id(id),
        x(title),
        iso(updated),
        x(self_link),
        x(alt),
        x(words(Default::default()).product),
    );
    for e in entries {
        out.push_str(&format!(
            "<entry>\n<id>urn:uuid:{}</id>\n<title>{}</title>\n<updated>{}</updated>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n<summary>{}</summary>\n</entry>\n",
            stable_id(&e.id),
            x(&e.title),
            iso(e.updated),
            x(&e.link),
            x(&e.summary),
        ));
    }
    out.push_str("</feed>\n");
    (
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        out,
    )
        .into_response()
}

/// `/feed.atom`: the datasets modified last, newest first.
pub async fn site(State(st): State<AppState>, headers: HeaderMap) -> Result<Response, PortalError> {
    let lang = lang_of(&headers);
    let t = words(lang);
    let base = origin(&st, &headers);
    let found = st
        .store
        .open_search(
            OpenQuery {
                sort: OpenSort::ModifiedDesc,
                limit: ENTRIES,
                ..Default::default()
            },
            vec![],
        )
        .await
        .map_err(|e| PortalError::from_store(lang, e))?;
    let entries: Vec<Entry> = found
        .items
        .iter()
        .map(|d| Entry {
            id: format!("feed:dataset:{}:{}", d.code, d.modified_at),
            title: lang.pick(&d.name, &d.name_en).to_string(),
            link: format!("{base}/datasets/{}", d.slug),
            updated: d.modified_at,
            summary: d.summary.clone(),
        })
        .collect();
    Ok(atom(
        "feed:site",
        t.feed_site_title,
        &format!("{base}/feed.atom"),
        &format!("{base}/"),
        &entries,
    ))
}

/// `/datasets/{slug}/feed.atom`: the dataset's versions and data updates, newest first.
pub async fn dataset(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PortalError> {
    let lang = lang_of(&headers);
    let t = words(lang);
    let d = released(&st, lang, &slug).await?;
    let base = origin(&st, &headers);
    let history = st
        .store
        .open_history(&d.code, ENTRIES)
        .await
        .map_err(|e| PortalError::from_store(lang, e))?;
    let page = format!("{base}/datasets/{}", d.slug);
    let name = lang.pick(&d.name, &d.name_en);
    let entries: Vec<Entry> = history
        .iter()
        .map(|e| Entry {
            id: format!(
                "feed:{}:{}:{}:{}:{}:{}:{}",
                d.code,
                e.kind,
                e.at,
                e.version.unwrap_or(0),
                e.inserted,
                e.updated,
                e.deleted
            ),
            title: format!("{name} · {}", change_text(t, e)),
            link: page.clone(),
            updated: e.at,
            summary: change_text(t, e),
        })
        .collect();
    Ok(atom(
        &format!("feed:dataset:{}", d.code),
        &format!("{name} · {}", t.sec_history),
        &format!("{page}/feed.atom"),
        &page,
        &entries,
    ))
}
