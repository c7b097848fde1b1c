//! `desktop-django run` and `desktop-django manage`: a shell, or one
//! management command, on a project, resolved the way the shells resolve it
//! (`contract::launch`: desktop.toml, the dev interpreter, the app-data dir).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use contract::launch::{LaunchSpec, PYTHON_ENV};
use contract::paths::{AppPaths, APP_DATA_ENV};
use contract::project::Project;

use crate::error::CliError;

/// The shells `run` starts: `(name, binary stem, cargo package)`.
pub const SHELLS: &[(&str, &str, &str)] = &[
    ("tauri", "desktop-django-tauri", "tauri-shell"),
    ("wry", "desktop-django-wry", "wry-shell"),
    ("headless", "desktop-django-headless", "headless-shell"),
];

/// The project in `dir` (or the nearest `desktop.toml` above the current
/// dir) and its dev-mode launch spec.
pub fn project(dir: Option<&Path>) -> Result<(Project, LaunchSpec), CliError> {
    let project = match dir {
        Some(dir) => Project::load(dir),
        None => Project::discover(&std::env::current_dir().unwrap_or_default()),
    }
    .map_err(contract::launch::LaunchError::from)?;
    let python = std::env::var_os(PYTHON_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let spec = LaunchSpec::dev(&project, python)?;
    Ok((project, spec))
}

/// Where a shell's binary is: beside this executable (a cargo target dir or
/// an install), else on `PATH`. Returns every place tried on failure.
pub fn find_shell(stem: &str) -> Result<PathBuf, Vec<PathBuf>> {
    let file = format!("{stem}{}", std::env::consts::EXE_SUFFIX);
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.join(&file)));
    let on_path: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join(&file)).collect())
        .unwrap_or_default();
    let tried: Vec<PathBuf> = beside.into_iter().chain(on_path).collect();
    tried.iter().find(|p| p.is_file()).cloned().ok_or(tried)
}

/// `run --shell <name> [dir]`: starts the shell on the project. On Unix the
/// shell replaces this process (`exec`), so it keeps this process's pid and
/// gets its signals: a SIGTERM or Ctrl-C sent to `desktop-django run` is the
/// shell's own graceful quit (C-PROC-3), never an orphaned shell and backend.
/// Elsewhere it waits for the shell (Ctrl-C reaches both through the console)
/// and returns its exit status. Errors: no shell binary, or it cannot start.
pub fn shell(name: &str, dir: Option<&Path>) -> Result<ExitCode, CliError> {
    let (project, _) = project(dir)?;
    let (_, stem, package) = SHELLS
        .iter()
        .find(|(n, _, _)| *n == name)
        .copied()
        .unwrap_or(SHELLS[0]);
    let program = find_shell(stem).map_err(|tried| CliError::NoShell {
        shell: name.into(),
        package: package.into(),
        tried,
    })?;
    let mut cmd = Command::new(&program);
    cmd.arg("--project").arg(&project.dir);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Returns only when the exec failed.
        let source = cmd.exec();
        Err(CliError::Spawn { program, source })
    }
    #[cfg(not(unix))]
    status(cmd, &program)
}

/// `manage [dir] -- <args>`: the management command with the desktop
/// settings against the app-data database.
pub fn manage(dir: Option<&Path>, args: &[OsString]) -> Result<ExitCode, CliError> {
    let (project, spec) = project(dir)?;
    let paths = AppPaths::resolve(&project.app_id)?;
    let mut cmd = spec.manage_command(args);
    cmd.env(APP_DATA_ENV, &paths.root);
    status(cmd, spec.program())
}

fn status(mut cmd: Command, program: &Path) -> Result<ExitCode, CliError> {
    let status = cmd.status().map_err(|source| CliError::Spawn {
        program: program.to_path_buf(),
        source,
    })?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}
