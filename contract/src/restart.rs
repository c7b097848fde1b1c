//! The worker's restart policy (C-PROC-6), as a pure type: a crashed worker
//! is restarted after 1 s, 2 s, then 4 s, at most 3 times in any 60 s; a
//! fourth crash inside that window gives up on it. The session's monitor
//! asks it what to do and sleeps; the policy itself never waits.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Restarts allowed within [`WINDOW`].
pub const MAX_RESTARTS: usize = 3;
/// The window the restarts are counted in.
pub const WINDOW: Duration = Duration::from_secs(60);

/// What to do about a worker that just exited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Wait this long, then restart it.
    RestartAfter(Duration),
    /// Too many crashes: leave it down.
    GiveUp,
}

/// The restarts made so far, by time.
#[derive(Debug, Default)]
pub struct RestartPolicy {
    restarts: VecDeque<Instant>,
}

impl RestartPolicy {
    /// The verdict for a crash seen at `now`; a restart verdict is counted at
    /// `now + delay`, when the restart happens.
    pub fn on_exit(&mut self, now: Instant) -> Verdict {
        while self
            .restarts
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= WINDOW)
        {
            self.restarts.pop_front();
        }
        if self.restarts.len() >= MAX_RESTARTS {
            return Verdict::GiveUp;
        }
        let delay = Duration::from_secs(1 << self.restarts.len());
        self.restarts.push_back(now + delay);
        Verdict::RestartAfter(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_1_2_4_seconds_then_gives_up() {
        let mut p = RestartPolicy::default();
        let t0 = Instant::now();
        let s = Duration::from_secs;
        assert_eq!(p.on_exit(t0), Verdict::RestartAfter(s(1)));
        assert_eq!(p.on_exit(t0 + s(2)), Verdict::RestartAfter(s(2)));
        assert_eq!(p.on_exit(t0 + s(5)), Verdict::RestartAfter(s(4)));
        assert_eq!(p.on_exit(t0 + s(10)), Verdict::GiveUp);
        assert_eq!(p.on_exit(t0 + s(11)), Verdict::GiveUp);
    }

    #[test]
    fn crashes_a_minute_apart_are_always_restarted_quickly() {
        let mut p = RestartPolicy::default();
        let t0 = Instant::now();
        for i in 0..10u64 {
            let at = t0 + Duration::from_secs(70 * i);
            assert_eq!(p.on_exit(at), Verdict::RestartAfter(Duration::from_secs(1)));
        }
    }

    #[test]
    fn the_window_slides() {
        let mut p = RestartPolicy::default();
        let t0 = Instant::now();
        let s = Duration::from_secs;
        p.on_exit(t0); // restarted at 1 s
        p.on_exit(t0 + s(30)); // at 32 s
        p.on_exit(t0 + s(40)); // at 44 s
                               // At 62 s the first restart (1 s) is out of the window: one slot free, 4 s back-off.
        assert_eq!(p.on_exit(t0 + s(62)), Verdict::RestartAfter(s(4)));
        assert_eq!(p.on_exit(t0 + s(63)), Verdict::GiveUp);
    }
}
