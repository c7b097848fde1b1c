//! The shell's events file (C-SHELL-3): one JSON object per line, each with `event` and `t_ms`,
//! read as [`Line`]s: the shells' own [`contract::events::Event`] (the wire format is the
//! contract) and its time. Tests name events by [`EventKind`], never by string.
//!
//! A line the enum does not know (a misspelled or undocumented event, a missing or mistyped
//! field) is an error naming the line, so a shell that writes one fails the test that reads it.

#[cfg(test)]
mod tests;

use std::path::Path;
use std::time::{Duration, Instant};

pub use contract::events::{EventKind, Line};

/// Parses the events file's text. Only complete lines (ending in `\n`) count, so a line the shell
/// is still writing is never read half-way; blank lines are skipped.
///
/// Errors: a complete line that is not one of [`contract::events::Event`] with an integer
/// `t_ms`, as `events line <n>: <why>: <line>`.
pub fn parse_lines(text: &str) -> Result<Vec<Line>, String> {
    let complete = match text.rfind('\n') {
        Some(i) => &text[..=i],
        None => "",
    };
    let mut lines = Vec::new();
    for (n, line) in complete.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parsed = contract::events::parse_line(line)
            .map_err(|e| format!("events line {}: {e}: {line}", n + 1))?;
        lines.push(parsed);
    }
    Ok(lines)
}

/// Reads and parses the events file ([`parse_lines`]); a missing file is no events yet.
pub fn lines(path: &Path) -> Result<Vec<Line>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_lines(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Polls `path` until `pred` holds for the lines so far, or `timeout` passes. `give_up` is asked
/// on every poll (e.g. "has the shell exited?") and ends the wait early with its message.
/// Errors carry the events seen so far ([`describe`]); an unparsable line ends the wait at once.
pub fn wait_until<T>(
    path: &Path,
    timeout: Duration,
    mut pred: impl FnMut(&[Line]) -> Option<T>,
    mut give_up: impl FnMut() -> Option<String>,
) -> Result<T, String> {
    let deadline = Instant::now() + timeout;
    loop {
        let seen = lines(path)?;
        if let Some(t) = pred(&seen) {
            return Ok(t);
        }
        if let Some(why) = give_up() {
            // One last look: the shell may have written the event just before exiting.
            if let Some(t) = pred(&lines(path)?) {
                return Ok(t);
            }
            return Err(format!("{why}; events so far: {}", describe(&seen)));
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "timed out after {} ms; events so far: {}",
                timeout.as_millis(),
                describe(&seen)
            ));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// `name@t_ms` for each line, for failure messages; `(none)` for none.
pub fn describe(lines: &[Line]) -> String {
    if lines.is_empty() {
        return "(none)".into();
    }
    lines
        .iter()
        .map(|l| format!("{}@{}", l.event.kind(), l.t_ms))
        .collect::<Vec<_>>()
        .join(", ")
}
