//! How to start the backend: the interpreter, `manage.py` and settings
//! module, in dev or packaged mode (C-DATA-1, C-PROC-1).
//!
//! * Dev: the backend's own env, `<project>/.venv/bin/python`
//!   (`.venv\Scripts\python.exe` on Windows), or `DESKTOP_DJANGO_PYTHON`;
//!   settings from `desktop.toml`'s `settings.dev`.
//! * Packaged: a bundled runtime described by a JSON manifest,
//!   [`MANIFEST_NAME`], found beside the executable, in `../Resources`
//!   (macOS bundle), in `../lib/<exe name>` (Linux packages), or at
//!   `DESKTOP_DJANGO_RUNTIME_MANIFEST`. Its paths are relative to the manifest:
//!   `{"interpreter": "python/bin/python3", "project_dir": "app"}`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use crate::project::{Project, ProjectError};

/// The runtime manifest's file name.
pub const MANIFEST_NAME: &str = "desktop-runtime.json";
/// Overrides the manifest location (packaged mode).
pub const MANIFEST_ENV: &str = "DESKTOP_DJANGO_RUNTIME_MANIFEST";
/// Overrides the dev-mode interpreter.
pub const PYTHON_ENV: &str = "DESKTOP_DJANGO_PYTHON";

/// Dev (the backend's env, DEBUG on) or packaged (bundled runtime).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Dev,
    Packaged,
}

impl Mode {
    /// The value of `DESKTOP_DJANGO_MODE`: `dev` or `packaged`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Dev => "dev",
            Mode::Packaged => "packaged",
        }
    }
}

/// The two supervised backend roles (C-PROC-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// `manage.py desktop_serve`: migrate, seed, bind, serve.
    Web,
    /// `manage.py desktop_worker`: the task worker, started after readiness.
    Worker,
}

impl Role {
    /// `web` or `worker`, as written in events and log prefixes.
    pub fn name(self) -> &'static str {
        match self {
            Role::Web => "web",
            Role::Worker => "worker",
        }
    }

    /// The management command this role runs.
    pub fn command(self) -> &'static str {
        match self {
            Role::Web => "desktop_serve",
            Role::Worker => "desktop_worker",
        }
    }
}

/// Everything needed to build a backend command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchSpec {
    pub mode: Mode,
    /// The Python interpreter (absolute when resolved from a manifest or `.venv`).
    pub interpreter: PathBuf,
    /// `<project_dir>/manage.py`.
    pub manage_py: PathBuf,
    /// The children's working directory.
    pub project_dir: PathBuf,
    /// `DJANGO_SETTINGS_MODULE` for the children.
    pub settings_module: String,
}

/// Why no launch spec could be resolved.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error("Python interpreter not found at {0} (create the backend env, or set {PYTHON_ENV})")]
    NoInterpreter(PathBuf),
    #[error("cannot read runtime manifest {path}: {message}")]
    Manifest { path: PathBuf, message: String },
}

#[derive(Deserialize)]
struct Manifest {
    interpreter: PathBuf,
    project_dir: PathBuf,
}

impl LaunchSpec {
    /// A command for `role`: `<interpreter> manage.py <command>` in the
    /// project dir, with `DJANGO_SETTINGS_MODULE`, `DESKTOP_DJANGO_MODE` and
    /// `PYTHONUNBUFFERED=1`. The supervisor adds the token, app-data dir and stdio.
    pub fn command(&self, role: Role) -> Command {
        let mut cmd = Command::new(&self.interpreter);
        cmd.arg(&self.manage_py)
            .arg(role.command())
            .current_dir(&self.project_dir)
            .env("DJANGO_SETTINGS_MODULE", &self.settings_module)
            .env("DESKTOP_DJANGO_MODE", self.mode.as_str())
            .env("PYTHONUNBUFFERED", "1");
        cmd
    }

    /// The dev-mode spec: the project's `.venv` interpreter unless
    /// `python_override` (from `DESKTOP_DJANGO_PYTHON`) is given.
    pub fn dev(project: &Project, python_override: Option<PathBuf>) -> Result<Self, LaunchError> {
        let interpreter = match python_override {
            Some(python) => python,
            None => {
                let venv = project.dir.join(".venv");
                let python = if cfg!(windows) {
                    venv.join("Scripts").join("python.exe")
                } else {
                    venv.join("bin").join("python")
                };
                if !python.exists() {
                    return Err(LaunchError::NoInterpreter(python));
                }
                python
            }
        };
        Ok(LaunchSpec {
            mode: Mode::Dev,
            interpreter,
            manage_py: project.dir.join("manage.py"),
            project_dir: project.dir.clone(),
            settings_module: project.settings_dev.clone(),
        })
    }

    /// The packaged-mode spec from a runtime manifest; also loads the
    /// bundled project's `desktop.toml`.
    pub fn packaged(manifest_path: &Path) -> Result<(Project, Self), LaunchError> {
        let err = |message: String| LaunchError::Manifest {
            path: manifest_path.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(manifest_path).map_err(|e| err(e.to_string()))?;
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
        let base = manifest_path.parent().unwrap_or(Path::new("."));
        let base = std::path::absolute(base).unwrap_or_else(|_| base.to_path_buf());
        let interpreter = base.join(&manifest.interpreter);
        if !interpreter.exists() {
            return Err(LaunchError::NoInterpreter(interpreter));
        }
        let project = Project::load(&base.join(&manifest.project_dir))?;
        let spec = LaunchSpec {
            mode: Mode::Packaged,
            interpreter,
            manage_py: project.dir.join("manage.py"),
            project_dir: project.dir.clone(),
            settings_module: project.settings_packaged.clone(),
        };
        Ok((project, spec))
    }
}

/// Looks for the runtime manifest: `override_path` if given (it must exist),
/// else beside `exe`, in `<exe dir>/../Resources`, and in
/// `<exe dir>/../lib/<exe stem>`.
pub fn find_manifest(exe: &Path, override_path: Option<PathBuf>) -> Option<PathBuf> {
    if let Some(path) = override_path {
        return path.is_file().then_some(path);
    }
    let dir = exe.parent()?;
    let up = dir.parent().unwrap_or(dir);
    let stem = exe.file_stem().unwrap_or_default();
    [
        dir.join(MANIFEST_NAME),
        up.join("Resources").join(MANIFEST_NAME),
        up.join("lib").join(stem).join(MANIFEST_NAME),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

/// Resolves the project and launch spec the way every shell does:
/// `--project <dir>` → dev mode; else a runtime manifest → packaged mode;
/// else `desktop.toml` in `cwd` or its ancestors → dev mode.
/// Reads `DESKTOP_DJANGO_RUNTIME_MANIFEST` and `DESKTOP_DJANGO_PYTHON`.
pub fn resolve(
    explicit_project: Option<&Path>,
    cwd: &Path,
    exe: &Path,
) -> Result<(Project, LaunchSpec), LaunchError> {
    let python = env_path(PYTHON_ENV);
    if let Some(dir) = explicit_project {
        let project = Project::load(dir)?;
        let spec = LaunchSpec::dev(&project, python)?;
        return Ok((project, spec));
    }
    if let Some(manifest) = find_manifest(exe, env_path(MANIFEST_ENV)) {
        return LaunchSpec::packaged(&manifest);
    }
    let project = Project::discover(cwd)?;
    let spec = LaunchSpec::dev(&project, python)?;
    Ok((project, spec))
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(|v: OsString| PathBuf::from(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOML: &str = "app_id = \"t.app\"\nproduct_name = \"T\"\n[settings]\ndev = \"s.dev\"\npackaged = \"s.packaged\"\n";

    fn bundle(root: &Path, manifest_dir: &Path) -> PathBuf {
        let app = root.join("app");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::write(app.join("desktop.toml"), TOML).unwrap();
        let py = root.join("python/bin");
        std::fs::create_dir_all(&py).unwrap();
        std::fs::write(py.join("python3"), "").unwrap();
        std::fs::create_dir_all(manifest_dir).unwrap();
        let rel = |p: &Path| {
            // Paths in the manifest are relative to the manifest.
            let up = manifest_dir
                .strip_prefix(root)
                .unwrap()
                .components()
                .map(|_| "..")
                .collect::<Vec<_>>();
            Path::new(&up.join("/")).join(p)
        };
        let manifest = manifest_dir.join(MANIFEST_NAME);
        let json = serde_json::json!({
            "interpreter": rel(Path::new("python/bin/python3")),
            "project_dir": rel(Path::new("app")),
        });
        std::fs::write(&manifest, json.to_string()).unwrap();
        manifest
    }

    #[test]
    fn manifest_beside_exe() {
        let tmp = tempfile::tempdir().unwrap();
        let manifest = bundle(tmp.path(), &tmp.path().join("bin"));
        let exe = tmp.path().join("bin/shell");
        assert_eq!(find_manifest(&exe, None).unwrap(), manifest);
        let (project, spec) = LaunchSpec::packaged(&manifest).unwrap();
        assert_eq!(project.app_id, "t.app");
        assert_eq!(spec.mode, Mode::Packaged);
        assert_eq!(spec.settings_module, "s.packaged");
        assert!(spec.interpreter.ends_with("python/bin/python3"));
        assert!(spec.interpreter.exists());
        assert!(spec.manage_py.ends_with("app/manage.py"));
    }

    #[test]
    fn manifest_in_macos_resources_and_linux_lib() {
        let tmp = tempfile::tempdir().unwrap();
        let m = bundle(tmp.path(), &tmp.path().join("Contents/Resources"));
        let exe = tmp.path().join("Contents/MacOS/shell");
        let found = find_manifest(&exe, None).unwrap();
        assert_eq!(
            std::fs::canonicalize(found).unwrap(),
            std::fs::canonicalize(m).unwrap()
        );

        let tmp = tempfile::tempdir().unwrap();
        let m = bundle(tmp.path(), &tmp.path().join("lib/shell"));
        let exe = tmp.path().join("bin/shell");
        let found = find_manifest(&exe, None).unwrap();
        assert_eq!(
            std::fs::canonicalize(&found).unwrap(),
            std::fs::canonicalize(m).unwrap()
        );
        assert!(LaunchSpec::packaged(&found).is_ok());
    }

    #[test]
    fn manifest_override_and_absence() {
        let tmp = tempfile::tempdir().unwrap();
        let exe = tmp.path().join("bin/shell");
        assert_eq!(find_manifest(&exe, None), None);
        let m = bundle(tmp.path(), &tmp.path().join("elsewhere"));
        assert_eq!(find_manifest(&exe, Some(m.clone())), Some(m));
        assert_eq!(
            find_manifest(&exe, Some(tmp.path().join("nope.json"))),
            None
        );
    }

    #[test]
    fn broken_manifest_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let m = tmp.path().join(MANIFEST_NAME);
        std::fs::write(&m, "{not json").unwrap();
        assert!(matches!(
            LaunchSpec::packaged(&m),
            Err(LaunchError::Manifest { .. })
        ));
        std::fs::write(&m, r#"{"interpreter": "missing", "project_dir": "."}"#).unwrap();
        assert!(matches!(
            LaunchSpec::packaged(&m),
            Err(LaunchError::NoInterpreter(_))
        ));
    }

    #[test]
    fn dev_spec_uses_venv_or_override() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("desktop.toml"), TOML).unwrap();
        let project = Project::load(tmp.path()).unwrap();
        assert!(matches!(
            LaunchSpec::dev(&project, None),
            Err(LaunchError::NoInterpreter(_))
        ));
        let spec = LaunchSpec::dev(&project, Some("python3".into())).unwrap();
        assert_eq!(spec.interpreter, PathBuf::from("python3"));
        assert_eq!(spec.settings_module, "s.dev");
        let cmd = spec.command(Role::Web);
        let args: Vec<_> = cmd.get_args().collect();
        assert_eq!(args[1], "desktop_serve");
        let envs: Vec<_> = cmd.get_envs().collect();
        assert!(envs.contains(&("DESKTOP_DJANGO_MODE".as_ref(), Some("dev".as_ref()))));
    }
}
