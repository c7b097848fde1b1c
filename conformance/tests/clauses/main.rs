//! One test per contract clause, named after its id (a clause with several scenarios has one test
//! per scenario, `c_<clause>_<scenario>`), each run on every shell with a descriptor
//! (`shells/*/conformance.toml`): MUST clauses on every shell, SHOULD clauses where the descriptor
//! claims them. Every assertion is made from outside the shell: sockets, HTTP, the process table,
//! the SQLite file, the log files and the events file. Faults are injected only through the
//! shells' real configuration surface (`DESKTOP_DJANGO_PYTHON`, `DESKTOP_DJANGO_*_MS`, `PATH`,
//! the app-data dir, `--project`), never through test hooks.
//!
//! All clauses live in this one test binary so that they share one Xvfb, one build step per shell
//! and one bound on concurrent launches (`DESKTOP_DJANGO_CONFORMANCE_JOBS`).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use conformance::corpus::{self, Ctx};
use conformance::fakes::{self, Action, FakeOpener, FakePython, FakeSpec, IMPOSTOR};
use conformance::launch::{GRACE_ENV, READY_TIMEOUT_ENV, TOKEN_ENV};
use conformance::listener::Listener;
use conformance::{
    check, check_scenario, demo, procs, sqlite, AccessLine, Auth, Event, Launch, LaunchOptions,
    Shell, ORPHAN_BOUND, READY_TIMEOUT,
};

/// Time a shell gets to exit after a graceful quit: the grace period (5000 ms) plus margin.
const QUIT_TIMEOUT: Duration = Duration::from_secs(20);
/// Time a faulty start gets to be reported (the injected faults resolve in a few seconds).
const FAULT_WAIT: Duration = Duration::from_secs(60);
/// The readiness timeout given to launches whose backend never becomes ready.
const SHORT_READY_MS: u64 = 1500;

// ------------------------------------------------------------------------------------ helpers

/// The demo project's identity, read from `backend/desktop.toml` like a shell reads it.
struct Identity {
    app_id: String,
    product_name: String,
    settings_dev: String,
    settings_packaged: String,
}

fn demo_identity() -> Identity {
    let path = conformance::workspace()
        .join("backend")
        .join("desktop.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: toml::Value =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let s = |v: &toml::Value| v.as_str().unwrap_or_default().to_string();
    Identity {
        app_id: s(&v["app_id"]),
        product_name: s(&v["product_name"]),
        settings_dev: s(&v["settings"]["dev"]),
        settings_packaged: s(&v["settings"]["packaged"]),
    }
}

/// Launches with `opts`, waits until both backend roles run and the page has loaded.
fn running_with(shell: &Shell, opts: LaunchOptions) -> Launch {
    let mut l = Launch::start(shell, opts);
    l.ready();
    l.wait_worker();
    l.wait_event("window_loaded", READY_TIMEOUT);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let procs = l.processes();
        if procs.iter().any(|p| p.has_arg("desktop_serve"))
            && procs.iter().any(|p| p.has_arg("desktop_worker"))
        {
            return l;
        }
        assert!(
            Instant::now() < deadline,
            "desktop_serve and desktop_worker are not both running: {:?}\n{}",
            procs.iter().map(|p| p.cmdline()).collect::<Vec<_>>(),
            l.diagnostics()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn running(shell: &Shell) -> Launch {
    running_with(shell, LaunchOptions::default())
}

/// Quits gracefully and asserts exit 0 with nothing left behind.
fn quit_clean(l: &mut Launch, what: &str) {
    let status = l.quit(QUIT_TIMEOUT);
    assert!(
        status.success(),
        "{what}: the shell exited with {status} after SIGTERM\n{}",
        l.diagnostics()
    );
    l.assert_no_marked_process_within(ORPHAN_BOUND, what);
}

/// C-READY-3 after an injected fault: a `startup_failed {message, log_path}` event, the message
/// in that log file (plus `log_needles`), never a loaded page, every backend process stopped
/// while the shell shows its error, and a non-zero exit once the error is dismissed (SIGTERM
/// stands in for closing the error window), with nothing left behind. Returns the message.
fn assert_startup_failure(l: &mut Launch, what: &str, log_needles: &[&str]) -> String {
    let ev = l.wait_event("startup_failed", FAULT_WAIT);
    let message = ev
        .str("message")
        .unwrap_or_else(|| panic!("{what}: startup_failed without a message: {:?}", ev.fields))
        .to_string();
    assert!(
        message.trim().len() >= 10,
        "{what}: the error message is not readable: {message:?}"
    );
    let log_path =
        PathBuf::from(ev.str("log_path").unwrap_or_else(|| {
            panic!("{what}: startup_failed without a log_path: {:?}", ev.fields)
        }));
    assert!(
        log_path.starts_with(l.app_data.join("logs"))
            || std::fs::canonicalize(&log_path)
                .ok()
                .zip(std::fs::canonicalize(l.app_data.join("logs")).ok())
                .is_some_and(|(a, b)| a.starts_with(b)),
        "{what}: log_path {} is not under <app-data>/logs",
        log_path.display()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        let missing: Vec<&str> = std::iter::once(message.as_str())
            .chain(log_needles.iter().copied())
            .filter(|n| !log.to_lowercase().contains(&n.to_lowercase()))
            .collect();
        if missing.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: {} lacks {missing:?}\n{}",
            log_path.display(),
            l.diagnostics()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !l.events().iter().any(|e| e.name == "window_loaded"),
        "{what}: a page loaded despite the failed start\n{}",
        l.diagnostics()
    );
    l.assert_no_backend_within(ORPHAN_BOUND, what);
    let status = match l.try_exit() {
        Some(s) => s,
        None => l.quit(QUIT_TIMEOUT),
    };
    assert!(
        !status.success(),
        "{what}: the shell exited 0 after a failed start\n{}",
        l.diagnostics()
    );
    l.assert_no_marked_process_within(ORPHAN_BOUND, what);
    message
}

/// The session token, read from the web process's environment.
fn token_of(l: &Launch) -> String {
    l.token()
}

/// Query parameters of an access-log path (`+` and `%XX` decoded).
fn query(path: &str) -> BTreeMap<String, String> {
    let decode = |s: &str| {
        let b = s.replace('+', " ");
        let bytes = b.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' && i + 3 <= bytes.len() {
                if let Ok(v) = u8::from_str_radix(&b[i + 1..i + 3], 16) {
                    out.push(v);
                    i += 3;
                    continue;
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    path.split_once('?')
        .map(|(_, q)| q)
        .unwrap_or("")
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// A copy of `conformance/fixtures/probe_site` in a temp dir, with `.venv` linked from the demo
/// backend: a second project that installs desktop_django (C-SHELL-5).
fn probe_project() -> tempfile::TempDir {
    let src = conformance::workspace()
        .join("conformance")
        .join("fixtures")
        .join("probe_site");
    let dst = tempfile::Builder::new()
        .prefix("conformance-probe-site-")
        .tempdir()
        .expect("temp dir");
    copy_dir(&src, dst.path());
    let backend = conformance::workspace().join("backend");
    #[cfg(unix)]
    use std::os::unix::fs::symlink as link_dir;
    #[cfg(windows)]
    use std::os::windows::fs::symlink_dir as link_dir;
    // Only the env: desktop_django is installed in it (python/desktop-django, editable).
    link_dir(backend.join(".venv"), dst.path().join(".venv"))
        .unwrap_or_else(|e| panic!("link .venv: {e}"));
    dst
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for e in std::fs::read_dir(src).expect("read fixture").flatten() {
        let p = e.path();
        if e.file_name() == "__pycache__" {
            continue;
        }
        if p.is_dir() {
            copy_dir(&p, &dst.join(e.file_name()));
        } else {
            std::fs::copy(&p, dst.join(e.file_name())).expect("copy fixture file");
        }
    }
}

/// The probe page run in a shell (C-SHELL-1, C-SHELL-2, C-AUTH-4): the page tries other
/// origins, schemes, `window.open` and the bridge, and reports each step to `/probe/<step>/`.
struct ProbeRun {
    l: Launch,
    opener: FakeOpener,
    listener: Listener,
    port: u16,
    token: String,
    _project: tempfile::TempDir,
}

impl ProbeRun {
    fn start(shell: &Shell) -> ProbeRun {
        let project = probe_project();
        let opener = FakeOpener::new();
        let listener = Listener::start();
        let mut l = Launch::start(
            shell,
            LaunchOptions::default()
                .project(project.path())
                .path_prepend(&opener.bin())
                .env("CONFORMANCE_EXTERNAL_ORIGIN", listener.origin()),
        );
        let port = l.port();
        l.wait_event("window_loaded", READY_TIMEOUT);
        let token = token_of(&l);
        l.wait_access_log(
            Duration::from_secs(15),
            "the probe page's script starting (GET /probe/start/); a shell without page JavaScript never gets there",
            |lines| lines.iter().any(|a| a.route() == "/probe/start/"),
        );
        l.wait_access_log(
            Duration::from_secs(40),
            "the probe page finishing (GET /probe/done/)",
            |lines| lines.iter().any(|a| a.route() == "/probe/done/"),
        );
        ProbeRun {
            l,
            opener,
            listener,
            port,
            token,
            _project: project,
        }
    }

    /// The probe's reports: `(step, params)` in order.
    fn reports(&self) -> Vec<(String, BTreeMap<String, String>)> {
        self.l
            .access_log()
            .iter()
            .filter(|a| a.route().starts_with("/probe/") && !a.is_conformance())
            .map(|a| {
                let step = a
                    .route()
                    .trim_start_matches("/probe/")
                    .trim_end_matches('/');
                (step.to_string(), query(&a.path))
            })
            .collect()
    }

    fn report(&self, step: &str) -> BTreeMap<String, String> {
        self.reports()
            .into_iter()
            .find(|(s, _)| s == step)
            .map(|(_, q)| q)
            .unwrap_or_else(|| {
                panic!(
                    "the probe never reported {step:?}; reports: {:?}\n{}",
                    self.reports(),
                    self.l.diagnostics()
                )
            })
    }

    /// Waits until the stand-in opener has been asked for every one of `wanted` (substrings).
    fn opened_eventually(&self, wanted: &[String]) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let opened = self.opener.opened();
            let missing: Vec<&String> = wanted
                .iter()
                .filter(|w| !opened.iter().any(|o| o.contains(w.as_str())))
                .collect();
            if missing.is_empty() {
                return opened;
            }
            assert!(
                Instant::now() < deadline,
                "the system browser was never asked to open {missing:?}; it was asked for {opened:?}\n{}",
                self.l.diagnostics()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Runs the corpus cases of `group` (a clause's slice of the hostile corpus) on `l`.
fn corpus_group(l: &Launch, port: u16, token: &str, group: &str) {
    let ctx = Ctx::new(port, token).unwrap_or_else(|e| panic!("{e}\n{}", l.diagnostics()));
    let results: Vec<corpus::CaseResult> = corpus::cases()
        .iter()
        .filter(|c| c.group == group)
        .map(|c| corpus::run_case(&ctx, c))
        .collect();
    assert!(!results.is_empty(), "no corpus cases in group {group:?}");
    let failed = results.iter().filter(|r| !r.ok()).count();
    assert!(
        failed == 0,
        "{failed} of {} {group} cases failed:\n{}",
        results.len(),
        corpus::table(&results)
    );
}

fn pony_count(backend: &conformance::Backend, token: &str) -> usize {
    demo::ponies(backend, token).unwrap_or_else(|e| panic!("{e}"))
}

/// `<app-data>/logs/*`, every file with its text.
fn log_files(app_data: &Path) -> Vec<(PathBuf, String)> {
    let dir = app_data.join("logs");
    let mut out: Vec<(PathBuf, String)> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .map(|p| {
                    let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap_or_default())
                        .into_owned();
                    (p, text)
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[cfg(unix)]
fn mode_of(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

// ---------------------------------------------------------------------------------------- PROC

/// C-PROC-1: exactly two roles, each one process: `manage.py desktop_serve` (never
/// `runserver`) and `manage.py desktop_worker`, the worker spawned after readiness. The
/// interpreter (a recording stand-in for the real one) is run exactly twice, so migrations and
/// seeding ran inside `desktop_serve`, and the database is fully migrated by the time it serves.
#[test]
fn c_proc_1_two_roles_no_runserver_no_migrate() {
    check("C-PROC-1", |shell| {
        let fake = FakePython::new(&FakeSpec::default());
        let mut l = running_with(shell, LaunchOptions::default().python(&fake.path));
        let events = l.events();
        let spawned: Vec<&Event> = events
            .iter()
            .filter(|e| e.name == "backend_spawned")
            .collect();
        let roles: Vec<&str> = spawned.iter().filter_map(|e| e.str("role")).collect();
        assert_eq!(roles, ["web", "worker"], "backend_spawned roles");
        let ready = events
            .iter()
            .position(|e| e.name == "backend_ready")
            .expect("backend_ready");
        let worker_at = events
            .iter()
            .position(|e| e.name == "backend_spawned" && e.str("role") == Some("worker"))
            .expect("worker spawned");
        assert!(
            worker_at > ready,
            "the worker was spawned before backend_ready"
        );
        let backend = l.backend_processes();
        let cmdlines: Vec<String> = backend.iter().map(|p| p.cmdline()).collect();
        for p in &backend {
            assert!(
                p.has_arg("desktop_serve") ^ p.has_arg("desktop_worker"),
                "a backend process is neither role: {}",
                p.cmdline()
            );
            for bad in ["runserver", "migrate"] {
                assert!(
                    !p.has_arg(bad),
                    "a backend process runs {bad}: {}",
                    p.cmdline()
                );
            }
        }
        for (role, arg) in [("web", "desktop_serve"), ("worker", "desktop_worker")] {
            let with: Vec<_> = backend.iter().filter(|p| p.has_arg(arg)).collect();
            assert_eq!(with.len(), 1, "{arg} processes: {cmdlines:?}");
            let pid = spawned
                .iter()
                .find(|e| e.str("role") == Some(role))
                .and_then(|e| e.u64("pid"))
                .unwrap();
            assert_eq!(
                u64::from(with[0].pid),
                pid,
                "the {role} pid in backend_spawned"
            );
        }
        let calls = fake.invocations();
        let roles_run: Vec<&str> = calls
            .iter()
            .map(|c| c.rsplit(' ').next().unwrap_or(""))
            .collect();
        assert_eq!(
            roles_run,
            ["desktop_serve", "desktop_worker"],
            "the interpreter was run for: {calls:?}"
        );
        assert!(
            calls.iter().all(|c| c.contains("manage.py")),
            "every interpreter run is manage.py: {calls:?}"
        );
        let applied = sqlite::applied_migrations(&l.app_data.join("app.sqlite3"))
            .unwrap_or_else(|e| panic!("{e}"));
        for app in ["ponies", "routines", "desktop_django"] {
            assert!(
                applied.iter().any(|(a, _)| a == app),
                "no {app} migration applied before serving: {applied:?}"
            );
        }
        quit_clean(&mut l, "after C-PROC-1");
    });
}

/// C-PROC-2: each backend process's stdin is a pipe whose write end the shell holds open; on a
/// graceful quit the shell closes it and each process stops by itself (its log says the
/// lifeline reached EOF), well within the grace period, without being force-killed.
#[test]
fn c_proc_2_stdin_lifeline() {
    check("C-PROC-2", |shell| {
        let grace_ms = 8000;
        let mut l = running_with(
            shell,
            LaunchOptions::default().env(GRACE_ENV, grace_ms.to_string()),
        );
        // Linux shows the pipe ends themselves (/proc/<pid>/fd); on every OS the roles' logs
        // and the shutdown time below show that EOF on stdin stopped them.
        #[cfg(target_os = "linux")]
        {
            let shell_fds = procs::open_fds(l.pid()).unwrap_or_else(|e| panic!("{e}"));
            for (role, pid) in l.spawned() {
                let fds = procs::open_fds(pid).unwrap_or_else(|e| panic!("{role} pid {pid}: {e}"));
                let stdin = fds
                    .iter()
                    .find(|f| f.fd == 0)
                    .unwrap_or_else(|| panic!("the {role} process has no stdin"));
                assert!(
                    stdin.target.starts_with("pipe:["),
                    "the {role} process's stdin is {}, not a pipe",
                    stdin.target
                );
                assert!(
                    shell_fds
                        .iter()
                        .any(|f| f.target == stdin.target && f.access != 0),
                    "the shell does not hold the write end of the {role} lifeline {}",
                    stdin.target
                );
            }
        }
        quit_clean(&mut l, "after closing the lifelines");
        let done = l.wait_event("shutdown_complete", QUIT_TIMEOUT);
        let elapsed = done.u64("elapsed_ms").unwrap_or(u64::MAX);
        assert!(
            elapsed < grace_ms,
            "shutdown took {elapsed} ms: the backend did not stop by itself within the {grace_ms} ms grace period"
        );
        let logs = log_files(&l.app_data);
        let all: String = logs.iter().map(|(_, t)| t.as_str()).collect();
        let eof_lines = all.matches("lifeline: stdin reached EOF").count();
        assert!(
            eof_lines >= 2,
            "expected both roles to log the lifeline EOF, found {eof_lines}: {:?}",
            logs.iter().map(|(p, _)| p).collect::<Vec<_>>()
        );
    });
}

/// C-PROC-3 (SIGTERM): shutdown events, exit 0, every descendant gone.
#[test]
fn c_proc_3_sigterm_quits_gracefully() {
    check_scenario("C-PROC-3", "sigterm", |shell| {
        let mut l = running(shell);
        quit_clean(&mut l, "after SIGTERM");
        let ev = l.events();
        for name in ["shutdown_started", "shutdown_complete"] {
            assert!(ev.iter().any(|e| e.name == name), "no {name} event");
        }
    });
}

/// C-PROC-3 (SIGINT; CTRL_BREAK on Windows): the same as SIGTERM.
#[test]
fn c_proc_3_sigint_quits_gracefully() {
    check_scenario("C-PROC-3", "sigint", |shell| {
        let mut l = running(shell);
        l.interrupt();
        let status = l.wait_exit(QUIT_TIMEOUT);
        assert!(
            status.success(),
            "exit {status} after SIGINT\n{}",
            l.diagnostics()
        );
        l.assert_no_marked_process_within(ORPHAN_BOUND, "after SIGINT");
        assert!(l.events().iter().any(|e| e.name == "shutdown_complete"));
    });
}

/// C-PROC-3 (grace, then tree kill): a web server that ignores its lifeline (started with
/// `--no-lifeline` by a stand-in interpreter) is killed once the configured grace period
/// (`DESKTOP_DJANGO_GRACE_MS=1500`) is over; the shell still exits 0 with nothing left.
#[test]
fn c_proc_3_grace_period_then_tree_kill() {
    check_scenario("C-PROC-3", "grace-then-kill", |shell| {
        let grace_ms = 1500;
        let fake = FakePython::new(&FakeSpec::web(Action::RealWithArgs(vec![
            "--no-lifeline".into()
        ])));
        let mut l = running_with(
            shell,
            LaunchOptions::default()
                .python(&fake.path)
                .env(GRACE_ENV, grace_ms.to_string()),
        );
        quit_clean(&mut l, "after the grace period");
        let done = l.wait_event("shutdown_complete", QUIT_TIMEOUT);
        let elapsed = done.u64("elapsed_ms").unwrap_or(0);
        assert!(
            (grace_ms..grace_ms + 4000).contains(&elapsed),
            "shutdown took {elapsed} ms; with a stubborn web server it should wait out the {grace_ms} ms grace, then kill"
        );
    });
}

/// C-PROC-4: the tree kill reaches grandchildren. A stand-in interpreter plants a sleeping
/// grandchild under each role (it ignores the lifeline: only a kill reaches it); after a
/// graceful quit the shell exits 0 and both grandchildren are gone within 3000 ms.
#[test]
fn c_proc_4_tree_kill_reaches_grandchildren() {
    check("C-PROC-4", |shell| {
        let fake = FakePython::new(&FakeSpec {
            web: Action::Grandchild,
            worker: Action::Grandchild,
            env: Vec::new(),
        });
        let mut l = running_with(shell, LaunchOptions::default().python(&fake.path));
        let mut planted = Vec::new();
        for (role, cmd) in [("web", "desktop_serve"), ("worker", "desktop_worker")] {
            let pid = fake
                .grandchild_pid(cmd)
                .unwrap_or_else(|| panic!("no grandchild was planted under the {role} role"));
            assert!(
                procs::alive(pid),
                "the {role} grandchild {pid} is not running"
            );
            let marked = l.processes();
            let g = marked
                .iter()
                .find(|p| p.pid == pid)
                .unwrap_or_else(|| panic!("the {role} grandchild {pid} is not in the launch"));
            let root = l.spawned().into_iter().find(|(r, _)| r == role).unwrap().1;
            assert_eq!(g.parent, Some(root), "the {role} grandchild's parent");
            planted.push((role, pid));
        }
        let status = l.quit(QUIT_TIMEOUT);
        assert!(
            status.success(),
            "exit {status} after SIGTERM\n{}",
            l.diagnostics()
        );
        let deadline = Instant::now() + ORPHAN_BOUND;
        while planted.iter().any(|(_, pid)| procs::alive(*pid)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        for (role, pid) in &planted {
            assert!(
                !procs::alive(*pid),
                "the {role} grandchild {pid} survived the quit by more than {} ms",
                ORPHAN_BOUND.as_millis()
            );
        }
        l.assert_no_marked_process_within(ORPHAN_BOUND, "after a graceful quit");
    });
}

/// C-PROC-5: after SIGKILL of a running shell, no process of the launch outlives it by more
/// than 3000 ms.
#[test]
fn c_proc_5_no_orphans_after_shell_sigkill() {
    check("C-PROC-5", |shell| {
        let mut l = running(shell);
        let killed = Instant::now();
        l.kill_shell();
        let left = ORPHAN_BOUND.saturating_sub(killed.elapsed());
        l.assert_no_marked_process_within(left, "after SIGKILL of the shell");
    });
}

/// C-PROC-5 (before the handshake): SIGKILL of the shell while its web process is still
/// starting (a stand-in that never prints the handshake) leaves no orphan.
#[test]
fn c_proc_5_sigkill_before_handshake() {
    check_scenario("C-PROC-5", "before-handshake", |shell| {
        let fake = FakePython::new(&FakeSpec::web(Action::Hang));
        let mut l = Launch::start(shell, LaunchOptions::default().python(&fake.path));
        let spawned = l.wait_event("backend_spawned", READY_TIMEOUT);
        let pid = spawned.u64("pid").expect("pid") as u32;
        let deadline = Instant::now() + Duration::from_secs(10);
        while !procs::alive(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            l.events().iter().all(|e| e.name != "backend_listening"),
            "the stand-in sent a handshake?"
        );
        let killed = Instant::now();
        l.kill_shell();
        let left = ORPHAN_BOUND.saturating_sub(killed.elapsed());
        l.assert_no_marked_process_within(left, "after SIGKILL of the shell before the handshake");
    });
}

/// C-PROC-5 (grandchild): SIGKILL of the shell while each role has a sleeping grandchild (planted
/// by a stand-in interpreter; it ignores the lifeline and has no PDEATHSIG of its own) leaves
/// neither the roles nor the grandchildren alive 3000 ms later.
#[test]
fn c_proc_5_sigkill_reaches_grandchildren() {
    check_scenario("C-PROC-5", "grandchild", |shell| {
        let fake = FakePython::new(&FakeSpec {
            web: Action::Grandchild,
            worker: Action::Grandchild,
            env: Vec::new(),
        });
        let mut l = running_with(shell, LaunchOptions::default().python(&fake.path));
        let planted: Vec<(&str, u32)> = ["desktop_serve", "desktop_worker"]
            .into_iter()
            .map(|cmd| {
                let pid = fake
                    .grandchild_pid(cmd)
                    .unwrap_or_else(|| panic!("no grandchild was planted under {cmd}"));
                assert!(
                    procs::alive(pid),
                    "the {cmd} grandchild {pid} is not running"
                );
                (cmd, pid)
            })
            .collect();
        let killed = Instant::now();
        l.kill_shell();
        let deadline = killed + ORPHAN_BOUND;
        while planted.iter().any(|(_, pid)| procs::alive(*pid)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let alive: Vec<_> = planted
            .iter()
            .filter(|(_, pid)| procs::alive(*pid))
            .collect();
        assert!(
            alive.is_empty(),
            "grandchildren {alive:?} outlived a SIGKILL of the shell by {} ms\n{}",
            ORPHAN_BOUND.as_millis(),
            l.diagnostics()
        );
        l.assert_no_marked_process_within(
            ORPHAN_BOUND.saturating_sub(killed.elapsed()),
            "after SIGKILL of the shell with grandchildren",
        );
    });
}

/// C-PROC-5 (clean quit): every process the app started is gone when the shell exits or within
/// 3000 ms after, its own helpers included (WebKitWebProcess and WebKitNetworkProcess for the
/// WebKitGTK shells, renderer processes for Electron). A shell with a window has at least one
/// such helper while it runs, so the check cannot pass vacuously there.
#[test]
fn c_proc_5_clean_quit_leaves_no_helper() {
    check_scenario("C-PROC-5", "helpers-on-quit", |shell| {
        let mut l = running(shell);
        let backend: Vec<u32> = l.backend_processes().iter().map(|p| p.pid).collect();
        let helpers: Vec<procs::ProcInfo> = l
            .processes()
            .into_iter()
            .filter(|p| p.pid != l.pid() && !backend.contains(&p.pid))
            .collect();
        if shell.spec.display {
            assert!(
                !helpers.is_empty(),
                "a shell with a window shows no helper process of its own: {:?}",
                l.processes()
                    .iter()
                    .map(|p| p.cmdline())
                    .collect::<Vec<_>>()
            );
        }
        let status = l.quit(QUIT_TIMEOUT);
        assert!(status.success(), "exit {status}\n{}", l.diagnostics());
        if let Err(left) = procs::wait_none(ORPHAN_BOUND, || {
            let alive = l.processes();
            helpers
                .iter()
                .filter(|h| alive.iter().any(|p| p.pid == h.pid))
                .cloned()
                .collect()
        }) {
            panic!(
                "helper process(es) outlived the shell's clean quit by {} ms:\n  {}\n{}",
                ORPHAN_BOUND.as_millis(),
                procs::describe(&left),
                l.diagnostics()
            );
        }
        l.assert_no_marked_process_within(ORPHAN_BOUND, "after a clean quit");
    });
}

/// C-PROC-6 (worker restart, SHOULD): a killed worker is spawned again (a new
/// `backend_spawned {role: worker}` whose process runs), no sooner than 1 s, 2 s, then 4 s after
/// each crash; after 3 restarts within 60 s the next crash is not restarted, the shell says so
/// (`worker_down {log_path}`), and the app's pages show that the worker is down.
#[test]
fn c_proc_6_worker_restarts() {
    check_scenario("C-PROC-6", "worker-restart", |shell| {
        let mut l = running(shell);
        for restart in 1..=3 {
            let (_, pid) = l
                .spawned()
                .into_iter()
                .rfind(|(r, _)| r == "worker")
                .expect("a worker");
            let killed = Instant::now();
            procs::kill(pid);
            let ev = l.wait_nth_event("backend_spawned", 2 + restart, Duration::from_secs(30));
            assert_eq!(
                ev.str("role"),
                Some("worker"),
                "restart {restart}: {:?}",
                ev.fields
            );
            // The back-off: 1 s, 2 s, then 4 s after each crash (a lower bound: a slow machine
            // only adds to it).
            let backoff = Duration::from_millis(1000 << (restart - 1));
            assert!(
                killed.elapsed() >= backoff,
                "restart {restart} came {:?} after the crash, before the {backoff:?} back-off",
                killed.elapsed()
            );
            let new_pid = ev.u64("pid").unwrap() as u32;
            let deadline = Instant::now() + Duration::from_secs(10);
            while !l
                .processes()
                .iter()
                .any(|p| p.pid == new_pid && p.has_arg("desktop_worker"))
            {
                assert!(
                    Instant::now() < deadline,
                    "restart {restart}: worker {new_pid} is not running"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let (_, pid) = l
            .spawned()
            .into_iter()
            .rfind(|(r, _)| r == "worker")
            .unwrap();
        let before = l.spawned().len();
        procs::kill(pid);
        let down = l.wait_event("worker_down", Duration::from_secs(30));
        assert!(
            down.str("log_path").is_some_and(|p| Path::new(p).is_file()),
            "worker_down without an existing log_path: {:?}",
            down.fields
        );
        assert_eq!(
            l.spawned().len(),
            before,
            "a 4th crash within 60 s was restarted"
        );
        let backend = l.ready();
        let token = l.token();
        let page = backend.get("/routines/", Auth::Header(&token)).unwrap();
        assert!(
            page.status == 200 && page.body.contains("data-worker-down"),
            "the page does not say the worker is down (status {})",
            page.status
        );
        quit_clean(&mut l, "after the worker restarts");
    });
}

/// C-PROC-6 (web crash, SHOULD): when the web server dies mid-session the shell reports it with
/// the log path (an event carrying `log_path`, whose file exists) and stays up to show it; a
/// quit then leaves nothing behind.
#[test]
fn c_proc_6_web_crash_shows_the_log_path() {
    check_scenario("C-PROC-6", "web-crash", |shell| {
        let mut l = running(shell);
        let before = l.events().len();
        let (_, web) = l.spawned().into_iter().find(|(r, _)| r == "web").unwrap();
        procs::kill(web);
        let deadline = Instant::now() + Duration::from_secs(15);
        let ev = loop {
            if let Some(e) = l
                .events()
                .into_iter()
                .skip(before)
                .find(|e| e.str("log_path").is_some())
            {
                break e;
            }
            assert!(
                Instant::now() < deadline,
                "no event with a log_path after the web server died\n{}",
                l.diagnostics()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let log = PathBuf::from(ev.str("log_path").unwrap());
        assert!(log.is_file(), "{} does not exist", log.display());
        assert!(
            l.try_exit().is_none(),
            "the shell exited instead of showing the error"
        );
        let _ = l.quit(QUIT_TIMEOUT);
        l.assert_no_marked_process_within(ORPHAN_BOUND, "after the web crash and a quit");
    });
}

/// C-PROC-7 (single instance, SHOULD): a second launch on the same app-data dir starts no
/// backend and exits 0, and the first keeps serving.
#[test]
fn c_proc_7_second_launch_starts_no_backend() {
    check("C-PROC-7", |shell| {
        let data = tempfile::tempdir().unwrap();
        let app = data.path().join("app-data");
        let mut first = running_with(shell, LaunchOptions::default().app_data(&app));
        let backend = first.ready();
        let token = token_of(&first);
        let procs_before = first.backend_processes().len();
        let mut second = Launch::start(shell, LaunchOptions::default().app_data(&app).slotless());
        let status = second.wait_exit(Duration::from_secs(30));
        assert!(
            status.success(),
            "the second launch exited {status}\n{}",
            second.diagnostics()
        );
        assert!(
            second.spawned().is_empty(),
            "the second launch spawned a backend: {:?}",
            second.spawned()
        );
        second.assert_no_marked_process_within(ORPHAN_BOUND, "the second launch");
        let r = backend.get("/health/", Auth::Header(&token)).unwrap();
        assert_eq!(r.status, 200, "the first instance stopped serving");
        assert_eq!(first.backend_processes().len(), procs_before);
        quit_clean(&mut first, "the first instance");
    });
}

// ---------------------------------------------------------------------------------------- PORT

/// C-PORT-1: the backend listens on 127.0.0.1 only. The port from `backend_listening` accepts on
/// 127.0.0.1, and no process of the launch holds a listening TCP socket on any other address.
#[test]
fn c_port_1_loopback_only() {
    check("C-PORT-1", |shell| {
        let mut l = Launch::start(shell, LaunchOptions::default());
        let port = l.port();
        l.wait_event("backend_ready", READY_TIMEOUT);
        l.wait_worker();
        let loopback = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
        TcpStream::connect_timeout(&loopback, Duration::from_secs(5)).unwrap_or_else(|e| {
            panic!("port {port} from backend_listening refuses 127.0.0.1: {e}")
        });
        {
            let procs = l.processes();
            let web = l.web_processes();
            assert!(
                !web.is_empty(),
                "no desktop_serve process carries the marker"
            );
            let mut web_listens_on_port = false;
            for p in &procs {
                let Ok(listening) = procs::listening_sockets(p.pid) else {
                    continue; // exited meanwhile
                };
                for addr in &listening {
                    assert_eq!(
                        addr.ip(),
                        IpAddr::V4(Ipv4Addr::LOCALHOST),
                        "pid {} ({}) listens on {addr}: only 127.0.0.1 is allowed",
                        p.pid,
                        p.cmdline()
                    );
                }
                web_listens_on_port |= web.iter().any(|w| w.pid == p.pid)
                    && listening.iter().any(|a| a.port() == port);
            }
            assert!(
                web_listens_on_port,
                "the desktop_serve process does not hold the listening socket on port {port}"
            );
        }
    });
}

/// C-PORT-2: the port reaches the shell in the handshake line, which the shell copies into its
/// log: `DESKTOP_DJANGO_READY {json}` with `host` 127.0.0.1, the `port` the shell then reports,
/// the web process's `pid` and a `version`. The shell never picks the port: the backend's
/// command line and environment carry no port.
#[test]
fn c_port_2_race_free_handshake() {
    check("C-PORT-2", |shell| {
        let mut l = Launch::start(shell, LaunchOptions::default());
        let port = l.port();
        l.wait_event("backend_ready", READY_TIMEOUT);
        let web_pid = l.spawned().into_iter().find(|(r, _)| r == "web").unwrap().1;
        let log = l.shell_log();
        let line = log
            .lines()
            .find_map(|line| line.split_once("DESKTOP_DJANGO_READY ").map(|(_, j)| j))
            .unwrap_or_else(|| panic!("no handshake line in logs/shell.log:\n{log}"));
        let hs: serde_json::Value = serde_json::from_str(line.trim())
            .unwrap_or_else(|e| panic!("handshake JSON {line}: {e}"));
        assert_eq!(hs["host"], "127.0.0.1", "{hs}");
        assert_eq!(hs["port"].as_u64(), Some(u64::from(port)), "{hs}");
        assert_eq!(hs["pid"].as_u64(), Some(u64::from(web_pid)), "{hs}");
        assert!(
            hs["version"].as_str().is_some_and(|v| !v.is_empty()),
            "no version: {hs}"
        );
        let p = port.to_string();
        for proc_ in l.backend_processes() {
            assert!(
                !proc_.cmd.iter().any(|a| a.contains(&p)),
                "the port is on a backend command line: {}",
                proc_.cmdline()
            );
            for (k, v) in &proc_.environ {
                assert!(
                    !(v == &p || v.ends_with(&format!(":{p}"))),
                    "the shell passed the port to the backend in {k}={v}"
                );
            }
        }
    });
}

/// C-PORT-3: two launches, one after the other, get different ports.
#[test]
fn c_port_3_port_differs_between_launches() {
    check("C-PORT-3", |shell| {
        let first = {
            let mut l = Launch::start(shell, LaunchOptions::default());
            l.port()
        };
        let second = {
            let mut l = Launch::start(shell, LaunchOptions::default());
            l.port()
        };
        assert_ne!(first, second, "both launches listened on port {first}");
    });
}

// ---------------------------------------------------------------------------------------- AUTH

/// C-AUTH-1: the token is 64 lowercase hex chars, new for every launch, and only ever in the
/// backend's `DESKTOP_DJANGO_AUTH_TOKEN`: not on any process's command line, not in any other
/// variable, not in any log file under `<app-data>/logs` (even after requests that put it in a
/// query string), not in the events file or any URL it reports, not in the shell's output, and
/// not in the pages or scripts the app serves.
#[test]
fn c_auth_1_token_never_leaks() {
    check("C-AUTH-1", |shell| {
        let mut tokens = Vec::new();
        for launch in 1..=2 {
            let mut l = running(shell);
            let backend = l.ready();
            let token = token_of(&l);
            assert!(
                token.len() == 64
                    && token
                        .bytes()
                        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
                "launch {launch}: the token is not 64 lowercase hex chars ({} chars)",
                token.len()
            );
            // Requests that carry the token in a query string: the access log must scrub it.
            for path in [
                format!("/ponies/?token={token}"),
                format!("/health/?q={token}&ticket=abc"),
            ] {
                let _ = backend.get(&path, Auth::Header(&token)).unwrap();
            }
            // Pages and the scripts they load.
            let mut bodies = Vec::new();
            for path in ["/ponies/", "/routines/", "/splash/"] {
                let r = backend.get(path, Auth::Cookie(&token)).unwrap();
                for s in demo::static_paths(&r.body) {
                    bodies.push((
                        s.clone(),
                        backend.get(&s, Auth::Cookie(&token)).unwrap().body,
                    ));
                }
                bodies.push((path.to_string(), r.body));
            }
            for (path, body) in &bodies {
                assert!(
                    !body.contains(&token),
                    "launch {launch}: {path} contains the token"
                );
            }
            for p in l.processes() {
                assert!(
                    !p.cmdline().contains(&token),
                    "launch {launch}: the token is on the command line of pid {}: {}",
                    p.pid,
                    p.cmd.first().cloned().unwrap_or_default()
                );
                for (k, v) in &p.environ {
                    assert!(
                        k == TOKEN_ENV || !v.contains(&token),
                        "launch {launch}: pid {} carries the token in {k}",
                        p.pid
                    );
                }
            }
            l.wait_access_log(
                Duration::from_secs(10),
                "the query-string requests",
                |lines| lines.iter().filter(|a| a.is_conformance()).count() >= 2,
            );
            quit_clean(&mut l, "after the token checks");
            for (path, text) in log_files(&l.app_data) {
                assert!(
                    !text.contains(&token),
                    "launch {launch}: {} contains the token",
                    path.display()
                );
            }
            let events = std::fs::read_to_string(&l.events_path).unwrap_or_default();
            assert!(
                !events.contains(&token),
                "launch {launch}: the events file has the token"
            );
            for e in l.events() {
                for (k, v) in &e.fields {
                    if let Some(s) = v.as_str().filter(|s| s.contains("://")) {
                        assert!(
                            !s.contains('?') && !s.contains("ticket"),
                            "launch {launch}: {} {k} reports a URL with a query: {s}",
                            e.name
                        );
                    }
                }
            }
            for (what, text) in [("stdout", l.stdout_text()), ("stderr", l.stderr_text())] {
                assert!(
                    !text.contains(&token),
                    "launch {launch}: the shell's {what} has the token"
                );
            }
            tokens.push(token);
        }
        assert_ne!(tokens[0], tokens[1], "two launches got the same token");
    });
}

/// C-AUTH-2: without the token every path is 403 (`/`, `/health/`, `/static/…`, `/splash/`);
/// with the token in the header, or in the cookie, they are served. Malformed tokens
/// (non-ASCII, 1 MB, empty, repeated, upper-case, in a query string…) are 403, never 500: the
/// corpus's token group, on the same backend.
#[test]
fn c_auth_2_token_enforced() {
    check("C-AUTH-2", |shell| {
        let mut l = Launch::start(shell, LaunchOptions::default());
        let backend = l.ready();
        let token = l.token();
        let page = backend.get(demo::PONIES, Auth::Header(&token)).unwrap();
        let static_path = demo::first_static_path(&page.body)
            .unwrap_or_else(|| panic!("{} references no /static/ file", demo::PONIES));
        let wrong = "0".repeat(64);
        let served = ["/health/", "/splash/", static_path.as_str(), demo::PONIES];
        for path in ["/"].iter().chain(&served) {
            for (how, auth) in [
                ("no token", Auth::None),
                ("a wrong token in the header", Auth::Header(&wrong)),
                ("a wrong token in the cookie", Auth::Cookie(&wrong)),
            ] {
                let r = backend.get(path, auth).unwrap();
                assert_eq!(r.status, 403, "GET {path} with {how}: {}", r.status);
            }
        }
        for (how, auth) in [
            ("the header", Auth::Header(&token)),
            ("the cookie", Auth::Cookie(&token)),
        ] {
            for path in served {
                let r = backend.get(path, auth).unwrap();
                assert_eq!(r.status, 200, "GET {path} with the token in {how}");
            }
            // `/` is the app's home: served, even if only as a redirect into the app.
            let r = backend.get("/", auth).unwrap();
            assert!(
                (200..400).contains(&r.status),
                "GET / with the token in {how}: {}",
                r.status
            );
        }
        let port = l.port();
        corpus_group(&l, port, &token, "C-AUTH-2 token");
    });
}

/// C-AUTH-3: fail closed. In packaged mode (the packaged settings of `desktop.toml`, set by a
/// stand-in interpreter that also removes or shortens the token before running the real
/// backend), `desktop_serve` refuses to start with a clear error naming the variable: nothing
/// ever listens, and the shell reports a startup failure.
#[test]
fn c_auth_3_missing_token_fails_closed() {
    check_scenario("C-AUTH-3", "missing", |shell| fail_closed(shell, None));
}

#[test]
fn c_auth_3_short_token_fails_closed() {
    check_scenario("C-AUTH-3", "short", |shell| {
        fail_closed(shell, Some("0123456789abcdef"))
    });
}

fn fail_closed(shell: &Shell, token: Option<&str>) {
    let id = demo_identity();
    let spec = FakeSpec::default()
        .export("DJANGO_SETTINGS_MODULE", &id.settings_packaged)
        .export("DESKTOP_DJANGO_MODE", "packaged");
    let spec = match token {
        Some(t) => spec.export(TOKEN_ENV, t),
        None => spec.unset(TOKEN_ENV),
    };
    let fake = FakePython::new(&spec);
    let mut l = Launch::start(shell, LaunchOptions::default().python(&fake.path));
    assert_startup_failure(&mut l, "a backend without a valid token", &[TOKEN_ENV]);
    assert!(
        !l.events().iter().any(|e| e.name == "backend_listening"),
        "the backend listened without a valid token"
    );
}

/// C-AUTH-4: the token goes only to the exact origin `http://127.0.0.1:<port>`. The probe page
/// fetches another port of 127.0.0.1 and `localhost:<port>` with credentials, loads an image
/// from the other port, and tries to navigate and `window.open` there. Whatever the shell does
/// with those requests (block them, or send them without the token), the suite's listener on
/// that port never sees the token (header or cookie), and any request that reached the backend
/// through `localhost` came without it (403).
#[test]
fn c_auth_4_token_only_to_the_exact_origin() {
    check("C-AUTH-4", |shell| {
        let probe = ProbeRun::start(shell);
        for s in probe.listener.seen() {
            assert!(
                !s.contains(&probe.token),
                "the session token was sent to another origin ({}): {}",
                probe.listener.origin(),
                s.request_line()
            );
        }
        for a in probe.l.access_log() {
            if a.route() == "/probe/fetch-localhost/" {
                assert_eq!(
                    a.status, 403,
                    "a request through http://localhost:{} was authenticated (status {}): the token went to another origin",
                    probe.port, a.status
                );
            }
        }
    });
}

/// C-AUTH-5: the webview's token transport. From outside: the supervisor minted a ticket
/// (`POST /desktop-auth/ticket/`), the webview's first request was the bootstrap URL (ticket
/// scrubbed in the log) answered 302, its next requests were served, and the URL the shell
/// reports carries no ticket. A shell on the header transport (C-AUTH-4, Electron) never
/// bootstraps: then its requests must be served without one, and none may carry a ticket or the
/// token in its URL. Either way, on the same backend, the corpus's `next` and ticket groups:
/// unsafe `next`, used, unknown, forged and cookie-minted tickets are 403, and a fresh ticket's
/// cookie is `HttpOnly; SameSite=Strict; Path=/` without `Secure`. (An expired ticket, which
/// needs 30 s, is in the HOSTILE corpus.)
#[test]
fn c_auth_5_ticket_bootstrap() {
    check("C-AUTH-5", |shell| {
        let mut l = Launch::start(shell, LaunchOptions::default());
        let port = l.port();
        let loaded = l.wait_event("window_loaded", READY_TIMEOUT);
        let url = loaded.str("url").unwrap_or_default();
        assert!(
            url.starts_with(&format!("http://127.0.0.1:{port}/")) && !url.contains('?'),
            "window_loaded url {url:?}"
        );
        let log = l.wait_access_log(
            Duration::from_secs(15),
            "the webview's page requests",
            |lines| {
                lines
                    .iter()
                    .filter(|a| !a.is_supervisor() && !a.is_conformance())
                    .any(|a| a.status == 200)
            },
        );
        let token = token_of(&l);
        let table = conformance::launch::format_access(&log);
        let webview: Vec<(usize, &AccessLine)> = log
            .iter()
            .enumerate()
            .filter(|(_, a)| !a.is_supervisor() && !a.is_conformance())
            .collect();
        for (_, a) in &webview {
            assert!(
                !a.path.contains(&token),
                "a webview URL carries the token:\n{table}"
            );
        }
        let ticket_transport = webview
            .iter()
            .any(|(_, a)| a.route() == "/desktop-auth/bootstrap/");
        if ticket_transport {
            let mint = log
                .iter()
                .position(|a| {
                    a.method == "POST" && a.route() == "/desktop-auth/ticket/" && a.status == 200
                })
                .unwrap_or_else(|| panic!("no ticket was minted:\n{table}"));
            assert!(
                log[mint].is_supervisor(),
                "the ticket was not minted by the supervisor:\n{table}"
            );
            let (first_i, first) = webview[0];
            assert_eq!(
                first.route(),
                "/desktop-auth/bootstrap/",
                "the webview's first request is not the bootstrap:\n{table}"
            );
            assert!(
                first_i > mint,
                "bootstrap before the ticket was minted:\n{table}"
            );
            assert_eq!(first.status, 302, "bootstrap status:\n{table}");
            let q = query(&first.path);
            assert!(
                q.contains_key("ticket"),
                "the bootstrap has no ticket:\n{table}"
            );
            assert_eq!(
                q.get("next").map(String::as_str),
                Some("/"),
                "next:\n{table}"
            );
            let bootstraps = webview
                .iter()
                .filter(|(_, a)| a.route() == "/desktop-auth/bootstrap/")
                .count();
            let mints = log
                .iter()
                .filter(|a| a.route() == "/desktop-auth/ticket/")
                .count();
            assert!(
                bootstraps <= mints,
                "more bootstraps than tickets minted:\n{table}"
            );
        } else {
            assert!(
                webview
                    .iter()
                    .all(|(_, a)| !query(&a.path).contains_key("ticket")),
                "a webview URL carries a ticket without a bootstrap:\n{table}"
            );
        }
        for (_, a) in webview.iter().skip(usize::from(ticket_transport)) {
            assert!(
                a.status < 400,
                "webview request {} {} got {}:\n{table}",
                a.method,
                a.path,
                a.status
            );
        }
        corpus_group(&l, port, &token, "C-AUTH-5 next");
        corpus_group(&l, port, &token, "C-AUTH-5 ticket");
    });
}

/// C-AUTH-6: Host must be `127.0.0.1:<port>` or `localhost:<port>`, else 400: the corpus's Host
/// group (rebinding names, `127.0.0.1.evil.test`, wrong port, IPv6 literal, trailing dot, none,
/// two…), with a valid token.
#[test]
fn c_auth_6_host_with_wrong_port_is_400() {
    check("C-AUTH-6", |shell| {
        let mut l = Launch::start(shell, LaunchOptions::default());
        l.ready();
        let port = l.port();
        let token = token_of(&l);
        corpus_group(&l, port, &token, "C-AUTH-6 Host");
    });
}

/// C-AUTH-7: CSRF stays on. Every POST without a valid CSRF pair is 403 even with the session
/// token (the corpus's CSRF group), nothing changed, and the same POST with the pair works.
#[test]
fn c_auth_7_post_without_csrf_is_403() {
    check("C-AUTH-7", |shell| {
        let mut l = Launch::start(shell, LaunchOptions::default());
        let backend = l.ready();
        let port = l.port();
        let token = token_of(&l);
        let before = pony_count(&backend, &token);
        assert!(before > 0, "the seeded roster is missing");
        corpus_group(&l, port, &token, "C-AUTH-7 CSRF");
        assert_eq!(
            pony_count(&backend, &token),
            before,
            "a POST without CSRF changed the stable"
        );
        demo::clear_stable(&backend, &token).unwrap_or_else(|e| panic!("with a CSRF pair: {e}"));
        assert_eq!(
            pony_count(&backend, &token),
            0,
            "clearing with a CSRF pair did nothing"
        );
    });
}

// --------------------------------------------------------------------------------------- READY

/// C-READY-1: `/health/` with the token is 200 JSON `{"status": "ok", "version", "sqlite"}`
/// with the contract's pragmas in effect, and by then every migration of the project's apps
/// (the files under `<app>/migrations/`) is recorded as applied in the database file.
#[test]
fn c_ready_1_health_reports_ready() {
    check("C-READY-1", |shell| {
        let mut l = Launch::start(shell, LaunchOptions::default());
        let backend = l.ready();
        let token = token_of(&l);
        let r = backend.get("/health/", Auth::Header(&token)).unwrap();
        assert_eq!(r.status, 200, "GET /health/: {}", r.body);
        let ct = r
            .headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(ct.starts_with("application/json"), "Content-Type {ct}");
        let h = r.json().unwrap();
        assert_eq!(h["status"], "ok", "{h}");
        assert!(
            h["version"].as_str().is_some_and(|v| !v.is_empty()),
            "version: {h}"
        );
        for key in [
            "journal_mode",
            "synchronous",
            "cache_size",
            "mmap_size",
            "temp_store",
            "foreign_keys",
            "busy_timeout",
        ] {
            assert!(h["sqlite"].get(key).is_some(), "sqlite.{key} missing: {h}");
        }
        let applied = sqlite::applied_migrations(&l.app_data.join("app.sqlite3"))
            .unwrap_or_else(|e| panic!("{e}"));
        let backend_dir = conformance::workspace().join("backend");
        let package_dir = conformance::workspace().join("python/desktop-django/src");
        for app in ["ponies", "routines", "desktop_django"] {
            let root = if app == "desktop_django" {
                &package_dir
            } else {
                &backend_dir
            };
            let dir = root.join(app).join("migrations");
            let files: Vec<String> = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .flatten()
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|n| n.ends_with(".py") && n.as_bytes()[0].is_ascii_digit())
                .map(|n| n.trim_end_matches(".py").to_string())
                .collect();
            for name in files {
                assert!(
                    applied.iter().any(|(a, n)| a == app && n == &name),
                    "health said ok but {app}.{name} is not applied"
                );
            }
        }
    });
}

/// C-READY-2: the splash comes first, and no request from the webview reaches the app before the
/// first `/health/` 200, as the backend's access log shows. The page did load: the log has
/// webview requests.
#[test]
fn c_ready_2_no_webview_request_before_health() {
    check("C-READY-2", |shell| {
        let mut l = Launch::start(shell, LaunchOptions::default());
        let splash = l.wait_event("splash_shown", READY_TIMEOUT);
        let ready = l.wait_event("backend_ready", READY_TIMEOUT);
        assert!(
            splash.t_ms <= ready.t_ms,
            "splash_shown at {} ms comes after backend_ready at {} ms",
            splash.t_ms,
            ready.t_ms
        );
        l.wait_event("window_loaded", READY_TIMEOUT);
        let is_webview = |a: &AccessLine| !a.is_supervisor() && !a.is_conformance();
        let log = l.wait_access_log(Duration::from_secs(15), "a webview request", |lines| {
            lines.iter().any(is_webview)
        });
        let table = conformance::launch::format_access(&log);
        let health = log
            .iter()
            .position(|a| a.route() == "/health/" && a.status == 200)
            .unwrap_or_else(|| panic!("no /health/ 200 in access.log:\n{table}"));
        let first_ok = &log[health];
        for (i, a) in log.iter().enumerate().filter(|(_, a)| is_webview(a)) {
            assert!(
                i > health && a.ts >= first_ok.ts,
                "webview request {} {} (ua {:?}) precedes the first /health/ 200:\n{table}",
                a.method,
                a.path,
                a.ua
            );
        }
    });
}

/// C-READY-3: the backend exits during startup (a stand-in interpreter that prints an error and
/// exits 3): a readable error with the log path, every child stopped, a non-zero exit.
#[test]
fn c_ready_3_backend_exits_during_startup() {
    check_scenario("C-READY-3", "exits-early", |shell| {
        let said = "conformance fault: the backend gave up during startup";
        let fake = FakePython::new(&FakeSpec::web(Action::ExitEarly {
            code: 3,
            message: said.into(),
        }));
        let mut l = Launch::start(shell, LaunchOptions::default().python(&fake.path));
        assert_startup_failure(&mut l, "a backend that exits during startup", &[said]);
    });
}

/// C-READY-3: a malformed handshake line (the web process then hangs on): the shell reports it,
/// stops the process, exits non-zero.
#[test]
fn c_ready_3_malformed_handshake() {
    check_scenario("C-READY-3", "malformed-handshake", |shell| {
        let fake = FakePython::new(&FakeSpec::web(Action::Malformed));
        let mut l = Launch::start(shell, LaunchOptions::default().python(&fake.path));
        let m = assert_startup_failure(&mut l, "a malformed handshake", &[]);
        assert!(
            m.to_lowercase().contains("handshake"),
            "message {m:?} does not say what was wrong"
        );
    });
}

/// C-READY-3: a backend that never becomes ready fails at the configured timeout
/// (`DESKTOP_DJANGO_READY_TIMEOUT_MS`, 30 s by default; 1500 ms here), not before, not long after.
#[test]
fn c_ready_3_never_ready_times_out() {
    check_scenario("C-READY-3", "never-ready", |shell| {
        let fake = FakePython::new(&FakeSpec::web(Action::Hang));
        let mut l = Launch::start(
            shell,
            LaunchOptions::default()
                .python(&fake.path)
                .env(READY_TIMEOUT_ENV, SHORT_READY_MS.to_string()),
        );
        let spawned = l.wait_event("backend_spawned", READY_TIMEOUT).t_ms;
        let failed = l.wait_event("startup_failed", FAULT_WAIT).t_ms;
        let after = failed.saturating_sub(spawned);
        // The timeout runs from just before the spawn; backend_spawned is written just after it.
        assert!(
            (SHORT_READY_MS - 300..SHORT_READY_MS + 5000).contains(&after),
            "startup_failed {after} ms after the spawn, with a {SHORT_READY_MS} ms timeout"
        );
        assert_startup_failure(&mut l, "a backend that never becomes ready", &[]);
    });
}

/// C-READY-3: a corrupt `app.sqlite3` gives a clear error (the backend's, in the shell's log),
/// a non-zero exit, and the file byte-for-byte untouched: no journal, WAL or backup beside it.
#[test]
fn c_ready_3_corrupt_database_left_untouched() {
    check_scenario("C-READY-3", "corrupt-database", |shell| {
        let data = tempfile::tempdir().unwrap();
        let app = data.path().join("app-data");
        std::fs::create_dir_all(&app).unwrap();
        let db = app.join("app.sqlite3");
        let mut junk = b"SQLite format 3\0".to_vec();
        junk.extend((0..8192u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
        std::fs::write(&db, &junk).unwrap();
        let mtime = std::fs::metadata(&db).unwrap().modified().unwrap();
        let mut l = Launch::start(shell, LaunchOptions::default().app_data(&app));
        assert_startup_failure(&mut l, "a corrupt database", &["cannot be opened"]);
        assert_eq!(
            std::fs::read(&db).unwrap(),
            junk,
            "app.sqlite3 was modified"
        );
        assert_eq!(
            std::fs::metadata(&db).unwrap().modified().unwrap(),
            mtime,
            "mtime changed"
        );
        for side in [
            "app.sqlite3-wal",
            "app.sqlite3-shm",
            "app.sqlite3-journal",
            "backups",
        ] {
            assert!(
                !app.join(side).exists(),
                "{side} appeared beside the corrupt database"
            );
        }
    });
}

/// C-READY-4 (SHOULD): `/health/?nonce=N` adds `proof` = hex HMAC-SHA256(token, N), and the
/// supervisor's own probes carry a nonce.
#[test]
fn c_ready_4_health_proof() {
    check_scenario("C-READY-4", "proof", |shell| {
        use hmac::{KeyInit, Mac};
        let mut l = Launch::start(shell, LaunchOptions::default());
        let backend = l.ready();
        let token = token_of(&l);
        let nonce = "conformance-nonce-1234";
        let r = backend
            .get(&format!("/health/?nonce={nonce}"), Auth::Header(&token))
            .unwrap();
        assert_eq!(r.status, 200, "{}", r.body);
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(token.as_bytes()).unwrap();
        mac.update(nonce.as_bytes());
        let want = hex::encode(mac.finalize().into_bytes());
        assert_eq!(r.json().unwrap()["proof"].as_str(), Some(want.as_str()));
        let log = l.access_log();
        assert!(
            log.iter().any(|a| a.is_supervisor()
                && a.route() == "/health/"
                && query(&a.path).contains_key("nonce")),
            "the supervisor's health probes carry no nonce:\n{}",
            conformance::launch::format_access(&log)
        );
    });
}

/// C-READY-4 (SHOULD): an impostor on the port (a stand-in `desktop_serve` that handshakes and
/// answers `/health/` 200 with a wrong proof) is never navigated to: no ticket request, no
/// bootstrap, a startup failure instead.
#[test]
fn c_ready_4_impostor_is_refused() {
    check_scenario("C-READY-4", "impostor", |shell| {
        let fake = FakePython::new(&FakeSpec::web(Action::PythonSource(IMPOSTOR.into())));
        let mut l = Launch::start(shell, LaunchOptions::default().python(&fake.path));
        assert_startup_failure(&mut l, "an impostor backend", &[]);
        let seen = fake.impostor_requests();
        assert!(
            seen.iter().any(|r| r.contains("/health/")),
            "the shell never probed the impostor: {seen:?}"
        );
        assert!(
            seen.iter().all(|r| r.ends_with("/health/")),
            "the shell went past the failed proof: {seen:?}"
        );
    });
}

// ---------------------------------------------------------------------------------------- DATA

/// C-DATA-1: with `DESKTOP_DJANGO_APP_DATA_DIR` unset, the shell resolves the app-data dir from
/// the app id of `desktop.toml`: `$XDG_DATA_HOME/<app_id>` (not a per-shell dir), created 0700,
/// holding `app.sqlite3` and `logs/`, and given to the backend as its app-data dir. Every shell
/// passes the same check, so all resolve the same dir.
#[test]
fn c_data_1_xdg_data_home() {
    check_scenario("C-DATA-1", "xdg-data-home", |shell| {
        let home = tempfile::tempdir().unwrap();
        let xdg = home.path().join("xdg-data");
        app_data_dir_case(
            shell,
            home.path(),
            Some(&xdg),
            &xdg.join(demo_identity().app_id),
        );
    });
}

/// C-DATA-1: with neither override nor `XDG_DATA_HOME`, it is `~/.local/share/<app_id>`.
#[test]
fn c_data_1_home_default() {
    check_scenario("C-DATA-1", "home", |shell| {
        let home = tempfile::tempdir().unwrap();
        let expected = home
            .path()
            .join(".local")
            .join("share")
            .join(demo_identity().app_id);
        app_data_dir_case(shell, home.path(), None, &expected);
    });
}

fn app_data_dir_case(shell: &Shell, home: &Path, xdg: Option<&Path>, expected: &Path) {
    if !cfg!(target_os = "linux") {
        panic!("the expected app-data location is computed for Linux; port the check");
    }
    let mut opts = LaunchOptions::default().env("HOME", home);
    opts.app_data = Some(expected.to_path_buf());
    opts.app_data_unset = true;
    let opts = match xdg {
        Some(x) => opts.env("XDG_DATA_HOME", x),
        None => {
            let mut o = opts;
            o.env.push(("XDG_DATA_HOME".into(), String::new()));
            o
        }
    };
    let mut l = running_with(shell, opts);
    let db = expected.join("app.sqlite3");
    assert!(
        db.is_file(),
        "{} does not exist\n{}",
        db.display(),
        l.diagnostics()
    );
    assert!(
        expected.join("logs").join("access.log").is_file(),
        "no logs/ in {}",
        expected.display()
    );
    #[cfg(unix)]
    assert_eq!(mode_of(expected), 0o700, "mode of {}", expected.display());
    for p in l.backend_processes() {
        assert_eq!(
            p.env("DESKTOP_DJANGO_APP_DATA_DIR")
                .map(PathBuf::from)
                .as_deref(),
            Some(expected),
            "pid {} ({}) got another app-data dir",
            p.pid,
            p.cmdline()
        );
    }
    quit_clean(&mut l, "after the app-data check");
}

/// C-DATA-2: WAL is read from the database file itself; the other pragmas from `/health/`, which
/// reports the ones in effect on the serving connection.
///
/// SQLite marks a database in WAL mode in its header: bytes 18 and 19 (file format write and
/// read versions) are 2 for WAL, 1 for the legacy rollback journal. So the file on disk proves
/// WAL without opening it through SQLite.
#[test]
fn c_data_2_sqlite_pragmas() {
    check("C-DATA-2", |shell| {
        let mut l = Launch::start(shell, LaunchOptions::default());
        let backend = l.ready();
        let token = l.token();
        let db = l.app_data.join("app.sqlite3");
        let bytes = std::fs::read(&db).unwrap_or_else(|e| panic!("{}: {e}", db.display()));
        assert!(
            bytes.len() >= 100 && bytes.starts_with(b"SQLite format 3\0"),
            "{} is not an SQLite database ({} bytes)",
            db.display(),
            bytes.len()
        );
        assert_eq!(
            (bytes[18], bytes[19]),
            (2, 2),
            "header bytes 18/19 of {}: WAL mode writes 2/2",
            db.display()
        );
        let r = backend.get("/health/", Auth::Header(&token)).unwrap();
        assert_eq!(r.status, 200, "GET /health/: {}", r.body);
        let health = r.json().unwrap();
        assert_eq!(health["status"], "ok", "{health}");
        let sqlite = &health["sqlite"];
        assert!(
            sqlite
                .get("journal_mode")
                .and_then(|v| v.as_str())
                .is_some_and(|m| m.eq_ignore_ascii_case("wal")),
            "journal_mode: {health}"
        );
        for (pragma, want) in [
            ("synchronous", 1),       // NORMAL
            ("cache_size", -20000),   // 20 000 KiB
            ("mmap_size", 134217728), // 128 MiB
            ("temp_store", 2),        // MEMORY
            ("foreign_keys", 1),      // ON
            ("busy_timeout", 20000),  // timeout 20 s
        ] {
            let got = &sqlite[pragma];
            let ok = got.as_i64() == Some(want)
                || got.as_str().and_then(|s| s.parse::<i64>().ok()) == Some(want);
            assert!(ok, "{pragma} is {got}, the contract says {want}: {health}");
        }
    });
}

/// C-DATA-3: a fresh app-data dir gets the 3-pony roster; after clearing the stable a relaunch
/// does not re-seed, and neither does the one after it.
#[test]
fn c_data_3_first_run_seeding() {
    check("C-DATA-3", |shell| {
        let data = tempfile::tempdir().unwrap();
        let app = data.path().join("app-data");
        let launch = || {
            let mut l = Launch::start(shell, LaunchOptions::default().app_data(&app));
            let backend = l.ready();
            let token = l.token();
            (l, backend, token)
        };
        let (mut l, backend, token) = launch();
        assert_eq!(demo::ponies(&backend, &token).unwrap(), 3, "fresh data dir");
        demo::clear_stable(&backend, &token).unwrap();
        assert_eq!(demo::ponies(&backend, &token).unwrap(), 0, "after clearing");
        l.quit(QUIT_TIMEOUT);
        drop(l);
        for relaunch in 1..=2 {
            let (mut l, backend, token) = launch();
            assert_eq!(
                demo::ponies(&backend, &token).unwrap(),
                0,
                "relaunch {relaunch} after clearing re-seeded the stable"
            );
            l.quit(QUIT_TIMEOUT);
        }
    });
}

/// C-DATA-3: a first launch that dies after migrating but before seeding (a stand-in
/// interpreter runs the real `manage.py migrate`, then exits) leaves a database the next launch
/// seeds, exactly once.
#[test]
fn c_data_3_died_before_seeding_seeds_next_time() {
    check_scenario("C-DATA-3", "died-before-seeding", |shell| {
        let data = tempfile::tempdir().unwrap();
        let app = data.path().join("app-data");
        let fake = FakePython::new(&FakeSpec::web(Action::Sh(
            "\"$real\" \"$1\" migrate --noinput >/dev/null 2>&1; echo 'conformance: died before seeding' >&2; exit 1".into(),
        )));
        let mut first = Launch::start(
            shell,
            LaunchOptions::default().app_data(&app).python(&fake.path),
        );
        assert_startup_failure(&mut first, "a launch that died before seeding", &[]);
        drop(first);
        let applied =
            sqlite::applied_migrations(&app.join("app.sqlite3")).unwrap_or_else(|e| panic!("{e}"));
        assert!(!applied.is_empty(), "the first launch did not migrate");
        let mut l = Launch::start(shell, LaunchOptions::default().app_data(&app));
        let backend = l.ready();
        let token = token_of(&l);
        assert_eq!(
            pony_count(&backend, &token),
            3,
            "the next launch did not seed"
        );
        quit_clean(&mut l, "after seeding");
    });
}

/// C-DATA-4: in packaged mode (`desktop.toml`'s packaged settings, set by a stand-in
/// interpreter), `SECRET_KEY` is generated on first run into `<app-data>/secret_key`, mode 0600;
/// two installs get different keys, and a relaunch keeps its key.
#[test]
fn c_data_4_per_install_secret_key() {
    check("C-DATA-4", |shell| {
        let id = demo_identity();
        let fake = FakePython::new(
            &FakeSpec::default()
                .export("DJANGO_SETTINGS_MODULE", &id.settings_packaged)
                .export("DESKTOP_DJANGO_MODE", "packaged"),
        );
        let data = tempfile::tempdir().unwrap();
        let launch = |app: &Path| -> Vec<u8> {
            let mut l = running_with(
                shell,
                LaunchOptions::default().app_data(app).python(&fake.path),
            );
            let web = l.web_processes();
            assert!(
                web.iter().all(|p| p.env("DJANGO_SETTINGS_MODULE") == Some(id.settings_packaged.as_str())),
                "not running the packaged settings: {:?}",
                web.iter().map(|p| p.env("DJANGO_SETTINGS_MODULE")).collect::<Vec<_>>()
            );
            assert!(
                app.join("app.sqlite3").is_file(),
                "packaged mode keeps the database elsewhere"
            );
            quit_clean(&mut l, "packaged mode");
            let key = app.join("secret_key");
            #[cfg(unix)]
            assert_eq!(mode_of(&key), 0o600, "mode of {}", key.display());
            let bytes = std::fs::read(&key).unwrap_or_else(|e| panic!("{}: {e}", key.display()));
            assert!(bytes.len() >= 50, "a {}-byte secret key", bytes.len());
            for (p, text) in log_files(app) {
                assert!(
                    !text.contains(String::from_utf8_lossy(&bytes).trim()),
                    "{} contains the secret key",
                    p.display()
                );
            }
            bytes
        };
        let a = data.path().join("install-a");
        let b = data.path().join("install-b");
        let key_a = launch(&a);
        let key_b = launch(&b);
        assert_ne!(key_a, key_b, "two installs share one SECRET_KEY");
        assert_eq!(launch(&a), key_a, "a relaunch changed the SECRET_KEY");
    });
}

/// C-DATA-5 (SHOULD): a launch with unapplied migrations backs the existing database up first
/// (to `<app-data>/backups/`, a valid SQLite copy of the state before the migration), keeping
/// the last 3; a fresh database and a launch with nothing to migrate make no backup.
/// Unapplied migrations are made by dropping the `routines` tables and their migration rows
/// between launches.
#[test]
fn c_data_5_backup_before_migrate() {
    check("C-DATA-5", |shell| {
        let data = tempfile::tempdir().unwrap();
        let app = data.path().join("app-data");
        let db = app.join("app.sqlite3");
        let count = || backups_in(&app);
        let cycle = |what: &str| {
            let mut l = Launch::start(shell, LaunchOptions::default().app_data(&app));
            l.ready();
            quit_clean(&mut l, what);
        };
        cycle("fresh");
        assert!(
            count().is_empty(),
            "a fresh database was backed up: {:?}",
            count()
        );
        cycle("nothing to migrate");
        assert!(
            count().is_empty(),
            "a launch with nothing to migrate made a backup: {:?}",
            count()
        );
        for round in 1..=4 {
            sqlite::execute(
                &db,
                "DROP TABLE IF EXISTS routines_routine; DELETE FROM django_migrations WHERE app = 'routines';",
            )
            .unwrap_or_else(|e| panic!("{e}"));
            cycle("unapplied migrations");
            let files = count();
            assert_eq!(
                files.len(),
                round.min(3),
                "round {round}: backups {files:?}"
            );
            let newest = files.last().unwrap();
            let snap = sqlite::applied_migrations_immutable(newest)
                .unwrap_or_else(|e| panic!("{}: {e}", newest.display()));
            assert!(
                !snap.is_empty() && !snap.iter().any(|(a, _)| a == "routines"),
                "round {round}: {} is not the pre-migration state",
                newest.display()
            );
            let live = sqlite::applied_migrations(&db).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                live.iter().any(|(a, _)| a == "routines"),
                "round {round}: not migrated"
            );
        }
    });
}

/// C-DATA-6: backend and shell logs are in `<app-data>/logs/`, and the access log scrubs the
/// token (and tickets) from query strings.
#[test]
fn c_data_6_logs_and_scrubbing() {
    check_scenario("C-DATA-6", "files-and-scrub", |shell| {
        let mut l = running(shell);
        let backend = l.ready();
        let token = token_of(&l);
        let _ = backend
            .get(
                &format!("/ponies/?token={token}&page=1"),
                Auth::Header(&token),
            )
            .unwrap();
        let _ = backend
            .get(&format!("/health/?anything={token}"), Auth::Header(&token))
            .unwrap();
        let log = l.wait_access_log(
            Duration::from_secs(10),
            "the two scrubbing requests",
            |lines| lines.iter().filter(|a| a.is_conformance()).count() >= 2,
        );
        for a in log.iter().filter(|a| a.is_conformance()) {
            assert!(
                !a.path.contains(&token),
                "access.log has the token: {}",
                a.path
            );
        }
        for a in log
            .iter()
            .filter(|a| a.route() == "/desktop-auth/bootstrap/")
        {
            let t = query(&a.path).get("ticket").cloned().unwrap_or_default();
            assert!(t.len() < 20, "access.log keeps the ticket: {}", a.path);
        }
        quit_clean(&mut l, "after the log checks");
        let names: Vec<String> = log_files(&l.app_data)
            .iter()
            .filter_map(|(p, _)| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        for want in ["shell.log", "backend.log", "access.log"] {
            assert!(names.iter().any(|n| n == want), "no logs/{want}: {names:?}");
        }
        for (p, text) in log_files(&l.app_data) {
            assert!(!text.contains(&token), "{} has the token", p.display());
        }
    });
}

/// C-DATA-6: logs rotate. With oversize logs from a previous run already in place, a launch
/// moves each aside (`shell.log.1`, `backend.log.1`, `access.log.1` keep the old text) and
/// starts small new ones.
#[test]
fn c_data_6_logs_rotate() {
    check_scenario("C-DATA-6", "rotation", |shell| {
        let data = tempfile::tempdir().unwrap();
        let app = data.path().join("app-data");
        let logs = app.join("logs");
        std::fs::create_dir_all(&logs).unwrap();
        let filler = |tag: &str, bytes: usize| -> String {
            let line = format!("{{\"ts\": 1, \"method\": \"GET\", \"path\": \"/{tag}\", \"status\": 200, \"ua\": \"filler\"}}\n");
            line.repeat(bytes / line.len() + 1)
        };
        let old = [
            ("shell.log", filler("old-shell", 1_200_000)),
            ("backend.log", filler("old-backend", 2_100_000)),
            ("access.log", filler("old-access", 2_100_000)),
        ];
        for (name, text) in &old {
            std::fs::write(logs.join(name), text).unwrap();
        }
        let mut l = running_with(shell, LaunchOptions::default().app_data(&app));
        let backend = l.ready();
        let token = token_of(&l);
        let _ = backend.get("/health/", Auth::Header(&token)).unwrap();
        quit_clean(&mut l, "after rotation");
        for (name, text) in &old {
            let rotated = logs.join(format!("{name}.1"));
            let got = std::fs::read_to_string(&rotated)
                .unwrap_or_else(|e| panic!("{name} was not rotated ({}: {e})", rotated.display()));
            assert!(
                got.starts_with(&text[..200]),
                "{} does not hold the old {name}",
                rotated.display()
            );
            let new = std::fs::metadata(logs.join(name))
                .map(|m| m.len())
                .unwrap_or(0);
            assert!(
                new > 0 && new < 1_000_000,
                "the new {name} is {new} bytes: not a fresh file"
            );
        }
    });
}

/// The `<app-data>/backups/app-*.sqlite3` copies, oldest first.
fn backups_in(app: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(app.join("backups"))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    let n = p.file_name().unwrap_or_default().to_string_lossy();
                    n.starts_with("app-") && n.ends_with(".sqlite3")
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// An app-data dir whose database one clean launch created, and its path.
fn launched_once(shell: &Shell, app: &Path) -> PathBuf {
    let mut l = Launch::start(shell, LaunchOptions::default().app_data(app));
    l.ready();
    quit_clean(&mut l, "the first launch");
    app.join("app.sqlite3")
}

/// C-DATA-7: a migration that fails leaves the database exactly as it was before the launch
/// (same applied migrations, same rows) and ends in the startup error with the log path; the
/// backup taken before it is a copy that passes `PRAGMA integrity_check`. The failure is made by
/// forgetting the `routines` migrations while their tables stay, so `CREATE TABLE` fails.
#[test]
fn c_data_7_failed_migration_changes_nothing() {
    check("C-DATA-7", |shell| {
        let data = tempfile::tempdir().unwrap();
        let app = data.path().join("app-data");
        let db = launched_once(shell, &app);
        sqlite::execute(&db, "DELETE FROM django_migrations WHERE app = 'routines';")
            .unwrap_or_else(|e| panic!("{e}"));
        let rows = || {
            let migrations = sqlite::applied_migrations(&db).unwrap_or_else(|e| panic!("{e}"));
            let ponies = sqlite::query(&db, "SELECT id, name, status FROM ponies_pony ORDER BY id")
                .unwrap_or_else(|e| panic!("{e}"));
            (migrations, format!("{ponies:?}"))
        };
        let before = rows();
        let mut l = Launch::start(shell, LaunchOptions::default().app_data(&app));
        assert_startup_failure(&mut l, "a failing migration", &["C-DATA-7", "restored"]);
        assert_eq!(rows(), before, "the failed migration changed the database");
        let backups = backups_in(&app);
        let newest = backups
            .last()
            .expect("no backup was taken before migrating");
        let check = sqlite::query_immutable(newest, "PRAGMA integrity_check")
            .unwrap_or_else(|e| panic!("{}: {e}", newest.display()));
        assert_eq!(
            format!("{check:?}"),
            r#"[[String("ok")]]"#,
            "{}",
            newest.display()
        );
    });
}

/// C-DATA-8: a database with a migration this code does not know (recorded by a newer version)
/// is refused: the startup error names the migration, no migration or backup runs, and the
/// database keeps its rows and its migration history.
#[test]
fn c_data_8_no_silent_downgrade() {
    check("C-DATA-8", |shell| {
        let data = tempfile::tempdir().unwrap();
        let app = data.path().join("app-data");
        let db = launched_once(shell, &app);
        let future = "9999_from_a_newer_version";
        sqlite::execute(
            &db,
            &format!(
                "INSERT INTO django_migrations (app, name, applied) VALUES ('ponies', '{future}', datetime('now'));"
            ),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let before = sqlite::applied_migrations(&db).unwrap_or_else(|e| panic!("{e}"));
        let backups = backups_in(&app);
        let mut l = Launch::start(shell, LaunchOptions::default().app_data(&app));
        assert_startup_failure(&mut l, "a newer database", &[future, "C-DATA-8"]);
        assert_eq!(
            sqlite::applied_migrations(&db).unwrap_or_else(|e| panic!("{e}")),
            before,
            "the refused database's migration history changed"
        );
        assert_eq!(
            backups_in(&app),
            backups,
            "a refused database was backed up"
        );
    });
}

// --------------------------------------------------------------------------------------- SHELL

/// C-SHELL-1: the navigation guard, observed through the probe page. Navigating to `file:`,
/// `data:`, `ftp:`, another port, `localhost` and `mailto:` never replaces the page (it keeps
/// reporting); http(s) and mailto navigations go to the system browser (a stand-in `xdg-open`
/// first on `PATH` records them) and never load in the webview (the suite's listener and the
/// access log see no such request); `window.open` is denied for every target, `javascript:`
/// included, and so is a `target=_blank` link: none of them loads anything in the webview.
#[test]
fn c_shell_1_navigation_guard() {
    check("C-SHELL-1", |shell| {
        let probe = ProbeRun::start(shell);
        let after: Vec<String> = probe
            .reports()
            .into_iter()
            .filter(|(s, _)| s == "alive")
            .filter_map(|(_, q)| q.get("after").cloned())
            .collect();
        assert_eq!(
            after,
            [
                "file",
                "data",
                "custom-scheme",
                "external",
                "localhost",
                "mailto",
                "blank-link"
            ],
            "the page did not survive every navigation attempt"
        );
        let ext = probe.listener.origin();
        let localhost = format!("http://localhost:{}/probe/navigate-localhost/", probe.port);
        // window.open and a synthetic click on a target=_blank link have no user gesture, so a
        // webview may drop them before the shell sees them: they must not load in the webview
        // (checked below), but are not required to reach the system browser.
        let opened = probe.opened_eventually(&[
            format!("{ext}/navigate"),
            localhost.clone(),
            "mailto:someone@example.invalid".into(),
        ]);
        for o in &opened {
            for bad in ["file:", "data:", "ftp:", "javascript:", "ipc-"] {
                assert!(
                    !o.starts_with(bad) && !o.contains(bad),
                    "the system browser was asked to open {o:?}"
                );
            }
        }
        for s in probe.listener.seen() {
            for path in ["/navigate", "/window-open-external", "/link-blank"] {
                assert!(
                    !s.request_line().contains(&format!("{path} ")),
                    "the webview itself loaded {ext}{path}"
                );
            }
        }
        for a in probe.l.access_log() {
            for path in [
                "/probe/navigate-localhost/",
                "/probe/window-open-same/",
                "/probe/javascript-ran/",
            ] {
                assert!(a.route() != path, "the webview loaded {path} ({})", a.ua);
            }
        }
        let loads = probe
            .l
            .events()
            .iter()
            .filter(|e| e.name == "window_loaded")
            .count();
        assert_eq!(
            loads, 1,
            "window_loaded {loads} times: the page was replaced"
        );
    });
}

/// C-SHELL-2: the bridge is exactly `window.desktop.openAppDataFolder()`: a frozen object with
/// that one function, which the page cannot replace; calling it opens the app-data dir in the
/// system file manager (the stand-in opener), and other messages on the transport are ignored.
/// (A shell menu item, where there is one, is not observable from outside.)
#[test]
fn c_shell_2_narrow_bridge() {
    check("C-SHELL-2", |shell| {
        let probe = ProbeRun::start(shell);
        for step in ["bridge", "bridge-after"] {
            let r = probe.report(step);
            assert_eq!(
                r.get("type").map(String::as_str),
                Some("object"),
                "{step}: window.desktop {r:?}"
            );
            assert_eq!(
                r.get("keys").map(String::as_str),
                Some("openAppDataFolder"),
                "{step}: window.desktop exposes {r:?}"
            );
            assert_eq!(
                r.get("frozen").map(String::as_str),
                Some("true"),
                "{step}: {r:?}"
            );
        }
        let app_data = probe
            .l
            .app_data
            .to_string_lossy()
            .trim_end_matches('/')
            .to_string();
        let opened = probe.opened_eventually(std::slice::from_ref(&app_data));
        let folder_opens = opened
            .iter()
            .filter(|o| o.trim_end_matches('/') == app_data)
            .count();
        assert_eq!(
            folder_opens, 1,
            "the app-data folder was opened {folder_opens} times: {opened:?}"
        );
        assert!(
            opened.iter().all(|o| !o.contains("ipc-")),
            "a smuggled bridge message was honoured: {opened:?}"
        );
    });
}

/// C-SHELL-3: the events file. A full run (with autoquit) writes `splash_shown`,
/// `backend_spawned {pid, role}` for web, `backend_listening {port}`, `backend_ready {port,
/// elapsed_ms}`, `backend_spawned` for the worker, `window_loaded {url}`, `shutdown_started` and
/// `shutdown_complete {elapsed_ms}`, in that order, each with a non-decreasing `t_ms` no later
/// than the wall clock since launch, and the pids are the backend's real ones.
#[test]
fn c_shell_3_events_file() {
    check("C-SHELL-3", |shell| {
        let mut l = Launch::start(shell, LaunchOptions::default().autoquit_ms(300));
        l.wait_event("window_loaded", READY_TIMEOUT);
        let live: Vec<(String, u32)> = l.spawned();
        let procs_now = l.processes();
        for (role, pid) in &live {
            assert!(
                procs_now.iter().any(|p| p.pid == *pid),
                "backend_spawned {role} pid {pid} is not a process of this launch"
            );
        }
        let status = l.wait_exit(QUIT_TIMEOUT);
        let wall = l.started.elapsed().as_millis() as u64;
        assert!(status.success(), "exit {status}\n{}", l.diagnostics());
        let ev = l.events();
        let names: Vec<&str> = ev.iter().map(|e| e.name.as_str()).collect();
        // The splash may come just before or just after the web spawn (a shell may start
        // Python first, to overlap it with the window's set-up), but before readiness
        // (C-READY-2); the backend lifecycle and the quit are strictly ordered.
        let order = [
            "backend_spawned",
            "backend_listening",
            "backend_ready",
            "backend_spawned",
            "window_loaded",
            "shutdown_started",
            "shutdown_complete",
        ];
        let mut at = 0;
        for want in order {
            match names[at..].iter().position(|n| *n == want) {
                Some(i) => at += i + 1,
                None => panic!("events out of order or missing {want}: {names:?}"),
            }
        }
        let pos = |n: &str| names.iter().position(|x| *x == n);
        assert_eq!(
            names.iter().filter(|n| **n == "splash_shown").count(),
            1,
            "splash_shown once: {names:?}"
        );
        assert!(
            pos("splash_shown") < pos("backend_ready"),
            "splash_shown after backend_ready: {names:?}"
        );
        assert_eq!(
            names.last(),
            Some(&"shutdown_complete"),
            "the last event: {names:?}"
        );
        for w in ev.windows(2) {
            assert!(w[0].t_ms <= w[1].t_ms, "t_ms goes back: {names:?}");
        }
        assert!(
            ev.last().unwrap().t_ms <= wall + 50,
            "t_ms beyond the wall clock"
        );
        let field = |name: &str, key: &str| -> Vec<serde_json::Value> {
            ev.iter()
                .filter(|e| e.name == name)
                .map(|e| {
                    e.fields
                        .get(key)
                        .cloned()
                        .unwrap_or(serde_json::Value::Null)
                })
                .collect()
        };
        let roles: Vec<serde_json::Value> = field("backend_spawned", "role");
        assert_eq!(
            roles,
            [serde_json::json!("web"), serde_json::json!("worker")]
        );
        assert!(field("backend_spawned", "pid")
            .iter()
            .all(|v| v.as_u64().is_some()));
        let port = field("backend_listening", "port")[0]
            .as_u64()
            .expect("port");
        assert_eq!(field("backend_ready", "port")[0].as_u64(), Some(port));
        assert!(field("backend_ready", "elapsed_ms")[0].as_u64().is_some());
        let url = field("window_loaded", "url")[0]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            url.starts_with(&format!("http://127.0.0.1:{port}/")),
            "window_loaded url {url}"
        );
        assert!(field("shutdown_complete", "elapsed_ms")[0]
            .as_u64()
            .is_some());
    });
}

/// C-SHELL-4: runs without a person (under Xvfb when it needs a display, stdin closed) and
/// `DESKTOP_DJANGO_AUTOQUIT_MS` quits gracefully that long after `window_loaded`: exit 0,
/// nothing left behind, and the page (with its static files) had really loaded.
#[test]
fn c_shell_4_autoquit() {
    check("C-SHELL-4", |shell| {
        let autoquit = 1500;
        let mut l = Launch::start(shell, LaunchOptions::default().autoquit_ms(autoquit));
        let status = l.wait_exit(Duration::from_secs(90));
        assert!(
            status.success(),
            "autoquit exit {status}\n{}",
            l.diagnostics()
        );
        l.assert_no_marked_process_within(ORPHAN_BOUND, "after autoquit");
        let ev = l.events();
        let t = |n: &str| ev.iter().find(|e| e.name == n).map(|e| e.t_ms);
        let loaded = t("window_loaded").expect("window_loaded");
        let quit = t("shutdown_started").expect("shutdown_started");
        let after = quit.saturating_sub(loaded);
        assert!(
            (autoquit..autoquit + 3000).contains(&after),
            "shutdown_started {after} ms after window_loaded, autoquit {autoquit} ms"
        );
        let log = l.access_log();
        let webview: Vec<&AccessLine> = log
            .iter()
            .filter(|a| !a.is_supervisor() && !a.is_conformance())
            .collect();
        assert!(
            webview
                .iter()
                .any(|a| a.status == 200 && a.route() == demo::PONIES),
            "the page never loaded:\n{}",
            conformance::launch::format_access(&log)
        );
        assert!(
            webview
                .iter()
                .any(|a| a.status == 200 && a.route().starts_with("/static/")),
            "the page's static files never loaded:\n{}",
            conformance::launch::format_access(&log)
        );
    });
}

/// C-SHELL-5: a generic host. Given `--project` of another Django project (the probe site: its
/// own `desktop.toml`, app id, product name and settings; its own `.venv`), the shell resolves
/// that project's app-data dir, runs its settings, names its product in its log, and loads its
/// page. Nothing of the demo is compiled in: the shell's compiled files (its program, or the
/// descriptor's `artifacts`) hold none of the demo's identity strings.
#[test]
fn c_shell_5_generic_host() {
    check("C-SHELL-5", |shell| {
        let demo_id = demo_identity();
        for artifact in &shell.spec.artifacts {
            let bytes = std::fs::read(artifact).unwrap_or_else(|e| {
                panic!(
                    "{}: {e} (list the shell's compiled files in the descriptor's `artifacts`)",
                    artifact.display()
                )
            });
            for needle in [
                &demo_id.app_id,
                &demo_id.product_name,
                &demo_id.settings_dev,
            ] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "{} has the demo's {needle:?} compiled in",
                    artifact.display()
                );
            }
        }
        let project = probe_project();
        let opener = FakeOpener::new();
        let home = tempfile::tempdir().unwrap();
        let xdg = home.path().join("xdg-data");
        let expected = xdg.join("dev.desktop-django.conformance-probe");
        let mut opts = LaunchOptions::default()
            .project(project.path())
            .path_prepend(&opener.bin())
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", &xdg);
        opts.app_data = Some(expected.clone());
        opts.app_data_unset = true;
        let mut l = running_with(shell, opts);
        assert!(
            expected.join("app.sqlite3").is_file(),
            "no database in {}",
            expected.display()
        );
        let log = l.shell_log();
        assert!(
            log.contains("Conformance Probe Site"),
            "logs/shell.log does not name the probe site's product:\n{log}"
        );
        for p in l.backend_processes() {
            assert_eq!(
                p.env("DJANGO_SETTINGS_MODULE"),
                Some("probe_site.settings"),
                "{}",
                p.cmdline()
            );
            assert_eq!(
                procs::cwd(p.pid).and_then(|c| std::fs::canonicalize(c).ok()),
                std::fs::canonicalize(project.path()).ok(),
                "the backend does not run in the project dir"
            );
        }
        let access = l.wait_access_log(Duration::from_secs(15), "the probe site's page", |lines| {
            lines.iter().any(|a| {
                !a.is_supervisor() && !a.is_conformance() && a.route() == "/" && a.status == 200
            })
        });
        assert!(!access.is_empty());
        quit_clean(&mut l, "the probe site");
    });
}

// ------------------------------------------------------------------------------------- HOSTILE

/// The hostile-input corpus (`conformance::corpus`, over 100 cases) against one running backend
/// per shell: tokens, Host, bootstrap `next`, tickets, CSRF, bad values and unknown ids on every
/// CRUD endpoint, oversize fields and bodies, malformed HTTP. Each case gets its documented
/// status, never a 5xx, never a bypass, never a hang. Then the state is intact (same roster,
/// healthy, no 5xx in the access log) and a ticket minted before the corpus is refused once it
/// is 30 s old (expired).
#[test]
fn hostile_inputs_corpus() {
    check("HOSTILE", |shell| {
        let mut l = Launch::start(shell, LaunchOptions::default());
        let backend = l.ready();
        let port = l.port();
        let token = token_of(&l);
        let ctx = Ctx::new(port, &token).unwrap_or_else(|e| panic!("{e}"));
        let expiring = ctx.mint().unwrap_or_else(|e| panic!("{e}"));
        let minted = Instant::now();
        let before = pony_count(&backend, &token);
        let cases = corpus::cases();
        let mut results: Vec<corpus::CaseResult> =
            cases.iter().map(|c| corpus::run_case(&ctx, c)).collect();
        assert_eq!(
            pony_count(&backend, &token),
            before,
            "the corpus changed the stable"
        );
        let health = backend.get("/health/", Auth::Header(&token)).unwrap();
        assert_eq!(
            health.status, 200,
            "the backend is unhealthy after the corpus"
        );
        let errors: Vec<String> = l
            .access_log()
            .iter()
            .filter(|a| a.status >= 500)
            .map(|a| format!("{} {} {}", a.status, a.method, a.path))
            .collect();
        // The expired ticket: wait (without holding a launch slot) until it is over 30 s old.
        let age = Duration::from_millis(30_500);
        l.idle(|| std::thread::sleep(age.saturating_sub(minted.elapsed())));
        let expired = ctx
            .send(&ctx.bootstrap(&expiring, Some("%2F")))
            .map(|r| r.status);
        results.push(corpus::CaseResult {
            group: "C-AUTH-5 ticket",
            name: "expired ticket (30.5 s old)".into(),
            expect: vec![403],
            got: expired.as_ref().ok().copied(),
            problem: match expired {
                Ok(403) => String::new(),
                Ok(s) => format!("got {s}"),
                Err(e) => e,
            },
        });
        let failed = results.iter().filter(|r| !r.ok()).count();
        conformance::raw_stderr(&format!(
            "conformance: HOSTILE {}: {} of {} cases passed\n",
            shell.spec.name,
            results.len() - failed,
            results.len()
        ));
        assert!(
            failed == 0 && errors.is_empty(),
            "{failed} of {} hostile cases failed; 5xx in access.log: {errors:?}\n{}",
            results.len(),
            corpus::table(&results)
        );
    });
}

#[test]
fn query_decoding() {
    let q = query("/probe/bridge/?type=object&keys=openAppDataFolder%2Cx&frozen=true&s=a+b");
    assert_eq!(q["keys"], "openAppDataFolder,x");
    assert_eq!(q["s"], "a b");
    assert!(query("/x").is_empty());
    let _ = fakes::real_python();
}
