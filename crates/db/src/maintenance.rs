//! A thread of the platform's own, at a lower scheduling priority, for the upkeep that no caller
//! is waiting for: moving the audit journal into the audit file on its timer, and bringing the
//! subject index up to date. On two cores shared with the sealing of exchange calls, this
//! work used to take its turn on the CPU at the same priority as the sequencer and the
//! request workers, in bursts every 100 ms, and every call sealed during a burst waited for
//! it. At a lower priority it runs in the time they leave idle instead (docs/bench-log/).
//! Work that a caller waits for (a spread before an audit query, say) stays on tokio's
//! blocking pool at the normal priority.
use std::sync::mpsc;

use crate::DbError;

type Job = Box<dyn FnOnce() + Send>;

/// The nice value of maintenance threads: a weight of about a tenth of a normal thread's.
const MAINTENANCE_NICE: i32 = 10;

/// The maintenance thread of one store, started on first use; it ends when the store (every
/// clone of it) is dropped.
#[derive(Default)]
pub struct Maintenance {
    jobs: std::sync::Mutex<Option<mpsc::Sender<Job>>>,
}

fn stopped() -> DbError {
    DbError::Other("the maintenance thread has stopped".into())
}

impl Maintenance {
    /// Runs `f` on the maintenance thread and waits for its result.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, DbError> {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(f());
        });
        self.sender()?.send(job).map_err(|_| stopped())?;
        // A job that panicked dropped `done` unsent.
        result
            .await
            .map_err(|_| DbError::Other("a maintenance job failed".into()))
    }

    fn sender(&self) -> Result<mpsc::Sender<Job>, DbError> {
        let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = jobs.as_ref() {
            return Ok(tx.clone());
        }
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("shuqiao-upkeep".into())
            .spawn(move || {
                lower_priority();
                while let Ok(job) = rx.recv() {
                    // One failed job must not stop the thread for the ones after it.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                }
            })
            .map_err(|e| DbError::Other(format!("cannot start the maintenance thread: {e}")))?;
        *jobs = Some(tx.clone());
        Ok(tx)
    }
}

/// Which threads run blocking database work.
#[derive(Clone, Copy)]
pub enum Lane {
    /// tokio's blocking pool: work a caller is waiting for.
    Request,
    /// The maintenance thread, at a lower priority: upkeep on a timer.
    Upkeep,
}

impl Maintenance {
    /// Runs blocking work `f` on `lane`'s threads and waits for it.
    pub async fn on_lane<T: Send + 'static>(
        &self,
        lane: Lane,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, DbError> {
        match lane {
            Lane::Request => tokio::task::spawn_blocking(f)
                .await
                .map_err(|e| DbError::Other(format!("blocking task failed: {e}"))),
            Lane::Upkeep => self.run(f).await,
        }
    }
}

/// Lowers the calling thread's scheduling priority to `MAINTENANCE_NICE`. Any user may lower
/// a priority; if the system refuses anyway, the thread runs at the normal one.
pub fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getpriority and setpriority only read their integer arguments. On Linux the
        // nice value belongs to a thread, and `who = 0` with PRIO_PROCESS names the calling one.
        let now = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        if now >= MAINTENANCE_NICE {
            return;
        }
        // SAFETY: as above.
        let rc = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, MAINTENANCE_NICE) };
        if rc != 0 {
            tracing::debug!("could not lower a maintenance thread's priority");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_on_one_thread_and_a_panic_does_not_stop_it() {
        let m = Maintenance::default();
        let first = m.run(|| std::thread::current().id()).await.unwrap();
        let failed = m.run(|| -> u8 { panic!("a failing job") }).await;
        assert!(failed.is_err());
        let after = m.run(|| std::thread::current().id()).await.unwrap();
        assert_eq!(first, after);
        assert_ne!(first, std::thread::current().id());
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn the_thread_runs_at_a_lower_priority() {
        let m = Maintenance::default();
        // SAFETY: getpriority only reads its integer arguments (the calling thread).
        let nice = m
            .run(|| unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) })
            .await
            .unwrap();
        // SAFETY: as above.
        let here = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        assert!(
            nice == MAINTENANCE_NICE || here >= MAINTENANCE_NICE,
            "maintenance nice {nice}, caller {here}"
        );
    }
}
