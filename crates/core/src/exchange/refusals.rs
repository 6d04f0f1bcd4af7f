//! How many refusals of callers with no valid credential are sealed, per client address.
//!
//! Every refusal is sealed in the audit log, but a caller who names nobody could otherwise
//! grow the log without limit. Each address gets [`UNAUTHENTICATED_PER_WINDOW`] sealed
//! refusals a minute; beyond that the answer is 429 and the refusal is only counted, and
//! the count is sealed once, as one summary entry, when the minute is over.
use crate::error::{DomainError, Msg};

/// Refusals of unauthenticated calls sealed per client address and window.
pub const UNAUTHENTICATED_PER_WINDOW: u32 = 60;
/// The window's length, in milliseconds.
pub const REFUSAL_WINDOW_MS: i64 = 60_000;

/// One address's current window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusalWindow {
    start_ms: i64,
    sealed: u32,
    dropped: u64,
}

/// What to do with one more refusal from an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalTurn {
    /// Seal it; `summary` is how many the address's last window dropped, still to be sealed.
    Seal { summary: u64 },
    /// Answer 429 without sealing; it is counted in the window's summary.
    Drop { retry_after_secs: u64 },
}

impl RefusalWindow {
    pub fn new(now_ms: i64) -> RefusalWindow {
        RefusalWindow {
            start_ms: now_ms,
            sealed: 0,
            dropped: 0,
        }
    }

    fn over(&self, now_ms: i64) -> bool {
        now_ms >= self.start_ms + REFUSAL_WINDOW_MS || now_ms < self.start_ms
    }

    /// One more refusal at `now_ms`, at most `limit` sealed a window.
    pub fn turn(&mut self, now_ms: i64, limit: u32) -> RefusalTurn {
        let mut summary = 0;
        if self.over(now_ms) {
            summary = std::mem::take(&mut self.dropped);
            *self = RefusalWindow::new(now_ms);
        }
        if self.sealed < limit {
            self.sealed += 1;
            return RefusalTurn::Seal { summary };
        }
        // A drop can only come after `limit` seals in this window, so `summary` is 0 here.
        self.dropped += 1;
        let left = (self.start_ms + REFUSAL_WINDOW_MS - now_ms).max(0);
        RefusalTurn::Drop {
            retry_after_secs: (left as u64).div_ceil(1000).max(1),
        }
    }

    /// The dropped count of a window that is over, to seal now (once).
    pub fn take_due(&mut self, now_ms: i64) -> u64 {
        match self.over(now_ms) {
            true => std::mem::take(&mut self.dropped),
            false => 0,
        }
    }

    /// Whether refusals were dropped that are still to be summarised.
    pub fn pending(&self) -> bool {
        self.dropped > 0
    }

    /// Whether the window is over with nothing left to summarise: it may be forgotten.
    pub fn idle(&self, now_ms: i64) -> bool {
        self.over(now_ms) && self.dropped == 0
    }
}

pub fn too_many_unauthenticated(retry_after_secs: u64) -> DomainError {
    DomainError::Throttled {
        code: "too_many_unauthenticated",
        msg: Msg::new(
            format!(
                "来自本地址的无有效令牌调用过多：请使用信息系统的有效令牌（Authorization: Bearer …），{retry_after_secs} 秒后再试"
            ),
            format!(
                "too many calls without a valid token from this address: use your information system's token (Authorization: Bearer …); retry in {retry_after_secs} s"
            ),
        ),
        retry_after_secs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_seals_up_to_its_limit_then_counts_and_summarises_once() {
        let mut w = RefusalWindow::new(0);
        for _ in 0..3 {
            assert_eq!(w.turn(10, 3), RefusalTurn::Seal { summary: 0 });
        }
        assert_eq!(
            w.turn(1_000, 3),
            RefusalTurn::Drop {
                retry_after_secs: 59
            }
        );
        assert_eq!(
            w.turn(59_999, 3),
            RefusalTurn::Drop {
                retry_after_secs: 1
            }
        );
        assert!(w.pending() && !w.idle(59_999));
        assert_eq!(w.take_due(59_999), 0, "not before the window is over");
        // The next window seals again, and carries the last one's count once.
        assert_eq!(w.turn(60_000, 3), RefusalTurn::Seal { summary: 2 });
        assert_eq!(w.turn(60_001, 3), RefusalTurn::Seal { summary: 0 });
        assert!(!w.pending());
    }

    #[test]
    fn a_timer_may_take_the_summary_instead_and_then_nobody_else_does() {
        let mut w = RefusalWindow::new(0);
        assert_eq!(w.turn(0, 1), RefusalTurn::Seal { summary: 0 });
        assert!(matches!(w.turn(0, 1), RefusalTurn::Drop { .. }));
        assert_eq!(w.take_due(60_000), 1);
        assert_eq!(w.take_due(60_000), 0);
        assert!(w.idle(60_000));
        assert_eq!(w.turn(60_000, 1), RefusalTurn::Seal { summary: 0 });
    }

    #[test]
    fn a_clock_that_goes_back_starts_a_new_window() {
        let mut w = RefusalWindow::new(100_000);
        assert_eq!(w.turn(100_000, 1), RefusalTurn::Seal { summary: 0 });
        assert_eq!(w.turn(50_000, 1), RefusalTurn::Seal { summary: 0 });
    }
}
