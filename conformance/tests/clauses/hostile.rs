//! HOSTILE: the hostile-input corpus against one running backend per shell.

use std::time::{Duration, Instant};

use conformance::corpus::{self, Ctx};
use conformance::{check, Auth, Launch, LaunchOptions};

use crate::helpers::{pony_count, table_counts, token_of};

/// The hostile-input corpus (`conformance::corpus`, over 100 cases) against one running backend
/// per shell: tokens, Host, bootstrap `next`, tickets, CSRF, bad values and unknown ids on every
/// CRUD endpoint, oversize fields and bodies, malformed HTTP. Each case gets its documented
/// status, never a 5xx, never a bypass, never a hang. Then the state is intact (same roster,
/// healthy, no 5xx in the access log) and a ticket minted before the corpus is refused once it
/// is 30 s old (expired). On a backend that is not the demo, the groups that need the demo's
/// endpoints are left out (`clauses::REQUIREMENTS`, counted as n/a in the summary line), and
/// "the same state" is every table's row count instead of the pony roster.
#[test]
fn hostile_inputs_corpus() {
    check("HOSTILE", |shell| {
        let mut l = Launch::start(shell, LaunchOptions::default());
        let backend = l.ready();
        let port = l.port();
        let token = token_of(&l);
        let ctx = Ctx::new(port, &token).unwrap_or_else(|e| panic!("{e}"));
        let expiring = ctx.mint().unwrap_or_else(|e| panic!("{e}"));
        let minted = Instant::now();
        let demo = conformance::backend::under_test().is_demo;
        let state = || {
            if demo {
                format!("{} ponies", pony_count(&backend, &token))
            } else {
                format!("{:?}", table_counts(&l.app_data))
            }
        };
        let before = state();
        let (cases, left_out): (Vec<_>, Vec<_>) = corpus::cases()
            .into_iter()
            .partition(|c| corpus::applies(c.group));
        let mut results: Vec<corpus::CaseResult> =
            cases.iter().map(|c| corpus::run_case(&ctx, c)).collect();
        assert_eq!(state(), before, "the corpus changed the app's data");
        let health = backend.get("/health/", Auth::Header(&token)).unwrap();
        assert_eq!(
            health.status, 200,
            "the backend is unhealthy after the corpus"
        );
        let errors: Vec<String> = l
            .access_log()
            .iter()
            .filter(|a| a.status >= 500)
            .map(|a| format!("{} {} {}", a.status, a.method, a.path))
            .collect();
        // The expired ticket: wait (without holding a launch slot) until it is over 30 s old.
        let age = Duration::from_millis(30_500);
        l.idle(|| std::thread::sleep(age.saturating_sub(minted.elapsed())));
        let expired = ctx
            .send(&ctx.bootstrap(&expiring, Some("%2F")))
            .map(|r| r.status);
        results.push(corpus::CaseResult {
            group: "C-AUTH-5 ticket",
            name: "expired ticket (30.5 s old)".into(),
            expect: vec![403],
            got: expired.as_ref().ok().copied(),
            problem: match expired {
                Ok(403) => String::new(),
                Ok(s) => format!("got {s}"),
                Err(e) => e,
            },
        });
        let failed = results.iter().filter(|r| !r.ok()).count();
        conformance::raw_stderr(&format!(
            "conformance: HOSTILE {}: {} of {} cases passed, {} n/a (need the demo)\n",
            shell.spec.name,
            results.len() - failed,
            results.len(),
            left_out.len()
        ));
        assert!(
            failed == 0 && errors.is_empty(),
            "{failed} of {} hostile cases failed; 5xx in access.log: {errors:?}\n{}",
            results.len(),
            corpus::table(&results)
        );
    });
}

crate::checks! {
    "HOSTILE" => hostile_inputs_corpus,
}
