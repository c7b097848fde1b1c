//! How to start the backend: each role's argv and settings module, in dev or
//! packaged mode (C-DATA-1, C-PROC-1, C-PKG-1).
//!
//! A role's argv is the *manage prefix*, the argv that stands for
//! `manage.py`, followed by the role's management command:
//!
//! * Dev: `[<python>, <project>/manage.py]`, the interpreter found by
//!   [`python_candidates`] (`DESKTOP_DJANGO_PYTHON`, `desktop.toml`'s
//!   `python`, `.venv`, `venv`, `$VIRTUAL_ENV`); settings from
//!   `desktop.toml`'s `settings.dev`.
//! * Packaged: `[<runtime>/desktop-backend/desktop-backend]`, a frozen
//!   executable whose argv mirrors `manage.py`, named by the runtime manifest
//!   [`MANIFEST_NAME`] ([`crate::manifest`]), found beside the executable, in
//!   `../Resources` (macOS bundle), in `../lib/<exe stem>` (Linux packages
//!   other than Tauri's, which names that dir after the product),
//!   in `resources/` (Electron), or at `DESKTOP_DJANGO_RUNTIME_MANIFEST`.
//!   Before spawning, the supervisor checks the executable's SHA-256 against
//!   the manifest ([`LaunchSpec::verify`]).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::manifest::{FileDigest, ManifestError, RuntimeManifest};
use crate::project::{Project, ProjectError};

/// The runtime manifest's file name.
pub const MANIFEST_NAME: &str = "desktop-runtime.json";
/// Overrides the manifest location (packaged mode).
pub const MANIFEST_ENV: &str = "DESKTOP_DJANGO_RUNTIME_MANIFEST";
/// Overrides the dev-mode interpreter.
pub const PYTHON_ENV: &str = "DESKTOP_DJANGO_PYTHON";
/// The app version the backend reports, in packaged mode (`desktop_django.wire.APP_VERSION_ENV`).
pub const APP_VERSION_ENV: &str = "DESKTOP_DJANGO_APP_VERSION";
/// Set on every backend command: [`Mode::as_str`] (`desktop_django.wire.MODE_ENV`).
pub const MODE_ENV: &str = "DESKTOP_DJANGO_MODE";
/// Set on each role's command: [`Role::name`], `web` or `worker`
/// (`desktop_django.wire.ROLE_ENV`). The backend picks its log file by it
/// (`backend.log` or `worker.log`, C-DATA-6); a management command run
/// without a role (e.g. `migrate --check`) does not carry it.
pub const ROLE_ENV: &str = "DESKTOP_DJANGO_ROLE";

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
    /// `web` or `worker`, as written in events, log prefixes and [`ROLE_ENV`].
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
    /// The argv that stands for `manage.py` (never empty): dev
    /// `[python, <project>/manage.py]`, packaged `[<runtime>/desktop-backend]`.
    /// A role runs `manage + [role.command()]`.
    pub manage: Vec<OsString>,
    /// The children's working directory.
    pub project_dir: PathBuf,
    /// `DJANGO_SETTINGS_MODULE` for the children.
    pub settings_module: String,
    /// Packaged mode: the SHA-256 and size the runtime manifest gives for
    /// the program `manage[0]` (C-PKG-1).
    pub expected: Option<FileDigest>,
    /// Whether the worker role runs (`desktop.toml`'s `worker`): only for a
    /// project that uses the task queue (C-PROC-1).
    pub worker: bool,
    /// Packaged mode: the runtime manifest's `app_version`, passed to the
    /// children as [`APP_VERSION_ENV`] (a frozen runtime has no
    /// `pyproject.toml` to read it from). Dev mode: `None`.
    pub app_version: Option<String>,
}

/// Why no launch spec could be resolved.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error("the backend program {0} is missing (reinstall the app)")]
    NoInterpreter(PathBuf),
    #[error("no Python interpreter for the project: looked for {} (create a venv in the project, set python = \"…\" in desktop.toml, or set {PYTHON_ENV})", list(.tried))]
    NoPython { tried: Vec<PathBuf> },
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(
        "the backend program {path} was modified after it was built (C-PKG-1): {detail}; reinstall the app"
    )]
    Modified { path: PathBuf, detail: String },
}

impl LaunchSpec {
    /// The program every role runs: `manage[0]`.
    pub fn program(&self) -> &Path {
        Path::new(&self.manage[0])
    }

    /// `role`'s argv: the manage prefix, then its management command.
    pub fn argv(&self, role: Role) -> Vec<OsString> {
        let mut argv = self.manage.clone();
        argv.push(role.command().into());
        argv
    }

    /// A management command (`args` after the manage prefix, e.g.
    /// `["migrate", "--check"]`) in the project dir, with
    /// `DJANGO_SETTINGS_MODULE`, [`MODE_ENV`] and `PYTHONUNBUFFERED=1`.
    pub fn manage_command<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Command {
        let mut cmd = Command::new(&self.manage[0]);
        cmd.args(&self.manage[1..])
            .args(args)
            .current_dir(&self.project_dir)
            .env("DJANGO_SETTINGS_MODULE", &self.settings_module)
            .env(MODE_ENV, self.mode.as_str())
            .env("PYTHONUNBUFFERED", "1");
        if let Some(version) = &self.app_version {
            cmd.env(APP_VERSION_ENV, version);
        }
        cmd
    }

    /// The command for `role` (see [`LaunchSpec::manage_command`]), with
    /// [`ROLE_ENV`] set to [`Role::name`]. The supervisor adds the token,
    /// app-data dir and stdio.
    pub fn command(&self, role: Role) -> Command {
        let mut cmd = self.manage_command(&[role.command()]);
        cmd.env(ROLE_ENV, role.name());
        cmd
    }

    /// Packaged mode: checks the program's size and SHA-256 against the
    /// runtime manifest (C-PKG-1). Dev mode: nothing to check.
    ///
    /// Errors: [`LaunchError::Modified`] on a mismatch or an unreadable file.
    pub fn verify(&self) -> Result<(), LaunchError> {
        let Some(expected) = &self.expected else {
            return Ok(());
        };
        expected
            .check(self.program())
            .map_err(|detail| LaunchError::Modified {
                path: self.program().to_path_buf(),
                detail,
            })
    }

    /// The dev-mode spec, with the first interpreter of
    /// [`python_candidates`] that exists (`python_override`, from
    /// `DESKTOP_DJANGO_PYTHON`, is taken as given: it may be a command on
    /// `PATH`). Errors: [`LaunchError::NoPython`] listing every place tried.
    pub fn dev(project: &Project, python_override: Option<PathBuf>) -> Result<Self, LaunchError> {
        let interpreter = match python_override {
            Some(python) => python,
            None => {
                let tried = python_candidates(project, env_path("VIRTUAL_ENV"));
                match tried.iter().find(|p| p.is_file()) {
                    Some(python) => python.clone(),
                    None => return Err(LaunchError::NoPython { tried }),
                }
            }
        };
        Ok(LaunchSpec {
            mode: Mode::Dev,
            manage: vec![interpreter.into(), project.dir.join("manage.py").into()],
            project_dir: project.dir.clone(),
            settings_module: project.settings_dev.clone(),
            expected: None,
            worker: project.worker,
            app_version: None,
        })
    }

    /// The packaged-mode spec from a runtime manifest; also loads the
    /// bundled project's `desktop.toml` (the manifest's `project_dir`).
    ///
    /// Errors: an unreadable or invalid manifest, a missing program
    /// ([`LaunchError::NoInterpreter`]), or no `desktop.toml`.
    pub fn packaged(manifest_path: &Path) -> Result<(Project, Self), LaunchError> {
        let manifest = RuntimeManifest::read(manifest_path)?;
        let base = manifest_path.parent().unwrap_or(Path::new("."));
        let base = std::path::absolute(base).unwrap_or_else(|_| base.to_path_buf());
        let manage = manifest.manage_prefix(manifest_path)?;
        let program = base.join(&manage[0]);
        if !program.is_file() {
            return Err(LaunchError::NoInterpreter(program));
        }
        let expected = manifest.digest_of(&manage[0]).cloned();
        let mut argv: Vec<OsString> = vec![program.into()];
        argv.extend(manage[1..].iter().map(OsString::from));
        let project = Project::load(&base.join(&manifest.project_dir))?;
        let spec = LaunchSpec {
            mode: Mode::Packaged,
            manage: argv,
            project_dir: project.dir.clone(),
            settings_module: project.settings_packaged.clone(),
            expected,
            worker: project.worker,
            app_version: Some(manifest.app_version.clone()),
        };
        Ok((project, spec))
    }
}

/// Where a package keeps its runtime, relative to the shell executable's
/// dir: the runtime is a folder `runtime/` holding [`MANIFEST_NAME`], inside
/// the resource dir of each bundler.
const RUNTIME_DIRS: &[&str] = &[
    // An unpacked stage or a plain folder next to the binary; Tauri on Windows (NSIS, MSI).
    "runtime",
    // macOS app bundles (Tauri, Electron): Contents/MacOS/<exe> → Contents/Resources.
    "../Resources/runtime",
    // Electron on Windows and Linux: extraResources next to the binary.
    "resources/runtime",
];

/// Looks for the runtime manifest: `override_path` if given (it must exist),
/// else in `<resources>/runtime/` when the shell knows its bundle's resource
/// dir (Tauri's `.deb`/`.rpm` put it in `/usr/lib/<product name>`), else in
/// `<exe dir>/<d>/` for each of [`RUNTIME_DIRS`], else in
/// `<exe dir>/../lib/<exe stem>/runtime/` (see [`lib_runtime_dir`]).
pub fn find_manifest(
    exe: &Path,
    resources: Option<&Path>,
    override_path: Option<PathBuf>,
) -> Option<PathBuf> {
    if let Some(path) = override_path {
        return path.is_file().then_some(path);
    }
    let dir = exe.parent()?;
    resources
        .map(|r| r.join("runtime"))
        .into_iter()
        .chain(RUNTIME_DIRS.iter().map(|d| dir.join(d)))
        .chain(lib_runtime_dir(exe))
        .map(|d| d.join(MANIFEST_NAME))
        .find(|p| p.is_file())
}

/// `<exe dir>/../lib/<exe stem>/runtime`, e.g. `/usr/bin/desktop-django-wry`
/// → `/usr/lib/desktop-django-wry/runtime`: where cargo-packager's `.deb`
/// (and its resource resolver) keep a binary's resources, and the FHS place
/// for a program's private files. Unlike Tauri's rule it needs nothing from
/// the build (the product name), only the executable's path, so any shell
/// packaged that way finds its runtime without help. The `..` is taken
/// lexically (the exe path is already resolved), so the logs name
/// `/usr/lib/…`. `None` when `exe` has no grandparent dir or no file name.
pub fn lib_runtime_dir(exe: &Path) -> Option<PathBuf> {
    let prefix = exe.parent()?.parent()?;
    let stem = exe.file_stem()?;
    Some(prefix.join("lib").join(stem).join("runtime"))
}

/// Resolves the project and launch spec the way every shell does:
/// `--project <dir>` → dev mode; else a runtime manifest → packaged mode;
/// else `desktop.toml` in `cwd` or its ancestors → dev mode.
/// Reads `DESKTOP_DJANGO_RUNTIME_MANIFEST` and `DESKTOP_DJANGO_PYTHON`;
/// `resources` is the bundle's resource dir where the shell knows it
/// (see [`find_manifest`]).
pub fn resolve(
    explicit_project: Option<&Path>,
    cwd: &Path,
    exe: &Path,
    resources: Option<&Path>,
) -> Result<(Project, LaunchSpec), LaunchError> {
    let python = env_path(PYTHON_ENV);
    if let Some(dir) = explicit_project {
        let project = Project::load(dir)?;
        let spec = LaunchSpec::dev(&project, python)?;
        return Ok((project, spec));
    }
    if let Some(manifest) = find_manifest(exe, resources, env_path(MANIFEST_ENV)) {
        return LaunchSpec::packaged(&manifest);
    }
    let project = Project::discover(cwd)?;
    let spec = LaunchSpec::dev(&project, python)?;
    Ok((project, spec))
}

/// Where a project's dev interpreter may be, in order: `desktop.toml`'s
/// `python` (an explicit choice wins over guesses), the project's `.venv`
/// and `venv` (the two names `python -m venv` guides use), then the active
/// virtual env (`virtual_env`, from `$VIRTUAL_ENV`).
pub fn python_candidates(project: &Project, virtual_env: Option<PathBuf>) -> Vec<PathBuf> {
    let in_venv = |venv: PathBuf| {
        if cfg!(windows) {
            venv.join("Scripts").join("python.exe")
        } else {
            venv.join("bin").join("python")
        }
    };
    project
        .python
        .clone()
        .into_iter()
        .chain([".venv", "venv"].map(|d| in_venv(project.dir.join(d))))
        .chain(virtual_env.map(in_venv))
        .collect()
}

fn list(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    shown.join(", ")
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(|v: OsString| PathBuf::from(v))
}

#[cfg(test)]
mod tests;
