//! The shell's events file (C-SHELL-3): one JSON object per line, each with `event` and `t_ms`.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

/// One line of the events file.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The event's name, e.g. `backend_listening`.
    pub name: String,
    /// Milliseconds since the shell started.
    pub t_ms: u64,
    /// Every field of the line, `event` and `t_ms` included.
    pub fields: Map<String, Value>,
}

impl Event {
    /// A field as `u64` (e.g. `port`, `pid`, `elapsed_ms`).
    pub fn u64(&self, key: &str) -> Option<u64> {
        self.fields.get(key).and_then(Value::as_u64)
    }

    /// A field as a string (e.g. `role`, `url`).
    pub fn str(&self, key: &str) -> Option<&str> {
        self.fields.get(key).and_then(Value::as_str)
    }
}

/// Parses the events file's text. Only complete lines (ending in `\n`) count, so a line the shell
/// is still writing is never read half-way; blank lines are skipped. A complete line that is not a
/// JSON object with a string `event` and an integer `t_ms` is an error: the file is a contract.
pub fn parse(text: &str) -> Result<Vec<Event>, String> {
    let complete = match text.rfind('\n') {
        Some(i) => &text[..=i],
        None => "",
    };
    let mut events = Vec::new();
    for (n, line) in complete.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let fields: Map<String, Value> = serde_json::from_str(line)
            .map_err(|e| format!("events line {}: not a JSON object ({e}): {line}", n + 1))?;
        let name = fields
            .get("event")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("events line {}: no string `event`: {line}", n + 1))?
            .to_string();
        let t_ms = fields
            .get("t_ms")
            .and_then(Value::as_u64)
            .ok_or_else(|| format!("events line {}: no integer `t_ms`: {line}", n + 1))?;
        events.push(Event { name, t_ms, fields });
    }
    Ok(events)
}

/// Reads and parses the events file; a missing file is no events yet.
pub fn read(path: &Path) -> Result<Vec<Event>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Polls `path` until `pred` holds for the events so far, or `timeout` passes. `give_up` is asked
/// on every poll (e.g. "has the shell exited?") and ends the wait early with its message.
pub fn wait_until<T>(
    path: &Path,
    timeout: Duration,
    mut pred: impl FnMut(&[Event]) -> Option<T>,
    mut give_up: impl FnMut() -> Option<String>,
) -> Result<T, String> {
    let deadline = Instant::now() + timeout;
    loop {
        let events = read(path)?;
        if let Some(t) = pred(&events) {
            return Ok(t);
        }
        if let Some(why) = give_up() {
            // One last look: the shell may have written the event just before exiting.
            if let Some(t) = pred(&read(path)?) {
                return Ok(t);
            }
            return Err(format!("{why}; events so far: {}", summary(&events)));
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "timed out after {} ms; events so far: {}",
                timeout.as_millis(),
                summary(&events)
            ));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// `name@t_ms` for each event, for failure messages.
pub fn summary(events: &[Event]) -> String {
    if events.is_empty() {
        return "(none)".into();
    }
    events
        .iter()
        .map(|e| format!("{}@{}", e.name, e.t_ms))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_lines() {
        let text = r#"{"event": "splash_shown", "t_ms": 41}
{"event": "backend_spawned", "t_ms": 45, "pid": 12345, "role": "web"}

{"event": "backend_listening", "t_ms": 610, "port": 43817}
{"event": "window_loaded", "t_ms": 900, "url": "http://127.0.0.1:43817/"}
"#;
        let ev = parse(text).unwrap();
        assert_eq!(ev.len(), 4);
        assert_eq!(ev[0].name, "splash_shown");
        assert_eq!(ev[1].u64("pid"), Some(12345));
        assert_eq!(ev[1].str("role"), Some("web"));
        assert_eq!(ev[2].u64("port"), Some(43817));
        assert_eq!(ev[2].t_ms, 610);
        assert_eq!(ev[3].str("url"), Some("http://127.0.0.1:43817/"));
        assert_eq!(ev[3].u64("nope"), None);
    }

    #[test]
    fn ignores_a_partial_last_line() {
        let ev = parse("{\"event\": \"a\", \"t_ms\": 1}\n{\"event\": \"b\", \"t_").unwrap();
        assert_eq!(ev.len(), 1);
        assert!(parse("{\"event\": \"a\", \"t_ms\": 1}").unwrap().is_empty());
        assert!(parse("").unwrap().is_empty());
    }

    #[test]
    fn rejects_malformed_complete_lines() {
        assert!(parse("not json\n").is_err());
        assert!(parse("{\"t_ms\": 1}\n").is_err());
        assert!(parse("{\"event\": \"a\"}\n").is_err());
        assert!(parse("{\"event\": \"a\", \"t_ms\": -1}\n").is_err());
        assert!(parse("[1]\n").is_err());
    }

    #[test]
    fn wait_until_sees_appended_lines_and_gives_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let writer = {
            let path = path.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(100));
                std::fs::write(&path, "{\"event\": \"x\", \"t_ms\": 5, \"port\": 7}\n").unwrap();
            })
        };
        let port = wait_until(
            &path,
            Duration::from_secs(10),
            |ev| {
                ev.iter()
                    .find(|e| e.name == "x")
                    .and_then(|e| e.u64("port"))
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
        assert!(err.contains("shell exited") && err.contains("x@5"), "{err}");
        let err =
            wait_until(&path, Duration::from_millis(50), |_| None::<()>, || None).unwrap_err();
        assert!(err.contains("timed out"), "{err}");
    }
}
