//! What a shell adapter provides. A shell owns the window and the webview
//! and nothing else: every lifecycle decision is made by
//! [`crate::session::Session`], which sends it a [`UiRequest`] from its own
//! threads through [`Shell::request`]. Implementations marshal each request
//! to the UI thread (for example through an event-loop proxy) and return at
//! once.

/// The one message the page bridge may send (C-SHELL-2).
pub const BRIDGE_MESSAGE: &str = "open-app-data-folder";

/// Builds an initialization script that defines the frozen `window.desktop`
/// with exactly one function, whose body is `$call` (a JS statement that
/// forwards to the shell's IPC). The shell still checks the sender's origin
/// on every message.
macro_rules! bridge_script {
    ($call:literal) => {
        concat!(
            r#"(function () {
  if (window.desktop) { return; }
  Object.defineProperty(window, "desktop", {
    value: Object.freeze({
      openAppDataFolder: function () { "#,
            $call,
            r#" }
    }),
    writable: false,
    configurable: false
  });
})();"#
        )
    };
}

/// The bridge for shells with a `window.ipc.postMessage` transport (wry):
/// posts [`BRIDGE_MESSAGE`].
pub const BRIDGE_SCRIPT: &str =
    bridge_script!(r#"window.ipc.postMessage("open-app-data-folder");"#);

/// The Tauri command behind the bridge (C-SHELL-2), granted only to the
/// backend origin by the Tauri shell's runtime capability.
pub const TAURI_BRIDGE_COMMAND: &str = "open_app_data_folder";

/// The bridge for Tauri: invokes [`TAURI_BRIDGE_COMMAND`] through Tauri's IPC
/// (looked up at call time, so script order does not matter) and returns its
/// promise.
pub const TAURI_BRIDGE_SCRIPT: &str =
    bridge_script!(r#"return window.__TAURI_INTERNALS__.invoke("open_app_data_folder");"#);

/// The main window's initial size, in logical pixels (width, height).
pub const WINDOW_SIZE: (f64, f64) = (1200.0, 800.0);
/// The smallest the main window may get, in logical pixels (width, height).
pub const MIN_WINDOW_SIZE: (f64, f64) = (640.0, 480.0);

/// How the main webview proves itself to the backend. Conformance descriptors declare it as
/// `transport = "ticket"` or `"header"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// C-AUTH-5 (wry, Tauri): the session mints a one-time ticket and
    /// navigates to `/desktop-auth/bootstrap/`, which sets the HttpOnly cookie.
    #[default]
    Ticket,
    /// C-AUTH-4 (Electron): the shell injects `X-Desktop-Django-Token` into
    /// every request to the exact origin `http://127.0.0.1:<port>` and nowhere
    /// else. The session navigates to `<origin>/` and hands the token to the
    /// shell's injection code through
    /// [`Session::header_token`](crate::session::Session::header_token).
    Header,
}

/// What the session asks of the window, from its own threads. An adapter
/// moves each request to its UI thread and returns at once.
#[derive(Clone, PartialEq, Eq)]
pub enum UiRequest {
    /// Load this URL in the main webview: the bootstrap URL, whose query holds
    /// a one-time ticket (C-AUTH-5), or the plain origin on
    /// [`Transport::Header`]. Never log it; this type's `Debug` leaves the
    /// query out.
    Navigate(String),
    /// Replace the main webview's content with this HTML document (the
    /// startup-error page, naming the message and the log path).
    ShowHtml(String),
    /// Show, unminimize and raise the main window: a second launch asked for
    /// it (C-PROC-7). Shells without a window ignore it.
    Focus,
    /// End the event loop and exit the process with this code (0, or 1 after
    /// a startup failure). Sent once, after every backend process is gone,
    /// and last.
    Exit(i32),
}

impl std::fmt::Debug for UiRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // The query is where the ticket is.
            UiRequest::Navigate(url) => match url.split_once('?') {
                Some((base, _)) => write!(f, "Navigate({base:?} + query)"),
                None => write!(f, "Navigate({url:?})"),
            },
            UiRequest::ShowHtml(html) => write!(f, "ShowHtml({} bytes)", html.len()),
            UiRequest::Focus => f.write_str("Focus"),
            UiRequest::Exit(code) => write!(f, "Exit({code})"),
        }
    }
}

/// The adapter surface a shell implements.
///
/// A closure `Fn(UiRequest)` is a shell on the default transport, for
/// adapters whose whole job is to forward the request to their UI thread.
pub trait Shell: Send + Sync + 'static {
    /// The webview's token transport. Defaults to [`Transport::Ticket`].
    fn transport(&self) -> Transport {
        Transport::Ticket
    }

    /// Carries out `r`, or queues it for the UI thread, and returns at once.
    fn request(&self, r: UiRequest);
}

impl<F: Fn(UiRequest) + Send + Sync + 'static> Shell for F {
    fn request(&self, r: UiRequest) {
        self(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bridge_scripts_expose_one_function_over_their_transport() {
        for (script, call) in [
            (
                BRIDGE_SCRIPT,
                format!("window.ipc.postMessage(\"{BRIDGE_MESSAGE}\");"),
            ),
            (
                TAURI_BRIDGE_SCRIPT,
                format!("window.__TAURI_INTERNALS__.invoke(\"{TAURI_BRIDGE_COMMAND}\")"),
            ),
        ] {
            assert!(script.contains(&call), "{script}");
            assert_eq!(script.matches("function ()").count(), 2, "{script}");
            assert!(script.contains("openAppDataFolder: function () {"));
            assert!(script.contains("Object.freeze"));
        }
    }

    #[test]
    fn debug_of_a_navigation_leaves_the_ticket_out() {
        let r = UiRequest::Navigate("http://127.0.0.1:1/desktop-auth/bootstrap/?ticket=t0p".into());
        let shown = format!("{r:?}");
        assert!(!shown.contains("t0p"), "{shown}");
        assert!(shown.contains("/desktop-auth/bootstrap/"), "{shown}");
        assert_eq!(format!("{:?}", UiRequest::Exit(1)), "Exit(1)");
        assert_eq!(
            format!("{:?}", UiRequest::ShowHtml("<p>".into())),
            "ShowHtml(3 bytes)"
        );
    }

    #[test]
    fn a_closure_is_a_ticket_shell() {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = seen.clone();
        let shell = move |r: UiRequest| sink.lock().unwrap().push(r);
        assert_eq!(shell.transport(), Transport::Ticket);
        shell.request(UiRequest::Exit(0));
        assert_eq!(*seen.lock().unwrap(), [UiRequest::Exit(0)]);
    }
}
