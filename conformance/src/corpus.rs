//! The hostile-input corpus: a table of malformed, forged and oversize requests against one
//! running backend. Each case has its documented status (4xx for every attack, 2xx/3xx for the
//! few positive controls that prove the harness is not just getting 403 for everything). A case
//! fails on any other status, on any 5xx, on a hang (every request has a deadline), and on a
//! bypass: an attack answered with the token in its body or with a fresh session cookie.
//!
//! Requests go over raw sockets ([`crate::raw`]): several cases are requests an HTTP client
//! refuses to send (duplicated headers, non-ASCII values, no Host, 1 MB headers, garbage).

use std::time::Duration;

use crate::raw::{RawRequest, RawResponse};

/// Deadline of one request.
pub const CASE_TIMEOUT: Duration = Duration::from_secs(15);

/// The header and cookie names (C-AUTH-2).
const HEADER: &str = "X-Desktop-Django-Token";
const COOKIE: &str = "desktop_django_auth_token";
const TICKET: &str = "/desktop-auth/ticket/";
const BOOTSTRAP: &str = "/desktop-auth/bootstrap/";

/// What the cases run against.
pub struct Ctx {
    pub port: u16,
    pub token: String,
    /// An existing pony (for edit/delete cases); 0 on a backend that is not the demo, where the
    /// cases that use it do not run ([`applies`]).
    pub pony_id: u64,
    /// A page of the app: the demo's pony list, or another project's page with a form (below).
    pub app_page: String,
    /// Where the CSRF cases POST: the demo's "clear the stable", or another project's page with
    /// a form (its start page, or where that redirects, e.g. its login page; else the admin's
    /// login page): a view that CSRF protects.
    pub csrf_target: String,
    /// A valid CSRF pair: the `csrftoken` cookie and the form's `csrfmiddlewaretoken`.
    pub csrf_cookie: String,
    pub csrf_form: String,
}

impl Ctx {
    /// Prepares the context from a running backend (the backend under test): on the demo, a pony
    /// and a CSRF pair from its new-pony form; on another project, a page with a CSRF form.
    /// Errors say what is missing.
    pub fn new(port: u16, token: &str) -> Result<Ctx, String> {
        let mut ctx = Ctx {
            port,
            token: token.to_string(),
            pony_id: 0,
            app_page: crate::demo::PONIES.to_string(),
            csrf_target: crate::demo::CLEAR.to_string(),
            csrf_cookie: String::new(),
            csrf_form: String::new(),
        };
        let (form_path, form) = if crate::backend::under_test().is_demo {
            let list = ctx.send(&ctx.get("/ponies/").header(HEADER, token))?;
            ctx.pony_id = crate::demo::pony_ids(&list.body_text())
                .into_iter()
                .next()
                .ok_or("no pony on /ponies/: the corpus needs the seeded roster")?;
            let form = ctx.send(&ctx.get("/ponies/new/").header(HEADER, token))?;
            ("/ponies/new/".to_string(), form)
        } else {
            let (path, form) = ctx.form_page()?;
            ctx.app_page = path.clone();
            ctx.csrf_target = path.clone();
            (path, form)
        };
        ctx.csrf_form = crate::http::csrf_form_token(&form.body_text())
            .ok_or_else(|| format!("no csrfmiddlewaretoken on {form_path}"))?;
        ctx.csrf_cookie = form
            .headers("set-cookie")
            .iter()
            .find_map(|c| {
                c.split(';')
                    .next()?
                    .strip_prefix("csrftoken=")
                    .map(str::to_string)
            })
            .ok_or_else(|| format!("{form_path} set no csrftoken cookie"))?;
        Ok(ctx)
    }

    /// A page of a project that is not the demo with a CSRF form, `(path without query, page)`:
    /// its `start_path`, following same-origin redirects (a login-protected home leads to the
    /// login page), else `/admin/login/`.
    fn form_page(&self) -> Result<(String, RawResponse), String> {
        let origin = format!("http://127.0.0.1:{}", self.port);
        let mut tried = Vec::new();
        let mut next = Some(crate::backend::under_test().start_path.clone());
        for _ in 0..5 {
            let Some(path) = next.take() else { break };
            let r = self.send(&self.authed("GET", &path))?;
            tried.push(format!("{path} {}", r.status));
            if r.status == 200 && r.body_text().contains("csrfmiddlewaretoken") {
                let bare = path.split('?').next().unwrap_or(&path).to_string();
                return Ok((bare, r));
            }
            next = r
                .headers("location")
                .first()
                .map(|l| l.strip_prefix(&origin).unwrap_or(l).to_string())
                .filter(|l| l.starts_with('/') && !l.starts_with("//"));
        }
        let r = self.send(&self.authed("GET", "/admin/login/"))?;
        if r.status == 200 && r.body_text().contains("csrfmiddlewaretoken") {
            return Ok(("/admin/login/".to_string(), r));
        }
        tried.push(format!("/admin/login/ {}", r.status));
        Err(format!(
            "no page with a CSRF form for the CSRF cases (tried {tried:?})"
        ))
    }

    pub fn get(&self, target: &str) -> RawRequest {
        RawRequest::get(self.port, target)
    }

    pub fn post(&self, target: &str) -> RawRequest {
        RawRequest::get(self.port, target).method("POST")
    }

    /// A request with the valid token header.
    pub fn authed(&self, method: &str, target: &str) -> RawRequest {
        RawRequest::get(self.port, target)
            .method(method)
            .header(HEADER, self.token.as_str())
    }

    /// A form POST with the token header and a valid CSRF pair.
    pub fn form(&self, target: &str, body: &str) -> RawRequest {
        self.authed("POST", target)
            .header("Cookie", format!("csrftoken={}", self.csrf_cookie))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!("csrfmiddlewaretoken={}&{body}", self.csrf_form))
    }

    pub fn send(&self, r: &RawRequest) -> Result<RawResponse, String> {
        r.send(self.port, CASE_TIMEOUT)
    }

    /// Mints a ticket with the header, as a shell does.
    pub fn mint(&self) -> Result<String, String> {
        let r = self.send(&self.authed("POST", TICKET))?;
        if r.status != 200 {
            return Err(format!("minting a ticket: {}", r.status));
        }
        let v: serde_json::Value =
            serde_json::from_slice(&r.body).map_err(|e| format!("ticket body: {e}"))?;
        v["ticket"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("no ticket in {v}"))
    }

    /// `GET /desktop-auth/bootstrap/?ticket=<t>&next=<raw next>` (next already encoded).
    pub fn bootstrap(&self, ticket: &str, next_encoded: Option<&str>) -> RawRequest {
        let mut target = format!("{BOOTSTRAP}?ticket={}", crate::http::form_encode(ticket));
        if let Some(n) = next_encoded {
            target.push_str("&next=");
            target.push_str(n);
        }
        self.get(&target)
    }
}

type Run = Box<dyn Fn(&Ctx) -> Result<RawResponse, String> + Send + Sync>;

/// One case: its group (the clause it attacks), its name, its documented statuses, the request.
pub struct Case {
    pub group: &'static str,
    pub name: String,
    pub expect: Vec<u16>,
    run: Run,
}

/// The outcome of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub group: &'static str,
    pub name: String,
    pub expect: Vec<u16>,
    pub got: Option<u16>,
    /// Empty when the case passed.
    pub problem: String,
}

impl CaseResult {
    pub fn ok(&self) -> bool {
        self.problem.is_empty()
    }
}

fn case(
    group: &'static str,
    name: impl Into<String>,
    expect: &[u16],
    run: impl Fn(&Ctx) -> Result<RawResponse, String> + Send + Sync + 'static,
) -> Case {
    Case {
        group,
        name: name.into(),
        expect: expect.to_vec(),
        run: Box::new(run),
    }
}

/// A case sending one fixed request built from the context.
fn req(
    group: &'static str,
    name: impl Into<String>,
    expect: &[u16],
    build: impl Fn(&Ctx) -> RawRequest + Send + Sync + 'static,
) -> Case {
    case(group, name, expect, move |c| c.send(&build(c)))
}

/// Attacks on the token (C-AUTH-2): all 403, never 500.
fn tokens() -> Vec<Case> {
    let g = "C-AUTH-2 token";
    let h = "/health/";
    vec![
        req(g, "no token", &[403], move |c| c.get(h)),
        req(g, "empty header", &[403], move |c| {
            c.get(h).header(HEADER, "")
        }),
        req(g, "64 zeros", &[403], move |c| {
            c.get(h).header(HEADER, "0".repeat(64))
        }),
        req(g, "upper-case hex of the token", &[403], move |c| {
            c.get(h).header(HEADER, c.token.to_uppercase())
        }),
        req(g, "63 chars of the token", &[403], move |c| {
            c.get(h).header(HEADER, &c.token[..63])
        }),
        req(g, "token plus one char", &[403], move |c| {
            c.get(h).header(HEADER, format!("{}0", c.token))
        }),
        req(g, "non-ASCII last char (UTF-8)", &[403], move |c| {
            c.get(h)
                .header(HEADER, format!("{}é", &c.token[..63]).into_bytes())
        }),
        req(g, "64 non-ASCII chars", &[403], move |c| {
            c.get(h).header(HEADER, "é".repeat(64).into_bytes())
        }),
        req(g, "non-ASCII cookie", &[403], move |c| {
            c.get(h).header(
                "Cookie",
                format!("{COOKIE}={}ü", &c.token[..63]).into_bytes(),
            )
        }),
        req(g, "1 MB header", &[403], move |c| {
            c.get(h).header(HEADER, "a".repeat(1024 * 1024))
        }),
        req(g, "1 MB cookie", &[403], move |c| {
            c.get(h)
                .header("Cookie", format!("{COOKIE}={}", "a".repeat(1024 * 1024)))
        }),
        req(g, "token header sent twice", &[403], move |c| {
            c.get(h)
                .header(HEADER, c.token.as_str())
                .header(HEADER, c.token.as_str())
        }),
        req(g, "token repeated in one header", &[403], move |c| {
            c.get(h).header(HEADER, format!("{},{}", c.token, c.token))
        }),
        req(g, "token in the query string (?token=)", &[403], move |c| {
            c.get(&format!("{h}?token={}", c.token))
        }),
        req(
            g,
            "token in the query string (cookie name)",
            &[403],
            move |c| c.get(&format!("/ponies/?{COOKIE}={}", c.token)),
        ),
        req(
            g,
            "token in the query string (header name)",
            &[403],
            move |c| c.get(&format!("/ponies/?{HEADER}={}", c.token)),
        ),
        req(g, "token in the path", &[403, 404], move |c| {
            c.get(&format!("/{}/", c.token))
        }),
        req(g, "token as Authorization: Bearer", &[403], move |c| {
            c.get(h)
                .header("Authorization", format!("Bearer {}", c.token))
        }),
        req(g, "token in a cookie of another name", &[403], move |c| {
            c.get(h).header("Cookie", format!("{COOKIE}_x={}", c.token))
        }),
        req(g, "NUL byte inside the token", &[400, 403], move |c| {
            let mut v = c.token.clone().into_bytes();
            v[32] = 0;
            c.get(h).header(HEADER, v)
        }),
        req(g, "control char inside the token", &[400, 403], move |c| {
            let mut v = c.token.clone().into_bytes();
            v[10] = 1;
            c.get(h).header(HEADER, v)
        }),
        req(g, "static file without token", &[403], move |c| {
            c.get("/static/flying_stable/app.css")
        }),
        req(g, "splash without token", &[403], move |c| {
            c.get("/splash/")
        }),
        req(g, "HEAD without token", &[403], move |c| {
            c.get(h).method("HEAD")
        }),
        req(g, "a ticket used as the token", &[403], move |c| {
            let t = c.mint().unwrap_or_default();
            c.get(h).header(HEADER, t)
        }),
        req(g, "positive control: token header", &[200], move |c| {
            c.get(h).header(HEADER, c.token.as_str())
        }),
        req(g, "positive control: token cookie", &[200], move |c| {
            c.get(h).header("Cookie", format!("{COOKIE}={}", c.token))
        }),
        req(
            g,
            "positive control: lower-case header name",
            &[200],
            move |c| {
                c.get(h)
                    .header(&HEADER.to_ascii_lowercase(), c.token.as_str())
            },
        ),
    ]
}

/// Host headers (C-AUTH-6): all 400, with a valid token.
fn hosts() -> Vec<Case> {
    let g = "C-AUTH-6 Host";
    let h = |name: &str, f: fn(u16) -> Vec<u8>| {
        req(g, name.to_string(), &[400], move |c| {
            c.authed("GET", "/health/").host(f(c.port))
        })
    };
    vec![
        h("rebinding name", |_| b"evil.test".to_vec()),
        h("rebinding name with the port", |p| {
            format!("evil.test:{p}").into_bytes()
        }),
        h("127.0.0.1.evil.test", |p| {
            format!("127.0.0.1.evil.test:{p}").into_bytes()
        }),
        h("right host, wrong port", |p| {
            format!("127.0.0.1:{}", if p == 65535 { p - 1 } else { p + 1 }).into_bytes()
        }),
        h("localhost, wrong port", |p| {
            format!("localhost:{}", if p == 65535 { p - 1 } else { p + 1 }).into_bytes()
        }),
        h("IPv6 literal", |p| format!("[::1]:{p}").into_bytes()),
        h("IPv4-mapped IPv6 literal", |p| {
            format!("[::ffff:127.0.0.1]:{p}").into_bytes()
        }),
        h("trailing dot", |p| format!("127.0.0.1.:{p}").into_bytes()),
        h("localhost with trailing dot", |p| {
            format!("localhost.:{p}").into_bytes()
        }),
        h("no port", |_| b"127.0.0.1".to_vec()),
        h("0.0.0.0", |p| format!("0.0.0.0:{p}").into_bytes()),
        h("short form 127.1", |p| format!("127.1:{p}").into_bytes()),
        h("decimal IP", |p| format!("2130706433:{p}").into_bytes()),
        h("userinfo trick", |p| {
            format!("127.0.0.1:{p}@evil.test").into_bytes()
        }),
        h("leading zero in the port", |p| {
            format!("127.0.0.1:0{p}").into_bytes()
        }),
        h("empty Host", |_| Vec::new()),
        h("suffix after the port", |p| {
            format!("127.0.0.1:{p}.evil.test").into_bytes()
        }),
        h("non-ASCII host", |p| format!("lоcalhost:{p}").into_bytes()),
        req(g, "no Host header", &[400], |c| {
            c.authed("GET", "/health/").no_host()
        }),
        req(g, "Host header sent twice", &[400], |c| {
            c.authed("GET", "/health/").header("Host", "evil.test")
        }),
        req(g, "positive control: 127.0.0.1:<port>", &[200], |c| {
            c.authed("GET", "/health/")
        }),
        req(g, "positive control: localhost:<port>", &[200], |c| {
            c.authed("GET", "/health/")
                .host(format!("localhost:{}", c.port))
        }),
    ]
}

/// Bootstrap `next` values (C-AUTH-5): unsafe ones are 403, each with a fresh ticket.
fn nexts() -> Vec<Case> {
    let g = "C-AUTH-5 next";
    let bad = |name: &str, next: String| {
        case(g, name.to_string(), &[403], move |c| {
            let t = c.mint()?;
            c.send(&c.bootstrap(&t, Some(&next)))
        })
    };
    vec![
        bad("absolute http", "http%3A%2F%2Fevil.test%2F".into()),
        bad("absolute https", "https%3A%2F%2Fevil.test%2F".into()),
        bad("scheme-relative //", "%2F%2Fevil.test%2F".into()),
        bad("triple slash", "%2F%2F%2Fevil.test".into()),
        bad("slash backslash", "%2F%5Cevil.test".into()),
        bad("backslashes", "%5C%5Cevil.test".into()),
        bad(
            "CRLF header injection",
            "%2F%0D%0ASet-Cookie%3A%20x%3D1".into(),
        ),
        bad("LF", "%2F%0Aevil".into()),
        bad("tab", "%2F%09%2Fevil.test".into()),
        bad("NUL", "%2F%00".into()),
        bad(
            "right-to-left override (format char)",
            "%2F%E2%80%AE".into(),
        ),
        bad("relative without a leading slash", "ponies%2F".into()),
        bad("javascript:", "javascript%3Aalert(1)".into()),
        bad("http:/ single slash", "http%3A%2Fevil.test".into()),
        bad("empty", "".into()),
        bad("over 2048 chars", format!("%2F{}", "x".repeat(2100))),
        case(
            g,
            "positive control: next=<a page of the app>",
            &[302],
            |c| {
                let t = c.mint()?;
                let next = crate::http::form_encode(&c.app_page);
                let r = c.send(&c.bootstrap(&t, Some(&next)))?;
                let loc = r.headers("location");
                if r.status == 302 && loc.first() != Some(&c.app_page) {
                    return Err(format!("302 to {loc:?}, not {}", c.app_page));
                }
                Ok(r)
            },
        ),
    ]
}

/// Tickets (C-AUTH-5): used, unknown, forged or minted without the header, all 403.
fn tickets() -> Vec<Case> {
    let g = "C-AUTH-5 ticket";
    vec![
        req(g, "unknown ticket", &[403], |c| {
            c.bootstrap("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", Some("%2F"))
        }),
        req(g, "empty ticket", &[403], |c| c.bootstrap("", Some("%2F"))),
        req(g, "no ticket parameter", &[403], |c| {
            c.get(&format!("{BOOTSTRAP}?next=%2F"))
        }),
        case(g, "reused ticket", &[403], |c| {
            let t = c.mint()?;
            let first = c.send(&c.bootstrap(&t, Some("%2F")))?;
            if first.status != 302 {
                return Err(format!("first use of a fresh ticket: {}", first.status));
            }
            c.send(&c.bootstrap(&t, Some("%2F")))
        }),
        case(
            g,
            "ticket spent on an unsafe next, then reused",
            &[403],
            |c| {
                let t = c.mint()?;
                let first = c.send(&c.bootstrap(&t, Some("%2F%2Fevil.test")))?;
                if first.status != 403 {
                    return Err(format!("unsafe next: {}", first.status));
                }
                c.send(&c.bootstrap(&t, Some("%2F")))
            },
        ),
        case(g, "ticket with junk appended", &[403], |c| {
            let t = c.mint()?;
            c.send(&c.bootstrap(&format!("{t}x"), Some("%2F")))
        }),
        case(g, "ticket truncated", &[403], |c| {
            let t = c.mint()?;
            c.send(&c.bootstrap(&t[..t.len() - 1], Some("%2F")))
        }),
        case(g, "ticket on another path, no token", &[403], |c| {
            let t = c.mint()?;
            c.send(&c.get(&format!("/ponies/?ticket={}", crate::http::form_encode(&t))))
        }),
        case(g, "ticket with a rebinding Host", &[400], |c| {
            let t = c.mint()?;
            c.send(&c.bootstrap(&t, Some("%2F")).host("evil.test"))
        }),
        case(g, "bootstrap by POST", &[403, 405], |c| {
            let t = c.mint()?;
            c.send(&c.bootstrap(&t, Some("%2F")).method("POST"))
        }),
        req(
            g,
            "mint with the cookie instead of the header",
            &[403],
            |c| {
                c.post(TICKET)
                    .header("Cookie", format!("{COOKIE}={}", c.token))
            },
        ),
        req(g, "mint without a token", &[403], |c| c.post(TICKET)),
        req(g, "mint with a wrong token", &[403], |c| {
            c.post(TICKET).header(HEADER, "f".repeat(64))
        }),
        req(g, "mint with the token in the query", &[403], |c| {
            c.post(&format!("{TICKET}?token={}", c.token))
        }),
        req(g, "mint by GET", &[405], |c| c.authed("GET", TICKET)),
        case(g, "positive control: fresh ticket", &[302], |c| {
            let t = c.mint()?;
            let r = c.send(&c.bootstrap(&t, Some("%2F")))?;
            check_session_cookie(&r, &c.token)?;
            Ok(r)
        }),
    ]
}

/// The bootstrap cookie's attributes (C-AUTH-5): `HttpOnly; SameSite=Strict; Path=/`, no
/// `Secure`, and its value is the session token.
pub fn check_session_cookie(r: &RawResponse, token: &str) -> Result<(), String> {
    let cookies = r.headers("set-cookie");
    let c = cookies
        .iter()
        .find(|c| c.starts_with(&format!("{COOKIE}=")))
        .ok_or_else(|| format!("no {COOKIE} cookie in {cookies:?}"))?;
    let attrs: Vec<String> = c
        .split(';')
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    let value = c
        .split(';')
        .next()
        .unwrap_or("")
        .trim_start_matches(&format!("{COOKIE}="));
    let value = value.trim_matches('"');
    let mut problems = Vec::new();
    if value != token {
        problems.push("its value is not the session token".to_string());
    }
    for want in ["httponly", "samesite=strict", "path=/"] {
        if !attrs.iter().any(|a| a == want) {
            problems.push(format!("no {want}"));
        }
    }
    if attrs.iter().any(|a| a == "secure") {
        problems.push("Secure on a plain-http origin".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("session cookie {c:?}: {}", problems.join(", ")))
    }
}

/// POSTs without a valid CSRF token (C-AUTH-7): 403 even with the session token.
fn csrf() -> Vec<Case> {
    let g = "C-AUTH-7 CSRF";
    // The demo's own endpoints: a requirement of the backend (clauses::REQUIREMENTS).
    let d = "C-AUTH-7 CSRF (demo forms)";
    let form = "application/x-www-form-urlencoded";
    vec![
        req(d, "create without CSRF", &[403], move |c| {
            c.authed("POST", "/ponies/new/")
                .header("Content-Type", form)
                .body("name=Intruder&status=grazing")
        }),
        req(
            g,
            "POST without CSRF (the demo: clear the stable)",
            &[403],
            |c| c.authed("POST", &c.csrf_target),
        ),
        req(d, "delete without CSRF", &[403], |c| {
            c.authed("POST", &format!("/ponies/{}/delete/", c.pony_id))
        }),
        req(d, "edit without CSRF", &[403], move |c| {
            c.authed("POST", &format!("/ponies/{}/edit/", c.pony_id))
                .header("Content-Type", form)
                .body("name=Renamed&status=grazing")
        }),
        req(d, "start a routine without CSRF", &[403], move |c| {
            c.authed("POST", "/routines/start/")
                .header("Content-Type", form)
                .body("kind=groom")
        }),
        req(g, "CSRF cookie without the form token", &[403], move |c| {
            c.authed("POST", &c.csrf_target)
                .header("Cookie", format!("csrftoken={}", c.csrf_cookie))
        }),
        req(g, "form token without the CSRF cookie", &[403], move |c| {
            c.authed("POST", &c.csrf_target)
                .header("Content-Type", form)
                .body(format!("csrfmiddlewaretoken={}", c.csrf_form))
        }),
        req(g, "mismatched cookie and form token", &[403], move |c| {
            c.authed("POST", &c.csrf_target)
                .header("Cookie", format!("csrftoken={}", "A".repeat(32)))
                .header("Content-Type", form)
                .body(format!("csrfmiddlewaretoken={}", c.csrf_form))
        }),
        req(g, "wrong X-CSRFToken header", &[403], |c| {
            c.authed("POST", &c.csrf_target)
                .header("Cookie", format!("csrftoken={}", c.csrf_cookie))
                .header("X-CSRFToken", "B".repeat(64))
        }),
        req(
            g,
            "session cookie instead of header, no CSRF",
            &[403],
            |c| {
                c.post(&c.csrf_target)
                    .header("Cookie", format!("{COOKIE}={}", c.token))
            },
        ),
        req(
            g,
            "cross-origin Origin with a valid CSRF pair",
            &[403],
            |c| {
                c.form(&c.csrf_target, "x=1")
                    .header("Origin", "http://evil.test")
            },
        ),
        req(g, "PUT without CSRF", &[403], |c| {
            c.authed("PUT", &c.app_page)
        }),
        req(d, "DELETE without CSRF", &[403], |c| {
            c.authed("DELETE", &format!("/ponies/{}/delete/", c.pony_id))
        }),
    ]
}

/// Bad values, unknown ids, wrong methods and oversize input on every CRUD endpoint
/// (`ponies/urls.py`, `routines/urls.py`), with a valid token and CSRF pair: 400, 404 or 405.
fn crud() -> Vec<Case> {
    let g = "CRUD input";
    let big = 99_999_999_999_999_999_999u128;
    vec![
        req(g, "create: unknown status", &[400], |c| {
            c.form("/ponies/new/", "name=Spark&status=flying")
        }),
        req(g, "create: empty name", &[400], |c| {
            c.form("/ponies/new/", "name=&status=grazing")
        }),
        req(g, "create: blank name", &[400], |c| {
            c.form("/ponies/new/", "name=%20%20%20&status=grazing")
        }),
        req(g, "create: name of 61 chars", &[400], |c| {
            c.form(
                "/ponies/new/",
                &format!("name={}&status=grazing", "n".repeat(61)),
            )
        }),
        req(g, "create: name of 100 KB", &[400], |c| {
            c.form(
                "/ponies/new/",
                &format!("name={}&status=grazing", "n".repeat(100 * 1024)),
            )
        }),
        req(g, "create: notes of 501 chars", &[400], |c| {
            c.form(
                "/ponies/new/",
                &format!("name=Spark&status=grazing&personality={}", "p".repeat(501)),
            )
        }),
        req(g, "create: body over 256 KB", &[400], |c| {
            c.form(
                "/ponies/new/",
                &format!("name=Spark&status=grazing&junk={}", "j".repeat(300 * 1024)),
            )
        }),
        req(g, "create: 250 form fields", &[400], |c| {
            let fields: Vec<String> = (0..250).map(|i| format!("f{i}=1")).collect();
            c.form("/ponies/new/", &fields.join("&"))
        }),
        req(g, "create: status as a list", &[400], |c| {
            c.form("/ponies/new/", "name=Spark&status=grazing&status=flying")
        }),
        req(g, "create: upper-case status", &[400], |c| {
            c.form("/ponies/new/", "name=Spark&status=GRAZING")
        }),
        req(g, "create: NUL in status", &[400], |c| {
            c.form("/ponies/new/", "name=Spark&status=grazing%00")
        }),
        req(g, "create: malformed urlencoding", &[400], |c| {
            c.form("/ponies/new/", "%%%&&=&status")
        }),
        req(g, "create: JSON body", &[400], |c| {
            c.authed("POST", "/ponies/new/")
                .header("Cookie", format!("csrftoken={}", c.csrf_cookie))
                .header("X-CSRFToken", c.csrf_form.as_str())
                .header("Content-Type", "application/json")
                .body(r#"{"name": "Spark", "status": "grazing"}"#)
        }),
        req(g, "create: multipart without boundary", &[400], |c| {
            c.authed("POST", "/ponies/new/")
                .header("Cookie", format!("csrftoken={}", c.csrf_cookie))
                .header("X-CSRFToken", c.csrf_form.as_str())
                .header("Content-Type", "multipart/form-data")
                .body("--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nSpark\r\n--x--\r\n")
        }),
        req(g, "create: PUT (with a CSRF header)", &[405], |c| {
            c.form("/ponies/new/", "name=Spark&status=grazing")
                .method("PUT")
                .header("X-CSRFToken", c.csrf_form.as_str())
        }),
        req(g, "edit: empty status", &[400], |c| {
            c.form(
                &format!("/ponies/{}/edit/", c.pony_id),
                "name=Spark&status=",
            )
        }),
        req(g, "edit: unknown status", &[400], |c| {
            c.form(
                &format!("/ponies/{}/edit/", c.pony_id),
                "name=Spark&status=asleep",
            )
        }),
        req(g, "edit: name of 61 chars", &[400], |c| {
            c.form(
                &format!("/ponies/{}/edit/", c.pony_id),
                &format!("name={}&status=grazing", "n".repeat(61)),
            )
        }),
        req(g, "edit: unknown id (GET)", &[404], |c| {
            c.authed("GET", "/ponies/999999/edit/")
        }),
        req(g, "edit: unknown id (POST)", &[404], |c| {
            c.form("/ponies/999999/edit/", "name=Spark&status=grazing")
        }),
        req(g, "edit: id 0", &[404], |c| {
            c.authed("GET", "/ponies/0/edit/")
        }),
        req(g, "edit: negative id", &[404], |c| {
            c.authed("GET", "/ponies/-1/edit/")
        }),
        req(g, "edit: non-numeric id", &[404], |c| {
            c.authed("GET", "/ponies/abc/edit/")
        }),
        req(g, "edit: id beyond 64 bits (GET)", &[404], move |c| {
            c.authed("GET", &format!("/ponies/{big}/edit/"))
        }),
        req(g, "edit: id beyond 64 bits (POST)", &[404], move |c| {
            c.form(&format!("/ponies/{big}/edit/"), "name=Spark&status=grazing")
        }),
        req(g, "delete: unknown id", &[404], |c| {
            c.form("/ponies/999999/delete/", "x=1")
        }),
        req(g, "delete: id beyond 64 bits", &[404], move |c| {
            c.form(&format!("/ponies/{big}/delete/"), "x=1")
        }),
        req(g, "delete: GET", &[405], |c| {
            c.authed("GET", &format!("/ponies/{}/delete/", c.pony_id))
        }),
        req(g, "clear: GET", &[405], |c| {
            c.authed("GET", "/ponies/clear/")
        }),
        req(g, "list: POST", &[405], |c| c.form("/ponies/", "x=1")),
        req(g, "routine: unknown kind", &[400], |c| {
            c.form("/routines/start/", "kind=polish")
        }),
        req(g, "routine: no kind", &[400], |c| {
            c.form("/routines/start/", "x=1")
        }),
        req(g, "routine: kind of 100 KB", &[400], |c| {
            c.form(
                "/routines/start/",
                &format!("kind={}", "k".repeat(100 * 1024)),
            )
        }),
        req(g, "routine: start by GET", &[405], |c| {
            c.authed("GET", "/routines/start/")
        }),
        req(g, "routine: status by POST", &[405], |c| {
            c.form("/routines/status/", "x=1")
        }),
        req(g, "routine: list by POST", &[405], |c| {
            c.form("/routines/", "x=1")
        }),
        req(
            g,
            "invalid percent-encoding in a pony path",
            &[400, 404],
            |c| c.authed("GET", "/ponies/%ff/"),
        ),
    ]
}

/// Paths every project has or lacks, with the token: what Django and `desktop_django` answer
/// for any project, so they run on wrapped projects too.
fn paths() -> Vec<Case> {
    let g = "Any path";
    vec![
        req(g, "health by POST", &[403, 405], |c| {
            c.form("/health/", "x=1")
        }),
        req(g, "unknown path", &[404], |c| {
            c.authed("GET", "/no-such-page/")
        }),
        req(
            g,
            "invalid percent-encoding in the path",
            &[400, 404],
            |c| c.authed("GET", "/no-such-page/%ff/"),
        ),
        req(g, "NUL in the path", &[400, 404], |c| {
            c.authed("GET", "/no-such-page/%00/")
        }),
        req(g, "path traversal", &[400, 404], |c| {
            c.authed("GET", "/static/..%2f..%2fsettings.py")
        }),
        req(g, "path of 100 KB", &[400, 404, 414, 431], |c| {
            c.authed("GET", &format!("/{}/", "p".repeat(100 * 1024)))
        }),
    ]
}

/// Malformed HTTP: the server answers 400, it does not hang or crash.
fn protocol() -> Vec<Case> {
    let g = "HTTP framing";
    let raw = |name: &str, bytes: &'static [u8]| {
        case(g, name.to_string(), &[400], move |c| {
            crate::raw::send_bytes(c.port, bytes, CASE_TIMEOUT)
        })
    };
    vec![
        raw("garbage request line", b"GARBAGE\r\n\r\n"),
        raw(
            "header line without a colon",
            b"GET /health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nNoColonHere\r\nConnection: close\r\n\r\n",
        ),
        req(g, "bad chunked body", &[400], |c| {
            c.authed("POST", "/ponies/new/")
                .header("Transfer-Encoding", "chunked")
                .body("zz\r\nhello\r\n0\r\n\r\n")
        }),
        req(g, "non-numeric Content-Length", &[400], |c| {
            c.authed("POST", "/ponies/new/")
                .header("Content-Length", "abc")
                .body("x")
        }),
        req(g, "negative Content-Length", &[400], |c| {
            c.authed("POST", "/ponies/new/")
                .header("Content-Length", "-5")
                .body("x")
        }),
    ]
}

/// Every case, in groups.
pub fn cases() -> Vec<Case> {
    let mut all = tokens();
    all.extend(hosts());
    all.extend(nexts());
    all.extend(tickets());
    all.extend(csrf());
    all.extend(crud());
    all.extend(paths());
    all.extend(protocol());
    all
}

/// Whether the cases of `group` run on the backend under test: a group that needs the demo's
/// endpoints ([`crate::clauses::REQUIREMENTS`]) runs only on the demo.
pub fn applies(group: &str) -> bool {
    crate::clauses::corpus_requirement(group).is_none_or(|r| r.met_by(crate::backend::under_test()))
}

/// Runs one case and judges it.
pub fn run_case(ctx: &Ctx, c: &Case) -> CaseResult {
    let mut result = CaseResult {
        group: c.group,
        name: c.name.clone(),
        expect: c.expect.clone(),
        got: None,
        problem: String::new(),
    };
    match (c.run)(ctx) {
        Err(e) => result.problem = e,
        Ok(r) => {
            result.got = Some(r.status);
            let attack = c.expect.iter().all(|s| *s >= 400);
            let mut problems = Vec::new();
            if r.status >= 500 {
                problems.push(format!("server error {}", r.status));
            } else if !c.expect.contains(&r.status) {
                problems.push(format!("got {}, documented {:?}", r.status, c.expect));
            }
            if r.body_text().contains(&ctx.token) {
                problems.push("the response body contains the session token".into());
            }
            if attack
                && r.headers("set-cookie")
                    .iter()
                    .any(|v| v.starts_with(&format!("{COOKIE}=")))
            {
                problems.push("an attack was answered with a session cookie".into());
            }
            result.problem = problems.join("; ");
        }
    }
    result
}

/// The results as a table, for messages.
pub fn table(results: &[CaseResult]) -> String {
    results
        .iter()
        .map(|r| {
            format!(
                "  {} {:<16} {:<48} expect {:?} got {}{}",
                if r.ok() { "ok  " } else { "FAIL" },
                r.group,
                r.name,
                r.expect,
                r.got.map_or("-".to_string(), |s| s.to_string()),
                if r.ok() {
                    String::new()
                } else {
                    format!(": {}", r.problem)
                }
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_is_big_enough_and_named_uniquely() {
        let all = cases();
        assert!(all.len() >= 60, "{} cases", all.len());
        let mut names: Vec<String> = all
            .iter()
            .map(|c| format!("{} {}", c.group, c.name))
            .collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(n, names.len(), "duplicate case names");
        for c in &all {
            assert!(
                !c.expect.is_empty() && c.expect.iter().all(|s| *s < 500),
                "{}",
                c.name
            );
        }
        for g in [
            "C-AUTH-2 token",
            "C-AUTH-6 Host",
            "C-AUTH-5 next",
            "C-AUTH-5 ticket",
            "C-AUTH-7 CSRF",
            "CRUD input",
            "Any path",
        ] {
            assert!(all.iter().any(|c| c.group == g), "{g}");
        }
    }

    #[test]
    fn session_cookie_attributes() {
        let t = "a".repeat(64);
        let ok = crate::raw::parse(format!("HTTP/1.1 302 Found\r\nSet-Cookie: {COOKIE}={t}; HttpOnly; Path=/; SameSite=Strict\r\n\r\n").as_bytes()).unwrap();
        check_session_cookie(&ok, &t).unwrap();
        let bad = crate::raw::parse(
            format!("HTTP/1.1 302 Found\r\nSet-Cookie: {COOKIE}={t}; Path=/; Secure\r\n\r\n")
                .as_bytes(),
        )
        .unwrap();
        let e = check_session_cookie(&bad, &t).unwrap_err();
        assert!(e.contains("httponly") && e.contains("Secure"), "{e}");
    }
}
