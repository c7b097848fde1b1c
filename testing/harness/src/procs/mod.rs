//! The process table, read from outside: which processes carry a launch's marker, their
//! environment, command line and working directory (sysinfo, on every OS), their listening TCP
//! sockets (`listeners`: /proc on Linux, libproc on macOS, the IP Helper API on Windows), and on
//! Linux only, where it adds the pipe ends of the lifeline, their open file descriptors (/proc).
//!
//! Here: the marked processes and waiting for them to go; `signals` sends signals and kills;
//! `inspect` reads one process's sockets, file descriptors, working directory and liveness.

mod inspect;
mod signals;
#[cfg(test)]
mod tests;

use std::ffi::OsStr;
use std::time::{Duration, Instant};

use sysinfo::{Pid, ProcessRefreshKind, ProcessStatus, ProcessesToUpdate, System, UpdateKind};

#[cfg(target_os = "linux")]
pub use inspect::open_fds;
pub use inspect::{alive, cwd, listening_sockets, OpenFd};
#[cfg(unix)]
pub use signals::signal;
#[cfg(windows)]
pub use signals::{close_windows, ctrl_break};
pub use signals::{kill, kill_marked};

/// The environment variable the harness sets to a fresh random value for each launch. Children
/// inherit the shell's environment, so every process of one launch carries it.
pub const MARKER_VAR: &str = "DESKTOP_DJANGO_CONFORMANCE_MARKER";

/// A snapshot of one live process.
#[derive(Debug, Clone)]
pub struct ProcInfo {
    pub pid: u32,
    pub parent: Option<u32>,
    pub cmd: Vec<String>,
    pub environ: Vec<(String, String)>,
}

impl ProcInfo {
    /// The value of an environment variable the process started with.
    pub fn env(&self, key: &str) -> Option<&str> {
        self.environ
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The command line joined with spaces, for messages.
    pub fn cmdline(&self) -> String {
        self.cmd.join(" ")
    }

    /// Whether any argument equals `arg` (e.g. `desktop_serve`).
    pub fn has_arg(&self, arg: &str) -> bool {
        self.cmd.iter().any(|a| a == arg)
    }
}

fn split_env(kv: &OsStr) -> (String, String) {
    let kv = kv.to_string_lossy();
    match kv.split_once('=') {
        Some((k, v)) => (k.to_string(), v.to_string()),
        None => (kv.to_string(), String::new()),
    }
}

/// Every live process (zombies excluded: they are dead, only not yet reaped) whose environment
/// has `MARKER_VAR=marker`.
pub fn marked(marker: &str) -> Vec<ProcInfo> {
    let Ok(mut sys) = System::new() else {
        return Vec::new();
    };
    sys.refresh_processes_specifics(
        ProcessesToUpdate::All,
        true,
        ProcessRefreshKind::nothing()
            .without_tasks()
            .with_environ(UpdateKind::Always)
            .with_cmd(UpdateKind::Always),
    );
    let want = format!("{MARKER_VAR}={marker}");
    let mut out: Vec<ProcInfo> = sys
        .processes()
        .values()
        .filter(|p| p.thread_kind().is_none())
        .filter(|p| !matches!(p.status(), ProcessStatus::Zombie | ProcessStatus::Dead))
        .filter(|p| {
            p.environ()
                .iter()
                .any(|e| e.as_os_str() == OsStr::new(&want))
        })
        .map(|p| ProcInfo {
            pid: p.pid().as_u32(),
            parent: p.parent().map(Pid::as_u32),
            cmd: p
                .cmd()
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect(),
            environ: p.environ().iter().map(|e| split_env(e)).collect(),
        })
        .collect();
    out.sort_by_key(|p| p.pid);
    out
}

/// Polls `alive` every 50 ms until it lists no process; at `within`, returns the survivors.
pub fn wait_none(
    within: Duration,
    alive: impl FnMut() -> Vec<ProcInfo>,
) -> Result<(), Vec<ProcInfo>> {
    wait_none_every(Duration::from_millis(50), within, alive)
}

/// Polls `alive` every `interval` until it lists nothing; at `within`, returns what was left.
/// `alive` is asked at least once, and once more at the deadline.
pub fn wait_none_every<T>(
    interval: Duration,
    within: Duration,
    mut alive: impl FnMut() -> Vec<T>,
) -> Result<(), Vec<T>> {
    let start = Instant::now();
    loop {
        let left = alive();
        if left.is_empty() {
            return Ok(());
        }
        if start.elapsed() >= within {
            return Err(left);
        }
        std::thread::sleep(interval);
    }
}

/// One line per process: pid, parent and command line, for failure messages.
pub fn describe(procs: &[ProcInfo]) -> String {
    procs
        .iter()
        .map(|p| format!("pid {} (parent {:?}): {}", p.pid, p.parent, p.cmdline()))
        .collect::<Vec<_>>()
        .join("\n  ")
}

/// Polls until no process carries `marker`; at `within`, an error listing the survivors.
pub fn none_marked_within(marker: &str, within: Duration, what: &str) -> Result<(), crate::Error> {
    wait_none(within, || marked(marker)).map_err(|left| {
        crate::Error::Wait(format!(
            "{what}: {} marked process(es) still alive {} ms later:\n  {}",
            left.len(),
            within.as_millis(),
            describe(&left)
        ))
    })
}
