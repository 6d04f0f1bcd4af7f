//! A released dataset's distributions (CSV, JSON, XLSX), each with a stable public id, and
//! finding a dataset by one of them: what CKAN's resources and DCAT's distributions name.
use std::sync::Arc;

use shuqiao_core::open;

use super::{dataset_not_found, OpenDataset};
use crate::{Result, Store};

/// The formats every released dataset is offered in, in the order they are listed.
pub const FORMATS: [&str; 3] = ["csv", "json", "xlsx"];

/// The distribution ids of the dataset of `code`, in [`FORMATS`] order.
pub(crate) fn ids(code: &str) -> [String; 3] {
    FORMATS.map(|f| open::distribution_id(code, f))
}

impl Store {
    /// The released dataset one of whose distributions has the public id `id`, with that
    /// distribution's format. Anything else, released or not, answers as a missing dataset.
    pub async fn open_distribution(&self, id: &str) -> Result<(Arc<OpenDataset>, &'static str)> {
        let index = self.open.clone();
        let key = id.to_string();
        let found = self
            .read(move |c| {
                index.with_current(c, |s| {
                    s.by_dist
                        .get(&key)
                        .and_then(|code| s.by_code.get(code))
                        .cloned()
                })
            })
            .await?;
        let d = found.ok_or_else(dataset_not_found)?;
        let format = FORMATS
            .into_iter()
            .find(|f| open::distribution_id(&d.code, f) == id)
            .ok_or_else(dataset_not_found)?;
        Ok((d, format))
    }
}
