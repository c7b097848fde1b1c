//! The shell's own pages, local assets with no network (C-READY-2, C-READY-3):
//! the splash shown at once, and the readable startup-error page.

use std::path::Path;

const SPLASH: &str = include_str!("../assets/splash.html");
const ERROR: &str = include_str!("../assets/error.html");

/// The splash page for `product_name` (HTML-escaped), themed teal on dark.
pub fn splash_html(product_name: &str) -> String {
    SPLASH.replace("{{product_name}}", &escape_html(product_name))
}

/// The startup-error page: the message and the log file path, HTML-escaped.
pub fn error_html(product_name: &str, message: &str, log_path: &Path) -> String {
    ERROR
        .replace("{{product_name}}", &escape_html(product_name))
        .replace("{{message}}", &escape_html(message))
        .replace(
            "{{log_path}}",
            &escape_html(&log_path.display().to_string()),
        )
}

/// Escapes `& < > " '` for HTML text and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splash_names_product_and_is_offline() {
        let html = splash_html("Flying <Stable>");
        assert!(html.contains("Flying &lt;Stable&gt;"));
        assert!(!html.contains("{{"));
        assert!(!html.contains("http://") && !html.contains("https://"));
    }

    #[test]
    fn error_page_escapes_message_and_shows_log_path() {
        let html = error_html(
            "App",
            "exit <script>alert(1)</script>",
            Path::new("/d/logs/shell.log"),
        );
        assert!(html.contains("exit &lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("/d/logs/shell.log"));
        assert!(!html.contains("<script>"));
        assert!(!html.contains("{{"));
    }
}
