//! The conformance suite of Desktop Django Starter: the runtime contract's clauses
//! (`shared/contract.md`), checked from outside every shell.
//!
//! A shell plugs in through `shells/<name>/conformance.toml` only ([`descriptor`]). Each test in
//! `tests/` is one clause, named after its id, and runs [`check`] over every discovered shell:
//! MUST clauses on every shell, SHOULD clauses on the shells that claim them. Each check launches
//! shells through [`Launch`], which gives every launch a fresh app-data dir, an events file and a
//! unique marker in its environment, and kills the launch's whole tree when dropped.
//!
//! Launching shells and reading what they do (descriptors, build steps, the display, launches,
//! the process table, the events file, the backend's HTTP) is the `harness` crate's
//! (`testing/harness/`); this crate re-exports it under the same paths, and its [`Launch`]
//! turns the harness's errors into test failures. What is the suite's own: the clause list and
//! levels ([`clauses`], [`Level`], [`check`]), the corpus, the fakes, the matrix, the demo's
//! pages, sqlite, the listener and raw HTTP.

pub mod backend;
pub mod clauses;
pub mod corpus;
pub mod demo;
pub mod descriptor;
pub mod fakes;
pub mod launch;
pub mod listener;
pub mod matrix;
pub mod platform;
pub mod raw;
pub mod sqlite;

pub use harness::{display, events, http, prebuild, procs};

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;
use std::time::Instant;

pub use descriptor::{Descriptor, Placeholders, ShellSpec, Transport};
pub use harness::{raw_stderr, workspace, Event, EventKind, Line};
pub use http::{AccessLine, Auth, Backend, Response};
pub use launch::{Launch, LaunchOptions, Shell, ORPHAN_BOUND, READY_TIMEOUT};
pub use procs::{ProcInfo, MARKER_VAR};

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
        let specs: Vec<ShellSpec> = specs.into_iter().filter(|s| selected(&s.name)).collect();
        assert!(
            !specs.is_empty(),
            "{SHELLS_ENV} selects none of the discovered shells"
        );
        specs
            .into_iter()
            .map(|spec| {
                if let Err(why) = descriptor::probe_availability(&spec) {
                    raw_stderr(&format!(
                        "conformance: {} is unavailable on this machine: {why}\n",
                        spec.name
                    ));
                    ABSENT
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((spec.name.clone(), why));
                    return Shell {
                        spec,
                        unavailable: None,
                    };
                }
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

/// Shells whose descriptor's `available_if` probe failed, with the reason.
static ABSENT: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());

/// Why `shell` cannot run on this machine (its `available_if` probe failed), if so. Every check
/// then reports it as "unavailable": neither pass nor fail, nothing launched.
pub fn absent_reason(shell: &Shell) -> Option<String> {
    ABSENT
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .find(|(name, _)| *name == shell.spec.name)
        .map(|(_, why)| why.clone())
}

/// How a clause binds a shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Every shell keeps it.
    Must,
    /// Only shells that declare it in `claims` are tested on it.
    Should,
}

/// The outcome of one clause on one shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail(String),
    NotClaimed,
    ExpectedFailure(String),
    /// The shell cannot run on this machine (descriptor `available_if`), or the check cannot
    /// run on this OS ([`platform::LIMITS`]).
    Unavailable(String),
    /// The check does not bind this row: a package clause on a build ([`clauses::Scope`]), or a
    /// check that needs what the backend under test lacks ([`clauses::REQUIREMENTS`]); why.
    NotApplicable(String),
}

impl Outcome {
    fn word(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail(_) => "fail",
            Outcome::NotClaimed => "not claimed",
            Outcome::ExpectedFailure(_) => "expected failure",
            Outcome::Unavailable(_) => "unavailable",
            Outcome::NotApplicable(_) => "n/a",
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

/// Restricts a run to some shells: a comma-separated list of descriptor names (for working on
/// one shell; a full run leaves it unset).
pub const SHELLS_ENV: &str = "DESKTOP_DJANGO_CONFORMANCE_SHELLS";

fn selected(name: &str) -> bool {
    match std::env::var(SHELLS_ENV) {
        Ok(list) if !list.trim().is_empty() => list.split(',').any(|s| s.trim() == name),
        _ => true,
    }
}

/// `(name, label)` of the discovered (and selected) shells: descriptors only, no build step.
pub fn shell_labels() -> Vec<(String, String)> {
    let ws = workspace();
    descriptor::discover(&ws, &Placeholders::for_workspace(&ws))
        .map(|specs| {
            specs
                .into_iter()
                .filter(|s| selected(&s.name))
                .map(|s| (s.name, s.label))
                .collect()
        })
        .unwrap_or_default()
}

/// The names of the discovered (and selected) shells: descriptors only, no build step.
pub fn shell_names() -> Vec<String> {
    let ws = workspace();
    descriptor::discover(&ws, &Placeholders::for_workspace(&ws))
        .map(|specs| {
            specs
                .into_iter()
                .map(|s| s.name)
                .filter(|n| selected(n))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs one clause's check on every discovered shell (see [`check_scenario`]).
pub fn check(clause: &str, f: impl Fn(&Shell) + Sync) {
    check_scenario(clause, "main", f)
}

/// Runs one scenario of a clause on every discovered shell, the shells in parallel (each launch
/// still takes one of the `DESKTOP_DJANGO_CONFORMANCE_JOBS` slots). A SHOULD clause runs only on
/// shells that claim it. Prints one line per shell, records the outcomes under
/// `<target>/conformance/results/` and rewrites the matrix, and panics if any shell failed.
///
/// A shell's expected failure (descriptor `[expected_failures]`, key `C-X-N` or
/// `C-X-N@scenario`) is reported with its reason; passing it anyway is a failure, so that stale
/// entries get removed. The level (MUST or SHOULD) is the clause list's, never the caller's.
pub fn check_scenario(clause: &str, scenario: &str, f: impl Fn(&Shell) + Sync) {
    let def = clauses::find(clause).unwrap_or_else(|| {
        panic!("{clause} is not in conformance::clauses (add it there, and to docs/contract.md)")
    });
    let level = def.level;
    // A test is named after the clause it checks (`c_proc_1_…`); libtest names each test's
    // thread after the test, so a test that checks another clause than its name says fails
    // here instead of filling the wrong row of the matrix.
    if let Some(test) = std::thread::current().name() {
        let last = test.rsplit("::").next().unwrap_or(test);
        let prefix = format!("{}_", clause.to_lowercase().replace('-', "_"));
        assert!(
            !(last.starts_with("c_") || last.starts_with("hostile_")) || last.starts_with(&prefix),
            "the test {test} checks {clause}: rename it {prefix}…, or check the clause it is named after"
        );
    }
    let binds = |spec: &ShellSpec| def.scope == clauses::Scope::Every || spec.packaged;
    // A check that needs the demo's pages or a worker the backend under test lacks binds no row.
    let unmet = clauses::requirement(clause, scenario)
        .filter(|r| !r.met_by(backend::under_test()))
        .map(|r| format!("needs {:?} of the backend under test: {}", r.needs, r.why));
    matrix::print_at_exit();
    let label = if scenario == "main" {
        clause.to_string()
    } else {
        format!("{clause}@{scenario}")
    };
    let f = &f;
    let os_limit = platform::limit(clause, scenario);
    let results: Vec<(String, Outcome, f64)> = std::thread::scope(|scope| {
        let handles: Vec<_> = shells()
            .iter()
            .map(|shell| {
                let spec = &shell.spec;
                let claimed = os_limit.is_none()
                    && absent_reason(shell).is_none()
                    && binds(spec)
                    && unmet.is_none()
                    && (level == Level::Must || spec.claims(clause));
                let handle = claimed.then(|| {
                    std::thread::Builder::new()
                        .name(format!("{label} {}", spec.name))
                        .spawn_scoped(scope, move || {
                            let t0 = Instant::now();
                            let run = catch_unwind(AssertUnwindSafe(|| f(shell)));
                            (
                                run.map_err(|p| panic_message(&*p)),
                                t0.elapsed().as_secs_f64(),
                            )
                        })
                        .expect("cannot start a check thread")
                });
                (shell, handle)
            })
            .collect();
        handles
            .into_iter()
            .map(|(shell, handle)| {
                let spec = &shell.spec;
                let Some(handle) = handle else {
                    if let Some(why) = os_limit.clone().or_else(|| absent_reason(shell)) {
                        return (spec.name.clone(), Outcome::Unavailable(why), 0.0);
                    }
                    if !binds(spec) {
                        let why = "a package clause: this row launches a build".to_string();
                        return (spec.name.clone(), Outcome::NotApplicable(why), 0.0);
                    }
                    if let Some(why) = unmet.clone() {
                        return (spec.name.clone(), Outcome::NotApplicable(why), 0.0);
                    }
                    return (spec.name.clone(), Outcome::NotClaimed, 0.0);
                };
                let (run, secs) = handle
                    .join()
                    .unwrap_or_else(|p| (Err(panic_message(&*p)), 0.0));
                let outcome = match (run, spec.expected_failure(clause, scenario)) {
                    (Ok(()), None) => Outcome::Pass,
                    (Ok(()), Some(reason)) => Outcome::Fail(format!(
                        "passes, but the descriptor lists it as an expected failure ({reason}): remove that entry"
                    )),
                    (Err(m), None) => Outcome::Fail(m),
                    (Err(_), Some(reason)) => Outcome::ExpectedFailure(reason),
                };
                (spec.name.clone(), outcome, secs)
            })
            .collect()
    });
    let mut lines = String::new();
    for (name, outcome, secs) in &results {
        lines.push_str(&format!(
            "conformance: {label} {name}: {} ({secs:.1} s)\n",
            outcome.word()
        ));
    }
    raw_stderr(&lines);
    matrix::record(&matrix::CheckRecord {
        clause: clause.to_string(),
        scenario: scenario.to_string(),
        run: matrix::run_id().to_string(),
        finished: matrix::unix_now(),
        results: results
            .iter()
            .map(|(name, o, secs)| matrix::ShellResult {
                shell: name.clone(),
                outcome: o.word().to_string(),
                detail: match o {
                    Outcome::Fail(m)
                    | Outcome::ExpectedFailure(m)
                    | Outcome::Unavailable(m)
                    | Outcome::NotApplicable(m) => Some(m.clone()),
                    _ => None,
                },
                seconds: *secs,
            })
            .collect(),
    });
    let failed: Vec<String> = results
        .iter()
        .filter_map(|(name, o, _)| match o {
            Outcome::Fail(m) => Some(format!("[{name}] {m}")),
            _ => None,
        })
        .collect();
    if !failed.is_empty() {
        panic!(
            "{label} failed on {} shell(s):\n{}",
            failed.len(),
            failed.join("\n\n")
        );
    }
}
