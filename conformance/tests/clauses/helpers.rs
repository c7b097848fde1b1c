//! What the clause tests share: the timeouts they wait with, the demo's identity, launching until
//! both roles run, a clean quit, the checks after a failed start, the access log's query strings,
//! the corpus runner, and the log files and file modes of an app-data dir.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use conformance::corpus::{self, Ctx};
use conformance::fakes;
use conformance::{
    demo, Event, EventKind, Launch, LaunchOptions, Shell, ORPHAN_BOUND, READY_TIMEOUT,
};

/// Time a shell gets to exit after a graceful quit: the grace period (5000 ms) plus margin.
pub(crate) const QUIT_TIMEOUT: Duration = Duration::from_secs(20);
/// Time a faulty start gets to be reported (the injected faults resolve in a few seconds).
pub(crate) const FAULT_WAIT: Duration = Duration::from_secs(60);
/// The readiness timeout given to launches whose backend never becomes ready.
pub(crate) const SHORT_READY_MS: u64 = 1500;

/// The demo project's identity, read from `backend/desktop.toml` like a shell reads it.
pub(crate) struct Identity {
    pub(crate) app_id: String,
    pub(crate) product_name: String,
    pub(crate) settings_dev: String,
    pub(crate) settings_packaged: String,
    /// The first page the window opens: the bootstrap's `next` (default `/`).
    pub(crate) start_path: String,
}

pub(crate) fn demo_identity() -> Identity {
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
        start_path: v.get("start_path").map_or_else(|| "/".to_string(), s),
    }
}

/// Launches with `opts`, waits until both backend roles run and the page has loaded.
pub(crate) fn running_with(shell: &Shell, opts: LaunchOptions) -> Launch {
    let mut l = Launch::start(shell, opts);
    l.ready();
    l.wait_worker();
    l.wait_event(EventKind::WindowLoaded, READY_TIMEOUT);
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

pub(crate) fn running(shell: &Shell) -> Launch {
    running_with(shell, LaunchOptions::default())
}

/// Quits gracefully and asserts exit 0 with nothing left behind.
pub(crate) fn quit_clean(l: &mut Launch, what: &str) {
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
pub(crate) fn assert_startup_failure(l: &mut Launch, what: &str, log_needles: &[&str]) -> String {
    let ev = l.wait_event(EventKind::StartupFailed, FAULT_WAIT);
    let Event::StartupFailed { message, log_path } = ev.event else {
        unreachable!("wait_event returns its kind")
    };
    assert!(
        message.trim().len() >= 10,
        "{what}: the error message is not readable: {message:?}"
    );
    let log_path = PathBuf::from(log_path);
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
        !l.events()
            .iter()
            .any(|e| e.event.kind() == EventKind::WindowLoaded),
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
pub(crate) fn token_of(l: &Launch) -> String {
    l.token()
}

/// Query parameters of an access-log path (`+` and `%XX` decoded).
pub(crate) fn query(path: &str) -> BTreeMap<String, String> {
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

/// Runs the corpus cases of `group` (a clause's slice of the hostile corpus) on `l`.
pub(crate) fn corpus_group(l: &Launch, port: u16, token: &str, group: &str) {
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

pub(crate) fn pony_count(backend: &conformance::Backend, token: &str) -> usize {
    demo::ponies(backend, token).unwrap_or_else(|e| panic!("{e}"))
}

/// `<app-data>/logs/*`, every file with its text.
pub(crate) fn log_files(app_data: &Path) -> Vec<(PathBuf, String)> {
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
pub(crate) fn mode_of(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn query_decoding() {
    let q = query("/probe/bridge/?type=object&keys=openAppDataFolder%2Cx&frozen=true&s=a+b");
    assert_eq!(q["keys"], "openAppDataFolder,x");
    assert_eq!(q["s"], "a b");
    assert!(query("/x").is_empty());
    let _ = fakes::real_python();
}
