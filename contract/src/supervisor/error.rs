//! Why a start failed (C-READY-3): the failure and the log path to show with it.

use std::path::PathBuf;

/// Why the backend did not become ready (C-READY-3).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartupFailure {
    /// A quit arrived first: not a backend failure, nothing to show.
    #[error("startup cancelled")]
    Cancelled,
    /// The program cannot run: a modified frozen runtime (C-PKG-1), or the
    /// process could not be spawned.
    #[error("{0}")]
    Launch(String),
    /// The web server exited before it was ready; its exit status.
    #[error("the backend exited early ({0})")]
    Exited(String),
    /// The handshake line was not valid (C-PORT-2).
    #[error("the backend sent a malformed handshake: {0}")]
    MalformedHandshake(String),
    #[error("the backend closed its stdout before the handshake")]
    ClosedStdout,
    /// No handshake within the ready timeout (ms).
    #[error("the backend sent no handshake within {0} ms")]
    NoHandshake(u128),
    /// `/health/` never answered 200 within the ready timeout (ms).
    #[error("the backend was not healthy within {ms} ms ({why})")]
    Unhealthy { ms: u128, why: String },
    /// `/health/`'s proof did not match the token (C-READY-4).
    #[error("{0}")]
    BadProof(String),
}

/// A failed start (C-READY-3): show it with `log_path` to the user. Every
/// child has been stopped by the time this is returned.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{failure} (log: {})", log_path.display())]
pub struct StartupError {
    pub failure: StartupFailure,
    pub log_path: PathBuf,
}

impl StartupError {
    /// True when the start was cancelled by a quit, not a backend failure.
    pub fn cancelled(&self) -> bool {
        self.failure == StartupFailure::Cancelled
    }

    /// The sentence for the error page, without the log path.
    pub fn message(&self) -> String {
        self.failure.to_string()
    }
}
