//! What the page does (C-SHELL-1, C-SHELL-2): navigation and new-window
//! requests, page loads (`window_loaded`, autoquit), the bridge message.

use std::sync::atomic::Ordering;

use super::Session;
use crate::events::{self, Event};
use crate::navigation::{self, Decision};
use crate::shell::BRIDGE_MESSAGE;

/// The URL's scheme for a log line (RFC 3986 §3.1: a letter, then letters, digits, `+`, `-`,
/// `.`), or `"no scheme"`; at most 32 characters.
fn scheme_of(url: &str) -> &str {
    match url.split_once(':') {
        Some((scheme, _))
            if (1..=32).contains(&scheme.len())
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            scheme
        }
        _ => "no scheme",
    }
}

impl Session {
    /// Classifies a navigation request against the backend origin (C-SHELL-1).
    pub fn classify(&self, url: &str) -> Decision {
        navigation::classify(url, self.origin().as_deref())
    }

    /// The navigation guard: returns true to let the webview load `url`;
    /// external http/https/mailto go to the system browser.
    pub fn allow_navigation(&self, url: &str) -> bool {
        match self.classify(url) {
            Decision::Allow => true,
            Decision::OpenExternal => {
                self.open_external(url);
                false
            }
            Decision::Block => {
                // The scheme only: the rest of a `data:` or `javascript:` URL is page content.
                self.log(&format!(
                    "blocked a navigation to a disallowed scheme ({})",
                    scheme_of(url)
                ));
                false
            }
        }
    }

    /// The `window.open` guard: always denies; external targets go to the
    /// system browser.
    pub fn on_new_window(&self, url: &str) {
        match self.classify(url) {
            Decision::OpenExternal => self.open_external(url),
            _ => self.log("denied a window.open request"),
        }
    }

    fn open_external(&self, url: &str) {
        self.log("opening an external link in the system browser");
        if let Err(e) = open::that_detached(url) {
            self.log(&format!("cannot open the system browser: {e}"));
        }
    }

    /// The shell reports a finished page load. The first load of an app page
    /// emits `window_loaded {url}` (query and fragment stripped, so never a
    /// ticket) and arms the autoquit timer.
    pub fn page_loaded(&self, url: &str) {
        let Some(origin) = self.origin() else { return };
        let clean = navigation::strip_query(url);
        if !navigation::is_app_url(url, &origin) || clean.ends_with("/desktop-auth/bootstrap/") {
            return;
        }
        if !self.inner.loaded.swap(true, Ordering::SeqCst) {
            self.log(&format!("window loaded {clean}"));
            events::emit(Event::WindowLoaded { url: clean.into() });
            self.arm_autoquit();
        }
    }

    /// A bridge message from the page at `page_url` (C-SHELL-2). Only
    /// [`BRIDGE_MESSAGE`] from the backend origin is honoured; returns
    /// whether it was.
    pub fn handle_ipc(&self, page_url: &str, message: &str) -> bool {
        let from_app = self
            .origin()
            .is_some_and(|o| navigation::is_app_url(page_url, &o));
        if from_app && message == BRIDGE_MESSAGE {
            self.open_app_data_folder();
            true
        } else {
            self.log("ignored a bridge message");
            false
        }
    }

    /// Opens the app-data directory in the platform file manager.
    pub fn open_app_data_folder(&self) {
        self.log("opening the app-data folder");
        if let Err(e) = open::that_detached(self.app_data_dir()) {
            self.log(&format!("cannot open the app-data folder: {e}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::scheme_of;

    #[test]
    fn a_blocked_url_is_logged_by_its_scheme_only() {
        assert_eq!(scheme_of("javascript:alert(document.cookie)"), "javascript");
        assert_eq!(scheme_of("data:text/html,<script>x</script>"), "data");
        assert_eq!(scheme_of("about:blank#x"), "about");
        assert_eq!(scheme_of("no-colon-here"), "no scheme");
        assert_eq!(scheme_of("<script>:x"), "no scheme");
        assert_eq!(scheme_of(&format!("{}:x", "a".repeat(40))), "no scheme");
    }
}
