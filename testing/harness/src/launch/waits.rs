//! Waiting on a launch: for events in its events file, for readiness, for the shell to exit.

use std::process::ExitStatus;
use std::time::{Duration, Instant};

use super::{Launch, READY_TIMEOUT};
use crate::events::{self, Event};
use crate::http::Backend;
use crate::Error;

impl Launch {
    /// Every event so far.
    pub fn events(&self) -> Result<Vec<Event>, Error> {
        events::read(&self.events_path).map_err(Error::Events)
    }

    /// Waits for the `n`-th (1-based) event called `name`; the error has the diagnostics, on
    /// timeout or when the shell exits first.
    pub fn wait_nth_event(
        &mut self,
        name: &str,
        n: usize,
        timeout: Duration,
    ) -> Result<Event, Error> {
        let child = &mut self.child;
        let exit = &mut self.exit;
        let got = events::wait_until(
            &self.events_path,
            timeout,
            |ev| ev.iter().filter(|e| e.name == name).nth(n - 1).cloned(),
            || {
                if exit.is_none() {
                    *exit = child.try_wait().ok().flatten();
                }
                exit.map(|s| format!("the shell exited ({s})"))
            },
        );
        got.map_err(|e| {
            Error::Wait(format!(
                "waiting for event #{n} {name:?}: {e}\n{}",
                self.diagnostics()
            ))
        })
    }

    /// Waits for the first event called `name`.
    pub fn wait_event(&mut self, name: &str, timeout: Duration) -> Result<Event, Error> {
        self.wait_nth_event(name, 1, timeout)
    }

    /// The port from `backend_listening`.
    pub fn port(&mut self) -> Result<u16, Error> {
        let e = self.wait_event("backend_listening", READY_TIMEOUT)?;
        let port = e.u64("port").ok_or_else(|| {
            Error::Wait(format!("backend_listening without a port: {:?}", e.fields))
        })?;
        u16::try_from(port).map_err(|_| Error::Wait(format!("port {port} out of range")))
    }

    /// Waits for `backend_ready` and returns a client for the backend.
    pub fn ready(&mut self) -> Result<Backend, Error> {
        let port = self.port()?;
        self.wait_event("backend_ready", READY_TIMEOUT)?;
        Ok(Backend::new(port))
    }

    /// Waits for the worker (`backend_spawned` with role `worker`), so both roles are running.
    pub fn wait_worker(&mut self) -> Result<Event, Error> {
        let deadline = Instant::now() + READY_TIMEOUT;
        let mut n = 1;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let e = self.wait_nth_event("backend_spawned", n, left)?;
            if e.str("role") == Some("worker") {
                return Ok(e);
            }
            n += 1;
        }
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
