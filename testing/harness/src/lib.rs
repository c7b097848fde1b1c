//! Launching Desktop Django Starter's shells and reading what they do, from outside: the
//! vocabulary the conformance suite (`conformance/`) and the benchmark (`bench/`) share.
//!
//! A shell is described by its `shells/<name>/conformance.toml` ([`descriptor`]), built by the
//! descriptor's build step ([`prebuild`]), and launched through [`Launch`], which gives every
//! launch a fresh app-data dir, an events file ([`events`]) and a unique marker in its
//! environment ([`MARKER_VAR`], read back from the process table by [`procs`]), a display when it
//! needs one ([`display`]), and kills the launch's whole tree when dropped. [`http`] talks to the
//! running backend.
//!
//! Nothing here panics on a shell that misbehaves: launches and waits return [`Error`], whose
//! message carries what went wrong and the launch's diagnostics. The conformance suite turns
//! those into test failures; the benchmark reports them per run.

pub mod descriptor;
pub mod display;
mod error;
pub mod events;
pub mod http;
pub mod launch;
pub mod opener;
pub mod platform;
pub mod prebuild;
pub mod procs;

use std::path::{Path, PathBuf};

/// The shells' events, by type: what the events file holds (`contract::events`).
pub use contract::events::Event;
pub use descriptor::{Descriptor, Hosted, Placeholders, ShellSpec};
pub use error::Error;
pub use events::{EventKind, Line};
pub use http::{AccessLine, Auth, Backend, Response};
pub use launch::{Launch, LaunchOptions, Shell, ORPHAN_BOUND, READY_TIMEOUT};
pub use opener::FakeOpener;
pub use procs::{ProcInfo, MARKER_VAR};

/// The repository root: this crate lives in `testing/harness/`.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("testing/harness/ has a grandparent")
        .to_path_buf()
}

/// Where the harness and the suite write what they leave behind (the matrix, per-check results,
/// Xvfb's log): `<target>/conformance/`.
pub fn output_dir() -> PathBuf {
    descriptor::target_dir(&workspace()).join("conformance")
}

/// Writes straight to the stderr file descriptor, past libtest's output capture, so progress
/// lines and warnings show during `cargo test` without `--nocapture`.
pub fn raw_stderr(text: &str) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}
