//! C-AUTH-1 to C-AUTH-3: the session token is never leaked, is enforced on every path, and its
//! absence or a short one stops the backend from starting (fail closed).

use std::time::Duration;

use conformance::fakes::{FakePython, FakeSpec};
use conformance::launch::TOKEN_ENV;
use conformance::{check, check_scenario, demo, Auth, EventKind, Launch, LaunchOptions, Shell};

use crate::helpers::{
    app_pages, app_static_path, assert_startup_failure, corpus_group, log_files, quit_clean,
    running, token_of, under_test,
};

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

crate::checks! {
    "C-AUTH-1" => c_auth_1_token_never_leaks,
    "C-AUTH-2" => c_auth_2_token_enforced,
    "C-AUTH-3" => c_auth_3_missing_token_fails_closed,
    "C-AUTH-3" => c_auth_3_short_token_fails_closed,
}
