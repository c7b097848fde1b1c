//! The conformance suite of Desktop Django Starter: the runtime contract's clauses
//! (`shared/contract.md`), checked from outside every shell.
//!
//! A shell plugs in through `shells/<name>/conformance.toml` only ([`descriptor`]). Each test in
//! `tests/` is one clause, named after its id, and runs [`check`] over every discovered shell:
//! MUST clauses on every shell, SHOULD clauses on the shells that claim them. Each check launches
//! shells through [`Launch`], which gives every launch a fresh app-data dir, an events file and a
//! unique marker in its environment, and kills the launch's whole tree when dropped.

pub mod demo;
pub mod descriptor;
pub mod display;
pub mod events;
pub mod http;
pub mod launch;
pub mod prebuild;
pub mod procs;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

pub use descriptor::{Descriptor, Placeholders, ShellSpec};
pub use events::Event;
pub use http::{AccessLine, Auth, Backend, Response};
pub use launch::{Launch, LaunchOptions, Shell, ORPHAN_BOUND, READY_TIMEOUT};
pub use procs::{ProcInfo, MARKER_VAR};

/// The repository root: the parent of this crate.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("conformance/ has a parent")
        .to_path_buf()
}

/// Every shell with a descriptor, discovered and built once per test process.
pub fn shells() -> &'static [Shell] {
    static SHELLS: OnceLock<Vec<Shell>> = OnceLock::new();
    SHELLS.get_or_init(|| {
        let ws = workspace();
        let ph = Placeholders::for_workspace(&ws);
        let specs = descriptor::discover(&ws, &ph).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            !specs.is_empty(),
            "no shells/*/conformance.toml under {}",
            ws.display()
        );
        specs
            .into_iter()
            .map(|spec| {
                let unavailable = match prebuild::run(&spec, &ws) {
                    Ok(prebuild::BuildOutcome::UsedExisting(warning)) => {
                        eprintln!("conformance: warning: {}: {warning}", spec.name);
                        None
                    }
                    Ok(_) => None,
                    Err(e) => Some(e),
                };
                Shell { spec, unavailable }
            })
            .collect()
    })
}

/// How a clause binds a shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Every shell keeps it.
    Must,
    /// Only shells that declare it in `features` are tested on it.
    Should,
}

/// The outcome of one clause on one shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail(String),
    NotClaimed,
    ExpectedFailure(String),
}

impl Outcome {
    fn word(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail(_) => "fail",
            Outcome::NotClaimed => "not claimed",
            Outcome::ExpectedFailure(_) => "expected failure",
        }
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else {
        "panic".into()
    }
}

/// Runs one clause's check on every discovered shell, prints one line per shell, records the
/// outcomes under `<target>/conformance/results/<clause>.json` (for the matrix), and panics if
/// any shell failed. A shell's expected failure (descriptor `[expected_failures]`) is reported,
/// and passing it anyway is a failure, so that stale entries get removed.
pub fn check(clause: &str, level: Level, f: impl Fn(&Shell)) {
    let mut results: Vec<(String, Outcome, f64)> = Vec::new();
    for shell in shells() {
        let spec = &shell.spec;
        if level == Level::Should && !spec.claims(clause) {
            results.push((spec.name.clone(), Outcome::NotClaimed, 0.0));
            continue;
        }
        let t0 = Instant::now();
        let run = catch_unwind(AssertUnwindSafe(|| f(shell)));
        let secs = t0.elapsed().as_secs_f64();
        let expected = spec
            .expected_failures
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(clause))
            .map(|(_, v)| v.clone());
        let outcome = match (run, expected) {
            (Ok(()), None) => Outcome::Pass,
            (Ok(()), Some(reason)) => Outcome::Fail(format!(
                "passes, but the descriptor lists it as an expected failure ({reason}): remove that entry"
            )),
            (Err(p), None) => Outcome::Fail(panic_message(&*p)),
            (Err(_), Some(reason)) => Outcome::ExpectedFailure(reason),
        };
        results.push((spec.name.clone(), outcome, secs));
    }
    for (name, outcome, secs) in &results {
        eprintln!(
            "conformance: {clause} {name}: {} ({secs:.1} s)",
            outcome.word()
        );
    }
    write_results(clause, &results);
    let failed: Vec<String> = results
        .iter()
        .filter_map(|(name, o, _)| match o {
            Outcome::Fail(m) => Some(format!("[{name}] {m}")),
            _ => None,
        })
        .collect();
    if !failed.is_empty() {
        panic!(
            "{clause} failed on {} shell(s):\n{}",
            failed.len(),
            failed.join("\n\n")
        );
    }
}

fn write_results(clause: &str, results: &[(String, Outcome, f64)]) {
    let dir = descriptor::target_dir(&workspace())
        .join("conformance")
        .join("results");
    let rows: Vec<serde_json::Value> = results
        .iter()
        .map(|(name, o, secs)| {
            let detail = match o {
                Outcome::Fail(m) | Outcome::ExpectedFailure(m) => Some(m.clone()),
                _ => None,
            };
            serde_json::json!({"shell": name, "outcome": o.word(), "detail": detail, "seconds": secs})
        })
        .collect();
    let doc = serde_json::json!({"clause": clause, "results": rows});
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(
            dir.join(format!("{clause}.json")),
            serde_json::to_string_pretty(&doc).unwrap_or_default(),
        );
    }
}
