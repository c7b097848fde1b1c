//! One test per contract clause, named after its id, each run on every shell with a descriptor
//! (`shells/*/conformance.toml`). Every assertion is made from outside the shell: sockets, HTTP,
//! the process table, the SQLite file, the log files and the events file.
//!
//! All clauses live in this one test binary so that they share one Xvfb, one build step per shell
//! and one bound on concurrent launches.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use conformance::{check, demo, Auth, Launch, LaunchOptions, Level, ORPHAN_BOUND, READY_TIMEOUT};

/// Time a shell gets to exit after a graceful quit: the grace period (5000 ms) plus margin.
const QUIT_TIMEOUT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------- PORT

/// C-PORT-1: the backend listens on 127.0.0.1 only. The port from `backend_listening` accepts on
/// 127.0.0.1, and no process of the launch holds a listening TCP socket on any other address.
#[test]
fn c_port_1_loopback_only() {
    check("C-PORT-1", Level::Must, |shell| {
        let mut l = Launch::start(shell, LaunchOptions::default());
        let port = l.port();
        l.wait_event("backend_ready", READY_TIMEOUT);
        l.wait_worker();
        let loopback = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
        TcpStream::connect_timeout(&loopback, Duration::from_secs(5)).unwrap_or_else(|e| {
            panic!("port {port} from backend_listening refuses 127.0.0.1: {e}")
        });
        #[cfg(target_os = "linux")]
        {
            let procs = l.processes();
            let web = l.web_processes();
            assert!(
                !web.is_empty(),
                "no desktop_serve process carries the marker"
            );
            let mut web_listens_on_port = false;
            for p in &procs {
                let Ok(listening) = conformance::procs::listening_sockets(p.pid) else {
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

/// C-PORT-3: two launches, one after the other, get different ports.
#[test]
fn c_port_3_port_differs_between_launches() {
    check("C-PORT-3", Level::Must, |shell| {
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

/// C-AUTH-2: without the token every path is 403 (`/`, `/health/`, `/static/…`, `/splash/`);
/// with the token in the header, or in the cookie, they are served.
#[test]
fn c_auth_2_token_enforced() {
    check("C-AUTH-2", Level::Must, |shell| {
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
    });
}

// --------------------------------------------------------------------------------------- READY

/// C-READY-2: the splash comes first, and no request from the webview reaches the app before the
/// first `/health/` 200, as the backend's access log shows. The page did load: the log has
/// webview requests.
#[test]
fn c_ready_2_no_webview_request_before_health() {
    check("C-READY-2", Level::Must, |shell| {
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
        let is_webview = |a: &conformance::AccessLine| !a.is_supervisor() && !a.is_conformance();
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

// ---------------------------------------------------------------------------------------- DATA

/// C-DATA-2: WAL is read from the database file itself; the other pragmas from `/health/`, which
/// reports the ones in effect on the serving connection.
///
/// SQLite marks a database in WAL mode in its header: bytes 18 and 19 (file format write and
/// read versions) are 2 for WAL, 1 for the legacy rollback journal. So the file on disk proves
/// WAL without opening it through SQLite.
#[test]
fn c_data_2_sqlite_pragmas() {
    check("C-DATA-2", Level::Must, |shell| {
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
    check("C-DATA-3", Level::Must, |shell| {
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

// ---------------------------------------------------------------------------------------- PROC

/// Launches, waits until both backend roles run, and returns the launch.
fn running(shell: &conformance::Shell) -> Launch {
    let mut l = Launch::start(shell, LaunchOptions::default());
    l.ready();
    l.wait_worker();
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
            "desktop_serve and desktop_worker are not both running: {:?}",
            procs.iter().map(|p| p.cmdline()).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// C-PROC-4 (with C-PROC-3): after a graceful quit the shell exits 0, and no process of the
/// launch survives it by more than 3000 ms.
#[test]
fn c_proc_4_tree_kill_after_quit() {
    check("C-PROC-4", Level::Must, |shell| {
        let mut l = running(shell);
        let status = l.quit(QUIT_TIMEOUT);
        assert!(
            status.success(),
            "the shell exited with {status} after SIGTERM"
        );
        l.assert_no_marked_process_within(ORPHAN_BOUND, "after a graceful quit");
    });
}

/// C-PROC-5: after SIGKILL of the shell, no process of the launch outlives it by more than
/// 3000 ms.
#[test]
fn c_proc_5_no_orphans_after_shell_sigkill() {
    check("C-PROC-5", Level::Must, |shell| {
        let mut l = running(shell);
        let killed = Instant::now();
        l.kill_shell();
        let left = ORPHAN_BOUND.saturating_sub(killed.elapsed());
        l.assert_no_marked_process_within(left, "after SIGKILL of the shell");
    });
}
