//! Launching a shell under test: a fresh temp app-data dir, an events file, a unique marker in the
//! environment, a display, and a guard that kills the launch's whole process tree and removes its
//! temp dirs even when the test panics.
//!
//! Nothing here panics on a shell's behaviour: starting and waiting return [`Error`] with the
//! launch's diagnostics in the message.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::descriptor::{Hosted, ShellSpec};
use crate::events::{self, Event};
use crate::http::{self, AccessLine, Backend};
use crate::procs::{self, ProcInfo, MARKER_VAR};
use crate::Error;

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

/// What a launch gets beyond the defaults.
#[derive(Debug, Clone, Default)]
pub struct LaunchOptions {
    /// Use this app-data dir (e.g. to relaunch on the same data) instead of a fresh one.
    pub app_data: Option<PathBuf>,
    /// Do not set `DESKTOP_DJANGO_APP_DATA_DIR`: the shell resolves the app-data dir itself
    /// (C-DATA-1). `app_data` must then name where it is expected.
    pub app_data_unset: bool,
    /// `DESKTOP_DJANGO_AUTOQUIT_MS`.
    pub autoquit_ms: Option<u64>,
    /// Host this Django project (a dir with `desktop.toml`) instead of the demo: it replaces the
    /// descriptor's `{backend}` (C-SHELL-5).
    pub project: Option<PathBuf>,
    /// Directories put in front of `PATH` (e.g. a stand-in `xdg-open`).
    pub path_prepend: Vec<PathBuf>,
    /// Extra environment variables for the shell.
    pub env: Vec<(String, String)>,
    /// Do not take a concurrency slot: for a short second launch made while the test already
    /// holds one (C-PROC-7), which must not wait on its own test.
    pub slotless: bool,
}

impl LaunchOptions {
    pub fn app_data(mut self, dir: &Path) -> Self {
        self.app_data = Some(dir.to_path_buf());
        self
    }

    pub fn autoquit_ms(mut self, ms: u64) -> Self {
        self.autoquit_ms = Some(ms);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.env.push((
            key.to_string(),
            value.as_ref().to_string_lossy().into_owned(),
        ));
        self
    }

    /// `DESKTOP_DJANGO_PYTHON`: the dev-mode interpreter (e.g. a fake one, see `conformance::fakes`).
    pub fn python(self, interpreter: &Path) -> Self {
        self.env(PYTHON_ENV, interpreter)
    }

    pub fn project(mut self, dir: &Path) -> Self {
        self.project = Some(dir.to_path_buf());
        self
    }

    pub fn path_prepend(mut self, dir: &Path) -> Self {
        self.path_prepend.push(dir.to_path_buf());
        self
    }

    /// What the launch hosts: a dev-mode backend when it names a project or a stand-in
    /// interpreter (which only dev mode reads), else the descriptor's own.
    pub fn hosted(&self) -> Hosted<'_> {
        if self.project.is_some() || self.env.iter().any(|(k, _)| k == PYTHON_ENV) {
            Hosted::Dev(self.project.as_deref())
        } else {
            Hosted::Own
        }
    }

    pub fn slotless(mut self) -> Self {
        self.slotless = true;
        self
    }
}

/// The dev-mode interpreter override the shells read (`contract::launch::PYTHON_ENV`).
pub const PYTHON_ENV: &str = "DESKTOP_DJANGO_PYTHON";
/// The readiness timeout override (`contract::supervisor::READY_TIMEOUT_ENV`).
pub const READY_TIMEOUT_ENV: &str = "DESKTOP_DJANGO_READY_TIMEOUT_MS";
/// The grace period override (`contract::supervisor::GRACE_ENV`).
pub const GRACE_ENV: &str = "DESKTOP_DJANGO_GRACE_MS";
/// The token's child environment variable (C-AUTH-1).
pub const TOKEN_ENV: &str = "DESKTOP_DJANGO_AUTH_TOKEN";

/// Variables a launch never inherits from the harness's own environment: each launch states
/// what it wants.
const SCRUBBED: &[&str] = &[
    PYTHON_ENV,
    READY_TIMEOUT_ENV,
    GRACE_ENV,
    TOKEN_ENV,
    "DESKTOP_DJANGO_AUTOQUIT_MS",
    "DESKTOP_DJANGO_RUNTIME_MANIFEST",
    "DESKTOP_DJANGO_MODE",
    "DJANGO_SETTINGS_MODULE",
];

/// Bounds how many shells run at once in this test process (each is a webview plus two Python
/// processes). `DESKTOP_DJANGO_CONFORMANCE_JOBS`, default 2. A test must not hold two launches at
/// once, or it could wait on itself.
struct Slots {
    used: Mutex<usize>,
    freed: Condvar,
}

static SLOTS: Slots = Slots {
    used: Mutex::new(0),
    freed: Condvar::new(),
};

fn max_slots() -> usize {
    std::env::var("DESKTOP_DJANGO_CONFORMANCE_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or(2)
}

struct Slot;

impl Slot {
    fn take() -> Slot {
        let mut used = SLOTS.used.lock().unwrap_or_else(|e| e.into_inner());
        while *used >= max_slots() {
            used = SLOTS.freed.wait(used).unwrap_or_else(|e| e.into_inner());
        }
        *used += 1;
        Slot
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut used = SLOTS.used.lock().unwrap_or_else(|e| e.into_inner());
        *used -= 1;
        SLOTS.freed.notify_one();
    }
}

/// What a toolkit prints when it cannot connect to the display at all.
const DISPLAY_FAILURES: &[&str] = &[
    "Failed to initialize GTK",
    "cannot open display",
    "Can't open display",
    "Maximum number of clients reached",
];

/// Waits (at most 3 s) until the shell writes its first event or exits; returns its exit status
/// if it exited first.
fn exited_before_first_event(child: &mut Child, events: &Path) -> Option<ExitStatus> {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        if std::fs::metadata(events).is_ok_and(|m| m.len() > 0) {
            return None;
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A fresh value for `DESKTOP_DJANGO_CONFORMANCE_MARKER`.
pub fn fresh_marker() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u128(nanos);
    h.write_u64(n);
    format!("{}-{n}-{:016x}", std::process::id(), h.finish())
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
    /// Launches `shell` with `opts`.
    ///
    /// Errors: the shell is unavailable (its build failed), it needs a display and none could be
    /// had, its descriptor cannot host `opts.project`, or its program could not be spawned.
    pub fn start(shell: &Shell, opts: LaunchOptions) -> Result<Launch, Error> {
        if let Some(why) = &shell.unavailable {
            return Err(Error::Unavailable {
                shell: shell.spec.name.clone(),
                why: why.clone(),
            });
        }
        if opts.app_data_unset && opts.app_data.is_none() {
            return Err(Error::AppDataUnset);
        }
        let display = if shell.spec.display {
            crate::display::display().map_err(Error::Display)?
        } else {
            None
        };
        let (program, args) = shell
            .spec
            .command_for(opts.hosted())
            .map_err(Error::Descriptor)?;
        let slot = (!opts.slotless).then(Slot::take);
        let tmp = tempfile::Builder::new()
            .prefix(&format!("conformance-{}-", shell.spec.name))
            .tempdir()
            .map_err(|source| Error::Io {
                what: "the launch's temp dir".into(),
                source,
            })?;
        // A path that does not exist yet: the shell creates its app-data dir (C-DATA-1).
        let app_data = opts
            .app_data
            .clone()
            .unwrap_or_else(|| tmp.path().join("app-data"));
        let events_path = tmp.path().join("events.jsonl");
        let marker = fresh_marker();
        // PATH order, as the descriptor means it: Windows' own lookup tries System32 first,
        // where `bash` is WSL's stub, not Git's.
        let output = |name: &str| {
            File::create(tmp.path().join(name)).map_err(|source| Error::Io {
                what: name.to_string(),
                source,
            })
        };
        let mut cmd = Command::new(crate::descriptor::resolve_program(&program));
        cmd.args(&args)
            .current_dir(&shell.spec.dir)
            .env(MARKER_VAR, &marker)
            .env("DESKTOP_DJANGO_EVENTS", &events_path)
            .stdin(Stdio::null())
            .stdout(output("shell.stdout")?)
            .stderr(output("shell.stderr")?);
        for var in SCRUBBED {
            cmd.env_remove(var);
        }
        if opts.app_data_unset {
            cmd.env_remove("DESKTOP_DJANGO_APP_DATA_DIR");
        } else {
            cmd.env("DESKTOP_DJANGO_APP_DATA_DIR", &app_data);
        }
        if let Some(d) = display {
            cmd.env("DISPLAY", d);
        }
        if shell.spec.display {
            if let Some(bus) = crate::display::session_bus() {
                cmd.env("DBUS_SESSION_BUS_ADDRESS", bus);
            }
        }
        if let Some(ms) = opts.autoquit_ms {
            cmd.env("DESKTOP_DJANGO_AUTOQUIT_MS", ms.to_string());
        }
        if !opts.path_prepend.is_empty() {
            let mut paths = opts.path_prepend.clone();
            if let Some(old) = std::env::var_os("PATH") {
                paths.extend(std::env::split_paths(&old));
            }
            cmd.env("PATH", std::env::join_paths(paths)?);
        }
        for (k, v) in &opts.env {
            cmd.env(k, v);
        }
        // If this test's thread dies without running the guard, the shell dies with it.
        crate::platform::die_with_parent(&mut cmd);
        #[cfg(windows)]
        {
            use std::os::windows::process::CommandExt;
            // Its own console process group, so that CTRL_BREAK reaches the shell and not this
            // harness (GenerateConsoleCtrlEvent addresses a group).
            cmd.creation_flags(windows_sys::Win32::System::Threading::CREATE_NEW_PROCESS_GROUP);
        }
        let spawn = |cmd: &mut Command| {
            cmd.spawn().map_err(|source| Error::Spawn {
                program: program.clone(),
                source,
            })
        };
        let mut started = Instant::now();
        let mut child = spawn(&mut cmd)?;
        let mut exit = None;
        // The display is the harness's infrastructure: a shell that could not even connect to
        // it (and so wrote no event) is relaunched, at most twice, with a warning.
        if shell.spec.display {
            for attempt in 1..=2 {
                let Some(status) = exited_before_first_event(&mut child, &events_path) else {
                    break;
                };
                let err =
                    std::fs::read_to_string(tmp.path().join("shell.stderr")).unwrap_or_default();
                if !DISPLAY_FAILURES.iter().any(|m| err.contains(m)) {
                    exit = Some(status);
                    break;
                }
                crate::raw_stderr(&format!(
                    "conformance: warning: {} could not open the display ({status}); relaunch {attempt}\n",
                    shell.spec.name
                ));
                procs::kill_marked(&marker, Duration::from_secs(5));
                started = Instant::now();
                child = spawn(&mut cmd)?;
            }
        }
        Ok(Launch {
            shell: shell.spec.clone(),
            marker,
            app_data,
            events_path,
            started,
            child,
            exit,
            tmp,
            slot,
        })
    }

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

    /// Sends `sig` to the shell (POSIX).
    #[cfg(unix)]
    pub fn signal(&self, sig: i32) -> bool {
        procs::signal(self.pid(), sig)
    }

    /// The pids and roles of every `backend_spawned` event so far.
    pub fn spawned(&self) -> Result<Vec<(String, u32)>, Error> {
        Ok(self
            .events()?
            .iter()
            .filter(|e| e.name == "backend_spawned")
            .filter_map(|e| {
                Some((
                    e.str("role")?.to_string(),
                    u32::try_from(e.u64("pid")?).ok()?,
                ))
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

    /// The shell's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The shell's exit status if it has exited (reaping it).
    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none() {
            self.exit = self.child.try_wait().ok().flatten();
        }
        self.exit
    }

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

    /// Asks the shell to quit gracefully and waits for it to exit: SIGTERM on POSIX; on Windows
    /// WM_CLOSE to the shell's top-level windows and CTRL_BREAK to its console process group
    /// (a window shell has no console, a console shell no window).
    pub fn quit(&mut self, timeout: Duration) -> Result<ExitStatus, Error> {
        #[cfg(unix)]
        procs::signal(self.pid(), libc::SIGTERM);
        #[cfg(windows)]
        {
            procs::close_windows(self.pid());
            procs::ctrl_break(self.pid());
        }
        self.wait_exit(timeout)
    }

    /// The interrupt a user sends from a terminal, and waits for nothing: SIGINT on POSIX,
    /// CTRL_BREAK on Windows (CTRL_C cannot be sent to another process group).
    pub fn interrupt(&self) {
        #[cfg(unix)]
        procs::signal(self.pid(), libc::SIGINT);
        #[cfg(windows)]
        procs::ctrl_break(self.pid());
    }

    /// Kills the shell abruptly (SIGKILL / TerminateProcess) and reaps it.
    pub fn kill_shell(&mut self) -> Result<ExitStatus, Error> {
        let _ = self.child.kill();
        self.wait_exit(Duration::from_secs(10))
    }

    /// Waits until every process of this launch is gone, at most `within`.
    pub fn no_marked_process_within(&self, within: Duration, what: &str) -> Result<(), Error> {
        procs::none_marked_within(&self.marker, within, what)
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
        let events = events::read(&self.events_path)
            .map(|e| events::summary(&e))
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
