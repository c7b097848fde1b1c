//! The shell × clause matrix, built from the per-check results under
//! `<target>/conformance/results/` and written to `<target>/conformance/matrix.json` and
//! `matrix.md`.
//!
//! Every [`crate::check`] rewrites both files when it finishes (under a file lock, so parallel
//! tests and parallel test processes never interleave), so they are current even when a run
//! stops half-way. The test process prints the matrix when it exits, and
//! `cargo run -p conformance --bin conformance-matrix` prints (or, with `--docs`, renders into
//! `docs/conformance-matrix.md`) the last one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::clauses::{self, Clause};
use crate::Level;

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

/// `<target>/conformance`.
pub fn root() -> PathBuf {
    harness::output_dir()
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

/// The results file of one scenario: `<clause>.json`, or `<clause>@<scenario>.json`.
pub fn record_path(clause: &str, scenario: &str) -> PathBuf {
    let name = if scenario == "main" {
        format!("{clause}.json")
    } else {
        format!("{clause}@{scenario}.json")
    };
    results_dir().join(name)
}

/// This test process's own records, for the matrix printed when it exits: another test process
/// sharing the target dir may be writing records into the same results dir meanwhile.
static THIS_RUN: std::sync::Mutex<Vec<CheckRecord>> = std::sync::Mutex::new(Vec::new());

/// Writes one check's record, then rewrites the matrix files.
pub fn record(rec: &CheckRecord) {
    THIS_RUN
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(rec.clone());
    let path = record_path(&rec.clause, &rec.scenario);
    let _lock = Lock::take(&root());
    if std::fs::create_dir_all(results_dir()).is_ok() {
        let tmp = path.with_extension("json.tmp");
        if std::fs::write(&tmp, serde_json::to_string_pretty(rec).unwrap_or_default()).is_ok() {
            let _ = std::fs::rename(&tmp, &path);
        }
    }
    if let Ok(m) = Matrix::build(&crate::shell_names(), &results_dir()) {
        let _ = m.with_labels(&crate::shell_labels()).write(&root());
    }
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

/// One cell of the matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// `pass`, `fail`, `not claimed`, `expected failure`, `unavailable` or `not run`.
    pub outcome: String,
    /// Failure messages or expected-failure reasons, one per scenario that has one.
    pub details: Vec<String>,
    /// Scenario names that were run.
    pub scenarios: Vec<String>,
    /// True when a scenario's result comes from an earlier test run than the newest one.
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
        let newest_run = records
            .iter()
            .max_by(|a, b| a.finished.total_cmp(&b.finished))
            .map(|r| r.run.clone())
            .unwrap_or_default();
        let mut rows = Vec::new();
        for clause in clauses::ALL.iter().chain(clauses::SUITES) {
            rows.push(Self::row(clause, shells, records, &newest_run));
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

    fn row(clause: &Clause, shells: &[String], records: &[CheckRecord], newest: &str) -> Row {
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
                cell.stale |= rec.run != newest;
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

    /// The matrix as Markdown: one row per clause, one column per shell, then the reasons.
    pub fn markdown(&self) -> String {
        let mut notes: Vec<String> = Vec::new();
        let mut out = String::new();
        out.push_str("| clause | level | what |");
        for s in &self.shells {
            out.push_str(&format!(" {} |", self.label(s)));
        }
        out.push_str("\n| --- | --- | --- |");
        for _ in &self.shells {
            out.push_str(" --- |");
        }
        out.push('\n');
        for row in &self.rows {
            out.push_str(&format!("| {} | {} | {} |", row.id, row.level, row.title));
            for s in &self.shells {
                let cell = &row.cells[s];
                let mut text = match cell.outcome.as_str() {
                    "pass" => "pass".to_string(),
                    "fail" => "**FAIL**".to_string(),
                    other => other.to_string(),
                };
                if matches!(cell.outcome.as_str(), "fail" | "expected failure")
                    || cell.is_os_limit()
                {
                    notes.push(format!(
                        "{} on {s}: {}",
                        row.id,
                        one_line(&cell.details.join(" / "))
                    ));
                    text.push_str(&format!(" [{}]", notes.len()));
                }
                if cell.stale {
                    text.push_str(" (earlier run)");
                }
                out.push_str(&format!(" {text} |"));
            }
            out.push('\n');
        }
        let totals: Vec<String> = self
            .totals()
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect();
        out.push_str(&format!("\nTotals: {}.\n", totals.join(", ")));
        for (shell, why) in self.unavailable() {
            out.push_str(&format!(
                "\n{shell} is unavailable on the machine that ran this: {why}\n"
            ));
        }
        if !notes.is_empty() {
            out.push('\n');
            for (i, n) in notes.iter().enumerate() {
                out.push_str(&format!("{}. {}\n", i + 1, n));
            }
        }
        out
    }

    /// A compact fixed-width table for the terminal.
    pub fn text(&self) -> String {
        let w = self
            .shells
            .iter()
            .map(|s| s.len().max(16))
            .collect::<Vec<_>>();
        let mut out = format!("{:<10} {:<6} ", "clause", "level");
        for (s, w) in self.shells.iter().zip(&w) {
            out.push_str(&format!("{s:<w$} "));
        }
        out.push('\n');
        let mut notes = Vec::new();
        for row in &self.rows {
            out.push_str(&format!("{:<10} {:<6} ", row.id, row.level));
            for (s, w) in self.shells.iter().zip(&w) {
                let cell = &row.cells[s];
                let mut t = match cell.outcome.as_str() {
                    "fail" => "FAIL".to_string(),
                    "expected failure" => "expected fail".to_string(),
                    o => o.to_string(),
                };
                if matches!(cell.outcome.as_str(), "fail" | "expected failure") {
                    notes.push(format!(
                        "{} {s}: {}",
                        row.id,
                        truncate(&one_line(&cell.details.join(" / ")), 300)
                    ));
                    t.push_str(&format!(" [{}]", notes.len()));
                }
                if cell.stale {
                    t.push('*');
                }
                out.push_str(&format!("{t:<w$} "));
            }
            out.push('\n');
        }
        let totals: Vec<String> = self
            .totals()
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect();
        out.push_str(&format!("totals: {}", totals.join(", ")));
        for (shell, why) in self.unavailable() {
            out.push_str(&format!("\n{shell} unavailable: {}", truncate(&why, 300)));
        }
        if self.rows.iter().any(|r| r.cells.values().any(|c| c.stale)) {
            out.push_str("  (* = result from an earlier run)");
        }
        out.push('\n');
        for (i, n) in notes.iter().enumerate() {
            out.push_str(&format!("[{}] {n}\n", i + 1));
        }
        out
    }

    /// Writes `matrix.json` and `matrix.md` into `dir`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        write_atomic(&dir.join("matrix.json"), json.as_bytes())?;
        let md = format!(
            "# Conformance matrix\n\nShell × clause, from `cargo test -p conformance`.\n\n{}",
            self.markdown()
        );
        write_atomic(&dir.join("matrix.md"), md.as_bytes())
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

/// An exclusive lock on `<dir>/matrix.lock` (flock on POSIX; nothing elsewhere), released on drop.
pub struct Lock {
    #[cfg(unix)]
    _file: Option<std::fs::File>,
}

impl Lock {
    pub fn take(dir: &Path) -> Lock {
        #[cfg(unix)]
        {
            use std::os::unix::io::AsRawFd;
            let _ = std::fs::create_dir_all(dir);
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(dir.join("matrix.lock"))
                .ok();
            if let Some(f) = &file {
                // SAFETY: flock on a file descriptor we own.
                unsafe {
                    libc::flock(f.as_raw_fd(), libc::LOCK_EX);
                }
            }
            Lock { _file: file }
        }
        #[cfg(not(unix))]
        {
            let _ = dir;
            Lock {}
        }
    }
}

/// Prints the matrix to stderr when the test process exits (once per process, registered by the
/// first check). It writes to the file descriptor directly, past libtest's output capture.
pub fn print_at_exit() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        #[cfg(unix)]
        {
            extern "C" fn at_exit() {
                let records = THIS_RUN.lock().unwrap_or_else(|e| e.into_inner()).clone();
                let m = Matrix::from_records(&crate::shell_names(), &records)
                    .with_labels(&crate::shell_labels());
                let text = format!(
                    "\n==== conformance matrix: this run, {} checks ====\n{}==== all runs: {} ====\n",
                    records.len(),
                    m.text(),
                    root().join("matrix.md").display()
                );
                crate::raw_stderr(&text);
            }
            // SAFETY: registering a plain extern "C" function with atexit.
            unsafe {
                libc::atexit(at_exit);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(
        clause: &str,
        scenario: &str,
        run: &str,
        res: &[(&str, &str, Option<&str>)],
    ) -> CheckRecord {
        CheckRecord {
            clause: clause.into(),
            scenario: scenario.into(),
            run: run.into(),
            finished: if run == "new" { 2.0 } else { 1.0 },
            results: res
                .iter()
                .map(|(s, o, d)| ShellResult {
                    shell: s.to_string(),
                    outcome: o.to_string(),
                    detail: d.map(str::to_string),
                    seconds: 1.0,
                })
                .collect(),
        }
    }

    #[test]
    fn an_os_limited_scenario_gets_a_note_and_does_not_mark_the_shell_absent() {
        let why = "unavailable on windows: no sh";
        let records = [
            rec("C-PROC-5", "main", "new", &[("wry", "pass", None)]),
            rec(
                "C-PROC-5",
                "grandchild",
                "new",
                &[("wry", "unavailable", Some(why))],
            ),
        ];
        let m = Matrix::from_records(&["wry".to_string()], &records);
        let cell = &m.rows.iter().find(|r| r.id == "C-PROC-5").unwrap().cells["wry"];
        assert_eq!(cell.outcome, "pass");
        assert!(cell.is_os_limit());
        assert!(m.unavailable().is_empty(), "{:?}", m.unavailable());
        let md = m.markdown();
        assert!(md.contains("| pass [1] |"), "{md}");
        assert!(
            md.contains("1. C-PROC-5 on wry: [grandchild] unavailable on windows: no sh"),
            "{md}"
        );
    }

    #[test]
    fn cells_take_the_worst_scenario_and_mark_stale_runs() {
        let dir = tempfile::tempdir().unwrap();
        for r in [
            rec(
                "C-PROC-5",
                "main",
                "new",
                &[("wry", "pass", None), ("h", "pass", None)],
            ),
            rec(
                "C-PROC-5",
                "before-handshake",
                "new",
                &[("wry", "fail", Some("orphan")), ("h", "pass", None)],
            ),
            rec(
                "C-PROC-7",
                "main",
                "new",
                &[
                    ("wry", "not claimed", None),
                    ("h", "expected failure", Some("why")),
                ],
            ),
            rec("C-PORT-1", "main", "old", &[("wry", "pass", None)]),
        ] {
            std::fs::write(
                dir.path().join(format!("{}@{}.json", r.clause, r.scenario)),
                serde_json::to_string(&r).unwrap(),
            )
            .unwrap();
        }
        let shells = vec!["wry".to_string(), "h".to_string()];
        let m = Matrix::build(&shells, dir.path()).unwrap();
        let row = |id: &str| m.rows.iter().find(|r| r.id == id).unwrap();
        assert_eq!(row("C-PROC-5").cells["wry"].outcome, "fail");
        assert_eq!(
            row("C-PROC-5").cells["wry"].details,
            ["[before-handshake] orphan"]
        );
        assert_eq!(row("C-PROC-5").cells["h"].outcome, "pass");
        assert_eq!(row("C-PROC-7").cells["wry"].outcome, "not claimed");
        assert_eq!(row("C-PROC-7").cells["h"].outcome, "expected failure");
        assert!(row("C-PORT-1").cells["wry"].stale);
        assert_eq!(row("C-PORT-1").cells["h"].outcome, "not run");
        assert_eq!(row("C-AUTH-1").cells["wry"].outcome, "not run");
        let md = m.markdown();
        assert!(
            md.contains("| C-PROC-5 | MUST | orphan-proof | **FAIL** [1] | pass |"),
            "{md}"
        );
        assert!(
            md.contains("1. C-PROC-5 on wry: [before-handshake] orphan"),
            "{md}"
        );
        assert!(m.text().contains("C-PROC-7"));
        let out = tempfile::tempdir().unwrap();
        m.write(out.path()).unwrap();
        let back: Matrix =
            serde_json::from_str(&std::fs::read_to_string(out.path().join("matrix.json")).unwrap())
                .unwrap();
        assert_eq!(back.rows.len(), m.rows.len());
    }
}
