//! The events file (C-SHELL-3).
//!
//! When `DESKTOP_DJANGO_EVENTS=<file>` is set, the shell appends one JSON
//! object per line: `{"event": "<name>", "t_ms": <ms since shell start>, …fields}`.
//! Events: `splash_shown`, `backend_spawned {pid, role}`,
//! `backend_listening {port}`, `backend_ready {port, elapsed_ms}`,
//! `window_loaded {url}`, `shutdown_started`, `shutdown_complete {elapsed_ms}`,
//! `startup_failed {message, log_path}`, `backend_crashed {message, log_path}`
//! (the web server died after readiness, C-PROC-6) and `worker_down {log_path}`
//! (the worker was given up on, C-PROC-6). A connected updater (C-PKG-3)
//! adds `update_current {version}`, `update_available {version}`,
//! `update_refused {reason, code}`, `update_declined {version}`,
//! `update_installing {version}` and `update_failed {message}`. The WebKitGTK
//! shells add `webview_load {phase, url}` (`contract::webkitgtk`). Without the
//! variable, emitting is a no-op.
//!
//! Call [`mark_start`] first thing in `main` so `t_ms` counts from process start.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use serde_json::{Map, Value};

/// The variable naming the events file.
pub const EVENTS_ENV: &str = "DESKTOP_DJANGO_EVENTS";

static START: OnceLock<Instant> = OnceLock::new();
static SINK: OnceLock<Mutex<Option<File>>> = OnceLock::new();

/// Starts the shell clock (idempotent). Call it first thing in `main`.
pub fn mark_start() {
    START.get_or_init(Instant::now);
}

/// Milliseconds since [`mark_start`] (or since the first call here).
pub fn t_ms() -> u64 {
    START.get_or_init(Instant::now).elapsed().as_millis() as u64
}

/// Formats one events line (without the newline). `fields` must be a JSON
/// object (or null); `event` and `t_ms` come first.
pub fn format_line(event: &str, t_ms: u64, fields: &Value) -> String {
    let mut map = Map::new();
    map.insert("event".into(), Value::from(event));
    map.insert("t_ms".into(), Value::from(t_ms));
    let mut line = Value::Object(map).to_string();
    if let Some(extra) = fields.as_object().filter(|m| !m.is_empty()) {
        line.pop(); // the closing brace
        for (key, value) in extra {
            line.push(',');
            line.push_str(&Value::from(key.as_str()).to_string());
            line.push(':');
            line.push_str(&value.to_string());
        }
        line.push('}');
    }
    line
}

/// `splash_shown`: the shell's splash is on screen (C-READY-2). A shell may
/// show it before its session exists, so this needs none.
pub fn splash_shown() {
    emit("splash_shown", serde_json::json!({}));
}

/// Appends one event to the events file, if `DESKTOP_DJANGO_EVENTS` is set.
/// Errors writing the file are ignored: events must never break the shell.
pub fn emit(event: &str, fields: Value) {
    let sink = SINK.get_or_init(|| {
        let file = std::env::var_os(EVENTS_ENV)
            .filter(|p| !p.is_empty())
            .and_then(|p| OpenOptions::new().create(true).append(true).open(p).ok());
        Mutex::new(file)
    });
    let mut guard = sink.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(file) = guard.as_mut() {
        let mut line = format_line(event, t_ms(), &fields);
        line.push('\n');
        let _ = file.write_all(line.as_bytes());
        let _ = file.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn line_format() {
        assert_eq!(
            format_line("splash_shown", 41, &json!({})),
            r#"{"event":"splash_shown","t_ms":41}"#
        );
        let line = format_line("backend_spawned", 45, &json!({"pid": 12, "role": "web"}));
        assert!(line.starts_with(r#"{"event":"backend_spawned","t_ms":45,"#));
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            v,
            json!({"event": "backend_spawned", "t_ms": 45, "pid": 12, "role": "web"})
        );
    }
}
