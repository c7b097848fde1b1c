//! C-AUTH: the session token (never leaked, enforced, fail-closed, only to the exact origin), its
//! transport to the webview (the ticket bootstrap), the Host check and CSRF.

use std::time::Duration;

use conformance::corpus;
use conformance::fakes::{FakePython, FakeSpec};
use conformance::launch::TOKEN_ENV;
use conformance::{
    check, check_scenario, demo, AccessLine, Auth, Event, EventKind, Launch, LaunchOptions, Shell,
    Transport, READY_TIMEOUT,
};

use crate::helpers::{
    app_pages, app_static_path, assert_startup_failure, corpus_group, log_files, pony_count, query,
    quit_clean, running, table_counts, token_of, under_test,
};
use crate::probe::ProbeRun;

/// C-AUTH-1: the token is 64 lowercase hex chars, new for every launch, and only ever in the
/// backend's `DESKTOP_DJANGO_AUTH_TOKEN`: not on any process's command line, not in any other
/// variable, not in any log file under `<app-data>/logs` (even after requests that put it in a
/// query string), not in the events file or any URL it reports, not in the shell's output, and
/// not in the pages or scripts the app serves.
#[test]
fn c_auth_1_token_never_leaks() {
    check("C-AUTH-1", |shell| {
        let mut tokens = Vec::new();
        for launch in 1..=2 {
            let mut l = running(shell);
            let backend = l.ready();
            let token = token_of(&l);
            assert!(
                token.len() == 64
                    && token
                        .bytes()
                        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
                "launch {launch}: the token is not 64 lowercase hex chars ({} chars)",
                token.len()
            );
            // Requests that carry the token in a query string: the access log must scrub it.
            let pages = app_pages(&backend, &token);
            for path in [
                format!("{}?token={token}", pages[0]),
                format!("/health/?q={token}&ticket=abc"),
            ] {
                let _ = backend.get(&path, Auth::Header(&token)).unwrap();
            }
            // Pages and the scripts they load.
            let mut bodies = Vec::new();
            for path in pages.iter().map(String::as_str).chain(["/splash/"]) {
                let r = backend.get(path, Auth::Cookie(&token)).unwrap();
                for s in demo::static_paths(&r.body) {
                    bodies.push((
                        s.clone(),
                        backend.get(&s, Auth::Cookie(&token)).unwrap().body,
                    ));
                }
                bodies.push((path.to_string(), r.body));
            }
            for (path, body) in &bodies {
                assert!(
                    !body.contains(&token),
                    "launch {launch}: {path} contains the token"
                );
            }
            for p in l.processes() {
                assert!(
                    !p.cmdline().contains(&token),
                    "launch {launch}: the token is on the command line of pid {}: {}",
                    p.pid,
                    p.cmd.first().cloned().unwrap_or_default()
                );
                for (k, v) in &p.environ {
                    assert!(
                        k == TOKEN_ENV || !v.contains(&token),
                        "launch {launch}: pid {} carries the token in {k}",
                        p.pid
                    );
                }
            }
            l.wait_access_log(
                Duration::from_secs(10),
                "the query-string requests",
                |lines| lines.iter().filter(|a| a.is_conformance()).count() >= 2,
            );
            quit_clean(&mut l, "after the token checks");
            for (path, text) in log_files(&l.app_data) {
                assert!(
                    !text.contains(&token),
                    "launch {launch}: {} contains the token",
                    path.display()
                );
            }
            let events = std::fs::read_to_string(&l.events_path).unwrap_or_default();
            assert!(
                !events.contains(&token),
                "launch {launch}: the events file has the token"
            );
            for e in l.events() {
                // Every string field, whatever the event: a new one with a URL is covered too.
                let fields = match serde_json::to_value(&e.event) {
                    Ok(serde_json::Value::Object(map)) => map,
                    _ => Default::default(),
                };
                for (k, v) in &fields {
                    if let Some(s) = v.as_str().filter(|s| s.contains("://")) {
                        assert!(
                            !s.contains('?') && !s.contains("ticket"),
                            "launch {launch}: {} {k} reports a URL with a query: {s}",
                            e.event.kind()
                        );
                    }
                }
            }
            for (what, text) in [("stdout", l.stdout_text()), ("stderr", l.stderr_text())] {
                assert!(
                    !text.contains(&token),
                    "launch {launch}: the shell's {what} has the token"
                );
            }
            tokens.push(token);
        }
        assert_ne!(tokens[0], tokens[1], "two launches got the same token");
    });
}

/// C-AUTH-2: without the token every path is 403 (`/`, `/health/`, `/static/…`, `/splash/`);
/// with the token in the header, or in the cookie, they are served. Malformed tokens
/// (non-ASCII, 1 MB, empty, repeated, upper-case, in a query string…) are 403, never 500: the
/// corpus's token group, on the same backend.
#[test]
fn c_auth_2_token_enforced() {
    check("C-AUTH-2", |shell| {
        let mut l = Launch::start(shell, LaunchOptions::default());
        let backend = l.ready();
        let token = l.token();
        let pages = app_pages(&backend, &token);
        // The demo's pony list always references its stylesheet; another project's pages may
        // load nothing from /static/.
        let static_path = app_static_path(&backend, &token);
        if under_test().is_demo {
            assert!(
                static_path.is_some(),
                "{} references no /static/ file",
                demo::PONIES
            );
        }
        let wrong = "0".repeat(64);
        let mut served = vec!["/health/", "/splash/"];
        served.extend(static_path.as_deref());
        served.push(pages[0].as_str());
        for path in ["/"].iter().chain(&served) {
            for (how, auth) in [
                ("no token", Auth::None),
                ("a wrong token in the header", Auth::Header(&wrong)),
                ("a wrong token in the cookie", Auth::Cookie(&wrong)),
            ] {
                let r = backend.get(path, auth).unwrap();
                assert_eq!(r.status, 403, "GET {path} with {how}: {}", r.status);
            }
        }
        for (how, auth) in [
            ("the header", Auth::Header(&token)),
            ("the cookie", Auth::Cookie(&token)),
        ] {
            for path in &served {
                let r = backend.get(path, auth).unwrap();
                assert_eq!(r.status, 200, "GET {path} with the token in {how}");
            }
            // `/` is the app's home: served, even if only as a redirect into the app.
            let r = backend.get("/", auth).unwrap();
            assert!(
                (200..400).contains(&r.status),
                "GET / with the token in {how}: {}",
                r.status
            );
        }
        let port = l.port();
        corpus_group(&l, port, &token, "C-AUTH-2 token");
    });
}

/// C-AUTH-3: fail closed. In packaged mode (the packaged settings of `desktop.toml`, set by a
/// stand-in interpreter that also removes or shortens the token before running the real
/// backend), `desktop_serve` refuses to start with a clear error naming the variable: nothing
/// ever listens, and the shell reports a startup failure.
#[test]
fn c_auth_3_missing_token_fails_closed() {
    check_scenario("C-AUTH-3", "missing", |shell| fail_closed(shell, None));
}

#[test]
fn c_auth_3_short_token_fails_closed() {
    check_scenario("C-AUTH-3", "short", |shell| {
        fail_closed(shell, Some("0123456789abcdef"))
    });
}

fn fail_closed(shell: &Shell, token: Option<&str>) {
    let id = under_test();
    let spec = FakeSpec::default()
        .export("DJANGO_SETTINGS_MODULE", &id.settings_packaged)
        .export("DESKTOP_DJANGO_MODE", "packaged");
    let spec = match token {
        Some(t) => spec.export(TOKEN_ENV, t),
        None => spec.unset(TOKEN_ENV),
    };
    let fake = FakePython::new(&spec);
    let mut l = Launch::start(shell, LaunchOptions::default().python(&fake.path));
    assert_startup_failure(&mut l, "a backend without a valid token", &[TOKEN_ENV]);
    assert!(
        !l.events()
            .iter()
            .any(|e| e.event.kind() == EventKind::BackendListening),
        "the backend listened without a valid token"
    );
}

/// C-AUTH-4: the token goes only to the exact origin `http://127.0.0.1:<port>`. The probe page
/// fetches another port of 127.0.0.1 and `localhost:<port>` with credentials, loads an image
/// from the other port, and tries to navigate and `window.open` there. Whatever the shell does
/// with those requests (block them, or send them without the token), the suite's listener on
/// that port never sees the token (header or cookie), and any request that reached the backend
/// through `localhost` came without it (403).
#[test]
fn c_auth_4_token_only_to_the_exact_origin() {
    check("C-AUTH-4", |shell| {
        let probe = ProbeRun::start(shell);
        for s in probe.listener.seen() {
            assert!(
                !s.contains(&probe.token),
                "the session token was sent to another origin ({}): {}",
                probe.listener.origin(),
                s.request_line()
            );
        }
        for a in probe.l.access_log() {
            if a.route() == "/probe/fetch-localhost/" {
                assert_eq!(
                    a.status, 403,
                    "a request through http://localhost:{} was authenticated (status {}): the token went to another origin",
                    probe.port, a.status
                );
            }
        }
    });
}

/// C-AUTH-5: the webview's token transport. From outside: the supervisor minted a ticket
/// (`POST /desktop-auth/ticket/`), the webview's first request was the bootstrap URL (ticket
/// scrubbed in the log) answered 302, its next requests were served, and the URL the shell
/// reports carries no ticket. A shell on the header transport (C-AUTH-4, Electron) never
/// bootstraps: then its requests must be served without one, and none may carry a ticket or the
/// token in its URL. Either way, on the same backend, the corpus's `next` and ticket groups:
/// unsafe `next`, used, unknown, forged and cookie-minted tickets are 403, and a fresh ticket's
/// cookie is `HttpOnly; SameSite=Strict; Path=/` without `Secure`. (An expired ticket, which
/// needs 30 s, is in the HOSTILE corpus.)
#[test]
fn c_auth_5_ticket_bootstrap() {
    check("C-AUTH-5", |shell| {
        let mut l = Launch::start(shell, LaunchOptions::default());
        let port = l.port();
        let loaded = l.wait_event(EventKind::WindowLoaded, READY_TIMEOUT);
        let Event::WindowLoaded { url } = loaded.event else {
            unreachable!("wait_event returns its kind")
        };
        assert!(
            url.starts_with(&format!("http://127.0.0.1:{port}/")) && !url.contains('?'),
            "window_loaded url {url:?}"
        );
        let log = l.wait_access_log(
            Duration::from_secs(15),
            "the webview's page requests",
            |lines| {
                lines
                    .iter()
                    .filter(|a| !a.is_supervisor() && !a.is_conformance())
                    .any(|a| a.status == 200)
            },
        );
        let token = token_of(&l);
        let table = conformance::launch::format_access(&log);
        let webview: Vec<(usize, &AccessLine)> = log
            .iter()
            .enumerate()
            .filter(|(_, a)| !a.is_supervisor() && !a.is_conformance())
            .collect();
        for (_, a) in &webview {
            assert!(
                !a.path.contains(&token),
                "a webview URL carries the token:\n{table}"
            );
        }
        let bootstrapped = webview
            .iter()
            .any(|(_, a)| a.route() == "/desktop-auth/bootstrap/");
        // The descriptor says which transport the shell uses; a shell that drifted to the
        // other one fails here instead of being checked against the branch it picked.
        let ticket_transport = shell.spec.transport == Transport::Ticket;
        assert_eq!(
            bootstrapped, ticket_transport,
            "the descriptor declares transport {:?}, but the webview {} the ticket bootstrap:\n{table}",
            shell.spec.transport,
            if bootstrapped { "went through" } else { "never went through" }
        );
        if ticket_transport {
            let mint = log
                .iter()
                .position(|a| {
                    a.method == "POST" && a.route() == "/desktop-auth/ticket/" && a.status == 200
                })
                .unwrap_or_else(|| panic!("no ticket was minted:\n{table}"));
            assert!(
                log[mint].is_supervisor(),
                "the ticket was not minted by the supervisor:\n{table}"
            );
            let (first_i, first) = webview[0];
            assert_eq!(
                first.route(),
                "/desktop-auth/bootstrap/",
                "the webview's first request is not the bootstrap:\n{table}"
            );
            assert!(
                first_i > mint,
                "bootstrap before the ticket was minted:\n{table}"
            );
            assert_eq!(first.status, 302, "bootstrap status:\n{table}");
            let q = query(&first.path);
            assert!(
                q.contains_key("ticket"),
                "the bootstrap has no ticket:\n{table}"
            );
            assert_eq!(
                q.get("next"),
                Some(&under_test().start_path),
                "next is the project's start_path (default /):\n{table}"
            );
            let bootstraps = webview
                .iter()
                .filter(|(_, a)| a.route() == "/desktop-auth/bootstrap/")
                .count();
            let mints = log
                .iter()
                .filter(|a| a.route() == "/desktop-auth/ticket/")
                .count();
            assert!(
                bootstraps <= mints,
                "more bootstraps than tickets minted:\n{table}"
            );
        } else {
            assert!(
                webview
                    .iter()
                    .all(|(_, a)| !query(&a.path).contains_key("ticket")),
                "a webview URL carries a ticket without a bootstrap:\n{table}"
            );
        }
        for (_, a) in webview.iter().skip(usize::from(ticket_transport)) {
            assert!(
                a.status < 400,
                "webview request {} {} got {}:\n{table}",
                a.method,
                a.path,
                a.status
            );
        }
        corpus_group(&l, port, &token, "C-AUTH-5 next");
        corpus_group(&l, port, &token, "C-AUTH-5 ticket");
    });
}

/// C-AUTH-6: Host must be `127.0.0.1:<port>` or `localhost:<port>`, else 400: the corpus's Host
/// group (rebinding names, `127.0.0.1.evil.test`, wrong port, IPv6 literal, trailing dot, none,
/// two…), with a valid token.
#[test]
fn c_auth_6_host_with_wrong_port_is_400() {
    check("C-AUTH-6", |shell| {
        let mut l = Launch::start(shell, LaunchOptions::default());
        l.ready();
        let port = l.port();
        let token = token_of(&l);
        corpus_group(&l, port, &token, "C-AUTH-6 Host");
    });
}

/// C-AUTH-7: CSRF stays on. Every POST without a valid CSRF pair is 403 even with the session
/// token (the corpus's CSRF groups), nothing changed, and the same POST with the pair works. On
/// the demo: its pony roster is unchanged, then "clear the stable" with a pair empties it. On
/// another project the POSTs go to a page of its with a CSRF form (its login page, say): no
/// table of its database changed, and the form with a pair is not refused (Django answers the
/// form, not 403).
#[test]
fn c_auth_7_post_without_csrf_is_403() {
    check("C-AUTH-7", |shell| {
        let mut l = Launch::start(shell, LaunchOptions::default());
        let backend = l.ready();
        let port = l.port();
        let token = token_of(&l);
        let groups = ["C-AUTH-7 CSRF", "C-AUTH-7 CSRF (demo forms)"];
        if under_test().is_demo {
            let before = pony_count(&backend, &token);
            assert!(before > 0, "the seeded roster is missing");
            for group in groups {
                corpus_group(&l, port, &token, group);
            }
            assert_eq!(
                pony_count(&backend, &token),
                before,
                "a POST without CSRF changed the stable"
            );
            demo::clear_stable(&backend, &token)
                .unwrap_or_else(|e| panic!("with a CSRF pair: {e}"));
            assert_eq!(
                pony_count(&backend, &token),
                0,
                "clearing with a CSRF pair did nothing"
            );
        } else {
            let before = table_counts(&l.app_data);
            for group in groups.into_iter().filter(|g| corpus::applies(g)) {
                corpus_group(&l, port, &token, group);
            }
            assert_eq!(
                table_counts(&l.app_data),
                before,
                "a POST without CSRF changed the database"
            );
            let ctx = corpus::Ctx::new(port, &token).unwrap_or_else(|e| panic!("{e}"));
            let r = ctx
                .send(&ctx.form(&ctx.csrf_target, "conformance=1"))
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(
                r.status < 400 && r.status != 403,
                "POST {} with a CSRF pair: {}",
                ctx.csrf_target,
                r.status
            );
        }
    });
}

crate::checks! {
    "C-AUTH-1" => c_auth_1_token_never_leaks,
    "C-AUTH-2" => c_auth_2_token_enforced,
    "C-AUTH-3" => c_auth_3_missing_token_fails_closed,
    "C-AUTH-3" => c_auth_3_short_token_fails_closed,
    "C-AUTH-4" => c_auth_4_token_only_to_the_exact_origin,
    "C-AUTH-5" => c_auth_5_ticket_bootstrap,
    "C-AUTH-6" => c_auth_6_host_with_wrong_port_is_400,
    "C-AUTH-7" => c_auth_7_post_without_csrf_is_403,
}
