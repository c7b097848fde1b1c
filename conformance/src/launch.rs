//! Launching a shell under test: [`harness::Launch`], whose errors fail the test.
//!
//! [`Launch`] wraps the harness's launch and dereferences to it. Every harness call that returns
//! a [`harness::Error`] has a method here that panics with the error's message instead (which
//! carries the launch's diagnostics), under the same name, or `assert_no_…_within` for the
//! harness's `no_…_within` waits, so a check reads as a list of steps.

use std::ops::{Deref, DerefMut};
use std::process::ExitStatus;
use std::time::Duration;

pub use harness::launch::{
    format_access, fresh_marker, LaunchOptions, Shell, GRACE_ENV, ORPHAN_BOUND, PYTHON_ENV,
    READY_TIMEOUT, READY_TIMEOUT_ENV, TOKEN_ENV,
};
use harness::{AccessLine, Backend, EventKind, Line, ProcInfo};

/// The one place where the harness's errors become test failures.
fn ok<T>(r: Result<T, harness::Error>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// One running shell ([`harness::Launch`]). Dropping it kills the shell and every process
/// carrying its marker, then removes its temp dirs.
pub struct Launch(harness::Launch);

impl Deref for Launch {
    type Target = harness::Launch;

    fn deref(&self) -> &harness::Launch {
        &self.0
    }
}

impl DerefMut for Launch {
    fn deref_mut(&mut self) -> &mut harness::Launch {
        &mut self.0
    }
}

impl Launch {
    /// Launches `shell` with `opts`. Panics (failing the test for this shell) when it cannot.
    pub fn start(shell: &Shell, opts: LaunchOptions) -> Launch {
        Launch(ok(harness::Launch::start(shell, opts)))
    }

    /// Every event so far.
    pub fn events(&self) -> Vec<Line> {
        ok(self.0.events())
    }

    /// The pids and roles of every `backend_spawned` event so far.
    pub fn spawned(&self) -> Vec<(String, u32)> {
        ok(self.0.spawned())
    }

    /// This launch's live backend processes ([`harness::Launch::backend_processes`]).
    pub fn backend_processes(&self) -> Vec<ProcInfo> {
        ok(self.0.backend_processes())
    }

    /// Panics unless every backend process of this launch is gone within `within` (the shell
    /// may still be running, e.g. showing its error page).
    pub fn assert_no_backend_within(&self, within: Duration, what: &str) {
        ok(self.0.no_backend_within(within, what))
    }

    /// Panics unless every process of this launch is gone within `within`.
    pub fn assert_no_marked_process_within(&self, within: Duration, what: &str) {
        ok(self.0.no_marked_process_within(within, what))
    }

    /// Polls the events file until `pick` returns a value; panics with diagnostics (naming
    /// `what`) on timeout or when the shell exits first.
    pub fn wait_for<T>(
        &mut self,
        what: &str,
        timeout: Duration,
        pick: impl FnMut(&[Line]) -> Option<T>,
    ) -> T {
        ok(self.0.wait_for(what, timeout, pick))
    }

    /// Waits for the `n`-th (1-based) event of `kind`; panics with diagnostics on timeout or
    /// when the shell exits first.
    pub fn wait_nth_event(&mut self, kind: EventKind, n: usize, timeout: Duration) -> Line {
        ok(self.0.wait_nth_event(kind, n, timeout))
    }

    /// Waits for the first event of `kind`.
    pub fn wait_event(&mut self, kind: EventKind, timeout: Duration) -> Line {
        ok(self.0.wait_event(kind, timeout))
    }

    /// The port from `backend_listening`.
    pub fn port(&mut self) -> u16 {
        ok(self.0.port())
    }

    /// Waits for `backend_ready` and returns a client for the backend.
    pub fn ready(&mut self) -> Backend {
        ok(self.0.ready())
    }

    /// Waits for the worker (`backend_spawned` with role `worker`), so both roles are running.
    pub fn wait_worker(&mut self) -> Line {
        ok(self.0.wait_worker())
    }

    /// The session token, read from the backend's environment in the process table.
    pub fn token(&self) -> String {
        ok(self.0.token())
    }

    /// The backend's access log so far.
    pub fn access_log(&self) -> Vec<AccessLine> {
        ok(self.0.access_log())
    }

    /// Polls the access log until `pred` holds, or panics at `timeout`.
    pub fn wait_access_log(
        &self,
        timeout: Duration,
        what: &str,
        pred: impl Fn(&[AccessLine]) -> bool,
    ) -> Vec<AccessLine> {
        ok(self.0.wait_access_log(timeout, what, pred))
    }

    /// Waits for the shell to exit by itself.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        ok(self.0.wait_exit(timeout))
    }

    /// Asks the shell to quit gracefully and waits for it to exit ([`harness::Launch::quit`]).
    pub fn quit(&mut self, timeout: Duration) -> ExitStatus {
        ok(self.0.quit(timeout))
    }

    /// Kills the shell abruptly (SIGKILL / TerminateProcess) and reaps it.
    pub fn kill_shell(&mut self) -> ExitStatus {
        ok(self.0.kill_shell())
    }
}
