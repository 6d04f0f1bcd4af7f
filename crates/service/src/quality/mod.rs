//! Quality (质量): the data-element registry (`registry`); the loop — objections to wrong
//! records and their deadlines (`objections`), the clock on needs that found no resource (in
//! `share::lists`), the operator's settings and the sweep that escalates what is overdue —
//! and the scores (`scores`).
pub mod objections;
pub mod registry;
pub mod scores;
pub mod sources;

use shuqiao_core::account::Principal;
use shuqiao_core::quality::QualitySettings;

use crate::db::Conn;
use crate::share::events::{emit, Actor, Event};
use crate::{params, Result, Store};

fn setting(c: &mut dyn Conn, key: &str, default: u32) -> Result<u32> {
    Ok(c.query_one(
        "SELECT value FROM quality_settings WHERE key = $1",
        params![key],
    )?
    .and_then(|r| r.text(0).ok())
    .and_then(|v| v.parse().ok())
    .unwrap_or(default))
}

pub(crate) fn settings(c: &mut dyn Conn) -> Result<QualitySettings> {
    let d = QualitySettings::default();
    Ok(QualitySettings {
        objection_days: setting(c, "objection_days", d.objection_days)?,
        need_days: setting(c, "need_days", d.need_days)?,
    })
}

/// What one sweep escalated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct QualitySweep {
    pub objections: u64,
    pub needs: u64,
}

impl Store {
    pub async fn quality_settings(&self, p: Principal) -> Result<QualitySettings> {
        p.require_authenticated()?;
        self.read(settings).await
    }

    /// The operator sets the working days; the change is sealed. Deadlines already set stay.
    pub async fn set_quality_settings(
        &self,
        p: Principal,
        s: QualitySettings,
    ) -> Result<QualitySettings> {
        p.require_platform_admin()?;
        s.validate()?;
        let now = self.now();
        self.write(move |c| {
            for (key, v) in [
                ("objection_days", s.objection_days),
                ("need_days", s.need_days),
            ] {
                c.execute("DELETE FROM quality_settings WHERE key = $1", params![key])?;
                c.execute(
                    "INSERT INTO quality_settings (key, value) VALUES ($1, $2)",
                    params![key, v.to_string()],
                )?;
            }
            let note = format!(
                "objection_days={} need_days={}",
                s.objection_days, s.need_days
            );
            emit(
                c,
                &Actor::of(&p),
                Event {
                    kind: "quality_settings.set",
                    subject_type: "quality_settings",
                    subject_id: 0,
                    resource: None,
                    resource_version: None,
                    grant: None,
                    reason: Some(&note),
                    notify: vec![],
                    title_zh: "质量闭环期限已调整".into(),
                    title_en: "quality deadlines changed".into(),
                },
                now,
            )?;
            settings(c)
        })
        .await
    }

    /// Puts overdue objections and overdue needs on the operator's supervision list. Run
    /// with the sharing sweep; safe to run from several replicas.
    pub async fn quality_sweep(&self) -> Result<QualitySweep> {
        let now = self.now();
        self.write(move |c| {
            Ok(QualitySweep {
                objections: objections::escalate_overdue(c, now)?,
                needs: crate::share::lists::escalate_overdue_needs(c, now)?,
            })
        })
        .await
    }
}
