//! C-AUTH-6 and C-AUTH-7: what every request must pass besides the token: the Host check and
//! CSRF.

use conformance::corpus;
use conformance::{check, demo, Launch, LaunchOptions};

use crate::helpers::{corpus_group, pony_count, table_counts, token_of, under_test};

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
    "C-AUTH-6" => c_auth_6_host_with_wrong_port_is_400,
    "C-AUTH-7" => c_auth_7_post_without_csrf_is_403,
}
