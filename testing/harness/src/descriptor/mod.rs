//! Shell descriptors: `shells/<name>/conformance.toml`, the conformance plug-in surface.
//!
//! A shell joins the suite by adding a folder with a descriptor; the tests are never edited.
//! See `docs/architecture.md` ("Conformance descriptor") for the format.
//!
//! Clause ids (`claims`, `expected_failures`) are plain strings here: the harness knows no
//! clauses. The conformance suite checks them against its clause list
//! ([`discover_checked`] with its own check).
//!
//! Here: the descriptor as written ([`Descriptor`], [`parse`]); `placeholders` expands
//! `{target_dir}` `{backend}` `{workspace}` `{exe}`; `spec` is the expanded [`ShellSpec`];
//! `program` resolves and probes programs; `discover` finds every descriptor under `shells/`.

mod discover;
mod placeholders;
mod program;
mod spec;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

pub use contract::shell::Transport;

pub use discover::{discover, discover_checked};
pub use placeholders::{target_dir, Placeholders};
pub use program::{probe_availability, resolve_program};
pub use spec::{expand, ShellSpec};

/// Runs the suite on another Django project (a dir with `desktop.toml`) instead of the demo:
/// the clauses that do not need the demo's pages apply to any wrapped project.
pub const BACKEND_ENV: &str = "DESKTOP_DJANGO_CONFORMANCE_BACKEND";

/// What a launch hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hosted<'a> {
    /// The descriptor's own backend: `command` as written (the demo, or a package's runtime).
    Own,
    /// A dev-mode project: this dir (with a `desktop.toml`, C-SHELL-5) in place of `{backend}`,
    /// or the default `{backend}` (the demo, e.g. run by a stand-in interpreter).
    Dev(Option<&'a Path>),
}

/// One shell's descriptor, as written in its `conformance.toml` (placeholders not yet expanded).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Descriptor {
    /// Row id in the matrix, e.g. `wry`.
    pub name: String,
    /// Row label shown in the matrix; defaults to `name`.
    #[serde(default)]
    pub label: Option<String>,
    /// Build step, run from the workspace root once per test process. Optional.
    #[serde(default)]
    pub build: Option<Vec<String>>,
    /// The command that launches the shell: program followed by its arguments.
    pub command: Vec<String>,
    /// Whether the shell needs a display (the harness starts Xvfb on Linux when `DISPLAY` is unset).
    #[serde(default)]
    pub display: bool,
    /// SHOULD clauses this shell claims, e.g. `["C-READY-4"]`.
    #[serde(default)]
    pub claims: Vec<String>,
    /// How the shell's webview proves itself to the backend: `ticket` (C-AUTH-5, the one-time
    /// ticket bootstrap) or `header` (C-AUTH-4, the token header injected for the exact
    /// origin). C-AUTH-5 asserts the shell does what its descriptor declares.
    pub transport: Transport,
    /// Clause id -> reason. Reported as expected failures, never skipped.
    #[serde(default)]
    pub expected_failures: BTreeMap<String, String>,
    /// A probe command (run from the descriptor's folder, placeholders expanded): exit 0 means
    /// the shell can run on this machine. Otherwise every check reports it as "unavailable"
    /// with the probe's output, neither pass nor fail (e.g. a shell needing a downloaded runtime).
    #[serde(default)]
    pub available_if: Option<Vec<String>>,
    /// The files holding the shell's compiled code, scanned by C-SHELL-5 for the demo's
    /// identity; default: the program (resolved on `PATH` when it is a bare name).
    #[serde(default)]
    pub artifacts: Vec<String>,
    /// `command` runs an installed package: its bundled runtime, found through the package's
    /// runtime manifest (C-PKG-1, C-PKG-2 apply to this row only).
    #[serde(default)]
    pub packaged: bool,
    /// How the same binary hosts another Django project (`{backend}`) when `command` hosts a
    /// bundled one: a launch with another project or a stand-in interpreter (fault injection,
    /// `DESKTOP_DJANGO_PYTHON`) runs this instead. Default: `command` (which must then name
    /// `{backend}` for such launches).
    #[serde(default)]
    pub host_command: Option<Vec<String>>,
}

/// Parses a descriptor's text and checks its shape (the clause ids it names are not checked:
/// see [`discover_checked`]).
pub fn parse(text: &str) -> Result<Descriptor, String> {
    let d: Descriptor = toml::from_str(text).map_err(|e| e.to_string())?;
    if d.name.trim().is_empty() {
        return Err("`name` is empty".into());
    }
    if d.command.is_empty() {
        return Err("`command` is empty".into());
    }
    if matches!(&d.build, Some(b) if b.is_empty()) {
        return Err("`build` is empty (leave it out instead)".into());
    }
    if matches!(&d.available_if, Some(b) if b.is_empty()) {
        return Err("`available_if` is empty (leave it out instead)".into());
    }
    if matches!(&d.host_command, Some(h) if !h.iter().any(|a| a.contains("{backend}"))) {
        return Err("`host_command` must name `{backend}` (the project it hosts)".into());
    }
    Ok(d)
}
