use std::time::Duration;

use contract::events::Event;

use super::*;

/// Written as the shells write it, in plain JSON text: a rename in the enum that breaks the
/// event names of `docs/contract.md` (C-SHELL-3) fails here.
const DOCUMENTED: &str = r#"{"event": "splash_shown", "t_ms": 41}
{"event": "backend_spawned", "t_ms": 45, "pid": 12345, "role": "web"}

{"event": "backend_listening", "t_ms": 610, "port": 43817}
{"event": "backend_ready", "t_ms": 700, "port": 43817, "elapsed_ms": 655}
{"event": "window_loaded", "t_ms": 900, "url": "http://127.0.0.1:43817/"}
{"event": "shutdown_started", "t_ms": 5000}
{"event": "shutdown_complete", "t_ms": 5400, "elapsed_ms": 400}
"#;

#[test]
fn parses_the_documented_lines() {
    let lines = parse_lines(DOCUMENTED).unwrap();
    let kinds: Vec<EventKind> = lines.iter().map(|l| l.event.kind()).collect();
    assert_eq!(
        kinds,
        [
            EventKind::SplashShown,
            EventKind::BackendSpawned,
            EventKind::BackendListening,
            EventKind::BackendReady,
            EventKind::WindowLoaded,
            EventKind::ShutdownStarted,
            EventKind::ShutdownComplete,
        ]
    );
    assert_eq!(
        lines[1].event,
        Event::BackendSpawned {
            pid: 12345,
            role: "web".into()
        }
    );
    assert_eq!(lines[2].t_ms, 610);
    assert_eq!(
        lines[4].event,
        Event::WindowLoaded {
            url: "http://127.0.0.1:43817/".into()
        }
    );
    assert_eq!(describe(&lines[..2]), "splash_shown@41, backend_spawned@45");
    assert_eq!(describe(&[]), "(none)");
}

#[test]
fn ignores_a_partial_last_line() {
    let lines =
        parse_lines("{\"event\": \"splash_shown\", \"t_ms\": 1}\n{\"event\": \"shutdown_").unwrap();
    assert_eq!(lines.len(), 1);
    assert!(parse_lines("{\"event\": \"splash_shown\", \"t_ms\": 1}")
        .unwrap()
        .is_empty());
    assert!(parse_lines("").unwrap().is_empty());
}

#[test]
fn rejects_unknown_and_malformed_complete_lines() {
    let err = parse_lines("{\"event\": \"splash_shown\", \"t_ms\": 1}\n{\"event\": \"window_load\", \"t_ms\": 2, \"url\": \"/\"}\n")
        .unwrap_err();
    assert!(
        err.contains("events line 2") && err.contains("window_load"),
        "{err}"
    );
    assert!(parse_lines("not json\n").is_err());
    assert!(parse_lines("{\"t_ms\": 1}\n").is_err());
    assert!(parse_lines("{\"event\": \"splash_shown\"}\n").is_err());
    assert!(parse_lines("{\"event\": \"splash_shown\", \"t_ms\": -1}\n").is_err());
    assert!(
        parse_lines("{\"event\": \"window_loaded\", \"t_ms\": 1}\n").is_err(),
        "no url"
    );
    assert!(parse_lines("[1]\n").is_err());
}

#[test]
fn wait_until_sees_appended_lines_and_gives_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let writer = {
        let path = path.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            std::fs::write(
                &path,
                "{\"event\": \"backend_listening\", \"t_ms\": 5, \"port\": 7}\n",
            )
            .unwrap();
        })
    };
    let port = wait_until(
        &path,
        Duration::from_secs(10),
        |lines| {
            lines.iter().find_map(|l| match l.event {
                Event::BackendListening { port } => Some(port),
                _ => None,
            })
        },
        || None,
    )
    .unwrap();
    assert_eq!(port, 7);
    writer.join().unwrap();
    let err = wait_until(
        &path,
        Duration::from_secs(10),
        |_| None::<()>,
        || Some("shell exited".into()),
    )
    .unwrap_err();
    assert!(
        err.contains("shell exited") && err.contains("backend_listening@5"),
        "{err}"
    );
    let err = wait_until(&path, Duration::from_millis(50), |_| None::<()>, || None).unwrap_err();
    assert!(err.contains("timed out"), "{err}");
}
