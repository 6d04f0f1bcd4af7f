//! What a consumer department's console shows beside the API's lists: how a search's hits
//! spread over each filter, its grants with today's calls against their quotas, the deadline
//! an application filed now would get, and why a resource cannot be requested.
use std::collections::HashMap;

use serde::Serialize;
use shuqiao_core::account::Principal;
use shuqiao_core::catalog::Visibility;
use shuqiao_core::share::calendar::NoCalendar;
use shuqiao_core::{share, DomainError};

use crate::catalog::{shareable, SearchQuery};
use crate::share::access::{app_from_row, grant_from_row, APP_COLS, GRANT_COLS};
use crate::share::{ApplicationView, GrantView, Listed, ShareFilter, Where};
use crate::{Result, Store};

/// One value of a filter and how many hits have it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FacetCount {
    /// The filter's value as the search takes it (a code or wire name).
    pub value: String,
    /// The provider's name for providers; otherwise the value again.
    pub name: String,
    pub count: u64,
}

/// A search's hits counted by provider, category, share type, open type and region, each
/// most frequent first.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Facets {
    pub provider: Vec<FacetCount>,
    pub category: Vec<FacetCount>,
    pub share_type: Vec<FacetCount>,
    pub open_type: Vec<FacetCount>,
    pub region: Vec<FacetCount>,
}

/// A grant and the calls made under it today (China time).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GrantUsage {
    pub grant: GrantView,
    pub used_today: i64,
}

#[derive(Default)]
struct Counter(HashMap<String, (String, u64)>);

impl Counter {
    fn add(&mut self, value: &str, name: &str) {
        self.0
            .entry(value.to_string())
            .or_insert_with(|| (name.to_string(), 0))
            .1 += 1;
    }

    fn sorted(self) -> Vec<FacetCount> {
        let mut v: Vec<FacetCount> = self
            .0
            .into_iter()
            .map(|(value, (name, count))| FacetCount { value, name, count })
            .collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        v
    }
}

impl Store {
    /// Counts every hit of the same search as [`Store::search`] (the page and offset aside)
    /// by each filter, so a person sees where the results lie before narrowing them.
    pub async fn search_facets(&self, p: Principal, q: SearchQuery) -> Result<Facets> {
        let index = self.index.clone();
        self.read(move |c| {
            let (mut provider, mut category, mut share_type, mut open_type, mut region) = (
                Counter::default(),
                Counter::default(),
                Counter::default(),
                Counter::default(),
                Counter::default(),
            );
            index.for_each_hit(c, &Visibility::of(&p), &q, |s| {
                provider.add(&s.provider, &s.provider_name);
                category.add(&s.category, &s.category);
                share_type.add(&s.share_type, &s.share_type);
                open_type.add(&s.open_type, &s.open_type);
                region.add(&s.region, &s.region);
            })?;
            Ok(Facets {
                provider: provider.sorted(),
                category: category.sorted(),
                share_type: share_type.sorted(),
                open_type: open_type.sorted(),
                region: region.sorted(),
            })
        })
        .await
    }

    /// The grants held by the consumer department `org`'s systems, those in force first
    /// (soonest to expire first), each with the calls sealed under it today: the same count
    /// the exchange checks a daily quota against. Only the department's own people see them.
    pub async fn consumer_grants(
        &self,
        p: Principal,
        org: String,
        limit: u32,
        offset: u32,
    ) -> Result<Listed<GrantUsage>> {
        share::require_consumer_of(&p, &org)?;
        let now = self.now();
        let exchange = self.exchange.clone();
        self.read(move |c| {
            let f = ShareFilter {
                limit,
                offset,
                ..ShareFilter::default()
            };
            let mut w = Where::default();
            w.eq("consumer_org", Some(&org));
            let order = format!(
                "CASE WHEN revoked_at IS NULL AND expires_at > {now} THEN 0 ELSE 1 END, expires_at, id"
            );
            let rows = w.fetch(c, &format!("SELECT {GRANT_COLS} FROM grants"), &order, &f)?;
            let listed = rows.try_map(|r| grant_from_row(r, now))?;
            let mut items = Vec::with_capacity(listed.items.len());
            for grant in listed.items {
                let used_today = exchange.used_today(c, grant.id, now)?;
                items.push(GrantUsage { grant, used_today });
            }
            Ok(Listed {
                items,
                total: listed.total,
            })
        })
        .await
    }

    /// The applications the consumer department `org` filed, newest first; for its own people.
    pub async fn consumer_applications(
        &self,
        p: Principal,
        org: String,
        limit: u32,
        offset: u32,
    ) -> Result<Listed<ApplicationView>> {
        share::require_consumer_of(&p, &org)?;
        let now = self.now();
        self.read(move |c| {
            let f = ShareFilter {
                limit,
                offset,
                ..ShareFilter::default()
            };
            let mut w = Where::default();
            w.eq("consumer_org", Some(&org));
            let rows = w.fetch(
                c,
                &format!("SELECT {APP_COLS} FROM applications"),
                "id DESC",
                &f,
            )?;
            rows.try_map(|r| app_from_row(r, now))
        })
        .await
    }

    /// When the provider would have to answer an application filed now: the platform's
    /// working days from its calendar, as filing computes it, or the year with no calendar.
    pub async fn due_if_filed_now(&self) -> Result<std::result::Result<i64, NoCalendar>> {
        let now = self.now();
        self.read(move |c| crate::share::calendar::due(c, now))
            .await
    }

    /// Why the published resource `code` may be neither subscribed to nor applied for (on
    /// the negative list, or catalogued 不予共享), as core says; `None` when it may be.
    pub async fn request_refusal(&self, code: &str) -> Result<Option<DomainError>> {
        let code = code.to_string();
        self.read(move |c| {
            let res = shareable(c, &code)?;
            Ok(share::not_shareable(&res.meta, res.negative_listed))
        })
        .await
    }
}
