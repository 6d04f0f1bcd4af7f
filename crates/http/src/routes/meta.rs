//! Health, the API description, the landing and documentation pages, and reference data.
use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::{Html, IntoResponse};
use axum::Json;
use serde_json::{json, Value};
use shuqiao_core::catalog::{
    self, Category, Format, Grade, ItemType, OpenType, ShareMode, ShareType, UpdateCycle,
};
use shuqiao_core::region;
use shuqiao_demo as demo;

use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// Liveness, with no I/O at all: the process is up and serving HTTP. (It is also the
/// exchange benchmark's HTTP ceiling, a fixed body from the same server.) A store that opened
/// has run every migration, so its schema is the latest one.
pub async fn health(State(st): State<AppState>) -> Json<Value> {
    Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "database": format!("{:?}", st.store.backend()).to_lowercase(),
        "schema_version": shuqiao_service::db::migrate::latest_version(),
    }))
}

/// Readiness: the database answers (a read of its schema version), or an error status.
pub async fn ready(State(st): State<AppState>) -> ApiResult<Json<Value>> {
    let version = st.store.schema_version().await?;
    Ok(Json(
        json!({ "status": "ready", "schema_version": version }),
    ))
}

pub async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::document().to_string(),
    )
}

pub async fn not_found(uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no_such_endpoint",
        format!(
            "没有这个接口：{}；接口说明见 /api/v1/openapi.json",
            uri.path()
        ),
        format!("no such endpoint: {}; see /api/v1/openapi.json", uri.path()),
    )
}

pub async fn regions() -> Json<Value> {
    let items: Vec<Value> = region::REGIONS
        .iter()
        .map(|r| json!({"code": r.code, "name": r.name, "name_en": r.name_en, "parent": r.parent}))
        .collect();
    Json(json!({"items": items, "total": items.len()}))
}

macro_rules! vocab {
    ($t:ty) => {
        <$t>::ALL.iter().map(|v| json!({"value": v.as_str(), "label": v.label_zh()})).collect::<Vec<_>>()
    };
}

/// The closed value sets of the catalog, with Chinese labels, for forms and clients.
pub async fn vocabularies() -> Json<Value> {
    let classes = |t: &[(&str, &str)]| {
        t.iter()
            .map(|(c, n)| json!({"code": c, "name": n}))
            .collect::<Vec<_>>()
    };
    Json(json!({
        "category": vocab!(Category),
        "share_type": vocab!(ShareType),
        "share_mode": vocab!(ShareMode),
        "open_type": vocab!(OpenType),
        "update_cycle": vocab!(UpdateCycle),
        "grade": vocab!(Grade),
        "item_type": vocab!(ItemType),
        "format": vocab!(Format),
        "base_classes": classes(catalog::BASE_CLASSES),
        "theme_classes": classes(catalog::THEME_CLASSES),
    }))
}

pub async fn docs() -> Html<&'static str> {
    Html(include_str!("../../assets/docs.html"))
}

fn demo_rows() -> String {
    let rows = [
        (
            "admin",
            demo::ADMIN_PASSWORD,
            "平台管理员 platform admin（省大数据管理局）",
        ),
        (
            "steward.gat",
            demo::STEWARD_PASSWORD,
            "数据管理员 data steward（省公安厅；每个省直部门都有 steward.&lt;部门&gt;）",
        ),
        (
            "user.rst",
            demo::CONSUMER_PASSWORD,
            "数据使用人员 consumer user（省人社厅；每个省直部门都有 user.&lt;部门&gt;）",
        ),
        (
            "auditor",
            demo::AUDITOR_PASSWORD,
            "审计人员 auditor（省审计厅）",
        ),
        (
            "legal",
            demo::REVIEWER_PASSWORD,
            "法制审核 legal reviewer of the negative list（省司法厅）",
        ),
        (
            "secrecy",
            demo::REVIEWER_PASSWORD,
            "保密审核 secrecy reviewer of the negative list（省国家保密局）",
        ),
    ];
    rows.iter()
        .map(|(u, p, r)| {
            format!("<tr><td><code>{u}</code></td><td><code>{p}</code></td><td>{r}</td></tr>")
        })
        .collect()
}

pub async fn landing(State(st): State<AppState>) -> Html<String> {
    let demo_section = if st.demo {
        format!(
            "<h2>演示账号 Demo accounts</h2><table><tr><th>用户名 user</th><th>密码 password</th><th>角色 role</th></tr>{}</table>
<p>应用系统令牌 system tokens: <code>shuqiao demo-tokens</code> 列出全部演示令牌 / lists every demo token.</p>",
            demo_rows()
        )
    } else {
        String::new()
    };
    Html(format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>数桥 Shuqiao</title>
<style>body{{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:860px;margin:2em auto;padding:0 1em;color:#1d2733}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccd;padding:.3em .6em;text-align:left}}code{{background:#f3f5f8;padding:0 .2em}}</style></head>
<body><h1>数桥 · 政务数据共享交换平台</h1><p>Shuqiao — government data sharing and exchange platform</p>
<ul>
<li><a href="/console/login">工作台 Web console</a>（部门人员在浏览器中登录 / sign in with a browser）</li>
<li><a href="/docs">接口文档 API documentation</a></li>
<li><a href="/api/v1/openapi.json">OpenAPI 3 描述 OpenAPI description</a></li>
<li><a href="/api/v1/catalog/resources?q=%E4%BA%BA%E5%8F%A3">目录检索示例：人口 Catalog search example</a>（匿名只能看到可开放的资源 / anonymous callers see only openable resources）</li>
<li><a href="/api/v1/health">健康检查 Health</a></li>
</ul>
<p>登录 sign in: <code>POST /api/v1/auth/login {{"username": "...", "password": "..."}}</code>，然后带上 then send <code>Authorization: Bearer &lt;session&gt;</code>.</p>
{demo_section}
</body></html>"#
    ))
}
