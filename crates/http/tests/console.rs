//! The web console against a real server on a random port: its pages over HTTP, and in a
//! real browser when one is installed.
#[path = "console/assess_pages.rs"]
mod assess_pages;
#[path = "console/browser.rs"]
mod browser;
#[path = "console/client.rs"]
mod client;
// Every page each person reaches by links, with names like scripts.
#[path = "console/crawl.rs"]
mod crawl;
#[path = "console/decisions.rs"]
mod decisions;
#[path = "console/pages.rs"]
mod pages;
// Opening data: proposals with the security assessment, releases, withdrawals.
#[path = "console/open_pages.rs"]
mod open_pages;
// The public open-data portal.
#[path = "console/portal.rs"]
mod portal;
#[path = "console/quality_pages.rs"]
mod quality_pages;
#[path = "console/system_pages.rs"]
mod system_pages;
// The public's own pages on the portal: accounts, applications and keys, requests, 纠错.
#[path = "console/portal_members.rs"]
mod portal_members;
// The operator's administration pages and the reviewers' queue.
#[path = "console/operator_pages.rs"]
mod operator_pages;
// The consumer department's pages.
#[path = "console/consumer_pages.rs"]
mod consumer_pages;
// The steward's catalogue: resources, the resource form, versions.
#[path = "console/steward_catalog.rs"]
mod steward_catalog;
// Shared with the API tests; not every helper is used here.
#[path = "console/alert_pages.rs"]
mod alert_pages;

#[path = "console/audit_pages.rs"]
mod audit_pages;
// Small workbooks for the upload tests, shared with the ingest crate's tests.
#[path = "../../ingest/tests/file_support.rs"]
mod file_support;
#[allow(dead_code, unused_imports)]
#[path = "api/support.rs"]
mod support;
// The provider steward's uploads, batches and connectors.
#[path = "console/steward_upload.rs"]
mod steward_upload;
