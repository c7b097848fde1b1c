//! A launch's backend, read from outside: its processes, its session token, its access log.

use std::time::{Duration, Instant};

use super::{Launch, TOKEN_ENV};
use crate::http::{self, AccessLine};
use crate::procs::{self, ProcInfo};
use crate::{Error, Event};

impl Launch {
    /// The pids and roles of every `backend_spawned` event so far.
    pub fn spawned(&self) -> Result<Vec<(String, u32)>, Error> {
        Ok(self
            .events()?
            .into_iter()
            .filter_map(|l| match l.event {
                Event::BackendSpawned { pid, role } => Some((role, pid)),
                _ => None,
            })
            .collect())
    }

    /// This launch's live backend processes: marked processes that carry the session token in
    /// their environment (only the supervisor's children get it), or that descend from a pid
    /// of a `backend_spawned` event. The shell itself and its webview helpers are not included.
    pub fn backend_processes(&self) -> Result<Vec<ProcInfo>, Error> {
        let procs = self.processes();
        let roots: Vec<u32> = self.spawned()?.into_iter().map(|(_, pid)| pid).collect();
        let by_pid: std::collections::HashMap<u32, &ProcInfo> =
            procs.iter().map(|p| (p.pid, p)).collect();
        let descends = |p: &ProcInfo| {
            let mut cur = Some(p.pid);
            for _ in 0..64 {
                let Some(pid) = cur else { return false };
                if roots.contains(&pid) {
                    return true;
                }
                cur = by_pid.get(&pid).and_then(|q| q.parent);
            }
            false
        };
        Ok(procs
            .iter()
            .filter(|p| p.pid != self.pid())
            .filter(|p| p.env(TOKEN_ENV).is_some() || descends(p))
            .cloned()
            .collect())
    }

    /// Waits until every backend process of this launch is gone, at most `within` (the shell
    /// may still be running, e.g. showing its error page); `what` names the moment in the error.
    pub fn no_backend_within(&self, within: Duration, what: &str) -> Result<(), Error> {
        let mut failed = None;
        let waited = procs::wait_none(within, || match self.backend_processes() {
            Ok(p) => p,
            Err(e) => {
                failed = Some(e);
                Vec::new()
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        if let Err(left) = waited {
            return Err(Error::Wait(format!(
                "{what}: {} backend process(es) still alive {} ms later:\n  {}\n{}",
                left.len(),
                within.as_millis(),
                procs::describe(&left),
                self.diagnostics()
            )));
        }
        Ok(())
    }

    /// This launch's live processes (the shell and every descendant that kept the marker).
    pub fn processes(&self) -> Vec<ProcInfo> {
        procs::marked(&self.marker)
    }

    /// The backend web server's processes: marked, with `desktop_serve` on the command line.
    pub fn web_processes(&self) -> Vec<ProcInfo> {
        self.processes()
            .into_iter()
            .filter(|p| p.has_arg("desktop_serve"))
            .collect()
    }

    /// The session token, read from outside: the `DESKTOP_DJANGO_AUTH_TOKEN` in the environment
    /// of the backend's `desktop_serve` process (the process table, not the shell's memory).
    pub fn token(&self) -> Result<String, Error> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let procs = self.processes();
            let pick = procs
                .iter()
                .filter(|p| p.has_arg("desktop_serve"))
                .chain(procs.iter())
                .find_map(|p| p.env("DESKTOP_DJANGO_AUTH_TOKEN"));
            if let Some(t) = pick {
                return Ok(t.to_string());
            }
            if Instant::now() >= deadline {
                return Err(Error::Wait(format!(
                    "no marked process has DESKTOP_DJANGO_AUTH_TOKEN in its environment: {:?}\n{}",
                    procs.iter().map(ProcInfo::cmdline).collect::<Vec<_>>(),
                    self.diagnostics()
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The backend's access log so far.
    pub fn access_log(&self) -> Result<Vec<AccessLine>, Error> {
        http::read_access_log(&self.app_data).map_err(Error::AccessLog)
    }

    /// Polls the access log until `pred` holds; an error at `timeout`.
    pub fn wait_access_log(
        &self,
        timeout: Duration,
        what: &str,
        pred: impl Fn(&[AccessLine]) -> bool,
    ) -> Result<Vec<AccessLine>, Error> {
        let deadline = Instant::now() + timeout;
        loop {
            let lines = self.access_log()?;
            if pred(&lines) {
                return Ok(lines);
            }
            if Instant::now() >= deadline {
                return Err(Error::Wait(format!(
                    "access.log never showed {what} within {} ms; it has:\n{}\n{}",
                    timeout.as_millis(),
                    format_access(&lines),
                    self.diagnostics()
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Access-log lines, one per row, for messages.
pub fn format_access(lines: &[AccessLine]) -> String {
    if lines.is_empty() {
        return "  (empty)".into();
    }
    lines
        .iter()
        .map(|l| {
            format!(
                "  {:.3} {} {} {} {}",
                l.ts, l.method, l.path, l.status, l.ua
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
