//! C-AUTH-4 and C-AUTH-5: how the token reaches the webview: only to the exact origin (the
//! header transport), or through the one-time ticket bootstrap (the descriptor declares which).

use std::time::Duration;

use conformance::{
    check, AccessLine, Event, EventKind, Launch, LaunchOptions, Transport, READY_TIMEOUT,
};

use crate::helpers::{corpus_group, query, token_of, under_test};
use crate::probe::ProbeRun;

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

crate::checks! {
    "C-AUTH-4" => c_auth_4_token_only_to_the_exact_origin,
    "C-AUTH-5" => c_auth_5_ticket_bootstrap,
}
