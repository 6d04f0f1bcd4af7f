//! Loads the demo province through the same rules as every other write.
use std::collections::HashMap;

use shuqiao_core::account::{self, Principal};
use shuqiao_demo::{self as demo, DemoProvince, DemoState};

use crate::accounts::{insert_account, insert_org, insert_system};
use crate::catalog::{insert_resource, publish_resource, submit_resource};
use crate::db::DbError;
use crate::{params, Result, Store, StoreError};

/// What the demo loader did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub orgs: usize,
    pub systems: usize,
    pub accounts: usize,
    pub resources: usize,
    pub published: usize,
}

pub use shuqiao_demo::{admin, steward_of};

impl Store {
    /// Loads the demo province for `seed` in one transaction, if the database is empty.
    /// Returns `None` when there was already data (nothing is changed then).
    pub async fn load_demo(&self, seed: u64) -> Result<Option<DemoSummary>> {
        if !self.is_empty().await? {
            return Ok(None);
        }
        // The demo's embedded data files are checked by `cargo test`; failing here is ours.
        let province = demo::province(seed).map_err(|e| DbError::Other(e.to_string()))?;
        // Demo passwords are public, so one argon2id hash per distinct password is enough.
        let hashes = tokio::task::spawn_blocking(|| {
            [
                demo::ADMIN_PASSWORD,
                demo::STEWARD_PASSWORD,
                demo::CONSUMER_PASSWORD,
                demo::AUDITOR_PASSWORD,
                demo::REVIEWER_PASSWORD,
                demo::SUBJECT_PASSWORD,
            ]
            .into_iter()
            .map(|p| (p, account::hash_password(p)))
            .collect::<HashMap<_, _>>()
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?;
        // Identities need the audit log's secret: without it they are left out.
        let identities: Vec<_> = demo::identities()
            .into_iter()
            .filter_map(|d| {
                let kind = match d.kind {
                    "company" => shuqiao_core::audit::entry::SubjectKind::Company,
                    _ => shuqiao_core::audit::entry::SubjectKind::Person,
                };
                let subject = crate::subjects::subject_hash(self, kind, &d.identifier).ok()?;
                Some((d, kind, subject))
            })
            .collect();
        let now = self.now();
        self.write(move |c| {
            let summary = load(c, &province, &hashes, now)?;
            let hash = hashes
                .get(demo::SUBJECT_PASSWORD)
                .ok_or(DbError::Other("demo password without hash".into()))?;
            for (d, kind, subject) in &identities {
                let r = crate::subjects::SubjectRegistration {
                    username: d.username.into(),
                    display_name: d.display_name.into(),
                    kind: d.kind.into(),
                    identifier: String::new(),
                    password: String::new(),
                };
                crate::subjects::insert_subject(c, "demo", &r, *kind, subject, hash, now)?;
            }
            Ok(summary)
        })
        .await
        .map(Some)
    }
}

impl Store {
    /// Catalogues and publishes many resources in one transaction, each created by its
    /// provider's steward and published by `admin`, under the same rules as one at a time.
    /// For migrating an existing catalog (and for benchmarks).
    pub async fn catalogue_published(
        &self,
        admin: Principal,
        items: Vec<(Principal, shuqiao_core::catalog::ResourceMeta)>,
    ) -> Result<Vec<String>> {
        let now = self.now();
        self.write(move |c| {
            let mut codes = Vec::with_capacity(items.len());
            for (steward, meta) in &items {
                let code = insert_resource(c, steward, meta, now)?;
                submit_resource(c, steward, &code, now)?;
                publish_resource(c, &admin, &code, now)?;
                codes.push(code);
            }
            Ok(codes)
        })
        .await
    }
}

fn load(
    c: &mut dyn crate::db::Conn,
    p: &DemoProvince,
    hashes: &HashMap<&str, String>,
    now: i64,
) -> Result<DemoSummary> {
    for o in &p.orgs {
        insert_org(c, o, None, now)?;
    }
    for a in &p.accounts {
        let hash = hashes
            .get(a.password)
            .ok_or(DbError::Other("demo password without hash".into()))?;
        insert_account(c, &a.account, hash, now)?;
    }
    for s in &p.systems {
        insert_system(c, s, now)?;
    }
    for (code, patch) in &p.inventory {
        crate::assess::systems::apply_inventory(c, code, patch, now)?;
    }
    for t in &p.tokens {
        c.execute(
            "INSERT INTO api_tokens (system, name, token_hash, prefix, created_by, created_at, expires_at)
             VALUES ($1, 'demo', $2, $3, 'demo', $4, $5)",
            params![&t.system, account::secret_hash(&t.token), &t.token[..10], now, now + 365 * 86_400_000],
        )?;
    }
    let mut published = Vec::new();
    for r in &p.resources {
        let steward = steward_of(&r.meta.provider);
        let code = insert_resource(c, &steward, &r.meta, now)?;
        if r.state == DemoState::Draft {
            continue;
        }
        submit_resource(c, &steward, &code, now)?;
        if r.state == DemoState::Published {
            publish_resource(c, &admin(), &code, now)?;
            published.push((code, &r.meta));
        }
    }
    crate::open::release::load_demo(c, &published, now)?;
    crate::demo_share::load(c, p, &published, now)?;
    let published = published.len();
    Ok(DemoSummary {
        orgs: p.orgs.len(),
        systems: p.systems.len(),
        accounts: p.accounts.len(),
        resources: p.resources.len(),
        published,
    })
}

/// Generated rows of one demo table.
type Rows = Box<dyn Iterator<Item = Vec<String>> + Send>;

/// How much base data the demo collects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoData {
    pub persons: u64,
    pub companies: u64,
}

impl Default for DemoData {
    fn default() -> Self {
        DemoData {
            persons: 100_000,
            companies: 20_000,
        }
    }
}

impl Store {
    /// Collects the demo's base data — population, companies, business licences — into their
    /// published resources, through the same batches as any import (acting as the provider's
    /// own information system). Resources that already hold data are left alone.
    pub async fn load_demo_data(
        &self,
        seed: u64,
        size: DemoData,
        progress: Option<std::sync::Arc<crate::collect::ImportProgress>>,
    ) -> Result<Vec<crate::collect::BatchReport>> {
        use shuqiao_core::collect::source::IterSource;
        use shuqiao_demo::population as pop;
        let tables: [(pop::Table, Rows, u64); 3] = [
            (
                pop::population_table(),
                Box::new(pop::persons(seed)),
                size.persons,
            ),
            (
                pop::companies_table(),
                Box::new(pop::companies(seed)),
                size.companies,
            ),
            (
                pop::licences_table(),
                Box::new(pop::licences(seed)),
                size.companies,
            ),
        ];
        let mut reports = Vec::new();
        for (table, rows, n) in tables {
            let name = table.resource_name.to_string();
            let found = self
                .read(move |c| {
                    let row = c.query_one(
                        "SELECT r.code, r.provider, COALESCE(d.records, 0) FROM resources r
                         LEFT JOIN resource_data d ON d.code = r.code
                         WHERE r.name = $1 AND r.published_version IS NOT NULL",
                        params![name],
                    )?;
                    Ok(match row {
                        Some(r) => Some((r.text(0)?, r.text(1)?, r.int(2)?)),
                        None => None,
                    })
                })
                .await?;
            let Some((code, provider, records)) = found else {
                continue;
            };
            if records > 0 || n == 0 {
                continue;
            }
            let systems = crate::collect::provider_systems(self, &code).await?;
            let actor = Principal::System {
                system: systems.first().cloned().unwrap_or_else(|| "demo".into()),
                org: provider,
                token_id: 0,
            };
            let columns = table.columns.iter().map(|c| c.to_string()).collect();
            let source = IterSource::from_iter(columns, rows.take(n as usize), Some(n));
            let mut req = crate::collect::BatchRequest::new(
                &code,
                crate::collect::Channel::Import,
                "shuqiao demo",
            );
            req.source_system = systems.first().cloned();
            reports.push(
                self.collect_batch(actor, req, source, progress.clone())
                    .await?,
            );
        }
        Ok(reports)
    }
}
