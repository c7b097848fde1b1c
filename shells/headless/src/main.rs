//! `desktop-django-headless [--project <dir>]`: the reference shell without a webview.
//!
//! A thin adapter over `contract::session::Session`, like every shell: the session owns the
//! lifecycle (splash event, supervisor, ticket bootstrap, navigation policy, autoquit, graceful
//! quit). Where a webview would render, this shell fetches with reqwest: the bootstrap URL,
//! each redirect (through the session's navigation guard, keeping the session cookie), the
//! page, and the same-origin stylesheets, scripts and images it links. Then it reports the
//! page as loaded, which emits `window_loaded`.

use std::sync::mpsc;
use std::time::Duration;

use contract::session::{self, Session};
use contract::shell::UiRequest;

/// How many redirects one navigation may follow.
const MAX_REDIRECTS: usize = 10;

fn main() {
    contract::events::mark_start();
    let mut prepared = session::prepare_or_exit("desktop-django-headless");
    // C-PROC-7: there is no window to focus, so a second launch says so and exits 0.
    if !prepared.claim_instance() {
        eprintln!(
            "desktop-django-headless: {} is already running for {}",
            prepared.title(),
            prepared.paths.root.display()
        );
        std::process::exit(0);
    }
    let (tx, rx) = mpsc::channel();
    // The shell adapter: every request goes to this thread's loop below.
    let session = Session::new(prepared, move |r| {
        let _ = tx.send(r);
    });
    // Nothing to paint: the splash is this line.
    eprintln!(
        "desktop-django-headless: {} is starting",
        session.product_name()
    );
    session.splash_shown();
    session.start();

    for request in rx {
        match request {
            UiRequest::Navigate(url) => {
                let session = session.clone();
                std::thread::spawn(move || {
                    if let Err(e) = load(&session, &url) {
                        eprintln!("desktop-django-headless: the page did not load: {e}");
                    }
                });
            }
            UiRequest::ShowHtml(html) => eprintln!("desktop-django-headless: {}", page_text(&html)),
            UiRequest::Exit(code) => std::process::exit(code),
        }
    }
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .user_agent(concat!(
            "desktop-django-headless/",
            env!("CARGO_PKG_VERSION")
        ))
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("a plain-http reqwest client always builds")
}

/// Loads `url` the way a webview would: redirects through the navigation guard with the
/// cookies they set, then the page's same-origin assets, then `page_loaded`, also for an
/// error page or a missing asset (named on stderr). Errors: a refused redirect, a
/// connection failure, a redirect loop.
fn load(session: &Session, url: &str) -> Result<(), String> {
    let client = client();
    let mut cookies: Vec<(String, String)> = Vec::new();
    let mut url = url.to_string();
    for _ in 0..=MAX_REDIRECTS {
        if !session.allow_navigation(&url) {
            return Err("the navigation guard refused a redirect target".into());
        }
        let response = get(&client, &url, &cookies)?;
        remember_cookies(&response, &mut cookies);
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or("a redirect without a Location")?;
            url = resolve(&url, location)?;
            continue;
        }
        if !status.is_success() {
            // A webview shows the error page and reports it loaded; so does this shell, so
            // that autoquit (C-SHELL-4) still ends the run.
            eprintln!(
                "desktop-django-headless: HTTP {status} for {}",
                strip_query(&url)
            );
        }
        let html = response.text().map_err(|e| e.without_url().to_string())?;
        let origin = session.origin().unwrap_or_default();
        for asset in asset_urls(&html) {
            let asset_url = resolve(&url, &asset)?;
            if !asset_url.starts_with(&format!("{origin}/")) {
                // This shell keeps to its origin; a webview would try, and the CSP would block it.
                eprintln!(
                    "desktop-django-headless: not loaded: {} is from another origin (the Content-Security-Policy blocks it, and it breaks offline)",
                    strip_query(&asset_url)
                );
                continue;
            }
            let r = get(&client, &asset_url, &cookies)?;
            if !r.status().is_success() {
                eprintln!(
                    "desktop-django-headless: HTTP {} for {}",
                    r.status(),
                    strip_query(&asset_url)
                );
            }
            let _ = r.bytes();
        }
        session.page_loaded(&url);
        return Ok(());
    }
    Err("too many redirects".into())
}

fn get(
    client: &reqwest::blocking::Client,
    url: &str,
    cookies: &[(String, String)],
) -> Result<reqwest::blocking::Response, String> {
    let mut rb = client.get(url);
    if !cookies.is_empty() {
        let header: Vec<String> = cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        rb = rb.header(reqwest::header::COOKIE, header.join("; "));
    }
    // Never put the URL (it may hold a ticket) in an error message.
    rb.send().map_err(|e| e.without_url().to_string())
}

/// Keeps `name=value` of each `Set-Cookie` (the loopback origin is the only host we talk to).
fn remember_cookies(r: &reqwest::blocking::Response, jar: &mut Vec<(String, String)>) {
    for v in r.headers().get_all(reqwest::header::SET_COOKIE) {
        let Ok(v) = v.to_str() else { continue };
        let Some((name, value)) = v.split(';').next().and_then(|kv| kv.trim().split_once('='))
        else {
            continue;
        };
        jar.retain(|(k, _)| k != name);
        jar.push((name.to_string(), value.to_string()));
    }
}

/// Resolves `location` (absolute, or a path starting with `/`) against `base`.
fn resolve(base: &str, location: &str) -> Result<String, String> {
    if location.starts_with("http://") || location.starts_with("https://") {
        return Ok(location.to_string());
    }
    if location.starts_with('/') && !location.starts_with("//") {
        let after_scheme = base.find("://").map(|i| i + 3).ok_or("bad base URL")?;
        let origin_end = base[after_scheme..]
            .find('/')
            .map_or(base.len(), |i| after_scheme + i);
        return Ok(format!("{}{location}", &base[..origin_end]));
    }
    Err("an unsupported relative URL".into())
}

fn strip_query(url: &str) -> &str {
    contract::navigation::strip_query(url)
}

/// The `href` of each `<link>` and the `src` of each `<script>` and `<img>`.
fn asset_urls(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lower = html.to_ascii_lowercase();
    for (tag, attr) in [("<link", "href"), ("<script", "src"), ("<img", "src")] {
        let mut from = 0;
        while let Some(at) = lower[from..].find(tag) {
            let start = from + at;
            let end = lower[start..].find('>').map_or(lower.len(), |e| start + e);
            if let Some(v) = attribute(&html[start..end], &lower[start..end], attr) {
                if !v.is_empty() && !out.contains(&v) {
                    out.push(v);
                }
            }
            from = end;
        }
    }
    out
}

fn attribute(tag: &str, lower: &str, name: &str) -> Option<String> {
    let mut from = 0;
    while let Some(at) = lower[from..].find(name) {
        let i = from + at;
        let before_ok = i > 0 && lower.as_bytes()[i - 1].is_ascii_whitespace();
        let rest = lower[i + name.len()..].trim_start();
        if before_ok && rest.starts_with('=') {
            let value_start = tag.len() - rest.len() + 1;
            let value = tag[value_start..].trim_start();
            let (quote, body) = match value.chars().next()? {
                q @ ('"' | '\'') => (Some(q), &value[1..]),
                _ => (None, value),
            };
            let end = match quote {
                Some(q) => body.find(q)?,
                None => body.find(|c: char| c.is_whitespace()).unwrap_or(body.len()),
            };
            return Some(body[..end].to_string());
        }
        from = i + name.len();
    }
    None
}

/// The visible text of an HTML page, whitespace collapsed (for the error page on stderr).
fn page_text(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    let mut skip = false;
    let lower = html.to_ascii_lowercase();
    let mut i = 0;
    while i < html.len() {
        let c = html[i..].chars().next().unwrap_or(' ');
        if c == '<' {
            in_tag = true;
            if lower[i..].starts_with("<style") || lower[i..].starts_with("<script") {
                skip = true;
            }
            if lower[i..].starts_with("</style") || lower[i..].starts_with("</script") {
                skip = false;
            }
            text.push(' ');
        } else if c == '>' {
            in_tag = false;
        } else if !in_tag && !skip {
            text.push(c);
        }
        i += c.len_utf8();
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_assets() {
        let html = r#"<link rel="icon" href="/static/a.svg"><LINK rel=stylesheet href=/static/b.css>
<script src='/static/c.js' defer></script><img alt="x" src="/static/d.png"><a href="/ponies/">"#;
        assert_eq!(
            asset_urls(html),
            [
                "/static/a.svg",
                "/static/b.css",
                "/static/c.js",
                "/static/d.png"
            ]
        );
        assert!(asset_urls("<p>no assets</p>").is_empty());
    }

    #[test]
    fn resolves_locations() {
        let base = "http://127.0.0.1:5/desktop-auth/bootstrap/?ticket=x";
        assert_eq!(resolve(base, "/").unwrap(), "http://127.0.0.1:5/");
        assert_eq!(
            resolve(base, "http://127.0.0.1:5/p/").unwrap(),
            "http://127.0.0.1:5/p/"
        );
        assert!(resolve(base, "//evil.test/").is_err());
        assert!(resolve(base, "relative").is_err());
    }

    #[test]
    fn error_page_text() {
        let html = "<html><style>p{}</style><h1>App</h1><p>exit &lt;1&gt;</p><code>/d/logs/shell.log</code></html>";
        assert_eq!(page_text(html), "App exit <1> /d/logs/shell.log");
    }
}
