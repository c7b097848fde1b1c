//! Waiting on a launch: for events in its events file, for readiness, for the shell to exit.

use std::process::ExitStatus;
use std::time::{Duration, Instant};

use super::{Launch, READY_TIMEOUT};
use crate::events::{self, EventKind, Line};
use crate::http::Backend;
use crate::Error;
use crate::Event;

impl Launch {
    /// Every event so far.
    ///
    /// Errors: the events file cannot be read, or holds a line that is no known event.
    pub fn events(&self) -> Result<Vec<Line>, Error> {
        events::lines(&self.events_path).map_err(Error::Events)
    }

    /// Polls the events file until `pick` returns a value for the lines so far; `what` names
    /// the awaited event in the error, which has the diagnostics, on timeout, when the shell
    /// exits first, or when a line is no known event.
    pub fn wait_for<T>(
        &mut self,
        what: &str,
        timeout: Duration,
        pick: impl FnMut(&[Line]) -> Option<T>,
    ) -> Result<T, Error> {
        let child = &mut self.child;
        let exit = &mut self.exit;
        let got = events::wait_until(&self.events_path, timeout, pick, || {
            if exit.is_none() {
                *exit = child.try_wait().ok().flatten();
            }
            exit.map(|s| format!("the shell exited ({s})"))
        });
        got.map_err(|e| Error::Wait(format!("waiting for {what}: {e}\n{}", self.diagnostics())))
    }

    /// Waits for the `n`-th (1-based) event of `kind` ([`Launch::wait_for`]).
    pub fn wait_nth_event(
        &mut self,
        kind: EventKind,
        n: usize,
        timeout: Duration,
    ) -> Result<Line, Error> {
        self.wait_for(&format!("event #{n} {kind}"), timeout, |lines| {
            lines
                .iter()
                .filter(|l| l.event.kind() == kind)
                .nth(n - 1)
                .cloned()
        })
    }

    /// Waits for the first event of `kind`.
    pub fn wait_event(&mut self, kind: EventKind, timeout: Duration) -> Result<Line, Error> {
        self.wait_nth_event(kind, 1, timeout)
    }

    /// The port from `backend_listening`.
    pub fn port(&mut self) -> Result<u16, Error> {
        self.wait_for("backend_listening", READY_TIMEOUT, |lines| {
            lines.iter().find_map(|l| match l.event {
                Event::BackendListening { port } => Some(port),
                _ => None,
            })
        })
    }

    /// Waits for `backend_ready` and returns a client for the backend.
    pub fn ready(&mut self) -> Result<Backend, Error> {
        let port = self.port()?;
        self.wait_event(EventKind::BackendReady, READY_TIMEOUT)?;
        Ok(Backend::new(port))
    }

    /// Waits for the worker (`backend_spawned` with role `worker`), so both roles are running.
    pub fn wait_worker(&mut self) -> Result<Line, Error> {
        self.wait_for("backend_spawned of the worker", READY_TIMEOUT, |lines| {
            lines
                .iter()
                .find(
                    |l| matches!(&l.event, Event::BackendSpawned { role, .. } if role == "worker"),
                )
                .cloned()
        })
    }

    /// Waits for the shell to exit by itself.
    pub fn wait_exit(&mut self, timeout: Duration) -> Result<ExitStatus, Error> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(s) = self.try_exit() {
                return Ok(s);
            }
            if Instant::now() >= deadline {
                return Err(Error::Wait(format!(
                    "the shell did not exit within {} ms\n{}",
                    timeout.as_millis(),
                    self.diagnostics()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
