//! A descriptor with its placeholders expanded: what a launch runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{resolve_program, Descriptor, Hosted, Placeholders, Transport};

/// A descriptor with its placeholders expanded, ready to launch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellSpec {
    pub name: String,
    pub label: String,
    /// The folder holding the descriptor.
    pub dir: PathBuf,
    pub build: Option<Vec<String>>,
    pub program: PathBuf,
    pub args: Vec<String>,
    pub display: bool,
    pub claims: Vec<String>,
    pub transport: Transport,
    pub expected_failures: BTreeMap<String, String>,
    /// The command as written (placeholders unexpanded), to launch with another `{backend}`.
    pub command_template: Vec<String>,
    pub placeholders: Placeholders,
    pub available_if: Option<Vec<String>>,
    /// Files to scan for compiled-in demo constants (C-SHELL-5).
    pub artifacts: Vec<PathBuf>,
    /// See [`Descriptor::packaged`].
    pub packaged: bool,
    /// [`Descriptor::host_command`] as written (placeholders unexpanded).
    pub host_template: Option<Vec<String>>,
}

impl ShellSpec {
    /// Whether the shell claims a SHOULD clause (e.g. `C-READY-4`).
    pub fn claims(&self, clause: &str) -> bool {
        self.claims.iter().any(|f| f.eq_ignore_ascii_case(clause))
    }

    /// The descriptor's reason when `clause` (or `clause@scenario`) is an expected failure.
    /// A `C-X-N@scenario` key matches that scenario only; a bare `C-X-N` key matches every
    /// scenario of the clause.
    pub fn expected_failure(&self, clause: &str, scenario: &str) -> Option<String> {
        let scoped = format!("{clause}@{scenario}");
        let find = |key: &str| {
            self.expected_failures
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.clone())
        };
        find(&scoped).or_else(|| find(clause))
    }

    /// Program and arguments of a launch hosting `hosted`; a dev-mode launch uses
    /// `host_command` when the descriptor has one.
    ///
    /// Errors: the command to use names no `{backend}`, or a placeholder is unknown.
    pub fn command_for(&self, hosted: Hosted) -> Result<(PathBuf, Vec<String>), String> {
        let mut ph = self.placeholders.clone();
        let template = match hosted {
            Hosted::Own => &self.command_template,
            Hosted::Dev(project) => {
                if let Some(p) = project {
                    ph.backend = p.to_path_buf();
                }
                let template = self
                    .host_template
                    .as_ref()
                    .unwrap_or(&self.command_template);
                if !template.iter().any(|a| a.contains("{backend}")) {
                    return Err(format!(
                        "the {} descriptor's command has no {{backend}} placeholder, so it cannot host another project",
                        self.name
                    ));
                }
                template
            }
        };
        let mut all = template
            .iter()
            .map(|s| ph.expand(s))
            .collect::<Result<Vec<_>, _>>()?;
        let program = PathBuf::from(all.remove(0));
        Ok((program, all))
    }
}

/// Expands a parsed descriptor found in `dir`.
pub fn expand(d: &Descriptor, dir: &Path, ph: &Placeholders) -> Result<ShellSpec, String> {
    let all = |v: &[String]| {
        v.iter()
            .map(|s| ph.expand(s))
            .collect::<Result<Vec<_>, _>>()
    };
    let mut command = all(&d.command)?;
    let program = PathBuf::from(command.remove(0));
    let artifacts = if d.artifacts.is_empty() {
        vec![resolve_program(&program)]
    } else {
        all(&d.artifacts)?.into_iter().map(PathBuf::from).collect()
    };
    Ok(ShellSpec {
        name: d.name.clone(),
        label: d.label.clone().unwrap_or_else(|| d.name.clone()),
        dir: dir.to_path_buf(),
        build: d.build.as_deref().map(all).transpose()?,
        program,
        args: command,
        display: d.display,
        claims: d.claims.clone(),
        transport: d.transport,
        expected_failures: d.expected_failures.clone(),
        command_template: d.command.clone(),
        placeholders: ph.clone(),
        available_if: d.available_if.as_deref().map(all).transpose()?,
        artifacts,
        packaged: d.packaged,
        host_template: d.host_command.clone(),
    })
}
