//! What shells and references share while timed: the poll interval, the deadlines, and the
//! wait until a launch's processes are gone.

use std::time::{Duration, Instant};

use harness::procs;

use crate::mem;

/// How often the events file and the process table are polled while timing.
pub const POLL: Duration = Duration::from_millis(4);
pub const START_TIMEOUT: Duration = Duration::from_secs(90);
pub const QUIT_TIMEOUT: Duration = Duration::from_secs(15);

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Waits until every pid in `pids` is gone and then no process carries `marker`; returns the
/// instant that happened. `tick` runs on every poll (e.g. reaping the shell, reading events).
pub fn wait_gone(
    pids: &[u32],
    marker: &str,
    timeout: Duration,
    mut tick: impl FnMut(),
) -> Result<Instant, String> {
    let start = Instant::now();
    procs::wait_none_every(POLL, timeout, || {
        tick();
        pids.iter()
            .copied()
            .filter(|&p| !mem::pid_gone(p))
            .collect::<Vec<u32>>()
    })
    .map_err(|left| {
        format!(
            "{} process(es) still alive {} ms after the quit",
            left.len(),
            timeout.as_millis()
        )
    })?;
    let at = Instant::now();
    // A process the snapshot missed (e.g. spawned during the quit) still counts.
    if procs::marked(marker).is_empty() {
        return Ok(at);
    }
    procs::wait_none_every(POLL, timeout.saturating_sub(start.elapsed()), || {
        tick();
        procs::marked(marker)
    })
    .map_err(|left| format!("{} process(es) still alive", left.len()))?;
    Ok(Instant::now())
}
