//! Reading (and, between launches, editing) the SQLite file from outside, through the backend
//! interpreter's `sqlite3` module: the suite needs no SQLite of its own, and the file is opened
//! read-only (`mode=ro`) whenever a shell may be running on it.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const QUERY: &str = r#"import json, pathlib, sqlite3, sys
uri = pathlib.Path(sys.argv[1]).resolve().as_uri() + "?mode=" + sys.argv[3].replace("-immutable", "&immutable=1")
con = sqlite3.connect(uri, uri=True)
try:
    if sys.argv[3].startswith("ro"):
        rows = con.execute(sys.argv[2]).fetchall()
    else:
        con.executescript(sys.argv[2])
        con.commit()
        rows = []
finally:
    con.close()
print(json.dumps([list(r) for r in rows], default=str))
"#;

fn run(db: &Path, sql: &str, mode: &str) -> Result<Vec<Vec<Value>>, String> {
    let out = Command::new(crate::fakes::real_python())
        .arg("-c")
        .arg(QUERY)
        .arg(db)
        .arg(sql)
        .arg(mode)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", crate::fakes::real_python().display()))?;
    if !out.status.success() {
        return Err(format!(
            "sqlite {sql:?} on {}: {}",
            db.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("sqlite output: {e}"))
}

/// Rows of `sql` on `db`, opened read-only.
pub fn query(db: &Path, sql: &str) -> Result<Vec<Vec<Value>>, String> {
    run(db, sql, "ro")
}

/// Rows of `sql` on a file nothing writes any more (a backup copy), opened `immutable`: SQLite
/// then creates no `-wal` or `-shm` beside it, so looking leaves no trace.
pub fn query_immutable(db: &Path, sql: &str) -> Result<Vec<Vec<Value>>, String> {
    run(db, sql, "ro-immutable")
}

/// Runs a script of statements on `db` (read-write). Only while no shell runs on it.
pub fn execute(db: &Path, script: &str) -> Result<(), String> {
    run(db, script, "rw").map(|_| ())
}

/// The `(app, name)` rows of `django_migrations`.
pub fn applied_migrations(db: &Path) -> Result<Vec<(String, String)>, String> {
    pairs(query(db, "SELECT app, name FROM django_migrations")?)
}

/// [`applied_migrations`] of a file nothing writes any more (see [`query_immutable`]).
pub fn applied_migrations_immutable(db: &Path) -> Result<Vec<(String, String)>, String> {
    pairs(query_immutable(
        db,
        "SELECT app, name FROM django_migrations",
    )?)
}

fn pairs(rows: Vec<Vec<Value>>) -> Result<Vec<(String, String)>, String> {
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some((
                r.first()?.as_str()?.to_string(),
                r.get(1)?.as_str()?.to_string(),
            ))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes() {
        if !crate::fakes::real_python().exists() {
            eprintln!("no backend venv; skipping");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.sqlite3");
        // mode=rw does not create the file: make it first.
        std::fs::write(&db, b"").unwrap();
        execute(
            &db,
            "CREATE TABLE django_migrations (app TEXT, name TEXT); INSERT INTO django_migrations VALUES ('a', '0001_x');",
        )
        .unwrap();
        assert_eq!(
            applied_migrations(&db).unwrap(),
            [("a".to_string(), "0001_x".to_string())]
        );
        assert!(query(&db, "SELECT nope").is_err());
    }
}
