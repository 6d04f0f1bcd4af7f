//! The DCAT-AP catalogue of released datasets (`/catalog.ttl`, `/catalog.jsonld`, and one
//! dataset's at `/datasets/{slug}/dcat.ttl|jsonld`), built by `crate::dcat` from the same
//! in-memory list the portal searches.
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use shuqiao_core::open;
use shuqiao_core::org::OrgKind;
use shuqiao_service::open::{OpenDataset, OpenQuery};

use crate::dcat::{self, Agent, Catalogue, Dataset};
use crate::error::ApiResult;
use crate::extract::Path;
use crate::AppState;

/// The licence of released data until datasets carry their own.
pub const LICENCE_URL: &str = "https://creativecommons.org/licenses/by/4.0/";

fn dataset(d: &OpenDataset) -> Dataset {
    Dataset {
        id: d.id.clone(),
        slug: d.slug.clone(),
        title_zh: d.name.clone(),
        title_en: d.name_en.clone(),
        description_zh: d.summary.clone(),
        description_en: None,
        publisher: Agent {
            id: d.provider.clone(),
            name_zh: d.provider_name.clone(),
            name_en: d.provider_name_en.clone(),
            homepage: None,
            email: None,
        },
        keywords: d.keywords.clone(),
        category: d.category,
        issued_ms: d.issued_at,
        modified_ms: d.modified_at,
        update_cycle: d.update_cycle,
        open_type: d.open_type,
        licence_url: LICENCE_URL.into(),
        region_code: d.region.clone(),
        csv_id: open::distribution_id(&d.code, "csv"),
        json_id: open::distribution_id(&d.code, "json"),
        xlsx_id: open::distribution_id(&d.code, "xlsx"),
    }
}

async fn catalogue(
    st: &AppState,
    headers: &HeaderMap,
    only: Option<&OpenDataset>,
) -> ApiResult<Catalogue> {
    let orgs = st.store.list_orgs().await?;
    let operator = orgs.iter().find(|o| o.kind == OrgKind::Operator);
    let publisher = match operator {
        Some(o) => Agent {
            id: o.code.clone(),
            name_zh: o.name.clone(),
            name_en: o.name_en.clone(),
            homepage: None,
            email: None,
        },
        None => Agent {
            id: "operator".into(),
            name_zh: "平台运营方".into(),
            name_en: "Platform operator".into(),
            homepage: None,
            email: None,
        },
    };
    let datasets: Vec<Dataset> = match only {
        Some(d) => vec![dataset(d)],
        None => {
            let all = st
                .store
                .open_search(
                    OpenQuery {
                        limit: usize::MAX,
                        ..Default::default()
                    },
                    Vec::new(),
                )
                .await?;
            all.items.iter().map(|d| dataset(d)).collect()
        }
    };
    Ok(Catalogue {
        base: crate::public_base(st, headers),
        title_zh: "数桥公共数据开放目录".into(),
        title_en: "Shuqiao open data catalogue".into(),
        description_zh: "经开放安全评估并审核开放的公共数据集，可浏览、下载和通过接口调用。".into(),
        description_en: "Public datasets released after a security assessment and review, to browse, download and call through the API.".into(),
        region_code: operator.map(|o| o.region.clone()).unwrap_or_else(|| "460000".into()),
        licence_url: LICENCE_URL.into(),
        modified_ms: datasets.iter().map(|d| d.modified_ms).max().unwrap_or(0),
        publisher,
        datasets,
    })
}

fn turtle(body: String) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/turtle; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

fn jsonld(v: serde_json::Value) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/ld+json"),
        )],
        v.to_string(),
    )
        .into_response()
}

pub async fn catalog_ttl(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let c = catalogue(&st, &headers, None).await?;
    Ok(turtle(dcat::catalogue_turtle(&c)))
}

pub async fn catalog_jsonld(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let c = catalogue(&st, &headers, None).await?;
    Ok(jsonld(dcat::catalogue_jsonld(&c)))
}

pub async fn dataset_ttl(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    let d = st.store.open_dataset(&slug).await?;
    let c = catalogue(&st, &headers, Some(&d)).await?;
    Ok(turtle(dcat::dataset_turtle(&c, &c.datasets[0])))
}

pub async fn dataset_jsonld(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    let d = st.store.open_dataset(&slug).await?;
    let c = catalogue(&st, &headers, Some(&d)).await?;
    Ok(jsonld(dcat::dataset_jsonld(&c, &c.datasets[0])))
}
