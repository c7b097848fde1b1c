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
