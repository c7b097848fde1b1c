//! C-DATA-3 and C-DATA-4: what a first run creates: the seeded roster (once) and the per-install
//! secret key.

use std::path::Path;

use conformance::fakes::{Action, FakePython, FakeSpec};
use conformance::{check, check_scenario, demo, sqlite, Launch, LaunchOptions};

#[cfg(unix)]
use crate::helpers::mode_of;
use crate::helpers::{
    assert_startup_failure, log_files, pony_count, quit_clean, running_with, token_of, under_test,
    QUIT_TIMEOUT,
};

/// C-DATA-3 (the demo's roster: `clauses::REQUIREMENTS`): a fresh app-data dir gets the 3-pony
/// roster; after clearing the stable a relaunch
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

/// C-DATA-4: in packaged mode (an installed package's own runtime; on a build, `desktop.toml`'s
/// packaged settings set by a stand-in interpreter), `SECRET_KEY` is generated on first run into `<app-data>/secret_key`, mode 0600;
/// two installs get different keys, and a relaunch keeps its key.
#[test]
fn c_data_4_per_install_secret_key() {
    check("C-DATA-4", |shell| {
        let id = under_test();
        let fake = FakePython::new(
            &FakeSpec::default()
                .export("DJANGO_SETTINGS_MODULE", &id.settings_packaged)
                .export("DESKTOP_DJANGO_MODE", "packaged"),
        );
        let data = tempfile::tempdir().unwrap();
        let launch = |app: &Path| -> Vec<u8> {
            let opts = LaunchOptions::default().app_data(app);
            let opts = if shell.spec.packaged {
                opts
            } else {
                opts.python(&fake.path)
            };
            let mut l = running_with(shell, opts);
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

crate::checks! {
    "C-DATA-3" => c_data_3_first_run_seeding,
    "C-DATA-3" => c_data_3_died_before_seeding_seeds_next_time,
    "C-DATA-4" => c_data_4_per_install_secret_key,
}
