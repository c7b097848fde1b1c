//! The shell's own pages (the splash, the error page), served from the binary through a
//! custom URI scheme: no network before the backend is ready (C-READY-2).

use tauri::{Url, WebviewUrl};

/// The URI scheme serving the shell's own pages from the binary.
pub const SCHEME: &str = "ddshell";

/// Custom schemes are `http://<scheme>.localhost/` on Windows and Android,
/// `<scheme>://localhost/` elsewhere.
const SCHEME_AS_HOST: bool = cfg!(any(windows, target_os = "android"));

/// A URL of the shell's own pages (`/splash`, `/error`).
pub fn shell_page(path: &str) -> WebviewUrl {
    let url = if SCHEME_AS_HOST {
        format!("http://{SCHEME}.localhost{path}")
    } else {
        format!("{SCHEME}://localhost{path}")
    };
    WebviewUrl::CustomProtocol(url.parse().expect("a valid shell page URL"))
}

pub fn is_shell_page(url: &Url) -> bool {
    if SCHEME_AS_HOST {
        url.scheme() == "http" && url.host_str() == Some(format!("{SCHEME}.localhost").as_str())
    } else {
        url.scheme() == SCHEME && url.host_str() == Some("localhost")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_pages_are_recognised() {
        let WebviewUrl::CustomProtocol(url) = shell_page("/error") else {
            panic!("not a custom protocol URL")
        };
        assert!(is_shell_page(&url));
        assert!(!is_shell_page(&"http://127.0.0.1:1/".parse().unwrap()));
        assert!(!is_shell_page(&"https://localhost/".parse().unwrap()));
    }
}
