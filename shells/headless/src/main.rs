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

use contract::navigation::{is_app_url, strip_query};
use contract::session::{self, Session};
use contract::shell::UiRequest;
use reqwest::Url;

/// How many redirects one navigation may follow.
const MAX_REDIRECTS: usize = 10;

fn main() {
    contract::events::mark_start();
    let prepared = session::prepare_or_exit("desktop-django-headless");
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
            UiRequest::Focus => {
                eprintln!("desktop-django-headless: a second launch found it running")
            }
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
        // The bootstrap's HttpOnly cookie (C-AUTH-5) rides on every later request, as in a
        // webview; the only host this shell talks to is the loopback origin.
        .cookie_store(true)
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
    let mut url = Url::parse(url).map_err(|e| format!("a bad start URL: {e}"))?;
    for _ in 0..=MAX_REDIRECTS {
        if !session.allow_navigation(url.as_str()) {
            return Err("the navigation guard refused a redirect target".into());
        }
        let response = get(&client, &url)?;
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or("a redirect without a Location")?;
            url = url
                .join(location)
                .map_err(|e| format!("a bad redirect target: {e}"))?;
            continue;
        }
        if !status.is_success() {
            // A webview shows the error page and reports it loaded; so does this shell, so
            // that autoquit (C-SHELL-4) still ends the run.
            eprintln!(
                "desktop-django-headless: HTTP {status} for {}",
                strip_query(url.as_str())
            );
        }
        let html = response.text().map_err(|e| e.without_url().to_string())?;
        let origin = session.origin().unwrap_or_default();
        for asset in asset_urls(&html) {
            let Ok(asset_url) = url.join(&asset) else {
                eprintln!("desktop-django-headless: not loaded: {asset:?} is not a URL");
                continue;
            };
            if !is_app_url(asset_url.as_str(), &origin) {
                // This shell keeps to its origin; a webview would try, and the CSP would block it.
                eprintln!(
                    "desktop-django-headless: not loaded: {} is from another origin (the Content-Security-Policy blocks it, and it breaks offline)",
                    strip_query(asset_url.as_str())
                );
                continue;
            }
            let r = get(&client, &asset_url)?;
            if !r.status().is_success() {
                eprintln!(
                    "desktop-django-headless: HTTP {} for {}",
                    r.status(),
                    strip_query(asset_url.as_str())
                );
            }
            let _ = r.bytes();
        }
        session.page_loaded(url.as_str());
        return Ok(());
    }
    Err("too many redirects".into())
}

fn get(
    client: &reqwest::blocking::Client,
    url: &Url,
) -> Result<reqwest::blocking::Response, String> {
    // Never put the URL (it may hold a ticket) in an error message.
    client
        .get(url.clone())
        .send()
        .map_err(|e| e.without_url().to_string())
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
    fn error_page_text() {
        let html = "<html><style>p{}</style><h1>App</h1><p>exit &lt;1&gt;</p><code>/d/logs/shell.log</code></html>";
        assert_eq!(page_text(html), "App exit <1> /d/logs/shell.log");
    }
}
