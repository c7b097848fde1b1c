//! The process's one SIGTERM/SIGINT/Ctrl-Break handler (C-PROC-3): a quit
//! signal asks the running [`Session`] to quit gracefully; one that arrives
//! before any session started is kept, and honoured when it starts.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use crate::session::Session;

/// The session the signal handler quits; set by [`Session::start`].
static SIGNAL_SESSION: OnceLock<Session> = OnceLock::new();
/// A quit signal that arrived before any session started.
static EARLY_QUIT: AtomicBool = AtomicBool::new(false);

/// Installs the process's one SIGTERM/SIGINT/Ctrl-Break handler (idempotent).
pub(crate) fn install() -> Result<(), String> {
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            ctrlc::set_handler(|| match SIGNAL_SESSION.get() {
                Some(session) => session.request_quit(),
                None => EARLY_QUIT.store(true, Ordering::SeqCst),
            })
            .map_err(|e| e.to_string())
        })
        .clone()
}

/// Sends later quit signals to `session` (the first session wins).
pub(crate) fn route_to(session: &Session) {
    let _ = SIGNAL_SESSION.set(session.clone());
}

/// Whether a quit signal arrived before any session was routed to.
pub(crate) fn quit_arrived_early() -> bool {
    EARLY_QUIT.load(Ordering::SeqCst)
}
