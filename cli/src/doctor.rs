//! `desktop-django doctor [dir]`: a preflight in plain words. Each finding is
//! ok, a warning (it runs, but read this) or a problem (no shell can run the
//! project), with what to do about it. Exit 0 only without problems.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use contract::launch::LaunchSpec;
use contract::paths::{default_root, APP_DATA_ENV};
use contract::project::Project;

use crate::run::{find_shell, SHELLS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Ok,
    Warning,
    Problem,
}

/// One line of the report.
#[derive(Debug)]
pub struct Finding {
    pub level: Level,
    pub what: String,
    /// What to do; empty when there is nothing to do.
    pub fix: String,
}

fn finding(level: Level, what: impl Into<String>, fix: impl Into<String>) -> Finding {
    Finding {
        level,
        what: what.into(),
        fix: fix.into(),
    }
}

/// Every check, in order; later checks are skipped when an earlier one they
/// need failed.
pub fn check(dir: &Path) -> Vec<Finding> {
    let mut out = Vec::new();
    if !dir.join("manage.py").is_file() {
        out.push(finding(
            Level::Problem,
            format!("no manage.py in {}", dir.display()),
            "run doctor in the Django project's directory (where manage.py is)",
        ));
        return out;
    }
    let project = match Project::load(dir) {
        Ok(p) => {
            out.push(finding(
                Level::Ok,
                format!("desktop.toml: {} ({})", p.product_name, p.app_id),
                "",
            ));
            p
        }
        Err(e) => {
            out.push(finding(
                Level::Problem,
                e.to_string(),
                "run `desktop-django init` to write it",
            ));
            return out;
        }
    };
    let python = std::env::var_os(contract::launch::PYTHON_ENV)
        .filter(|v| !v.is_empty())
        .map(Into::into);
    let spec = match LaunchSpec::dev(&project, python) {
        Ok(spec) => {
            out.push(finding(
                Level::Ok,
                format!("Python: {}", spec.program().display()),
                "",
            ));
            spec
        }
        Err(e) => {
            out.push(finding(Level::Problem, e.to_string(), ""));
            return out;
        }
    };
    // A scratch app-data dir: the checks must not create the user's.
    let Ok(scratch) = tempfile::tempdir() else {
        out.push(finding(
            Level::Problem,
            "cannot create a temporary directory",
            "",
        ));
        return out;
    };
    let manage = |args: &[&str]| -> std::io::Result<Output> {
        let mut cmd = spec.manage_command(args);
        cmd.env(APP_DATA_ENV, scratch.path());
        cmd.output()
    };
    match Command::new(spec.program())
        .args([
            "-c",
            "import django, desktop_django; print(django.get_version())",
        ])
        .output()
    {
        Ok(o) if o.status.success() => out.push(finding(
            Level::Ok,
            format!(
                "desktop_django importable, Django {}",
                String::from_utf8_lossy(&o.stdout).trim()
            ),
            "",
        )),
        Ok(o) => {
            out.push(finding(
                Level::Problem,
                format!("desktop_django is not importable: {}", last_line(&o.stderr)),
                "install it in the project's environment: python -m pip install desktop-django (see `desktop-django init`'s output)",
            ));
            return out;
        }
        Err(e) => {
            out.push(finding(
                Level::Problem,
                format!("cannot run {}: {e}", spec.program().display()),
                "",
            ));
            return out;
        }
    }
    match manage(&["check"]) {
        Ok(o) => {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            // `path: (app.W001) message` lines, each maybe followed by `\tHINT: …`.
            let lines: Vec<&str> = text.lines().collect();
            let warnings: Vec<(&str, &str)> = lines
                .iter()
                .enumerate()
                .filter(|(_, l)| l.contains(": (") && l.contains(".W"))
                .map(|(i, l)| {
                    let hint = lines
                        .get(i + 1)
                        .and_then(|h| h.trim().strip_prefix("HINT:"))
                        .unwrap_or("a page still loads, but read the message");
                    (*l, hint.trim())
                })
                .collect();
            if !o.status.success() {
                out.push(finding(
                    Level::Problem,
                    format!(
                        "manage.py check with {} fails:\n{}",
                        spec.settings_module,
                        indent(&text)
                    ),
                    "fix what the checks name (each message says how)",
                ));
                return out;
            }
            for (warning, hint) in &warnings {
                out.push(finding(Level::Warning, warning.trim(), *hint));
            }
            out.push(finding(
                Level::Ok,
                format!("system checks pass with {}", spec.settings_module),
                "",
            ));
        }
        Err(e) => out.push(finding(
            Level::Problem,
            format!("cannot run manage.py: {e}"),
            "",
        )),
    }
    let data = default_root(&project.app_id)
        .map(|p| p.join("app.sqlite3"))
        .ok()
        .filter(|p| p.is_file());
    out.push(match data {
        Some(db) => finding(
            Level::Ok,
            format!(
                "app database: {} (migrated at start, after a backup)",
                db.display()
            ),
            "",
        ),
        None => match project_databases(dir).first() {
            // The project's own data would silently be absent from the app (a fresh database).
            Some(own) => finding(
                Level::Warning,
                format!(
                    "no app database yet, and the project has its own ({}): the first start \
                     creates a new, empty one in app data and never reads it",
                    own.display()
                ),
                format!(
                    "desktop-django import-db {} --project {}",
                    own.display(),
                    dir.display()
                ),
            ),
            None => finding(
                Level::Ok,
                "no app database yet: the first start creates and migrates it",
                "import an existing one with `desktop-django import-db <file>`",
            ),
        },
    });
    let mut shells = 0;
    for (name, stem, package) in SHELLS {
        match find_shell(stem) {
            Ok(path) => {
                shells += 1;
                out.push(finding(
                    Level::Ok,
                    format!("{name} shell: {}", path.display()),
                    "",
                ));
            }
            Err(_) => out.push(finding(
                Level::Warning,
                format!("{name} shell: not built"),
                format!("cargo build -p {package}"),
            )),
        }
    }
    if cfg!(target_os = "linux") {
        let webkit = Command::new("pkg-config")
            .args(["--exists", "webkit2gtk-4.1"])
            .status();
        if !matches!(webkit, Ok(s) if s.success()) {
            out.push(finding(
                Level::Warning,
                "WebKitGTK 4.1 development files not found (Tauri and wry build on them)",
                "scripts/setup.sh system (or: apt install libwebkit2gtk-4.1-dev)",
            ));
        }
    }
    if shells == 0 {
        out.push(finding(
            Level::Problem,
            "no shell is built, so nothing can run the project",
            "cargo build -p headless-shell (the lightest), or -p tauri-shell",
        ));
    }
    out
}

/// Prints the report; returns whether a shell can run the project.
pub fn print(findings: &[Finding]) -> bool {
    for f in findings {
        let mark = match f.level {
            Level::Ok => "ok     ",
            Level::Warning => "warning",
            Level::Problem => "PROBLEM",
        };
        println!("{mark}  {}", f.what);
        if !f.fix.is_empty() && f.level != Level::Ok {
            println!("         → {}", f.fix);
        }
    }
    !findings.iter().any(|f| f.level == Level::Problem)
}

/// The SQLite databases directly in the project dir (Django's default `BASE_DIR /
/// "db.sqlite3"` lives there), told by their header ("SQLite format 3\0", sqlite.org/fileformat
/// §1.3.1), not their name; sorted by path.
fn project_databases(dir: &Path) -> Vec<PathBuf> {
    const HEADER: &[u8; 16] = b"SQLite format 3\0";
    let is_sqlite = |path: &Path| {
        let mut head = [0u8; 16];
        std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut head))
            .is_ok_and(|()| &head == HEADER)
    };
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file() && is_sqlite(p))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

fn last_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_string()
}

fn indent(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::project_databases;

    #[test]
    fn a_projects_own_database_is_found_by_its_header() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("manage.py"), "").unwrap();
        std::fs::write(dir.path().join("notes.sqlite3"), "not a database").unwrap();
        assert!(project_databases(dir.path()).is_empty());
        let mut db = b"SQLite format 3\0".to_vec();
        db.resize(4096, 0);
        std::fs::write(dir.path().join("db.sqlite3"), &db).unwrap();
        std::fs::write(dir.path().join("data.bin"), &db).unwrap();
        assert_eq!(
            project_databases(dir.path()),
            [dir.path().join("data.bin"), dir.path().join("db.sqlite3")]
        );
    }
}
