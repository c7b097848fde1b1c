//! C-DATA-1 and C-DATA-2: where the app-data dir is, and the pragmas of the SQLite database in it.

use std::path::{Path, PathBuf};

use conformance::{check, check_scenario, Auth, Launch, LaunchOptions, Shell};

#[cfg(unix)]
use crate::helpers::mode_of;
use crate::helpers::{quit_clean, running_with, under_test};

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
            &xdg.join(&under_test().app_id),
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
            .join(&under_test().app_id);
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

crate::checks! {
    "C-DATA-1" => c_data_1_xdg_data_home,
    "C-DATA-1" => c_data_1_home_default,
    "C-DATA-2" => c_data_2_sqlite_pragmas,
}
