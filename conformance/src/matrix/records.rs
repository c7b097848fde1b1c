//! One check's record, and where the records of a run live.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One recorded check: one clause (or suite) scenario on every shell.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckRecord {
    pub clause: String,
    #[serde(default = "main_scenario")]
    pub scenario: String,
    /// The test process that wrote it (see [`run_id`]).
    #[serde(default)]
    pub run: String,
    /// Unix seconds when the check finished.
    #[serde(default)]
    pub finished: f64,
    pub results: Vec<ShellResult>,
}

fn main_scenario() -> String {
    "main".into()
}

/// One shell's outcome in one check.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShellResult {
    pub shell: String,
    /// `pass`, `fail`, `not claimed` or `expected failure`.
    pub outcome: String,
    pub detail: Option<String>,
    pub seconds: f64,
}

/// `<target>/conformance`, or `<target>/conformance/backend-<app id>` when the backend under
/// test is not the demo.
pub fn root() -> PathBuf {
    let project = crate::backend::under_test();
    if project.is_demo {
        harness::output_dir()
    } else {
        // Another backend under test keeps its own matrix, so a run on a wrapped project never
        // mixes its results into the demo's.
        harness::output_dir().join(format!("backend-{}", project.app_id))
    }
}

/// `<target>/conformance/results`.
pub fn results_dir() -> PathBuf {
    root().join("results")
}

/// This test process's run id: its pid and start time.
pub fn run_id() -> &'static str {
    static RUN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    RUN.get_or_init(|| format!("{}-{:.0}", std::process::id(), unix_now() * 1000.0))
}

pub fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The results file of one scenario on one shell: `<clause>--<shell>.json`, or
/// `<clause>@<scenario>--<shell>.json`. One file per shell, so a run of some shells
/// (`DESKTOP_DJANGO_CONFORMANCE_SHELLS`, e.g. an installed package's row) replaces their results
/// and keeps the other shells' from earlier runs.
pub fn record_path(clause: &str, scenario: &str, shell: &str) -> PathBuf {
    let name = if scenario == "main" {
        format!("{clause}--{shell}.json")
    } else {
        format!("{clause}@{scenario}--{shell}.json")
    };
    results_dir().join(name)
}

/// Reads every record in `dir` (unreadable files are skipped).
pub fn read_records(dir: &Path) -> Vec<CheckRecord> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<CheckRecord> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter_map(|t| serde_json::from_str(&t).ok())
        .collect();
    out.sort_by(|a, b| (&a.clause, &a.scenario).cmp(&(&b.clause, &b.scenario)));
    out
}
