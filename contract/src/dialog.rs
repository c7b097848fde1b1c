//! Native message boxes: for errors that happen before a shell has a window
//! (no `desktop.toml`, no runtime, a modified runtime, no webview): a packaged
//! app is launched from a desktop menu, with no terminal to read stderr; and
//! the updater's questions and answers (C-PKG-3). Behind the `dialog` feature, which the window shells enable; it links GTK 3
//! on Linux (already linked by WebKitGTK), AppKit on macOS, user32 on Windows.

/// Shows `message` under `title` with an OK button and waits for it to be
/// dismissed. A [`crate::session::StartupReport`].
pub fn native_error(title: &str, message: &str) {
    rfd::MessageDialog::new()
        .set_level(rfd::MessageLevel::Error)
        .set_title(title)
        .set_description(message)
        .set_buttons(rfd::MessageButtons::Ok)
        .show();
}

/// Asks `question` under `title` with Yes and No buttons; `true` for Yes.
/// Blocks until answered. On Linux call it on the GTK main thread.
pub fn confirm(title: &str, question: &str) -> bool {
    let answer = rfd::MessageDialog::new()
        .set_level(rfd::MessageLevel::Info)
        .set_title(title)
        .set_description(question)
        .set_buttons(rfd::MessageButtons::YesNo)
        .show();
    answer == rfd::MessageDialogResult::Yes
}

/// Shows `message` under `title` with an OK button (an outcome the user
/// asked for, such as "no update available").
pub fn info(title: &str, message: &str) {
    rfd::MessageDialog::new()
        .set_level(rfd::MessageLevel::Info)
        .set_title(title)
        .set_description(message)
        .set_buttons(rfd::MessageButtons::Ok)
        .show();
}
