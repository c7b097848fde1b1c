//! What can go wrong launching a shell or waiting on it.

use std::path::PathBuf;

/// A launch that could not start, or a wait that did not see what it waited for. Every message is
/// complete on its own: waits on a launch end with its diagnostics (stderr, `logs/shell.log`,
/// events).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The shell's build step failed or its program is missing.
    #[error("shell {shell:?} is unavailable: {why}")]
    Unavailable { shell: String, why: String },
    /// The shell needs a display and none could be had.
    #[error("{0}")]
    Display(String),
    /// A descriptor that cannot be used as asked (an unknown placeholder, no `{backend}` to host another project).
    #[error("{0}")]
    Descriptor(String),
    /// [`crate::LaunchOptions::app_data_unset`] without [`crate::LaunchOptions::app_data`].
    #[error("app_data_unset needs app_data: where the shell is expected to put it")]
    AppDataUnset,
    /// A file or dir the launch needs could not be made.
    #[error("cannot create {what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    /// A `PATH` entry holds the path separator.
    #[error("PATH entries without separators: {0}")]
    Path(#[from] std::env::JoinPathsError),
    /// The shell's program could not be started.
    #[error("cannot launch {}: {source} (run the descriptor's build step first)", program.display())]
    Spawn {
        program: PathBuf,
        source: std::io::Error,
    },
    /// The events file cannot be read or breaks its format (C-SHELL-3).
    #[error("{0}")]
    Events(String),
    /// The backend's access log cannot be read or parsed.
    #[error("{0}")]
    AccessLog(String),
    /// A wait ran out or the shell did something else (exited, wrote an event without a field);
    /// the message says what was awaited and ends with the launch's diagnostics.
    #[error("{0}")]
    Wait(String),
}
