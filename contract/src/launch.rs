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
//!   `../Resources` (macOS bundle), in `../lib/<exe name>` (Linux packages),
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
/// `<exe dir>/<d>/` for each of [`RUNTIME_DIRS`].
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
        .map(|d| d.join(MANIFEST_NAME))
        .find(|p| p.is_file())
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
mod tests {
    const VENV_PYTHON: &str = if cfg!(windows) {
        "Scripts/python.exe"
    } else {
        "bin/python"
    };

    #[test]
    fn python_is_looked_for_in_order_and_the_first_found_wins() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(
            dir.join("desktop.toml"),
            format!("python = \"tools/py\"\n{TOML}"),
        )
        .unwrap();
        let project = Project::load(dir).unwrap();
        let active = dir.join("active-env");
        let tried = python_candidates(&project, Some(active.clone()));
        assert_eq!(
            tried,
            [
                dir.join("tools/py"),
                dir.join(".venv").join(VENV_PYTHON),
                dir.join("venv").join(VENV_PYTHON),
                active.join(VENV_PYTHON),
            ]
        );
        // Only `venv/` exists: it is chosen over the missing ones before it.
        let venv_python = dir.join("venv").join(VENV_PYTHON);
        std::fs::create_dir_all(venv_python.parent().unwrap()).unwrap();
        std::fs::write(&venv_python, "").unwrap();
        let spec = LaunchSpec::dev(&project, None).unwrap();
        assert_eq!(spec.program(), venv_python);
    }

    use super::*;

    const TOML: &str = "app_id = \"t.app\"\nproduct_name = \"T\"\n[settings]\ndev = \"s.dev\"\npackaged = \"s.packaged\"\n";

    /// A staged runtime in `runtime_dir`: `desktop.toml`, a stand-in
    /// `desktop-backend/desktop-backend` and the manifest naming it.
    fn stage(runtime_dir: &Path) -> PathBuf {
        let program = runtime_dir.join("desktop-backend/desktop-backend");
        std::fs::create_dir_all(program.parent().unwrap()).unwrap();
        std::fs::write(&program, b"#!frozen").unwrap();
        std::fs::write(runtime_dir.join("desktop.toml"), TOML).unwrap();
        let manifest = runtime_dir.join(MANIFEST_NAME);
        let json = serde_json::json!({
            "schema": 1, "app_id": "t.app", "app_version": "1.0.0", "project_dir": ".",
            "roles": {
                "web": ["desktop-backend/desktop-backend", "desktop_serve"],
                "worker": ["desktop-backend/desktop-backend", "desktop_worker"],
            },
            "files": [{
                "path": "desktop-backend/desktop-backend",
                "sha256": crate::manifest::sha256_file(&program).unwrap(),
                "size": 8,
            }],
        });
        std::fs::write(&manifest, json.to_string()).unwrap();
        manifest
    }

    fn found(exe: &Path) -> PathBuf {
        std::fs::canonicalize(find_manifest(exe, None, None).expect("manifest found")).unwrap()
    }

    #[test]
    fn packaged_spec_runs_the_frozen_program_per_role() {
        let tmp = tempfile::tempdir().unwrap();
        let manifest = stage(&tmp.path().join("runtime"));
        let (project, spec) = LaunchSpec::packaged(&manifest).unwrap();
        assert_eq!(project.app_id, "t.app");
        assert_eq!(spec.mode, Mode::Packaged);
        assert_eq!(spec.settings_module, "s.packaged");
        assert!(spec.program().ends_with("desktop-backend/desktop-backend"));
        assert!(spec.program().is_absolute());
        let argv = spec.argv(Role::Worker);
        assert_eq!(argv.len(), 2);
        assert_eq!(argv[1], "desktop_worker");
        // The frozen backend learns the app version from the manifest, not a pyproject.toml.
        let cmd = spec.command(Role::Web);
        let version = cmd
            .get_envs()
            .find(|(k, _)| *k == APP_VERSION_ENV)
            .and_then(|(_, v)| v);
        assert_eq!(version, Some("1.0.0".as_ref()));
        assert!(spec.verify().is_ok());
        std::fs::write(spec.program(), b"#!tamper").unwrap();
        assert!(matches!(spec.verify(), Err(LaunchError::Modified { .. })));
    }

    #[test]
    fn manifest_in_every_bundle_layout() {
        // (where the runtime folder is, where the shell binary is)
        for (runtime, exe) in [
            ("app/runtime", "app/shell.exe"),
            ("Contents/Resources/runtime", "Contents/MacOS/shell"),
            ("electron/resources/runtime", "electron/electron"),
        ] {
            let tmp = tempfile::tempdir().unwrap();
            let m = stage(&tmp.path().join(runtime));
            let exe = tmp.path().join(exe);
            std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
            assert_eq!(found(&exe), std::fs::canonicalize(&m).unwrap(), "{runtime}");
            assert!(LaunchSpec::packaged(&m).is_ok(), "{runtime}");
        }
    }

    #[test]
    fn manifest_override_and_absence() {
        let tmp = tempfile::tempdir().unwrap();
        let exe = tmp.path().join("bin/shell");
        assert_eq!(find_manifest(&exe, None, None), None);
        let m = stage(&tmp.path().join("elsewhere"));
        assert_eq!(find_manifest(&exe, None, Some(m.clone())), Some(m));
        assert_eq!(
            find_manifest(&exe, None, Some(tmp.path().join("nope.json"))),
            None
        );
        // Tauri's Linux packages: the shell passes /usr/lib/<product name>.
        let lib = tmp.path().join("usr/lib/Some Product");
        let m = stage(&lib.join("runtime"));
        let exe = tmp.path().join("usr/bin/shell");
        assert_eq!(find_manifest(&exe, Some(&lib), None), Some(m));
    }

    #[test]
    fn broken_manifest_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let m = tmp.path().join(MANIFEST_NAME);
        std::fs::write(&m, "{not json").unwrap();
        assert!(matches!(
            LaunchSpec::packaged(&m),
            Err(LaunchError::Manifest(_))
        ));
        let m = stage(&tmp.path().join("runtime"));
        std::fs::remove_file(tmp.path().join("runtime/desktop-backend/desktop-backend")).unwrap();
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
        match LaunchSpec::dev(&project, None) {
            Err(LaunchError::NoPython { tried }) => {
                assert!(tried[0].ends_with(Path::new(".venv").join(VENV_PYTHON)));
                assert!(tried[1].ends_with(Path::new("venv").join(VENV_PYTHON)));
            }
            other => panic!("{other:?}"),
        }
        let spec = LaunchSpec::dev(&project, Some("python3".into())).unwrap();
        assert_eq!(spec.program(), Path::new("python3"));
        assert_eq!(spec.settings_module, "s.dev");
        assert!(spec.verify().is_ok(), "dev mode has nothing to verify");
        let cmd = spec.command(Role::Web);
        let args: Vec<_> = cmd.get_args().collect();
        assert!(Path::new(args[0]).ends_with("manage.py"));
        assert_eq!(args[1], "desktop_serve");
        let envs: Vec<_> = cmd.get_envs().collect();
        assert!(envs.contains(&("DESKTOP_DJANGO_MODE".as_ref(), Some("dev".as_ref()))));
    }

    /// The value `cmd` sets for `key`, if it sets one.
    fn env_of(cmd: &Command, key: &str) -> Option<String> {
        cmd.get_envs()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v)
            .map(|v| v.to_string_lossy().into_owned())
    }

    #[test]
    fn each_role_command_carries_its_role() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("desktop.toml"), TOML).unwrap();
        let project = Project::load(tmp.path()).unwrap();
        let dev = LaunchSpec::dev(&project, Some("python3".into())).unwrap();
        let (_, packaged) = LaunchSpec::packaged(&stage(&tmp.path().join("runtime"))).unwrap();
        for spec in [&dev, &packaged] {
            // The backend reads this name (desktop_django.wire.ROLE_ENV) to pick its log file.
            assert_eq!(ROLE_ENV, "DESKTOP_DJANGO_ROLE");
            let web = spec.command(Role::Web);
            assert_eq!(env_of(&web, ROLE_ENV).as_deref(), Some("web"));
            assert_eq!(web.get_args().last(), Some("desktop_serve".as_ref()));
            let worker = spec.command(Role::Worker);
            assert_eq!(env_of(&worker, ROLE_ENV).as_deref(), Some("worker"));
            assert_eq!(worker.get_args().last(), Some("desktop_worker".as_ref()));
            assert_eq!(
                env_of(&worker, MODE_ENV).as_deref(),
                Some(spec.mode.as_str())
            );
        }
        // A plain management command is no role: the backend falls back to backend.log.
        assert_eq!(
            env_of(&dev.manage_command(&["migrate", "--check"]), ROLE_ENV),
            None
        );
    }
}
