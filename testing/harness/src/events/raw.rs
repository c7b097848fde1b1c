//! The events file as string-named lines with their JSON fields: the view `bench` reads
//! (`bench/src/shells.rs`). It is parsed through [`super::parse_lines`], so it accepts and
//! rejects exactly what the typed view does. New code reads [`super::Line`]s; this goes once
//! bench does.

use std::path::Path;

use serde_json::{Map, Value};

use super::Line;

/// One line of the events file, by name.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The event's wire name, e.g. `backend_listening`.
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

impl From<&Line> for Event {
    fn from(line: &Line) -> Event {
        let mut fields = match serde_json::to_value(&line.event) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        fields.insert("t_ms".into(), line.t_ms.into());
        Event {
            name: line.event.name(),
            t_ms: line.t_ms,
            fields,
        }
    }
}

/// [`super::parse_lines`], by name.
pub fn parse(text: &str) -> Result<Vec<Event>, String> {
    Ok(super::parse_lines(text)?.iter().map(Event::from).collect())
}

/// [`super::lines`], by name.
pub fn read(path: &Path) -> Result<Vec<Event>, String> {
    Ok(super::lines(path)?.iter().map(Event::from).collect())
}

/// `name@t_ms` for each event, for failure messages (see [`super::describe`]).
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
