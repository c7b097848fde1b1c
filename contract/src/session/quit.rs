//! Ending a session (C-PROC-3, C-PROC-5, C-SHELL-4): autoquit, the graceful
//! quit, the stop before an update installs, the webview's helper processes.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::{lock, Session};
use crate::events::{self, Event};
use crate::shell::UiRequest;

impl Session {
    pub(super) fn arm_autoquit(&self) {
        if let Some(delay) = self.inner.autoquit {
            let session = self.clone();
            let _ = std::thread::Builder::new()
                .name("contract-autoquit".into())
                .spawn(move || {
                    std::thread::sleep(delay);
                    session.log("autoquit");
                    session.request_quit();
                });
        }
    }

    /// Graceful quit (C-PROC-3), from window close, a signal or autoquit:
    /// emits `shutdown_started`, stops the backend (lifelines, grace, tree
    /// kill), emits `shutdown_complete {elapsed_ms}`, then calls
    /// [`UiRequest::Exit`] with 0 (or 1 after a startup failure). Idempotent and
    /// non-blocking: the work runs on its own thread.
    pub fn request_quit(&self) {
        if self.inner.quitting.swap(true, Ordering::SeqCst) {
            return;
        }
        let session = self.clone();
        let _ = std::thread::Builder::new()
            .name("contract-shutdown".into())
            .spawn(move || session.shutdown());
    }

    /// Stops the backend so an update's installer can replace its files
    /// (C-PKG-3: no Python process holds the old runtime open): the quit's
    /// steps (lifelines, grace, tree kill, its events), without the exit.
    /// From then on the session is quitting: window close and autoquit do
    /// nothing. Returns false, stopping nothing, when a quit is already under
    /// way. Blocks until the backend is gone.
    pub fn stop_for_update(&self) -> bool {
        if self.inner.quitting.swap(true, Ordering::SeqCst) {
            return false;
        }
        self.stop_backend();
        true
    }

    /// Releases the single-instance lock (C-PROC-7) before this process
    /// exits, for a restart into an updated app: otherwise the new process
    /// could find it still held and exit as a second instance.
    pub fn release_instance(&self) {
        drop(lock(&self.inner.instance).take());
    }

    fn shutdown(&self) {
        self.stop_backend();
        let code = self.inner.exit_code.load(Ordering::SeqCst);
        self.inner.shell.request(UiRequest::Exit(code));
    }

    fn stop_backend(&self) {
        let started = Instant::now();
        events::emit(Event::ShutdownStarted);
        self.log("shutdown started");
        self.inner.cancel.store(true, Ordering::SeqCst);
        if let Some(handle) = lock(&self.inner.startup).take() {
            let _ = handle.join();
        }
        if let Some(mut sup) = lock(&self.inner.supervisor).take() {
            sup.stop();
        }
        let elapsed_ms = started.elapsed().as_millis() as u64;
        events::emit(Event::ShutdownComplete { elapsed_ms });
        self.log(&format!("shutdown complete in {elapsed_ms} ms"));
    }

    /// Ends the shell's own helper processes (the webview's), the last step
    /// before the process exits, after the event loop ended (C-PROC-5 on a
    /// clean quit; see [`crate::descendants`]). Logs any that needed SIGKILL.
    pub fn end_helper_processes(&self) {
        let killed =
            crate::descendants::end_all(Duration::from_millis(crate::descendants::GRACE_MS));
        if !killed.is_empty() {
            self.log(&format!(
                "helper processes ignored SIGTERM for {} ms and were killed: {killed:?}",
                crate::descendants::GRACE_MS
            ));
        }
    }
}
