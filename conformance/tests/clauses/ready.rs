//! C-READY: the health check, no webview request before it, failed starts (early exit, malformed
//! handshake, timeout, corrupt database), and the health proof against an impostor.

use std::time::Duration;

use conformance::fakes::{Action, FakePython, FakeSpec, IMPOSTOR};
use conformance::launch::READY_TIMEOUT_ENV;
use conformance::{
    check, check_scenario, sqlite, AccessLine, Auth, EventKind, Launch, LaunchOptions,
    READY_TIMEOUT,
};

use crate::helpers::{
    assert_startup_failure, query, token_of, under_test, FAULT_WAIT, SHORT_READY_MS,
};

/// C-READY-1: `/health/` with the token is 200 JSON `{"status": "ok", "version", "sqlite"}`
/// with the contract's pragmas in effect, and by then every migration of the project's own apps
/// and of desktop_django (the files under `<app>/migrations/`) is recorded as applied in the
/// database file.
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
        // The project's own apps (the demo: ponies and routines), and desktop_django's
        // migrations as this checkout has them.
        let project = under_test();
        let mut apps = project.migrating_apps();
        assert!(
            !project.is_demo || apps.len() == 2,
            "the demo migrates ponies and routines: {apps:?}"
        );
        let package = conformance::workspace().join("python/desktop-django/src/desktop_django");
        apps.push(("desktop_django".to_string(), package.join("migrations")));
        for (app, dir) in &apps {
            let files = conformance::backend::migration_names(dir);
            assert!(!files.is_empty(), "no migrations in {}", dir.display());
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
        let splash = l.wait_event(EventKind::SplashShown, READY_TIMEOUT);
        let ready = l.wait_event(EventKind::BackendReady, READY_TIMEOUT);
        assert!(
            splash.t_ms <= ready.t_ms,
            "splash_shown at {} ms comes after backend_ready at {} ms",
            splash.t_ms,
            ready.t_ms
        );
        l.wait_event(EventKind::WindowLoaded, READY_TIMEOUT);
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
        let spawned = l.wait_event(EventKind::BackendSpawned, READY_TIMEOUT).t_ms;
        let failed = l.wait_event(EventKind::StartupFailed, FAULT_WAIT).t_ms;
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

crate::checks! {
    "C-READY-1" => c_ready_1_health_reports_ready,
    "C-READY-2" => c_ready_2_no_webview_request_before_health,
    "C-READY-3" => c_ready_3_backend_exits_during_startup,
    "C-READY-3" => c_ready_3_malformed_handshake,
    "C-READY-3" => c_ready_3_never_ready_times_out,
    "C-READY-3" => c_ready_3_corrupt_database_left_untouched,
    "C-READY-4" => c_ready_4_health_proof,
    "C-READY-4" => c_ready_4_impostor_is_refused,
}
