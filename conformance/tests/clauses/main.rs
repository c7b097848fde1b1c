//! One test per contract clause, named after its id (a clause with several scenarios has one test
//! per scenario, `c_<clause>_<scenario>`), each run on every shell with a descriptor
//! (`shells/*/conformance.toml`): MUST clauses on every shell, SHOULD clauses where the descriptor
//! claims them. Every assertion is made from outside the shell: sockets, HTTP, the process table,
//! the SQLite file, the log files and the events file. Faults are injected only through the
//! shells' real configuration surface (`DESKTOP_DJANGO_PYTHON`, `DESKTOP_DJANGO_*_MS`, `PATH`,
//! the app-data dir, `--project`), never through test hooks.
//!
//! All clauses live in this one test binary so that they share one Xvfb, one build step per shell
//! and one bound on concurrent launches (`DESKTOP_DJANGO_CONFORMANCE_JOBS`).
//!
//! One module per clause family: `proc`, `port`, `auth`, `ready`, `data`, `shell`, `pkg` (installed
//! packages only), and `hostile` for the corpus; `proc` and `data` are split further by concept. What the families share is in
//! `helpers`, and the probe page's run in `probe`.

/// A registered check: the clause, the test function's name, the test.
type Check = (&'static str, &'static str, fn());

/// `checks! { "C-X-N" => test_fn, … }` at the end of a clause module: its registry entries,
/// collected by [`checks`].
#[macro_export]
macro_rules! checks {
    ($($id:literal => $f:ident),* $(,)?) => {
        /// This module's checks, by clause (collected in `main.rs`).
        pub(crate) fn checks() -> Vec<$crate::Check> {
            vec![$(($id, stringify!($f), $f as fn())),*]
        }
    };
}

mod helpers;
mod probe;

mod auth;
mod data;
mod hostile;
mod pkg;
mod port;
mod proc;
mod ready;
mod shell;

/// Every check, by the clause it checks: the data `every_clause_has_a_registered_check` compares
/// with the clause list. Each family module lists its own tests (`checks()` at its end). A test
/// function is named after its clause (`c_proc_1_…` checks C-PROC-1): the test below holds each
/// entry to that, and `conformance::check` holds each test's `check("C-…")` call to its name at
/// run time.
fn checks() -> Vec<Check> {
    [
        proc::checks(),
        port::checks(),
        auth::checks(),
        ready::checks(),
        data::checks(),
        shell::checks(),
        pkg::checks(),
        hostile::checks(),
    ]
    .concat()
}

/// The test-function prefix of a clause id: `C-PROC-1` → `c_proc_1_`; the corpus suite
/// `HOSTILE` → `hostile_`.
fn prefix_of(id: &str) -> String {
    format!("{}_", id.to_lowercase().replace('-', "_"))
}

#[test]
fn every_clause_has_a_registered_check() {
    let checks = checks();
    for (id, name, _) in &checks {
        assert!(
            conformance::clauses::find(id).is_some(),
            "{id} is registered but is not in conformance::clauses"
        );
        assert!(
            name.starts_with(&prefix_of(id)),
            "{name} is registered for {id}: name it {}…",
            prefix_of(id)
        );
    }
    for c in conformance::clauses::ALL
        .iter()
        .chain(conformance::clauses::SUITES)
    {
        assert!(
            checks.iter().any(|(id, _, _)| *id == c.id),
            "{} has no registered check (list its test in its module's checks())",
            c.id
        );
    }
}
