//! C-DATA-6: the logs under `<app-data>/logs/`, scrubbed of the token, rotated.

use std::time::Duration;

use conformance::{check_scenario, Auth, LaunchOptions};

use crate::helpers::{app_pages, log_files, query, quit_clean, running, running_with, token_of};

/// C-DATA-6: backend and shell logs are in `<app-data>/logs/`, and the access log scrubs the
/// token (and tickets) from query strings.
#[test]
fn c_data_6_logs_and_scrubbing() {
    check_scenario("C-DATA-6", "files-and-scrub", |shell| {
        let mut l = running(shell);
        let backend = l.ready();
        let token = token_of(&l);
        let page = app_pages(&backend, &token).remove(0);
        let _ = backend
            .get(
                &format!("{page}?token={token}&page=1"),
                Auth::Header(&token),
            )
            .unwrap();
        let _ = backend
            .get(&format!("/health/?anything={token}"), Auth::Header(&token))
            .unwrap();
        let log = l.wait_access_log(
            Duration::from_secs(10),
            "the two scrubbing requests",
            |lines| lines.iter().filter(|a| a.is_conformance()).count() >= 2,
        );
        for a in log.iter().filter(|a| a.is_conformance()) {
            assert!(
                !a.path.contains(&token),
                "access.log has the token: {}",
                a.path
            );
        }
        for a in log
            .iter()
            .filter(|a| a.route() == "/desktop-auth/bootstrap/")
        {
            let t = query(&a.path).get("ticket").cloned().unwrap_or_default();
            assert!(t.len() < 20, "access.log keeps the ticket: {}", a.path);
        }
        quit_clean(&mut l, "after the log checks");
        let names: Vec<String> = log_files(&l.app_data)
            .iter()
            .filter_map(|(p, _)| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        for want in ["shell.log", "backend.log", "access.log"] {
            assert!(names.iter().any(|n| n == want), "no logs/{want}: {names:?}");
        }
        for (p, text) in log_files(&l.app_data) {
            assert!(!text.contains(&token), "{} has the token", p.display());
        }
    });
}

/// C-DATA-6: logs rotate. With oversize logs from a previous run already in place, a launch
/// moves each aside (`shell.log.1`, `backend.log.1`, `access.log.1` keep the old text) and
/// starts small new ones.
#[test]
fn c_data_6_logs_rotate() {
    check_scenario("C-DATA-6", "rotation", |shell| {
        let data = tempfile::tempdir().unwrap();
        let app = data.path().join("app-data");
        let logs = app.join("logs");
        std::fs::create_dir_all(&logs).unwrap();
        let filler = |tag: &str, bytes: usize| -> String {
            let line = format!("{{\"ts\": 1, \"method\": \"GET\", \"path\": \"/{tag}\", \"status\": 200, \"ua\": \"filler\"}}\n");
            line.repeat(bytes / line.len() + 1)
        };
        let old = [
            ("shell.log", filler("old-shell", 1_200_000)),
            ("backend.log", filler("old-backend", 2_100_000)),
            ("access.log", filler("old-access", 2_100_000)),
        ];
        for (name, text) in &old {
            std::fs::write(logs.join(name), text).unwrap();
        }
        let mut l = running_with(shell, LaunchOptions::default().app_data(&app));
        let backend = l.ready();
        let token = token_of(&l);
        let _ = backend.get("/health/", Auth::Header(&token)).unwrap();
        quit_clean(&mut l, "after rotation");
        for (name, text) in &old {
            let rotated = logs.join(format!("{name}.1"));
            let got = std::fs::read_to_string(&rotated)
                .unwrap_or_else(|e| panic!("{name} was not rotated ({}: {e})", rotated.display()));
            assert!(
                got.starts_with(&text[..200]),
                "{} does not hold the old {name}",
                rotated.display()
            );
            let new = std::fs::metadata(logs.join(name))
                .map(|m| m.len())
                .unwrap_or(0);
            assert!(
                new > 0 && new < 1_000_000,
                "the new {name} is {new} bytes: not a fresh file"
            );
        }
    });
}

crate::checks! {
    "C-DATA-6" => c_data_6_logs_and_scrubbing,
    "C-DATA-6" => c_data_6_logs_rotate,
}
