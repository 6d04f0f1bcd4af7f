//! The HTTP API against a real server on a random port, one module per flow.
#[path = "api/accounts.rs"]
mod accounts;
#[path = "api/assess_alerts.rs"]
mod assess_alerts;
#[path = "api/assess_figures.rs"]
mod assess_figures;
#[path = "api/assess_systems.rs"]
mod assess_systems;
#[path = "api/audit.rs"]
mod audit;
#[path = "api/auth.rs"]
mod auth;
#[path = "api/authz_matrix.rs"]
mod authz_matrix;
#[path = "api/bodies.rs"]
mod bodies;
#[path = "api/catalog.rs"]
mod catalog;
#[path = "api/catalogue.rs"]
mod catalogue;
#[path = "api/ckan.rs"]
mod ckan;
#[path = "api/collect.rs"]
mod collect;
#[path = "api/csv_export.rs"]
mod csv_export;
#[path = "api/docs.rs"]
mod docs;
#[path = "api/errors.rs"]
mod errors;
#[path = "api/exchange.rs"]
mod exchange;
#[path = "api/exchange_feed.rs"]
mod exchange_feed;
#[path = "api/limits.rs"]
mod limits;
#[path = "api/open_public.rs"]
mod open_public;
#[path = "api/quality.rs"]
mod quality;
#[path = "api/registry.rs"]
mod registry;
#[path = "api/share.rs"]
mod share;
#[path = "api/subjects.rs"]
mod subjects;
// Small workbooks for the import tests, shared with the ingest crate's tests.
#[path = "../../ingest/tests/file_support.rs"]
mod file_support;
#[path = "api/support.rs"]
mod support;
#[path = "api/webhooks.rs"]
mod webhooks;

use support::*;
