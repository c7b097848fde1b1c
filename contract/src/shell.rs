//! What a shell adapter provides. A shell owns the window and the webview
//! and nothing else: every lifecycle decision is made by
//! [`crate::session::Session`], which calls these methods from its own
//! threads. Implementations marshal each call to the UI thread (for example
//! through an event-loop proxy) and return at once.

/// The one message the page bridge may send (C-SHELL-2).
pub const BRIDGE_MESSAGE: &str = "open-app-data-folder";

/// An initialization script for webview shells with a `window.ipc.postMessage`
/// transport (wry, Tauri): defines the frozen `window.desktop` with exactly one
/// function. The shell still checks the sender's origin on every message.
pub const BRIDGE_SCRIPT: &str = r#"(function () {
  if (window.desktop) { return; }
  Object.defineProperty(window, "desktop", {
    value: Object.freeze({
      openAppDataFolder: function () { window.ipc.postMessage("open-app-data-folder"); }
    }),
    writable: false,
    configurable: false
  });
})();"#;

/// The adapter surface a shell implements.
pub trait Shell: Send + Sync + 'static {
    /// Load `url` in the main webview. The URL carries a one-time ticket:
    /// never log it.
    fn navigate(&self, url: String);
    /// Replace the main webview's content with `html` (the startup-error page).
    fn show_html(&self, html: String);
    /// End the event loop and exit the process with `code`. Called once,
    /// after every backend process is gone.
    fn exit(&self, code: i32);
}
