mod admin;
mod audit;
mod auth;
mod catalog;
mod meta;
mod params;

use axum::routing::{get, post};
use axum::Router;

use crate::AppState;

/// Every route of the API; `openapi::PATHS` must list the same ones (a test checks).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(meta::landing))
        .route("/docs", get(meta::docs))
        .route("/api/v1/health", get(meta::health))
        .route("/api/v1/openapi.json", get(meta::openapi))
        .route("/api/v1/regions", get(meta::regions))
        .route("/api/v1/vocabularies", get(meta::vocabularies))
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/me", get(auth::me))
        .route(
            "/api/v1/orgs",
            get(admin::list_orgs).post(admin::create_org),
        )
        .route("/api/v1/orgs/{code}", get(admin::get_org))
        .route(
            "/api/v1/accounts",
            get(admin::list_accounts).post(admin::create_account),
        )
        .route(
            "/api/v1/systems",
            get(admin::list_systems).post(admin::create_system),
        )
        .route("/api/v1/systems/{code}", get(admin::get_system))
        .route(
            "/api/v1/systems/{code}/tokens",
            get(admin::list_tokens).post(admin::issue_token),
        )
        .route("/api/v1/tokens/{id}/revoke", post(admin::revoke_token))
        .route(
            "/api/v1/catalog/resources",
            get(catalog::search).post(catalog::create),
        )
        .route(
            "/api/v1/catalog/resources/{code}",
            get(catalog::get).put(catalog::update),
        )
        .route(
            "/api/v1/catalog/resources/{code}/submit",
            post(catalog::submit),
        )
        .route(
            "/api/v1/catalog/resources/{code}/publish",
            post(catalog::publish),
        )
        .route(
            "/api/v1/catalog/resources/{code}/return",
            post(catalog::send_back),
        )
        .route(
            "/api/v1/catalog/resources/{code}/retire",
            post(catalog::retire),
        )
        .route(
            "/api/v1/catalog/resources/{code}/versions",
            get(catalog::versions),
        )
        .route(
            "/api/v1/catalog/resources/{code}/versions/{version}",
            get(catalog::version),
        )
        .route(
            "/api/v1/catalog/resources/{code}/history",
            get(catalog::history),
        )
        .route("/api/v1/audit/checkpoint", get(audit::checkpoint))
        .route("/api/v1/audit/public-key", get(audit::public_key))
        .route("/api/v1/audit/proofs/inclusion", get(audit::inclusion))
        .route("/api/v1/audit/proofs/consistency", get(audit::consistency))
        .route("/api/v1/audit/cosignatures", post(audit::cosign))
        .route("/api/v1/audit/entries", get(audit::entries))
        .route("/api/v1/audit/entries/{index}", get(audit::entry))
        .fallback(meta::not_found)
}
