//! The shell × clause matrix, built from the per-check results under
//! `<target>/conformance/results/` and written to `<target>/conformance/matrix.json` and
//! `matrix.md`.
//!
//! Every [`crate::check`] rewrites both files when it finishes (under a file lock, so parallel
//! tests and parallel test processes never interleave), so they are current even when a run
//! stops half-way. The test process prints the matrix when it exits, and
//! `cargo run -p conformance --bin conformance-matrix` prints (or, with `--docs`, renders into
//! `docs/conformance-matrix.md`) the last one.
//!
//! Here: the matrix itself ([`Matrix`], its rows and cells, built from records); `records` holds
//! the per-check record and where records live; `store` writes them (under the lock) and prints
//! the matrix at exit; `render` turns the matrix into Markdown, terminal text and files.

mod records;
mod render;
mod store;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::clauses::{self, Clause};
use crate::Level;

pub use records::{
    read_records, record_path, results_dir, root, run_id, unix_now, CheckRecord, ShellResult,
};
pub use store::{print_at_exit, record, Lock};

use render::one_line;

/// One cell of the matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// `pass`, `fail`, `not claimed`, `expected failure`, `unavailable` or `not run`.
    pub outcome: String,
    /// Failure messages or expected-failure reasons, one per scenario that has one.
    pub details: Vec<String>,
    /// Scenario names that were run.
    pub scenarios: Vec<String>,
    /// True when a scenario's result comes from an earlier test run than the newest run of
    /// this shell (a row never mixes runs unnoticed; rows of different runs are fine).
    pub stale: bool,
}

impl Cell {
    /// Whether a scenario of this cell could not run on the OS that ran it
    /// ([`crate::platform::LIMITS`]); the Markdown gives the reason as a note.
    pub fn is_os_limit(&self) -> bool {
        self.details.iter().any(|d| d.contains("unavailable on "))
    }
}

/// One row: a clause (or suite) and its cell per shell.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    pub id: String,
    pub level: String,
    pub title: String,
    pub cells: BTreeMap<String, Cell>,
}

/// The whole matrix.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Matrix {
    pub generated: f64,
    pub shells: Vec<String>,
    /// Shell name -> the label its descriptor gives it (column headers of the Markdown).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub rows: Vec<Row>,
}

fn rank(outcome: &str) -> u8 {
    match outcome {
        "fail" => 5,
        "not run" => 4,
        "expected failure" => 3,
        "pass" => 2,
        "not claimed" | "unavailable" | "n/a" => 1,
        _ => 0,
    }
}

impl Matrix {
    /// Builds the matrix of `shells` from the records in `dir`. A cell is its worst scenario:
    /// fail, then not run, expected failure, pass, not claimed.
    pub fn build(shells: &[String], dir: &Path) -> Result<Matrix, String> {
        Ok(Self::from_records(shells, &read_records(dir)))
    }

    /// Builds the matrix of `shells` from `records` (see [`Matrix::build`]).
    pub fn from_records(shells: &[String], records: &[CheckRecord]) -> Matrix {
        // Per shell: the run that last checked it.
        let newest: BTreeMap<&str, &str> = shells
            .iter()
            .map(|shell| {
                let run = records
                    .iter()
                    .filter(|r| r.results.iter().any(|x| &x.shell == shell))
                    .max_by(|a, b| a.finished.total_cmp(&b.finished))
                    .map_or("", |r| r.run.as_str());
                (shell.as_str(), run)
            })
            .collect();
        let mut rows = Vec::new();
        for clause in clauses::ALL.iter().chain(clauses::SUITES) {
            rows.push(Self::row(clause, shells, records, &newest));
        }
        Matrix {
            generated: unix_now(),
            shells: shells.to_vec(),
            labels: BTreeMap::new(),
            rows,
        }
    }

    /// The matrix with its shells' labels (from their descriptors) for the column headers.
    pub fn with_labels(mut self, labels: &[(String, String)]) -> Matrix {
        self.labels = labels.iter().cloned().collect();
        self
    }

    fn label<'a>(&'a self, shell: &'a str) -> &'a str {
        self.labels.get(shell).map_or(shell, String::as_str)
    }

    fn row(
        clause: &Clause,
        shells: &[String],
        records: &[CheckRecord],
        newest: &BTreeMap<&str, &str>,
    ) -> Row {
        let mine: Vec<&CheckRecord> = records
            .iter()
            .filter(|r| r.clause.eq_ignore_ascii_case(clause.id))
            .collect();
        let mut cells = BTreeMap::new();
        for shell in shells {
            let mut cell = Cell {
                outcome: "not run".into(),
                details: Vec::new(),
                scenarios: Vec::new(),
                stale: false,
            };
            let mut worst: Option<String> = None;
            for rec in &mine {
                let Some(res) = rec.results.iter().find(|r| &r.shell == shell) else {
                    continue;
                };
                cell.scenarios.push(rec.scenario.clone());
                cell.stale |= newest.get(shell.as_str()) != Some(&rec.run.as_str());
                if let Some(d) = &res.detail {
                    let d = if rec.scenario == "main" {
                        d.clone()
                    } else {
                        format!("[{}] {d}", rec.scenario)
                    };
                    cell.details.push(d);
                }
                if worst
                    .as_deref()
                    .is_none_or(|w| rank(&res.outcome) > rank(w))
                {
                    worst = Some(res.outcome.clone());
                }
            }
            if let Some(w) = worst {
                cell.outcome = w;
            }
            cells.insert(shell.clone(), cell);
        }
        Row {
            id: clause.id.into(),
            level: match clause.level {
                Level::Must => "MUST".into(),
                Level::Should => "SHOULD".into(),
            },
            title: clause.title.into(),
            cells,
        }
    }

    /// Shells reported unavailable, with the reason (once per shell).
    pub fn unavailable(&self) -> Vec<(String, String)> {
        self.shells
            .iter()
            .filter_map(|s| {
                self.rows
                    .iter()
                    .filter_map(|r| r.cells.get(s))
                    .find(|c| c.outcome == "unavailable" && !c.is_os_limit())
                    .map(|c| (s.clone(), one_line(&c.details.join(" / "))))
            })
            .collect()
    }

    /// Counts of each outcome over all cells.
    pub fn totals(&self) -> BTreeMap<String, usize> {
        let mut t = BTreeMap::new();
        for row in &self.rows {
            for cell in row.cells.values() {
                *t.entry(cell.outcome.clone()).or_insert(0) += 1;
            }
        }
        t
    }
}
