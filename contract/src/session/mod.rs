//! The one session driver every shell uses.
//!
//! ```text
//! main: events::mark_start() → session::prepare(args) (`crate::prepare`) → create window with
//!       prepared.splash_html() → Session::new(prepared, shell) →
//!       session.splash_shown() → session.start() → run the event loop,
//!       forwarding page loads, navigation requests, IPC and window close.
//! ```
//!
//! The session starts the supervisor on a thread; on readiness it mints a
//! ticket and tells the shell to navigate to the bootstrap URL (C-AUTH-5); on
//! failure it shows the error page and the process exits 1 (C-READY-3). Quit
//! requests (window close, SIGTERM/SIGINT/Ctrl-Break, autoquit) stop the
//! backend gracefully and exit 0 (C-PROC-3). `DESKTOP_DJANGO_AUTOQUIT_MS`
//! arms a timer thread when the app page has loaded, or when the error page
//! is shown (C-SHELL-4).

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::events::{self, Event};
use crate::launch::Role;
use crate::pages;
// The preparation API, where shells have always found it.
pub use crate::prepare::{
    prepare, prepare_in, prepare_or_exit, prepare_or_exit_in, report_startup_error, Prepared,
    SessionError, StartupReport,
};
mod page;
mod quit;

use crate::restart::{RestartPolicy, Verdict};
use crate::shell::{Shell, Transport, UiRequest};
use crate::signals;
use crate::supervisor::{Supervisor, SupervisorConfig};
use crate::ticket::{Ticket, TicketError};
use crate::token::Token;

/// Quit gracefully this many ms after `window_loaded` (C-SHELL-4).
pub const AUTOQUIT_ENV: &str = "DESKTOP_DJANGO_AUTOQUIT_MS";
/// How often the running backend is checked for a crash.
const MONITOR_INTERVAL: Duration = Duration::from_millis(250);
/// Exit code after a startup failure (C-READY-3).
pub const EXIT_STARTUP_FAILED: i32 = 1;

/// A running session; cheap to clone and share with UI callbacks.
#[derive(Clone)]
pub struct Session {
    inner: Arc<Inner>,
}

struct Inner {
    prepared: Prepared,
    /// Moved out of `prepared` so that [`Session::release_instance`] can drop it.
    instance: Mutex<Option<crate::instance::InstanceLock>>,
    shell: Box<dyn Shell>,
    autoquit: Option<Duration>,
    origin: Mutex<Option<String>>,
    token: Mutex<Option<Token>>,
    supervisor: Mutex<Option<Supervisor>>,
    startup: Mutex<Option<JoinHandle<()>>>,
    cancel: AtomicBool,
    quitting: AtomicBool,
    loaded: AtomicBool,
    exit_code: AtomicI32,
}

impl Session {
    /// Creates the session; nothing runs until [`Session::start`].
    pub fn new(mut prepared: Prepared, shell: impl Shell) -> Session {
        let autoquit = std::env::var(AUTOQUIT_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_millis);
        Session {
            inner: Arc::new(Inner {
                instance: Mutex::new(prepared.instance.take()),
                prepared,
                shell: Box::new(shell),
                autoquit,
                origin: Mutex::new(None),
                token: Mutex::new(None),
                supervisor: Mutex::new(None),
                startup: Mutex::new(None),
                cancel: AtomicBool::new(false),
                quitting: AtomicBool::new(false),
                loaded: AtomicBool::new(false),
                exit_code: AtomicI32::new(0),
            }),
        }
    }

    /// Call once the splash is on screen: emits `splash_shown`.
    pub fn splash_shown(&self) {
        events::splash_shown();
    }

    /// Installs the SIGTERM/SIGINT/Ctrl-Break handler and starts the backend
    /// on a thread. Call once.
    pub fn start(&self) {
        signals::route_to(self);
        if let Err(e) = signals::install() {
            self.log(&format!("no signal handler: {e}"));
        }
        self.start_without_signal_handler();
        if signals::quit_arrived_early() {
            self.request_quit();
        }
    }

    /// Like [`Session::start`], for hosts that own the process's signal
    /// handling (Node, Electron): they must call [`Session::request_quit`]
    /// on SIGTERM/SIGINT/Ctrl-Break themselves. Call once.
    pub fn start_without_signal_handler(&self) {
        self.serve_second_launches();
        let session = self.clone();
        let handle = std::thread::Builder::new()
            .name("contract-startup".into())
            .spawn(move || {
                // A bug must end in the error page and a log line, never in
                // a splash that waits forever (C-READY-3).
                let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    session.run_startup()
                }));
                if let Err(panic) = run {
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".into());
                    session.fail(&format!(
                        "internal error while starting the backend: {what}"
                    ));
                }
            })
            .expect("cannot start the startup thread");
        *lock(&self.inner.startup) = Some(handle);
    }

    /// Answers a later launch on the same app-data dir through the instance
    /// lock's socket (C-PROC-7) with [`Session::second_launch`]. A no-op
    /// without the lock (see [`Prepared::instance`]).
    fn serve_second_launches(&self) {
        // Weak: the serving thread must not keep the session alive.
        let session = Arc::downgrade(&self.inner);
        if let Some(held) = lock(&self.inner.instance).as_mut() {
            held.serve(move || {
                if let Some(inner) = session.upgrade() {
                    Session { inner }.second_launch();
                }
            });
        }
    }

    /// A second launch found this instance running (through the instance
    /// lock, or a shell's own single-instance mechanism): emits
    /// `second_launch` and asks the shell to bring its window forward
    /// (C-PROC-7).
    pub fn second_launch(&self) {
        self.log("a second launch asked for this window");
        events::emit(Event::SecondLaunch);
        self.inner.shell.request(UiRequest::Focus);
    }

    fn run_startup(&self) {
        let p = &self.inner.prepared;
        // A marker from an earlier session must not outlive it (C-PROC-6).
        let _ = std::fs::remove_file(p.paths.worker_down());
        let config = SupervisorConfig::from_env(p.spec.clone(), &p.paths);
        *lock(&self.inner.token) = Some(config.token.clone());
        match Supervisor::start(config, p.log.clone(), &self.inner.cancel) {
            Ok(sup) => {
                *lock(&self.inner.origin) = Some(sup.origin());
                *lock(&self.inner.supervisor) = Some(sup);
                if !self.inner.quitting.load(Ordering::SeqCst) {
                    self.bootstrap();
                    let session = self.clone();
                    let _ = std::thread::Builder::new()
                        .name("contract-monitor".into())
                        .spawn(move || session.monitor());
                }
            }
            Err(e) if e.cancelled() => {}
            Err(e) => self.fail(&e.message()),
        }
    }

    /// Watches the running backend (C-PROC-6): a crashed web server shows
    /// the error page and emits `backend_crashed {message, log_path}` (exit 1);
    /// a crashed worker is restarted as [`RestartPolicy`] says (after 1 s,
    /// 2 s, 4 s, at most 3 times in 60 s); after that it is reported
    /// down (`worker_down {log_path}`, the `worker-down` marker the pages
    /// read, and the log) while the web server stays watched.
    fn monitor(&self) {
        let mut policy = RestartPolicy::default();
        loop {
            std::thread::sleep(MONITOR_INTERVAL);
            let exited = {
                let mut guard = lock(&self.inner.supervisor);
                match guard.as_mut() {
                    Some(sup) if !self.inner.quitting.load(Ordering::SeqCst) => sup.exited(),
                    _ => return,
                }
            };
            match exited {
                Some(Role::Web) => {
                    if let Some(mut sup) = lock(&self.inner.supervisor).take() {
                        sup.stop();
                    }
                    if !self.inner.quitting.load(Ordering::SeqCst) {
                        self.fail_with(
                            |message, log_path| Event::BackendCrashed { message, log_path },
                            "the backend web server stopped unexpectedly",
                        );
                    }
                    return;
                }
                Some(Role::Worker) => {
                    match policy.on_exit(Instant::now()) {
                        Verdict::GiveUp => {
                            self.worker_down();
                            continue;
                        }
                        Verdict::RestartAfter(delay) => std::thread::sleep(delay),
                    }
                    self.log("restarting the task worker");
                    let mut guard = lock(&self.inner.supervisor);
                    match guard.as_mut() {
                        Some(sup) if !self.inner.quitting.load(Ordering::SeqCst) => {
                            if let Err(e) = sup.restart_worker() {
                                self.log(&format!("cannot restart the worker: {e}"));
                            }
                        }
                        _ => return,
                    }
                }
                None => {}
            }
        }
    }

    /// Mints a fresh ticket and navigates the main webview to the bootstrap
    /// URL (C-AUTH-5). Call again whenever the window must bootstrap anew.
    ///
    /// With [`Transport::Header`] there is no ticket: the shell injects the
    /// token header itself, and the webview is sent straight to the
    /// project's `start_path` (default `/`).
    pub fn bootstrap(&self) {
        let start = &self.inner.prepared.project.start_path;
        let url = match lock(&self.inner.supervisor).as_ref() {
            Some(sup) if self.inner.shell.transport() == Transport::Header => {
                Ok(format!("{}{start}", sup.origin()))
            }
            Some(sup) => sup.bootstrap_url(start),
            None => return,
        };
        match url {
            Ok(url) => self.inner.shell.request(UiRequest::Navigate(url)),
            Err(e) => {
                if let Some(mut sup) = lock(&self.inner.supervisor).take() {
                    sup.stop();
                }
                self.fail(&format!("cannot mint a bootstrap ticket: {e}"));
            }
        }
    }

    fn fail(&self, message: &str) {
        self.fail_with(
            |message, log_path| Event::StartupFailed { message, log_path },
            message,
        );
    }

    /// For a shell that cannot show even its error page (its webview failed
    /// to start): logs and emits `startup_failed {message, log_path}`, stops
    /// the backend (C-PROC-3), shows the message and the log path through
    /// `report` (see [`report_startup_error`]), and exits 1 (C-READY-3).
    pub fn fail_without_window(&self, message: &str, report: Option<StartupReport>) -> ! {
        let log_path = self.inner.prepared.log.path().to_path_buf();
        self.log(&format!("startup_failed: {message}"));
        events::emit(Event::StartupFailed {
            message: message.into(),
            log_path: log_path.display().to_string(),
        });
        self.inner.quitting.store(true, Ordering::SeqCst);
        self.inner.cancel.store(true, Ordering::SeqCst);
        if let Some(handle) = lock(&self.inner.startup).take() {
            let _ = handle.join();
        }
        if let Some(mut sup) = lock(&self.inner.supervisor).take() {
            sup.stop();
        }
        report_startup_error(
            report,
            &self.inner.prepared.project.product_name,
            &format!("{message}\n\nLog: {}", log_path.display()),
        );
        std::process::exit(EXIT_STARTUP_FAILED);
    }

    /// Gives up on the worker (C-PROC-6): stops watching it and tells the
    /// page, through `<app-data>/worker-down`, and the events file.
    fn worker_down(&self) {
        if let Some(sup) = lock(&self.inner.supervisor).as_mut() {
            sup.retire_worker();
        }
        let p = &self.inner.prepared;
        let log_path = p.log.path().display().to_string();
        self.log("the task worker is down: 3 restarts in 60 s; not restarting it");
        // Also where a person running the shell from a terminal sees it.
        eprintln!(
            "{}: the task worker keeps crashing and was stopped; see {log_path}",
            p.project.product_name
        );
        if let Err(e) = std::fs::write(p.paths.worker_down(), &log_path) {
            self.log(&format!("cannot write the worker-down marker: {e}"));
        }
        events::emit(Event::WorkerDown { log_path });
    }

    /// Shows the error page, emits `event(message, log path)`, and makes
    /// the eventual exit code 1.
    fn fail_with(&self, event: impl FnOnce(String, String) -> Event, message: &str) {
        let log_path = self.inner.prepared.log.path().to_path_buf();
        let event = event(message.into(), log_path.display().to_string());
        self.log(&format!("{}: {message}", event.name()));
        events::emit(event);
        self.inner
            .exit_code
            .store(EXIT_STARTUP_FAILED, Ordering::SeqCst);
        let html = pages::error_html(
            &self.inner.prepared.project.product_name,
            message,
            &log_path,
        );
        self.inner.shell.request(UiRequest::ShowHtml(html));
        self.arm_autoquit();
    }

    /// The backend origin once ready, e.g. `http://127.0.0.1:43817`.
    pub fn origin(&self) -> Option<String> {
        lock(&self.inner.origin).clone()
    }

    /// The session token, for a shell whose transport is [`Transport::Header`]
    /// (C-AUTH-4), to inject into requests to the exact origin only; `None`
    /// for any other shell, and before [`Session::start`]. Never log it, never
    /// hand it to page code.
    pub fn header_token(&self) -> Option<String> {
        if self.inner.shell.transport() != Transport::Header {
            return None;
        }
        lock(&self.inner.token)
            .as_ref()
            .map(|t| t.expose().to_string())
    }

    /// Mints a fresh one-time ticket (C-AUTH-5) once the backend is ready.
    /// Errors: [`TicketError::NotRunning`] before readiness or after a stop,
    /// else the backend's answer ([`crate::ticket::mint`]).
    pub fn mint_ticket(&self) -> Result<Ticket, TicketError> {
        match lock(&self.inner.supervisor).as_ref() {
            Some(sup) => sup.mint_ticket(),
            None => Err(TicketError::NotRunning),
        }
    }

    /// The app-data directory (C-DATA-1).
    pub fn app_data_dir(&self) -> &Path {
        &self.inner.prepared.paths.root
    }

    /// The app id from `desktop.toml` (what a release manifest names).
    pub fn app_id(&self) -> &str {
        &self.inner.prepared.project.app_id
    }

    /// The product name from `desktop.toml`.
    pub fn product_name(&self) -> &str {
        &self.inner.prepared.project.product_name
    }

    /// Appends `message` to the shell log (`logs/shell.log` in app data).
    pub fn log(&self, message: &str) {
        self.inner.prepared.log.line("session", message);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
