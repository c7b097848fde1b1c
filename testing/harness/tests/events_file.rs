//! The `events-file` tool as the scripts call it: positions, filters, fields, and the exit
//! codes that tell "not there" (1) from "not an event" (2).

use std::path::Path;
use std::process::Command;

const EVENTS: &str = r#"{"event":"backend_spawned","pid":10,"role":"web","t_ms":5}
{"event":"backend_ready","port":43817,"elapsed_ms":600,"t_ms":640}
{"event":"backend_spawned","pid":11,"role":"worker","t_ms":642}
{"event":"window_loaded","url":"http://127.0.0.1:43817/","t_ms":900}
{"event":"update_refused","reason":"the release manifest expired","code":13,"t_ms":950}
"#;

fn run(file: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_events-file"))
        .arg(args[0])
        .arg(file)
        .args(&args[1..])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.code().unwrap_or(-1), text)
}

fn file_with(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

#[test]
fn finds_positions_filters_and_fields() {
    let (_dir, f) = file_with(EVENTS);
    assert_eq!(run(&f, &["find", "window_loaded"]), (0, "4".into()));
    assert_eq!(
        run(&f, &["find", "backend_spawned", "--after", "1"]),
        (0, "3".into())
    );
    let worker = [
        "find",
        "backend_spawned",
        "--where",
        "role=worker",
        "--field",
        "pid",
    ];
    assert_eq!(run(&f, &worker), (0, "11".into()));
    assert_eq!(
        run(&f, &["find", "backend_ready", "--field", "t_ms"]),
        (0, "640".into())
    );
    assert_eq!(
        run(&f, &["find", "update_refused", "--field", "code"]),
        (0, "13".into())
    );
    assert_eq!(
        run(&f, &["find", "update_refused", "--field", "reason"]),
        (0, "the release manifest expired".into())
    );
}

#[test]
fn absent_is_1_and_a_misspelt_event_is_2() {
    let (_dir, f) = file_with(EVENTS);
    assert_eq!(run(&f, &["find", "shutdown_complete"]).0, 1);
    assert_eq!(
        run(&f, &["find", "backend_spawned", "--where", "role=other"]).0,
        1
    );
    assert_eq!(
        run(&f, &["wait", "shutdown_complete", "--timeout-s", "0"]).0,
        1
    );
    assert_eq!(run(&f, &["find", "window_loadded"]).0, 2);
}

#[test]
fn a_line_that_is_no_event_is_2_and_a_half_written_line_is_not_read() {
    let (_dir, f) = file_with("{\"event\":\"window_loaded\",\"t_ms\":1}\n");
    assert_eq!(
        run(&f, &["find", "window_loaded"]).0,
        2,
        "window_loaded without its url"
    );
    let (_dir, f) = file_with(r#"{"event":"splash_shown","t_ms":3}"#);
    assert_eq!(
        run(&f, &["find", "splash_shown"]).0,
        1,
        "a line still being written"
    );
    let (_dir, f) = file_with("{\"event\":\"splash_shown\",\"t_ms\":3}\n");
    assert_eq!(run(&f, &["wait", "splash_shown"]), (0, "1".into()));
}
