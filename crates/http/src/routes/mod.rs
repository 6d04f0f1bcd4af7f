mod admin;
mod assess_alerts;
pub mod assess_figures;
mod assess_systems;
pub(crate) mod audit;
mod auth;
mod catalog;
pub mod catalogue;
pub mod collect;
mod exchange;
mod meta;
mod open;
mod params;
mod quality;
mod registry;
mod share;

use axum::routing::{get, post};
use axum::Router;

use crate::AppState;

/// Every route of the API; `openapi::PATHS` must list the same ones (a test checks).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/about", get(meta::landing))
        .route("/docs", get(meta::docs))
        .route("/catalog.ttl", get(catalogue::catalog_ttl))
        .route("/catalog.jsonld", get(catalogue::catalog_jsonld))
        .route("/datasets/{slug}/dcat.ttl", get(catalogue::dataset_ttl))
        .route(
            "/datasets/{slug}/dcat.jsonld",
            get(catalogue::dataset_jsonld),
        )
        .route("/api/v1/health", get(meta::health))
        .route("/api/v1/ready", get(meta::ready))
        .route("/api/v1/admin/memory", get(admin::memory))
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
            "/api/v1/accounts/{username}/roles",
            axum::routing::put(admin::set_roles),
        )
        .route(
            "/api/v1/accounts/{username}/disable",
            post(admin::disable_account),
        )
        .route(
            "/api/v1/accounts/{username}/enable",
            post(admin::enable_account),
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
        .route(
            "/api/v1/catalog/resources/{code}/value-mappings",
            get(registry::value_mappings).put(registry::set_value_mappings),
        )
        .route(
            "/api/v1/quality/elements",
            get(registry::list_elements).post(registry::create_element),
        )
        .route("/api/v1/quality/elements/{id}", get(registry::get_element))
        .route(
            "/api/v1/quality/code-sets",
            get(registry::list_code_sets).post(registry::create_code_set),
        )
        .route(
            "/api/v1/quality/code-sets/{id}",
            get(registry::get_code_set),
        )
        .route("/api/v1/open/releases", get(open::list).post(open::propose))
        .route("/api/v1/open/releases/{code}/release", post(open::release))
        .route("/api/v1/open/releases/{code}/return", post(open::send_back))
        .route(
            "/api/v1/open/releases/{code}/withdraw",
            post(open::withdraw),
        )
        .route(
            "/api/v1/open/negative-list",
            get(open::negative_list).post(open::add_negative),
        )
        .route(
            "/api/v1/open/negative-list/{code}/remove",
            post(open::remove_negative),
        )
        .route(
            "/api/v1/open/plans",
            get(open::plans).post(open::submit_plan),
        )
        .route("/api/v1/open/plans/{id}/review", post(open::review_plan))
        .route("/api/v1/open/datasets/{slug}/counts", get(open::counts))
        .route("/api/v1/public/register", post(open::register))
        .route(
            "/api/v1/open/applications",
            get(open::applications).post(open::apply),
        )
        .route(
            "/api/v1/open/applications/{id}/answer",
            post(open::answer_application),
        )
        .route("/api/v1/open/applications/{id}/key", post(open::take_key))
        .route(
            "/api/v1/open/requests",
            get(open::requests).post(open::file_request),
        )
        .route(
            "/api/v1/open/requests/{id}/answer",
            post(open::answer_request),
        )
        .route(
            "/api/v1/open/feedback",
            get(open::feedback).post(open::file_feedback),
        )
        .route(
            "/api/v1/open/feedback/{id}/answer",
            post(open::answer_feedback),
        )
        .route(
            "/api/v1/open/settings",
            get(open::settings).put(open::set_settings),
        )
        .route("/api/v1/audit/checkpoint", get(audit::checkpoint))
        .route("/api/v1/audit/public-key", get(audit::public_key))
        .route("/api/v1/audit/proofs/inclusion", get(audit::inclusion))
        .route("/api/v1/audit/proofs/consistency", get(audit::consistency))
        .route("/api/v1/audit/cosignatures", post(audit::cosign))
        .route("/api/v1/audit/entries", get(audit::entries))
        .route("/api/v1/audit/entries/{index}", get(audit::entry))
        .route("/api/v1/me/accesses", get(audit::my_accesses))
        .route("/api/v1/subjects", post(audit::register_subject))
        .route(
            "/api/v1/share/responsibilities",
            get(share::responsibilities).post(share::add_responsibility),
        )
        .route(
            "/api/v1/share/needs",
            get(share::needs).post(share::state_need),
        )
        .route("/api/v1/share/needs/{id}", get(share::need))
        .route(
            "/api/v1/share/needs/{id}/confirm",
            post(share::confirm_need),
        )
        .route("/api/v1/share/needs/{id}/reject", post(share::reject_need))
        .route("/api/v1/share/needs/{id}/assign", post(share::assign_need))
        .route(
            "/api/v1/quality/objections",
            get(quality::objections).post(quality::file_objection),
        )
        .route("/api/v1/quality/objections/{id}", get(quality::objection))
        .route(
            "/api/v1/quality/objections/{id}/answer",
            post(quality::answer_objection),
        )
        .route(
            "/api/v1/quality/objections/{id}/respond",
            post(quality::respond_objection),
        )
        .route(
            "/api/v1/quality/objections/{id}/rule",
            post(quality::rule_objection),
        )
        .route(
            "/api/v1/quality/sources",
            get(quality::sources).put(quality::designate),
        )
        .route("/api/v1/quality/duplicates", get(quality::duplicates))
        .route("/api/v1/quality/scores", get(quality::scores))
        .route(
            "/api/v1/quality/scores/refresh",
            post(quality::refresh_scores),
        )
        .route(
            "/api/v1/quality/resources/{code}/scores",
            get(quality::trend),
        )
        .route(
            "/api/v1/quality/resources/{code}/rules",
            get(quality::rules).put(quality::set_rules),
        )
        .route("/api/v1/assess/alerts", get(assess_alerts::alerts))
        .route(
            "/api/v1/assess/alerts/settings",
            get(assess_alerts::settings).put(assess_alerts::set_settings),
        )
        .route("/api/v1/assess/alerts/{id}", get(assess_alerts::alert))
        .route(
            "/api/v1/assess/alerts/{id}/review",
            post(assess_alerts::review),
        )
        .route(
            "/api/v1/quality/settings",
            get(quality::settings).put(quality::set_settings),
        )
        .route("/api/v1/share/negative-list", get(share::negative_list))
        .route(
            "/api/v1/share/negative-proposals",
            get(share::negative_proposals).post(share::propose_negative),
        )
        .route(
            "/api/v1/share/negative-proposals/{id}",
            get(share::negative_proposal),
        )
        .route(
            "/api/v1/share/negative-proposals/{id}/review",
            post(share::review_negative),
        )
        .route("/api/v1/share/subscriptions", post(share::subscribe))
        .route(
            "/api/v1/share/applications",
            get(share::applications).post(share::apply),
        )
        .route("/api/v1/share/applications/{id}", get(share::application))
        .route(
            "/api/v1/share/applications/{id}/approve",
            post(share::approve),
        )
        .route(
            "/api/v1/share/applications/{id}/reject",
            post(share::reject),
        )
        .route(
            "/api/v1/share/applications/{id}/withdraw",
            post(share::withdraw),
        )
        .route("/api/v1/share/supervision", get(share::supervision))
        .route("/api/v1/share/grants", get(share::grants))
        .route("/api/v1/share/grants/{id}", get(share::grant))
        .route(
            "/api/v1/share/grants/{id}/revoke",
            post(share::revoke_grant),
        )
        .route("/api/v1/share/conversions", get(share::conversions))
        .route(
            "/api/v1/share/conversions/{id}/keep",
            post(share::keep_conditional),
        )
        .route(
            "/api/v1/share/conversions/{id}/accept",
            post(share::accept_conversion),
        )
        .route("/api/v1/share/stats", get(share::stats))
        .route("/api/v1/assess/figures", get(assess_figures::figures))
        .route("/api/v1/assess/ranking", get(assess_figures::ranking))
        .route(
            "/api/v1/assess/definitions",
            get(assess_figures::definitions),
        )
        .route(
            "/api/v1/assess/definitions/{code}",
            get(assess_figures::definition),
        )
        .route(
            "/api/v1/assess/figures/{code}/rows",
            get(assess_figures::rows),
        )
        .route("/api/v1/assess/report", get(assess_figures::report))
        .route("/api/v1/share/calendar", get(share::calendar_years))
        .route(
            "/api/v1/share/calendar/{year}",
            get(share::calendar_year).put(share::load_calendar_year),
        )
        .route(
            "/api/v1/share/settings",
            get(share::settings).put(share::set_settings),
        )
        .route("/api/v1/inbox", get(share::inbox))
        .route("/api/v1/inbox/{id}/read", post(share::mark_read))
        .route(
            "/api/v1/webhooks",
            get(share::webhooks).post(share::add_webhook),
        )
        .route(
            "/api/v1/webhooks/{id}",
            axum::routing::delete(share::remove_webhook),
        )
        .route("/api/v1/collect/status", get(collect::status))
        .route(
            "/api/v1/collect/resources/{code}/imports",
            post(collect::import).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/api/v1/collect/resources/{code}/batches",
            get(collect::batches)
                .post(collect::push)
                .layer(axum::extract::DefaultBodyLimit::max(collect::MAX_PUSH_BODY)),
        )
        .route("/api/v1/collect/batches/{id}", get(collect::batch))
        .route(
            "/api/v1/collect/batches/{id}/rejects",
            get(collect::rejects),
        )
        .route(
            "/api/v1/collect/resources/{code}/records/{key}",
            get(collect::record),
        )
        .route(
            "/api/v1/collect/resources/{code}/records/{key}/history",
            get(collect::record_history),
        )
        .route(
            "/api/v1/collect/resources/{code}/connector",
            get(collect::get_connector)
                .put(collect::put_connector)
                .delete(collect::delete_connector),
        )
        .route(
            "/api/v1/collect/resources/{code}/connector/run",
            post(collect::run_connector),
        )
        .route(
            "/api/v1/collect/overrides",
            get(collect::overrides).post(collect::add_override),
        )
        .route(
            "/api/v1/collect/overrides/{id}/remove",
            post(collect::remove_override),
        )
        .route("/api/v1/exchange/grants", get(exchange::allowed))
        .route(
            "/api/v1/exchange/{resource}/records",
            post(exchange::records),
        )
        .route(
            "/api/v1/exchange/{resource}/records/{key}",
            get(exchange::record),
        )
        .route("/api/v1/exchange/{resource}/verify", post(exchange::verify))
        .route("/api/v1/exchange/{resource}/query", get(exchange::query))
        .route(
            "/api/v1/exchange/{resource}/changes",
            get(exchange::changes),
        )
        .route(
            "/api/v1/exchange/{resource}/download",
            get(exchange::download),
        )
        .route(
            "/api/v1/exchange/{resource}/openapi.json",
            get(exchange::resource_openapi),
        )
        .route("/api/v1/exchange/usage", get(exchange::usage))
        .route("/api/v1/share/usage", get(exchange::usage_report))
        .route(
            "/api/v1/share/grants/{id}/limits",
            axum::routing::put(exchange::set_limits),
        )
        .route("/api/v1/assess/systems", get(assess_systems::list))
        .route(
            "/api/v1/assess/systems/import",
            post(assess_systems::import).layer(axum::extract::DefaultBodyLimit::max(
                assess_systems::MAX_SHEET_BODY,
            )),
        )
        .route(
            "/api/v1/assess/systems/zombies",
            get(assess_systems::zombies),
        )
        .route(
            "/api/v1/assess/systems/zombie-settings",
            get(assess_systems::settings).put(assess_systems::set_settings),
        )
        .route(
            "/api/v1/assess/systems/{code}",
            get(assess_systems::get_one).put(assess_systems::update),
        )
        .route(
            "/api/v1/assess/systems/{code}/approval-check",
            get(assess_systems::approval_check),
        )
        .route(
            "/api/v1/assess/systems/{code}/mark",
            post(assess_systems::mark),
        )
        .fallback(meta::not_found)
}
