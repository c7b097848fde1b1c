//! Everything a shell resolves before its window opens: the project
//! (`desktop.toml`), the launch spec (dev or packaged), the app-data dir and
//! the shell log; and how a failure at this point reaches the user (stderr,
//! a native message box) before any window exists.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::instance::{Claim, FocusError, InstanceLock};
use crate::launch::{self, LaunchError, LaunchSpec};
use crate::logs::ShellLog;
use crate::pages;
use crate::paths::{AppPaths, PathsError};
use crate::project::{self, Project, ProjectError};
use crate::session::AUTOQUIT_ENV;
use crate::signals;

/// Why a session could not even be prepared (before any window exists).
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error(transparent)]
    Launch(#[from] LaunchError),
    #[error(transparent)]
    Paths(#[from] PathsError),
    /// C-PROC-7: another shell runs on this app-data dir. It was asked to bring its window
    /// forward (`focus`: why that failed); this launch starts nothing and exits 0.
    #[error("{product_name} is already running for {}; {}", .app_data.display(), focus_outcome(.focus))]
    AlreadyRunning {
        product_name: String,
        app_data: PathBuf,
        focus: Option<FocusError>,
    },
}

fn focus_outcome(focus: &Option<FocusError>) -> String {
    match focus {
        None => "asked it to bring its window forward".into(),
        Some(e) => format!("could not ask it to focus: {e}"),
    }
}

/// Everything resolved before the window opens.
pub struct Prepared {
    pub project: Project,
    pub spec: LaunchSpec,
    pub paths: AppPaths,
    pub log: ShellLog,
    /// The single-instance lock (C-PROC-7), held from [`prepare`] on; `None` only where no
    /// lock can be taken at all ([`Claim::Unavailable`]).
    pub instance: Option<InstanceLock>,
}

/// [`prepare`] from this process's own arguments, for a shell's `main`: on
/// failure (no `desktop.toml`, no interpreter, no app-data dir) prints
/// `<program>: <error>` on stderr and exits 2, before any window exists.
/// A second launch ([`SessionError::AlreadyRunning`]) prints its line and exits 0.
///
/// Also installs the SIGTERM/SIGINT/Ctrl-Break handler at once, so a quit
/// that arrives before [`Session::start`] is kept and honoured there (exit 0,
/// C-PROC-3) instead of killing the process with the default action.
pub fn prepare_or_exit(program: &str) -> Prepared {
    prepare_or_exit_in(program, None, None)
}

/// How a window shell shows an error before it has a window, `(title,
/// message)`: a native message box, for an app launched from a desktop menu
/// with no terminal to read stderr.
pub type StartupReport = fn(title: &str, message: &str);

/// Shows `message` through `report`, unless this is a headless run
/// (`DESKTOP_DJANGO_AUTOQUIT_MS` set, C-SHELL-4), which has nobody to
/// dismiss a dialog; stderr carries it either way.
pub fn report_startup_error(report: Option<StartupReport>, title: &str, message: &str) {
    eprintln!("{title}: {message}");
    if let Some(report) = report {
        if std::env::var_os(AUTOQUIT_ENV).is_none() {
            report(title, message);
        }
    }
}

/// [`prepare_or_exit`] for a window shell: `resources` is its bundle's
/// resource dir where it knows it (the packaged runtime is in
/// `<resources>/runtime/`, C-PKG-1), and `report` shows a failure natively
/// before the exit 2 (see [`report_startup_error`]).
pub fn prepare_or_exit_in(
    program: &str,
    resources: Option<&Path>,
    report: Option<StartupReport>,
) -> Prepared {
    let handler = signals::install();
    match prepare_in(std::env::args_os().skip(1), resources) {
        Ok(prepared) => {
            if let Err(e) = handler {
                prepared
                    .log
                    .line("shell", &format!("no signal handler: {e}"));
            }
            prepared
        }
        Err(e @ SessionError::AlreadyRunning { .. }) => {
            eprintln!("{program}: {e}");
            std::process::exit(0);
        }
        Err(e) => {
            report_startup_error(report, program, &e.to_string());
            std::process::exit(2);
        }
    }
}

/// Resolves project, launch spec and app-data dir from the shell's
/// arguments (program name excluded; `--project <dir>`), claims the instance
/// (C-PROC-7, [`crate::instance::claim`]) and opens `shell.log`.
///
/// Errors: the project, the launch spec or the app-data dir cannot be resolved; or
/// [`SessionError::AlreadyRunning`], after asking the running shell to focus.
pub fn prepare<I: IntoIterator<Item = OsString>>(args: I) -> Result<Prepared, SessionError> {
    prepare_in(args, None)
}

/// [`prepare`] with the bundle's resource dir, if the shell knows it.
pub fn prepare_in<I: IntoIterator<Item = OsString>>(
    args: I,
    resources: Option<&Path>,
) -> Result<Prepared, SessionError> {
    let explicit = project::project_arg(args)?;
    let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
    let exe = std::env::current_exe().unwrap_or_default();
    let (project, spec) = launch::resolve(explicit.as_deref(), &cwd, &exe, resources)?;
    let paths = AppPaths::resolve(&project.app_id)?;
    let (instance, problem) = match crate::instance::claim(&paths.root) {
        Claim::Held { lock, unreachable } => (
            Some(lock),
            unreachable.map(|e| format!("a second launch cannot focus this window: {e}")),
        ),
        Claim::Unavailable(e) => (None, Some(format!("no single-instance lock: {e}"))),
        Claim::Elsewhere { focus } => {
            let error = SessionError::AlreadyRunning {
                product_name: project.product_name,
                app_data: paths.root.clone(),
                focus: focus.err(),
            };
            // The running instance writes to shell.log: append the one line, and leave the
            // rotation to the next launch that runs alone.
            ShellLog::append(&paths.shell_log()).line("shell", &error.to_string());
            return Err(error);
        }
    };
    let log = ShellLog::open(&paths.shell_log());
    log.line(
        "shell",
        &format!(
            "{} {} starting; app data {}",
            project.product_name,
            crate::VERSION,
            paths.root.display()
        ),
    );
    if let Some(problem) = problem {
        log.line("shell", &problem);
    }
    Ok(Prepared {
        project,
        spec,
        paths,
        log,
        instance,
    })
}

impl Prepared {
    /// The window title: the product name from `desktop.toml`.
    pub fn title(&self) -> &str {
        &self.project.product_name
    }

    /// The splash page (C-READY-2).
    pub fn splash_html(&self) -> String {
        pages::splash_html(&self.project.product_name)
    }
}
