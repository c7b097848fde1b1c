//! The backend under test: the Django project the descriptors' `{backend}` names, the demo
//! (`<workspace>/backend`) unless `DESKTOP_DJANGO_CONFORMANCE_BACKEND` points at another one.
//!
//! Its `desktop.toml` is read the way a shell reads it (app id, product name, settings modules,
//! `worker`, `start_path`), its interpreter is found the way a shell finds it in dev mode, and
//! [`Project::is_demo`] says whether the checks that need the demo's own pages and data
//! ([`crate::clauses::REQUIREMENTS`]) can run on it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::descriptor::Placeholders;
use crate::launch::PYTHON_ENV;

/// One Django project wrapped for the shells: its `desktop.toml` and its interpreter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// The dir holding `manage.py` and `desktop.toml`.
    pub dir: PathBuf,
    pub app_id: String,
    pub product_name: String,
    /// `[settings] dev` and `packaged`: Django settings modules.
    pub settings_dev: String,
    pub settings_packaged: String,
    /// Whether the shells start the worker role (`worker`, default `true`).
    pub worker: bool,
    /// The first page the window opens: the bootstrap's `next` (`start_path`, default `/`).
    pub start_path: String,
    /// The real interpreter: `$DESKTOP_DJANGO_PYTHON` in the suite's own environment, else
    /// `desktop.toml`'s `python` (relative to it), else `<dir>/.venv/bin/python`
    /// (`Scripts\python.exe` on Windows).
    pub python: PathBuf,
    /// The project is the workspace's own demo (`<workspace>/backend`, compared canonically).
    pub is_demo: bool,
}

impl Project {
    /// Reads `<dir>/desktop.toml`. Errors name the file: missing, not TOML, or without `app_id`
    /// or `[settings] dev`.
    pub fn read(dir: &Path) -> Result<Project, String> {
        let path = dir.join("desktop.toml");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let v: toml::Value =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let s = |v: Option<&toml::Value>| v.and_then(toml::Value::as_str).map(str::to_string);
        let settings = v.get("settings");
        let app_id = s(v.get("app_id")).ok_or_else(|| format!("{}: no app_id", path.display()))?;
        let settings_dev = s(settings.and_then(|t| t.get("dev")))
            .ok_or_else(|| format!("{}: no [settings] dev", path.display()))?;
        let python = match std::env::var_os(PYTHON_ENV).filter(|p| !p.is_empty()) {
            Some(p) => PathBuf::from(p),
            None => match s(v.get("python")) {
                Some(rel) => dir.join(rel),
                None => venv_python(&dir.join(".venv")),
            },
        };
        let demo = crate::workspace().join("backend");
        let same = |a: &Path, b: &Path| match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => a == b,
        };
        Ok(Project {
            dir: dir.to_path_buf(),
            product_name: s(v.get("product_name")).unwrap_or_default(),
            settings_packaged: s(settings.and_then(|t| t.get("packaged")))
                .unwrap_or_else(|| settings_dev.clone()),
            settings_dev,
            worker: v
                .get("worker")
                .and_then(toml::Value::as_bool)
                .unwrap_or(true),
            start_path: s(v.get("start_path")).unwrap_or_else(|| "/".to_string()),
            python,
            is_demo: same(dir, &demo),
            app_id,
        })
    }

    /// The backend roles the shells start for it: `["web", "worker"]`, or `["web"]` when
    /// `desktop.toml` says `worker = false`.
    pub fn roles(&self) -> &'static [&'static str] {
        if self.worker {
            &["web", "worker"]
        } else {
            &["web"]
        }
    }

    /// The management commands of [`Project::roles`]: `desktop_serve`, then `desktop_worker`.
    pub fn role_commands(&self) -> &'static [&'static str] {
        if self.worker {
            &["desktop_serve", "desktop_worker"]
        } else {
            &["desktop_serve"]
        }
    }

    /// The project's own apps with migrations, `(label, migrations dir)`, sorted by label:
    /// every `<dir>/<app>/migrations/` holding a `<digit>….py` file (the demo: `ponies`,
    /// `routines`). Apps installed from packages are not listed.
    pub fn migrating_apps(&self) -> Vec<(String, PathBuf)> {
        let mut apps: Vec<(String, PathBuf)> = std::fs::read_dir(&self.dir)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.path().join("migrations"))
                    .filter(|m| !migration_names(m).is_empty())
                    .filter_map(|m| {
                        let label = m.parent()?.file_name()?.to_str()?.to_string();
                        Some((label, m))
                    })
                    .collect()
            })
            .unwrap_or_default();
        apps.sort();
        apps
    }
}

/// The migration names (`0001_initial`, …) in a `migrations/` dir: its `<digit>….py` files.
pub fn migration_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|n| n.ends_with(".py") && n.as_bytes()[0].is_ascii_digit())
                .map(|n| n.trim_end_matches(".py").to_string())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The interpreter of a virtualenv: `bin/python`, or `Scripts\python.exe` on Windows.
pub fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

/// The backend under test, read once per test process from the dir `{backend}` expands to.
/// Panics with the file's error when its `desktop.toml` cannot be read.
pub fn under_test() -> &'static Project {
    static UNDER_TEST: OnceLock<Project> = OnceLock::new();
    UNDER_TEST.get_or_init(|| {
        let dir = Placeholders::for_workspace(&crate::workspace()).backend;
        Project::read(&dir).unwrap_or_else(|e| panic!("the backend under test: {e}"))
    })
}

/// The demo's own identity (`<workspace>/backend/desktop.toml`), whatever the backend under
/// test: what no shell may have compiled in (C-SHELL-5).
pub fn demo() -> Project {
    Project::read(&crate::workspace().join("backend")).unwrap_or_else(|e| panic!("the demo: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_wrapped_project_and_the_demo() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("desktop.toml"),
            "app_id = \"com.example.shop\"\nproduct_name = \"Shop\"\nworker = false\n\n[settings]\ndev = \"shop.desktop_settings\"\npackaged = \"shop.desktop_settings\"\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("catalog/migrations")).unwrap();
        std::fs::write(dir.path().join("catalog/migrations/0001_initial.py"), "").unwrap();
        std::fs::write(dir.path().join("catalog/migrations/__init__.py"), "").unwrap();
        std::fs::create_dir_all(dir.path().join("shop")).unwrap();
        let p = Project::read(dir.path()).unwrap();
        assert_eq!(p.app_id, "com.example.shop");
        assert_eq!(p.settings_packaged, "shop.desktop_settings");
        assert!(!p.worker && !p.is_demo);
        assert_eq!(p.roles(), ["web"]);
        assert_eq!(p.role_commands(), ["desktop_serve"]);
        assert_eq!(p.start_path, "/");
        let labels: Vec<String> = p.migrating_apps().into_iter().map(|(l, _)| l).collect();
        assert_eq!(labels, ["catalog"]);
        if std::env::var_os(PYTHON_ENV).is_none() {
            assert_eq!(p.python, venv_python(&dir.path().join(".venv")));
        }

        let demo = demo();
        assert!(demo.is_demo && demo.worker);
        assert_eq!(demo.roles(), ["web", "worker"]);
        let labels: Vec<String> = demo.migrating_apps().into_iter().map(|(l, _)| l).collect();
        assert_eq!(labels, ["ponies", "routines"]);
    }

    #[test]
    fn errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let e = Project::read(dir.path()).unwrap_err();
        assert!(e.contains("desktop.toml"), "{e}");
        std::fs::write(dir.path().join("desktop.toml"), "product_name = \"x\"\n").unwrap();
        assert!(Project::read(dir.path()).unwrap_err().contains("app_id"));
    }
}
