//! The navigation guard's policy (C-SHELL-1), pure and shared by all shells.
//!
//! The webview stays on the exact backend origin `http://127.0.0.1:<port>`.
//! Other http, https and mailto URLs open in the system browser; `file:`,
//! `javascript:`, `data:` and every other scheme are blocked. `window.open`
//! is always denied by the shell (external targets still go to the browser).

/// What the shell does with a navigation request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Same exact origin: let the webview load it.
    Allow,
    /// http, https or mailto elsewhere: cancel, open in the system browser.
    OpenExternal,
    /// Anything else: cancel and do nothing.
    Block,
}

/// Classifies `url` against the backend `origin` (`http://127.0.0.1:<port>`,
/// no trailing slash). With `origin == None` (before the backend is ready)
/// nothing is allowed in-app.
pub fn classify(url: &str, origin: Option<&str>) -> Decision {
    if url.is_empty() || url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Decision::Block;
    }
    let Some((scheme, rest)) = split_scheme(url) else {
        return Decision::Block;
    };
    match scheme.as_str() {
        "http" | "https" => {
            if let Some((o_scheme, o_rest)) = origin.and_then(split_scheme) {
                if scheme == o_scheme && same_origin_rest(rest, o_rest) {
                    return Decision::Allow;
                }
            }
            match rest.strip_prefix("//") {
                Some(authority) if !authority.is_empty() && !authority.starts_with('/') => {
                    Decision::OpenExternal
                }
                _ => Decision::Block,
            }
        }
        "mailto" => Decision::OpenExternal,
        _ => Decision::Block,
    }
}

/// True when `url` is on exactly `origin` (see [`classify`]).
pub fn is_app_url(url: &str, origin: &str) -> bool {
    classify(url, Some(origin)) == Decision::Allow
}

/// `url` without its query and fragment: safe to report (`window_loaded`)
/// because tickets travel in the query.
pub fn strip_query(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

/// The origin of an absolute URL, `scheme://authority` with no path, query or fragment, as
/// the shells compare origins (e.g. `http://127.0.0.1:43817` of
/// `http://127.0.0.1:43817/ponies/?a`). `None` when `url` has no `scheme://authority`.
pub fn origin_of(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    (!scheme.is_empty() && end > 0).then(|| &url[..scheme.len() + 3 + end])
}

fn split_scheme(url: &str) -> Option<(String, &str)> {
    let colon = url.find(':')?;
    let scheme = &url[..colon];
    let mut chars = scheme.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) {
        return None;
    }
    Some((scheme.to_ascii_lowercase(), &url[colon + 1..]))
}

/// `rest` = `//host:port/...` starts with the origin's `//host:port` and the
/// authority ends right there.
fn same_origin_rest(rest: &str, origin_rest: &str) -> bool {
    let origin_rest = origin_rest.trim_end_matches('/');
    rest.len() >= origin_rest.len()
        && rest[..origin_rest.len()].eq_ignore_ascii_case(origin_rest)
        && matches!(
            rest[origin_rest.len()..].chars().next(),
            None | Some('/' | '?' | '#')
        )
}

#[cfg(test)]
mod tests {
    #[test]
    fn origin_of_keeps_scheme_and_authority_only() {
        assert_eq!(
            origin_of("http://127.0.0.1:43817/"),
            Some("http://127.0.0.1:43817")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:43817/a/b?c#d"),
            Some("http://127.0.0.1:43817")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:1?q"),
            Some("http://127.0.0.1:1")
        );
        assert_eq!(origin_of("http://127.0.0.1:1"), Some("http://127.0.0.1:1"));
        assert_eq!(origin_of("/ponies/"), None);
        assert_eq!(origin_of("http:///x"), None);
        assert_eq!(origin_of("://host/"), None);
    }

    use super::Decision::*;
    use super::*;

    const O: &str = "http://127.0.0.1:43817";

    #[test]
    fn other_origins_open_externally() {
        for url in [
            "http://127.0.0.1:43818/",
            "http://127.0.0.1:4381/",
            "http://127.0.0.1:438170/",
            "http://localhost:43817/",
            "https://127.0.0.1:43817/",
            "http://127.0.0.1:43817@evil.example/",
            "http://127.0.0.1:43817.evil.example/",
            "https://example.com/docs",
            "mailto:someone@example.com",
        ] {
            assert_eq!(classify(url, Some(O)), OpenExternal, "{url}");
        }
        assert_eq!(classify("http://127.0.0.1:43817/", None), OpenExternal);
    }

    #[test]
    fn dangerous_schemes_blocked() {
        for url in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<b>x</b>",
            "about:blank",
            "blob:http://127.0.0.1:43817/uuid",
            "ftp://example.com/",
            "http:///nohost",
            "http:no-slashes",
            "/relative",
            "",
            " http://127.0.0.1:43817/",
            "http://127.0.0.1:43817/\n",
        ] {
            assert_eq!(classify(url, Some(O)), Block, "{url:?}");
        }
    }

    /// The vectors `header-rule.test.js` checks too (`testing/fixtures/exact-origin.json`).
    #[test]
    fn shared_exact_origin_vectors() {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../../testing/fixtures/exact-origin.json")).unwrap();
        let origin = v["origin"].as_str().unwrap();
        let list = |key: &str| -> Vec<String> {
            v[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u.as_str().unwrap().to_owned())
                .collect()
        };
        for url in list("same") {
            assert_eq!(classify(&url, Some(origin)), Allow, "{url:?}");
        }
        for url in list("other") {
            assert_ne!(classify(&url, Some(origin)), Allow, "{url:?}");
        }
    }

    #[test]
    fn strip_query_removes_ticket() {
        assert_eq!(
            strip_query("http://127.0.0.1:1/desktop-auth/bootstrap/?ticket=abc&next=/"),
            "http://127.0.0.1:1/desktop-auth/bootstrap/"
        );
        assert_eq!(
            strip_query("http://127.0.0.1:1/#frag"),
            "http://127.0.0.1:1/"
        );
    }
}
