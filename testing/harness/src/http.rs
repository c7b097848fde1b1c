//! Talking to a running backend from outside: a loopback HTTP client with the token in the
//! header, in the cookie, or not at all, and the backend's `logs/access.log` JSON lines.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

/// The token's header name (C-AUTH-2).
pub const TOKEN_HEADER: &str = "X-Desktop-Django-Token";
/// The token's cookie name (C-AUTH-2).
pub const TOKEN_COOKIE: &str = "desktop_django_auth_token";
/// The supervisor's user agent prefix (its probes in the access log).
pub const SUPERVISOR_UA_PREFIX: &str = "desktop-django-supervisor/";
/// The harness's own user agent, so its requests are never mistaken for the webview's.
pub const CONFORMANCE_UA: &str = concat!("desktop-django-conformance/", env!("CARGO_PKG_VERSION"));

/// How a request presents the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth<'a> {
    None,
    Header(&'a str),
    Cookie(&'a str),
}

/// A response, read whole.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Response {
    pub fn json(&self) -> Result<serde_json::Value, String> {
        serde_json::from_str(&self.body)
            .map_err(|e| format!("not JSON ({e}), status {}: {}", self.status, self.body))
    }

    /// The values of every `Set-Cookie` header.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect()
    }

    /// The value of cookie `name` set by this response, if any.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies().iter().find_map(|c| {
            let first = c.split(';').next()?.trim();
            let (k, v) = first.split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    }
}

/// A blocking client for `http://127.0.0.1:<port>`: no proxy, no redirects followed, no cookie
/// jar (cookies are explicit), bounded timeouts.
#[derive(Debug, Clone)]
pub struct Backend {
    pub base: String,
    client: reqwest::blocking::Client,
}

impl Backend {
    pub fn new(port: u16) -> Self {
        let client = reqwest::blocking::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(CONFORMANCE_UA)
            .build()
            .expect("reqwest client");
        Backend {
            base: format!("http://127.0.0.1:{port}"),
            client,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn auth(
        rb: reqwest::blocking::RequestBuilder,
        auth: Auth<'_>,
        extra_cookies: &[(&str, &str)],
    ) -> reqwest::blocking::RequestBuilder {
        let mut cookies: Vec<String> = extra_cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let rb = match auth {
            Auth::None => rb,
            Auth::Header(t) => rb.header(TOKEN_HEADER, t),
            Auth::Cookie(t) => {
                cookies.push(format!("{TOKEN_COOKIE}={t}"));
                rb
            }
        };
        if cookies.is_empty() {
            rb
        } else {
            rb.header(reqwest::header::COOKIE, cookies.join("; "))
        }
    }

    fn send(rb: reqwest::blocking::RequestBuilder, what: &str) -> Result<Response, String> {
        let resp = rb.send().map_err(|e| format!("{what}: {e}"))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.text().map_err(|e| format!("{what}: body: {e}"))?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    /// `GET path` with the given auth.
    pub fn get(&self, path: &str, auth: Auth<'_>) -> Result<Response, String> {
        self.get_with_cookies(path, auth, &[])
    }

    /// `GET path` with the given auth and extra cookies.
    pub fn get_with_cookies(
        &self,
        path: &str,
        auth: Auth<'_>,
        cookies: &[(&str, &str)],
    ) -> Result<Response, String> {
        let rb = Self::auth(self.client.get(self.url(path)), auth, cookies);
        Self::send(rb, &format!("GET {path}"))
    }

    /// `POST path` as a form, with the given auth and extra cookies.
    pub fn post_form(
        &self,
        path: &str,
        auth: Auth<'_>,
        cookies: &[(&str, &str)],
        form: &[(&str, &str)],
    ) -> Result<Response, String> {
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let rb = self
            .client
            .post(self.url(path))
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body);
        let rb = Self::auth(rb, auth, cookies);
        Self::send(rb, &format!("POST {path}"))
    }
}

/// `application/x-www-form-urlencoded` encoding of one key or value.
pub fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The value of the hidden `csrfmiddlewaretoken` input in an HTML page, if any.
pub fn csrf_form_token(html: &str) -> Option<String> {
    let at = html.find("name=\"csrfmiddlewaretoken\"")?;
    // The input's attributes are on one tag: search its value around the name.
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let v = tag.find("value=\"")? + "value=\"".len();
    let end = tag[v..].find('"')?;
    Some(tag[v..v + end].to_string())
}

/// One line of `logs/access.log`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct AccessLine {
    pub ts: f64,
    pub method: String,
    pub path: String,
    pub status: u16,
    #[serde(default)]
    pub ua: String,
}

impl AccessLine {
    pub fn is_supervisor(&self) -> bool {
        self.ua.starts_with(SUPERVISOR_UA_PREFIX)
    }

    pub fn is_conformance(&self) -> bool {
        self.ua.starts_with("desktop-django-conformance/")
    }

    /// The path without its query string.
    pub fn route(&self) -> &str {
        self.path.split('?').next().unwrap_or("")
    }
}

/// Parses access-log text: complete lines only, blank lines skipped, anything else an error.
pub fn parse_access_log(text: &str) -> Result<Vec<AccessLine>, String> {
    let complete = match text.rfind('\n') {
        Some(i) => &text[..=i],
        None => "",
    };
    complete
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(n, l)| {
            serde_json::from_str(l).map_err(|e| format!("access.log line {}: {e}: {l}", n + 1))
        })
        .collect()
}

/// Reads `<app-data>/logs/access.log`; a missing file is no lines yet.
pub fn read_access_log(app_data: &Path) -> Result<Vec<AccessLine>, String> {
    let path = app_data.join("logs").join("access.log");
    match std::fs::read_to_string(&path) {
        Ok(t) => parse_access_log(&t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_access_lines() {
        let text = r#"{"ts": 1763750000.123, "method": "GET", "path": "/health/?nonce=ab", "status": 200, "ua": "desktop-django-supervisor/0.1.0"}
{"ts": 1763750000.5, "method": "GET", "path": "/", "status": 200, "ua": "Mozilla/5.0 AppleWebKit"}
{"ts": 1763750001, "method": "GET", "path": "/x", "status": 4"#;
        let l = parse_access_log(text).unwrap();
        assert_eq!(l.len(), 2);
        assert!(l[0].is_supervisor());
        assert_eq!(l[0].route(), "/health/");
        assert!(!l[1].is_supervisor());
        assert_eq!(l[1].status, 200);
        assert!(parse_access_log("garbage\n").is_err());
    }

    #[test]
    fn csrf_token_from_a_form() {
        let html = r#"<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="abc123XYZ"><button>x</button></form>"#;
        assert_eq!(csrf_form_token(html).as_deref(), Some("abc123XYZ"));
        assert_eq!(csrf_form_token("<p>none</p>"), None);
    }

    #[test]
    fn form_encoding() {
        assert_eq!(form_encode("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
    }

    #[test]
    fn reads_cookies_from_set_cookie() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.append(
            reqwest::header::SET_COOKIE,
            "csrftoken=tok; expires=x; Path=/".parse().unwrap(),
        );
        headers.append(reqwest::header::SET_COOKIE, "other=1".parse().unwrap());
        let r = Response {
            status: 200,
            headers,
            body: String::new(),
        };
        assert_eq!(r.cookie("csrftoken").as_deref(), Some("tok"));
        assert_eq!(r.cookie("other").as_deref(), Some("1"));
        assert_eq!(r.cookie("nope"), None);
    }
}
