//! C-DATA-5, C-DATA-7 and C-DATA-8: a backup before migrating, a failed migration changes nothing,
//! and a database from a newer version is refused.

use std::path::{Path, PathBuf};

use conformance::{check, sqlite, Launch, LaunchOptions, Shell};

use crate::helpers::{assert_startup_failure, quit_clean, table_counts, under_test};

/// C-DATA-5 (SHOULD): a launch with unapplied migrations backs the existing database up first
/// (to `<app-data>/backups/`, a valid SQLite copy of the state before the migration), keeping
/// the last 3; a fresh database and a launch with nothing to migrate make no backup.
/// Unapplied migrations are made by dropping one app's tables and its migration rows between
/// launches ([`expendable_app`]: the demo's `routines`).
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
        let app_label = expendable_app();
        for round in 1..=4 {
            sqlite::execute(&db, &forget_app(&db, &app_label, true))
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
                !snap.is_empty() && !snap.iter().any(|(a, _)| *a == app_label),
                "round {round}: {} is not the pre-migration state",
                newest.display()
            );
            let live = sqlite::applied_migrations(&db).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                live.iter().any(|(a, _)| *a == app_label),
                "round {round}: not migrated"
            );
        }
    });
}

/// The project app whose migrations these checks undo between launches: the last of its own apps
/// with migrations (the demo: `routines`, which nothing else references).
fn expendable_app() -> String {
    let apps = under_test().migrating_apps();
    let (label, _) = apps
        .last()
        .unwrap_or_else(|| panic!("{} has no app with migrations", under_test().dir.display()));
    assert!(
        !under_test().is_demo || label == "routines",
        "the demo's expendable app is routines, not {label}"
    );
    label.clone()
}

/// SQL that forgets `app`'s migrations in `django_migrations`, and with `drop_tables` also drops
/// its tables (`<app>_…`, Django's default names) so that the next launch migrates it afresh.
fn forget_app(db: &Path, app: &str, drop_tables: bool) -> String {
    let mut sql = String::new();
    if drop_tables {
        let like = format!("{}\\_%", app.replace('_', "\\_"));
        let tables = sqlite::query(
            db,
            &format!("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '{like}' ESCAPE '\\'"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        for row in tables {
            if let Some(name) = row.first().and_then(|v| v.as_str()) {
                sql.push_str(&format!("DROP TABLE IF EXISTS \"{name}\"; "));
            }
        }
        assert!(!sql.is_empty(), "{app} has no tables in {}", db.display());
    }
    sql.push_str(&format!(
        "DELETE FROM django_migrations WHERE app = '{app}';"
    ));
    sql
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
/// forgetting one app's migrations ([`expendable_app`]) while its tables stay, so `CREATE TABLE`
/// fails. "Same rows": the demo's ponies; on another project, its schema and every table's row
/// count.
#[test]
fn c_data_7_failed_migration_changes_nothing() {
    check("C-DATA-7", |shell| {
        let data = tempfile::tempdir().unwrap();
        let app = data.path().join("app-data");
        let db = launched_once(shell, &app);
        sqlite::execute(&db, &forget_app(&db, &expendable_app(), false))
            .unwrap_or_else(|e| panic!("{e}"));
        let rows = || {
            let migrations = sqlite::applied_migrations(&db).unwrap_or_else(|e| panic!("{e}"));
            let data = if under_test().is_demo {
                let ponies =
                    sqlite::query(&db, "SELECT id, name, status FROM ponies_pony ORDER BY id")
                        .unwrap_or_else(|e| panic!("{e}"));
                format!("{ponies:?}")
            } else {
                let schema = sqlite::query(
                    &db,
                    "SELECT type, name, sql FROM sqlite_master ORDER BY type, name",
                )
                .unwrap_or_else(|e| panic!("{e}"));
                format!("{schema:?} {:?}", table_counts(&app))
            };
            (migrations, data)
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
        // One of the project's own apps (the demo: ponies, the first).
        let apps = under_test().migrating_apps();
        let app_label = &apps.first().expect("an app with migrations").0;
        sqlite::execute(
            &db,
            &format!(
                "INSERT INTO django_migrations (app, name, applied) VALUES ('{app_label}', '{future}', datetime('now'));"
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

crate::checks! {
    "C-DATA-5" => c_data_5_backup_before_migrate,
    "C-DATA-7" => c_data_7_failed_migration_changes_nothing,
    "C-DATA-8" => c_data_8_no_silent_downgrade,
}
