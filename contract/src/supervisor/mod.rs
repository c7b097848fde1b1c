//! The backend supervisor: spawn, handshake, health gate, worker, stop
//! (C-PROC-1…5, C-PORT-2, C-READY-2, C-READY-3).
//!
//! [`Supervisor::start`] spawns `manage.py desktop_serve` with a stdin
//! lifeline, reads `DESKTOP_DJANGO_READY {json}` from its stdout, waits for a
//! proven `/health/` 200, then spawns `manage.py desktop_worker` with its own
//! lifeline. Both must happen within the ready timeout (default 30000 ms,
//! `DESKTOP_DJANGO_READY_TIMEOUT_MS`). On any failure every child is stopped
//! and a [`StartupError`] carries the message and the log path.
//!
//! [`Supervisor::stop`] closes the lifelines, waits up to the grace period
//! (default 5000 ms, `DESKTOP_DJANGO_GRACE_MS`), then tree-kills what is left.

use std::io::{BufRead, BufReader};
use std::process::{ChildStdin, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use crate::events::{self, Event};
use crate::health::{self, ProbeError};
use crate::launch::Role;
use crate::logs::ShellLog;
use crate::paths::APP_DATA_ENV;
use crate::port::{self, Handshake, HandshakeError};
use crate::process::{ProcessTree, Spawner};
use crate::ticket::{self, Ticket, TicketError};

mod config;
mod error;

pub use config::{
    SupervisorConfig, DEFAULT_GRACE_MS, DEFAULT_READY_TIMEOUT_MS, GRACE_ENV, READY_TIMEOUT_ENV,
    TOKEN_ENV,
};
pub use error::{StartupError, StartupFailure};

const POLL: Duration = Duration::from_millis(20);
const HEALTH_RETRY: Duration = Duration::from_millis(50);

struct Backend {
    role: Role,
    tree: ProcessTree,
    lifeline: Option<ChildStdin>,
}

/// A running, ready backend: the web server (proven healthy) and the worker.
pub struct Supervisor {
    config: SupervisorConfig,
    log: ShellLog,
    client: reqwest::blocking::Client,
    backends: Vec<Backend>,
    handshake: Option<Handshake>,
    // Declared last: dropped after the children are stopped (C-PROC-5).
    spawner: Spawner,
}

impl Supervisor {
    /// Starts the backend and blocks until it is ready, fails, or `cancel`
    /// becomes true. Emits `backend_spawned`, `backend_listening` and
    /// `backend_ready`.
    pub fn start(
        config: SupervisorConfig,
        log: ShellLog,
        cancel: &AtomicBool,
    ) -> Result<Supervisor, StartupError> {
        log.add_secret(config.token.expose());
        let mut sup = Supervisor {
            config,
            log,
            client: health::client(),
            backends: Vec::new(),
            handshake: None,
            spawner: Spawner::new(),
        };
        match sup.start_inner(cancel) {
            Ok(()) => Ok(sup),
            Err(failure) => {
                sup.log
                    .line("supervisor", &format!("startup failed: {failure}"));
                sup.kill_all();
                Err(StartupError {
                    failure,
                    log_path: sup.log.path().to_path_buf(),
                })
            }
        }
    }

    fn start_inner(&mut self, cancel: &AtomicBool) -> Result<(), StartupFailure> {
        let started = Instant::now();
        let deadline = started + self.config.ready_timeout;
        let timeout_ms = self.config.ready_timeout.as_millis();
        // C-PKG-1: a modified frozen backend never runs.
        self.config
            .spec
            .verify()
            .map_err(|e| StartupFailure::Launch(e.to_string()))?;
        let handshakes = self.spawn_role(Role::Web).map_err(StartupFailure::Launch)?;

        // 1. The handshake line (C-PORT-2).
        let hs = loop {
            if cancel.load(Ordering::SeqCst) {
                return Err(StartupFailure::Cancelled);
            }
            match handshakes.recv_timeout(POLL) {
                Ok(Ok(hs)) => break hs,
                Ok(Err(e)) => return Err(StartupFailure::MalformedHandshake(e.to_string())),
                Err(RecvTimeoutError::Timeout) => {
                    if let Some(status) = self.web_exit_status() {
                        return Err(StartupFailure::Exited(status));
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let wait_until = Instant::now() + Duration::from_millis(1000);
                    while Instant::now() < wait_until {
                        if let Some(status) = self.web_exit_status() {
                            return Err(StartupFailure::Exited(status));
                        }
                        std::thread::sleep(POLL);
                    }
                    return Err(StartupFailure::ClosedStdout);
                }
            }
            if Instant::now() >= deadline {
                return Err(StartupFailure::NoHandshake(timeout_ms));
            }
        };
        self.log
            .line("supervisor", &format!("web listening on {}", hs.origin()));
        events::emit(Event::BackendListening { port: hs.port });
        let origin = hs.origin();
        self.handshake = Some(hs);

        // 2. The health gate (C-READY-2, C-READY-4).
        loop {
            if cancel.load(Ordering::SeqCst) {
                return Err(StartupFailure::Cancelled);
            }
            match health::probe_once(&self.client, &origin, &self.config.token) {
                Ok(_) => break,
                Err(ProbeError::BadProof) => {
                    return Err(StartupFailure::BadProof(ProbeError::BadProof.to_string()))
                }
                Err(ProbeError::NotReady(why)) => {
                    if let Some(status) = self.web_exit_status() {
                        return Err(StartupFailure::Exited(status));
                    }
                    if Instant::now() >= deadline {
                        return Err(StartupFailure::Unhealthy {
                            ms: timeout_ms,
                            why,
                        });
                    }
                }
            }
            std::thread::sleep(HEALTH_RETRY);
        }
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let port = self.port();
        self.log
            .line("supervisor", &format!("web ready after {elapsed_ms} ms"));
        events::emit(Event::BackendReady { port, elapsed_ms });

        // 3. The worker, after readiness, for a project that has one (C-PROC-1).
        if self.config.spec.worker {
            self.spawn_role(Role::Worker)
                .map_err(StartupFailure::Launch)?;
        }
        Ok(())
    }

    /// Spawns one role; returns the channel that yields its handshake.
    fn spawn_role(
        &mut self,
        role: Role,
    ) -> Result<mpsc::Receiver<Result<Handshake, HandshakeError>>, String> {
        let spec = &self.config.spec;
        let mut cmd = spec.command(role);
        cmd.envs(self.config.extra_env.iter().map(|(k, v)| (k, v)))
            .env(APP_DATA_ENV, &self.config.app_data)
            .env(TOKEN_ENV, self.config.token.expose())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let argv: Vec<_> = spec.argv(role);
        let shown: Vec<_> = argv.iter().map(|a| a.to_string_lossy()).collect();
        self.log.line(
            "supervisor",
            &format!(
                "spawning {}: {} (mode {}, settings {})",
                role.name(),
                shown.join(" "),
                spec.mode.as_str(),
                spec.settings_module
            ),
        );
        let mut tree = self.spawner.spawn(cmd).map_err(|e| {
            format!(
                "cannot start the {} process ({}): {e}",
                role.name(),
                spec.program().display()
            )
        })?;
        let pid = tree.pid();
        events::emit(Event::BackendSpawned {
            pid,
            role: role.name().into(),
        });
        self.log
            .line("supervisor", &format!("{} pid {pid}", role.name()));
        let child = tree.child_mut();
        let lifeline = child.stdin.take();
        let (tx, rx) = mpsc::channel();
        if let Some(stderr) = child.stderr.take() {
            self.log.copy_lines(role.name().to_string(), stderr);
        }
        if let Some(stdout) = child.stdout.take() {
            let log = self.log.clone();
            let source = format!("{} stdout", role.name());
            std::thread::spawn(move || read_stdout(stdout, &log, &source, tx));
        }
        self.backends.push(Backend {
            role,
            tree,
            lifeline,
        });
        Ok(rx)
    }

    /// The web server's exit status, once it has exited.
    fn web_exit_status(&mut self) -> Option<String> {
        let web = self.backends.iter_mut().find(|b| b.role == Role::Web)?;
        match web.tree.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            _ => None,
        }
    }

    /// The validated handshake (present once `start` returned Ok).
    pub fn handshake(&self) -> Option<&Handshake> {
        self.handshake.as_ref()
    }

    /// The backend origin, e.g. `http://127.0.0.1:43817`.
    pub fn origin(&self) -> String {
        self.handshake
            .as_ref()
            .map(Handshake::origin)
            .unwrap_or_default()
    }

    /// The backend port (0 before the handshake).
    pub fn port(&self) -> u16 {
        self.handshake.as_ref().map_or(0, |h| h.port)
    }

    /// Pids of the supervised root processes, by role.
    pub fn pids(&self) -> Vec<(Role, u32)> {
        self.backends
            .iter()
            .map(|b| (b.role, b.tree.pid()))
            .collect()
    }

    /// Mints a fresh one-time ticket (C-AUTH-5).
    pub fn mint_ticket(&self) -> Result<Ticket, TicketError> {
        ticket::mint(&self.client, &self.origin(), &self.config.token)
    }

    /// A fresh bootstrap URL (`/desktop-auth/bootstrap/?ticket=…&next=<next>`),
    /// `next` a local path such as [`Project::start_path`](crate::project::Project::start_path).
    /// It holds a credential: never log it.
    pub fn bootstrap_url(&self, next: &str) -> Result<String, TicketError> {
        Ok(ticket::bootstrap_url(
            &self.origin(),
            &self.mint_ticket()?,
            next,
        ))
    }

    /// Which role's root process has exited, if any (non-blocking).
    pub fn exited(&mut self) -> Option<Role> {
        self.backends
            .iter_mut()
            .find_map(|b| matches!(b.tree.try_wait(), Ok(Some(_))).then_some(b.role))
    }

    /// Replaces a worker whose process has exited (C-PROC-6): reaps its
    /// tree and spawns a new one with a new lifeline.
    pub fn restart_worker(&mut self) -> Result<(), String> {
        self.retire_worker();
        self.spawn_role(Role::Worker).map(|_| ())
    }

    /// Reaps an exited worker's tree and stops watching it, so that
    /// [`Supervisor::exited`] reports only the web server from then on.
    pub fn retire_worker(&mut self) {
        if let Some(i) = self.backends.iter().position(|b| b.role == Role::Worker) {
            let mut old = self.backends.remove(i);
            old.lifeline.take();
            old.tree.kill_tree();
        }
    }

    /// Graceful stop (C-PROC-3): close the lifelines, wait up to the grace
    /// period for the roots to exit, then tree-kill every group/job (which
    /// also reaches grandchildren, C-PROC-4). Returns the roles that had to
    /// be force-killed. Idempotent.
    pub fn stop(&mut self) -> Vec<Role> {
        if self.backends.is_empty() {
            return Vec::new();
        }
        self.log.line("supervisor", "stopping: closing lifelines");
        for b in &mut self.backends {
            b.lifeline.take();
        }
        let deadline = Instant::now() + self.config.grace;
        let mut forced = Vec::new();
        loop {
            let alive: Vec<Role> = self
                .backends
                .iter_mut()
                .filter_map(|b| (!matches!(b.tree.try_wait(), Ok(Some(_)))).then_some(b.role))
                .collect();
            if alive.is_empty() {
                break;
            }
            if Instant::now() >= deadline {
                forced = alive;
                break;
            }
            std::thread::sleep(POLL);
        }
        if !forced.is_empty() {
            let names: Vec<_> = forced.iter().map(|r| r.name()).collect();
            self.log.line(
                "supervisor",
                &format!("grace period over; force-killing {}", names.join(", ")),
            );
        }
        self.kill_all();
        self.log.line("supervisor", "stopped");
        forced
    }

    fn kill_all(&mut self) {
        for b in &mut self.backends {
            b.lifeline.take();
            b.tree.kill_tree();
        }
        self.backends.clear();
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        self.stop();
    }
}

fn read_stdout(
    stdout: std::process::ChildStdout,
    log: &ShellLog,
    source: &str,
    tx: mpsc::Sender<Result<Handshake, HandshakeError>>,
) {
    let mut tx = Some(tx);
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        let parsed = port::parse_line(&line);
        log.line(source, &line);
        if let Some(result) = parsed.transpose() {
            if let Some(tx) = tx.take() {
                let _ = tx.send(result);
            }
        }
    }
}
