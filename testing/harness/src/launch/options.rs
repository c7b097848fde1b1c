//! What a launch gets beyond the defaults, and the environment variables it sets or scrubs.

use std::path::{Path, PathBuf};

use crate::descriptor::Hosted;

/// What a launch gets beyond the defaults.
#[derive(Debug, Clone, Default)]
pub struct LaunchOptions {
    /// Use this app-data dir (e.g. to relaunch on the same data) instead of a fresh one.
    pub app_data: Option<PathBuf>,
    /// Do not set `DESKTOP_DJANGO_APP_DATA_DIR`: the shell resolves the app-data dir itself
    /// (C-DATA-1). `app_data` must then name where it is expected.
    pub app_data_unset: bool,
    /// `DESKTOP_DJANGO_AUTOQUIT_MS`.
    pub autoquit_ms: Option<u64>,
    /// Host this Django project (a dir with `desktop.toml`) instead of the demo: it replaces the
    /// descriptor's `{backend}` (C-SHELL-5).
    pub project: Option<PathBuf>,
    /// Directories put in front of `PATH` (e.g. a stand-in `xdg-open`).
    pub path_prepend: Vec<PathBuf>,
    /// Extra environment variables for the shell.
    pub env: Vec<(String, String)>,
    /// Do not take a concurrency slot: for a short second launch made while the test already
    /// holds one (C-PROC-7), which must not wait on its own test.
    pub slotless: bool,
}

impl LaunchOptions {
    pub fn app_data(mut self, dir: &Path) -> Self {
        self.app_data = Some(dir.to_path_buf());
        self
    }

    pub fn autoquit_ms(mut self, ms: u64) -> Self {
        self.autoquit_ms = Some(ms);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.env.push((
            key.to_string(),
            value.as_ref().to_string_lossy().into_owned(),
        ));
        self
    }

    /// `DESKTOP_DJANGO_PYTHON`: the dev-mode interpreter (e.g. a fake one, see `conformance::fakes`).
    pub fn python(self, interpreter: &Path) -> Self {
        self.env(PYTHON_ENV, interpreter)
    }

    pub fn project(mut self, dir: &Path) -> Self {
        self.project = Some(dir.to_path_buf());
        self
    }

    pub fn path_prepend(mut self, dir: &Path) -> Self {
        self.path_prepend.push(dir.to_path_buf());
        self
    }

    /// What the launch hosts: a dev-mode backend when it names a project or a stand-in
    /// interpreter (which only dev mode reads), else the descriptor's own.
    pub fn hosted(&self) -> Hosted<'_> {
        if self.project.is_some() || self.env.iter().any(|(k, _)| k == PYTHON_ENV) {
            Hosted::Dev(self.project.as_deref())
        } else {
            Hosted::Own
        }
    }

    pub fn slotless(mut self) -> Self {
        self.slotless = true;
        self
    }
}

/// The dev-mode interpreter override the shells read (`contract::launch::PYTHON_ENV`).
pub const PYTHON_ENV: &str = "DESKTOP_DJANGO_PYTHON";
/// The readiness timeout override (`contract::supervisor::READY_TIMEOUT_ENV`).
pub const READY_TIMEOUT_ENV: &str = "DESKTOP_DJANGO_READY_TIMEOUT_MS";
/// The grace period override (`contract::supervisor::GRACE_ENV`).
pub const GRACE_ENV: &str = "DESKTOP_DJANGO_GRACE_MS";
/// The token's child environment variable (C-AUTH-1).
pub const TOKEN_ENV: &str = "DESKTOP_DJANGO_AUTH_TOKEN";

/// Variables a launch never inherits from the harness's own environment: each launch states
/// what it wants.
pub(super) const SCRUBBED: &[&str] = &[
    PYTHON_ENV,
    READY_TIMEOUT_ENV,
    GRACE_ENV,
    TOKEN_ENV,
    "DESKTOP_DJANGO_AUTOQUIT_MS",
    "DESKTOP_DJANGO_RUNTIME_MANIFEST",
    "DESKTOP_DJANGO_MODE",
    "DJANGO_SETTINGS_MODULE",
];
