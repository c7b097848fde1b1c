//! What the suite knows about the demo project ("Flying Stable") that `{backend}` points at:
//! its ponies list page, read over HTTP like any other client would.

use crate::http::{csrf_form_token, Auth, Backend};

/// The ponies list page.
pub const PONIES: &str = "/ponies/";
/// "Clear the stable" (POST, CSRF-protected).
pub const CLEAR: &str = "/ponies/clear/";

/// Counts the ponies on the list page: one `data-pony-id` attribute per pony where the template
/// has them, else one `<li class="card"` per pony.
pub fn count_ponies(html: &str) -> usize {
    if html.contains("data-pony-id") {
        html.matches("data-pony-id=").count()
    } else {
        html.matches("<li class=\"card\"").count()
    }
}

/// GETs the list page with the token header and counts its ponies.
pub fn ponies(backend: &Backend, token: &str) -> Result<usize, String> {
    let r = backend.get(PONIES, Auth::Header(token))?;
    if r.status != 200 {
        return Err(format!("GET {PONIES}: status {}: {}", r.status, r.body));
    }
    Ok(count_ponies(&r.body))
}

/// Clears the stable the way the page does: the CSRF token from the page's form plus the CSRF
/// cookie, POSTed with the session token header. Expects the redirect back to the list.
pub fn clear_stable(backend: &Backend, token: &str) -> Result<(), String> {
    let page = backend.get(PONIES, Auth::Header(token))?;
    let form_token = csrf_form_token(&page.body)
        .ok_or_else(|| format!("no csrfmiddlewaretoken on {PONIES} (is the stable empty?)"))?;
    let cookie = page
        .cookie("csrftoken")
        .ok_or_else(|| format!("{PONIES} set no csrftoken cookie: {:?}", page.set_cookies()))?;
    let r = backend.post_form(
        CLEAR,
        Auth::Header(token),
        &[("csrftoken", &cookie)],
        &[("csrfmiddlewaretoken", &form_token)],
    )?;
    if r.status != 302 {
        return Err(format!("POST {CLEAR}: status {}: {}", r.status, r.body));
    }
    Ok(())
}

/// The ids of the ponies on the list page, from their `/ponies/<id>/edit/` links, in page order.
pub fn pony_ids(html: &str) -> Vec<u64> {
    let mut ids = Vec::new();
    for part in html.split("/ponies/").skip(1) {
        if let Some((num, rest)) = part.split_once('/') {
            if rest.starts_with("edit/") {
                if let Ok(id) = num.parse::<u64>() {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            }
        }
    }
    ids
}

/// Every same-origin `/static/…` URL referenced by a page, deduplicated, in page order.
pub fn static_paths(html: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for quote in ['"', '\''] {
        let needle = format!("{quote}/static/");
        let mut rest = html;
        while let Some(at) = rest.find(&needle) {
            let tail = &rest[at + 1..];
            let Some(end) = tail.find(quote) else { break };
            let path = tail[..end].to_string();
            if !out.contains(&path) {
                out.push(path);
            }
            rest = &tail[end..];
        }
    }
    out
}

/// The first same-origin `/static/…` URL referenced by a page (a stylesheet, script or image).
pub fn first_static_path(html: &str) -> Option<String> {
    for quote in ['"', '\''] {
        let needle = format!("{quote}/static/");
        if let Some(at) = html.find(&needle) {
            let rest = &html[at + 1..];
            let end = rest.find(quote)?;
            return Some(rest[..end].to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_cards_or_ids() {
        let cards = r#"<ul class="cards"><li class="card">a</li><li class="card">b</li></ul>"#;
        assert_eq!(count_ponies(cards), 2);
        assert_eq!(count_ponies("<section class=\"empty\"></section>"), 0);
        let ids = r#"<li class="card x" data-pony-id="1"></li><li data-pony-id="2"></li>"#;
        assert_eq!(count_ponies(ids), 2);
    }

    #[test]
    fn finds_pony_ids_and_static_paths() {
        let html = r#"<a href="/ponies/7/edit/">Edit</a><form action="/ponies/7/delete/"></form><a href="/ponies/12/edit/">"#;
        assert_eq!(pony_ids(html), [7, 12]);
        let html = r#"<link href="/static/a.css"><script src="/static/b.js"></script><img src='/static/a.css'>"#;
        assert_eq!(static_paths(html), ["/static/a.css", "/static/b.js"]);
    }

    #[test]
    fn finds_a_static_url() {
        let html = r#"<link rel="stylesheet" href="/static/app.css?v=1"><img src='/static/x.svg'>"#;
        assert_eq!(
            first_static_path(html).as_deref(),
            Some("/static/app.css?v=1")
        );
        assert_eq!(first_static_path("<p>/static/ in text</p>"), None);
    }
}
