//! What the clause tests share: the timeouts they wait with, the backend under test, launching
//! until its roles run, a clean quit, the checks after a failed start, the access log's query strings,
//! the corpus runner, and the log files and file modes of an app-data dir.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use conformance::backend::Project;
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

/// The backend under test ([`conformance::backend::under_test`]): its `desktop.toml` and
/// interpreter.
pub(crate) fn under_test() -> &'static Project {
    conformance::backend::under_test()
}

/// The project a launch with `opts` runs: its `--project`, else the backend under test.
pub(crate) fn project_of(opts: &LaunchOptions) -> Project {
    match &opts.project {
        Some(dir) => Project::read(dir).unwrap_or_else(|e| panic!("{e}")),
        None => under_test().clone(),
    }
}

/// Launches with `opts`, waits until every backend role of its project runs (`desktop_serve`,
/// and `desktop_worker` unless its `desktop.toml` says `worker = false`) and the page has loaded.
pub(crate) fn running_with(shell: &Shell, opts: LaunchOptions) -> Launch {
    let project = project_of(&opts);
    let mut l = Launch::start(shell, opts);
    l.ready();
    if project.worker {
        l.wait_worker();
    }
    l.wait_event(EventKind::WindowLoaded, READY_TIMEOUT);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let procs = l.processes();
        if project
            .role_commands()
            .iter()
            .all(|cmd| procs.iter().any(|p| p.has_arg(cmd)))
        {
            return l;
        }
        assert!(
            Instant::now() < deadline,
            "{:?} are not all running: {:?}\n{}",
            project.role_commands(),
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
    assert!(
        corpus::applies(group),
        "the corpus group {group:?} needs the demo: filter with corpus::applies"
    );
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

/// The app's own pages, for checks that read pages: on the demo its pony list and routines
/// page; on another project its `start_path` and every same-origin page that redirects to (a
/// login-protected home leads to its login page), and `/admin/login/` where it answers 200.
/// Every path was answered 200 with the token header.
pub(crate) fn app_pages(backend: &conformance::Backend, token: &str) -> Vec<String> {
    if under_test().is_demo {
        return vec![demo::PONIES.to_string(), "/routines/".to_string()];
    }
    let mut pages = Vec::new();
    let mut next = Some(under_test().start_path.clone());
    let origin = backend.url("");
    for _ in 0..5 {
        let Some(path) = next.take() else { break };
        let r = backend
            .get(&path, conformance::Auth::Header(token))
            .unwrap_or_else(|e| panic!("{e}"));
        if r.status == 200 {
            pages.push(path.clone());
        }
        next = r
            .headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(|l| {
                l.strip_prefix(origin.trim_end_matches('/'))
                    .unwrap_or(l)
                    .to_string()
            })
            .filter(|l| l.starts_with('/') && !l.starts_with("//"));
    }
    let admin = backend
        .get("/admin/login/", conformance::Auth::Header(token))
        .unwrap_or_else(|e| panic!("{e}"));
    if admin.status == 200 {
        pages.push("/admin/login/".to_string());
    }
    assert!(
        !pages.is_empty(),
        "neither {} (nor where it redirects) nor /admin/login/ answers 200",
        under_test().start_path
    );
    pages
}

/// The first same-origin `/static/…` file that one of [`app_pages`] references, if any (a
/// project may have none; the demo's pony list always has one).
pub(crate) fn app_static_path(backend: &conformance::Backend, token: &str) -> Option<String> {
    app_pages(backend, token).iter().find_map(|p| {
        let r = backend
            .get(p, conformance::Auth::Header(token))
            .unwrap_or_else(|e| panic!("{e}"));
        demo::first_static_path(&r.body)
    })
}

/// What the app holds, for "nothing changed" on a project that is not the demo: every table of
/// `<app-data>/app.sqlite3` with its row count, read-only while the backend runs.
pub(crate) fn table_counts(app_data: &Path) -> Vec<(String, i64)> {
    let db = app_data.join("app.sqlite3");
    let tables = conformance::sqlite::query(
        &db,
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    tables
        .iter()
        .filter_map(|row| row.first()?.as_str().map(str::to_string))
        .map(|name| {
            let sql = format!("SELECT count(*) FROM \"{}\"", name.replace('"', "\"\""));
            let rows = conformance::sqlite::query(&db, &sql).unwrap_or_else(|e| panic!("{e}"));
            let n = rows
                .first()
                .and_then(|r| r.first())
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(-1);
            (name, n)
        })
        .collect()
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
