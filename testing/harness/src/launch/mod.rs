//! Launching a shell under test: a fresh temp app-data dir, an events file, a unique marker in the
//! environment, a display, and a guard that kills the launch's whole process tree and removes its
//! temp dirs even when the test panics.
//!
//! Nothing here panics on a shell's behaviour: starting and waiting return [`Error`] with the
//! launch's diagnostics in the message.
//!
//! [`Launch`] is defined here with its outputs and diagnostics; its other methods live by concept:
//! `start` (spawning), `waits` (events and exit), `backend` (the backend's processes, token and
//! access log), `control` (signals, quit, kill). `options` holds [`LaunchOptions`], `slots` the
//! bound on concurrent launches.

mod backend;
mod control;
mod options;
mod slots;
mod start;
mod waits;

use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

use crate::descriptor::ShellSpec;
use crate::events;
use crate::procs;

pub use backend::format_access;
pub use options::{LaunchOptions, GRACE_ENV, PYTHON_ENV, READY_TIMEOUT_ENV, TOKEN_ENV};
pub use start::fresh_marker;

use slots::Slot;

/// How long a launch may take to reach readiness before a wait gives up. Generous: the shell's own
/// ready timeout is 30 s, and two cores may be running several launches at once.
pub const READY_TIMEOUT: Duration = Duration::from_secs(90);
/// C-PROC-5's bound, also used after a graceful quit.
pub const ORPHAN_BOUND: Duration = Duration::from_millis(3000);

/// A discovered shell: its expanded descriptor and the outcome of its build step.
#[derive(Debug, Clone)]
pub struct Shell {
    pub spec: ShellSpec,
    /// Why the shell cannot be launched (its build failed, or its binary is missing): every
    /// check fails with this. (A shell that cannot run on this machine at all, per its
    /// descriptor's `available_if`, is reported "unavailable" instead: see
    /// `conformance::absent_reason`.)
    pub unavailable: Option<String>,
}

/// One running shell. Dropping it kills the shell and every process carrying its marker, then
/// removes its temp dirs.
pub struct Launch {
    pub shell: ShellSpec,
    pub marker: String,
    pub app_data: PathBuf,
    pub events_path: PathBuf,
    pub started: Instant,
    child: Child,
    exit: Option<ExitStatus>,
    tmp: tempfile::TempDir,
    slot: Option<Slot>,
}

impl Launch {
    /// Runs `f` without holding a concurrency slot, for a long idle wait (the backend keeps
    /// running but needs no CPU); takes a slot again afterwards.
    pub fn idle<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let had = self.slot.take().is_some();
        let out = f();
        if had {
            self.slot = Some(Slot::take());
        }
        out
    }

    /// The launch's own temp dir (events file, shell stdout/stderr, fresh app-data dir).
    pub fn tmp(&self) -> &Path {
        self.tmp.path()
    }

    /// What the shell wrote on stderr so far.
    pub fn stderr_text(&self) -> String {
        std::fs::read_to_string(self.tmp.path().join("shell.stderr")).unwrap_or_default()
    }

    /// What the shell wrote on stdout so far.
    pub fn stdout_text(&self) -> String {
        std::fs::read_to_string(self.tmp.path().join("shell.stdout")).unwrap_or_default()
    }

    /// `<app-data>/logs/shell.log` so far.
    pub fn shell_log(&self) -> String {
        std::fs::read_to_string(self.app_data.join("logs").join("shell.log")).unwrap_or_default()
    }

    /// The shell's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last lines of the shell's stderr, its `logs/shell.log` and the events, for messages.
    pub fn diagnostics(&self) -> String {
        let tail = |p: &Path| -> String {
            match std::fs::read_to_string(p) {
                Ok(t) => {
                    let lines: Vec<&str> = t.lines().collect();
                    lines[lines.len().saturating_sub(25)..].join("\n    ")
                }
                Err(e) => format!("({e})"),
            }
        };
        let events = events::lines(&self.events_path)
            .map(|l| events::describe(&l))
            .unwrap_or_else(|e| e);
        format!(
            "--- shell {:?} pid {} (exit {:?}), {:.1} s since launch\n  events: {events}\n  shell stderr:\n    {}\n  logs/shell.log:\n    {}",
            self.shell.name,
            self.child.id(),
            self.exit,
            self.started.elapsed().as_secs_f64(),
            tail(&self.tmp.path().join("shell.stderr")),
            tail(&self.app_data.join("logs").join("shell.log")),
        )
    }
}

impl Drop for Launch {
    fn drop(&mut self) {
        if self.exit.is_none() {
            let _ = self.child.kill();
        }
        procs::kill_marked(&self.marker, Duration::from_secs(5));
        let _ = self.child.wait();
        // The TempDir field removes the events file and a fresh app-data dir after this.
    }
}
