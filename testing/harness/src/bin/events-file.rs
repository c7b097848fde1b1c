//! `events-file`: the events file (C-SHELL-3) for shell scripts, read through the one
//! definition of every event (`contract::events::Event`) instead of grepping JSON, so a
//! misspelt event name is an error (exit 2) rather than a wait that never ends.
//!
//! ```text
//! events-file find <FILE> <EVENT> [--after N] [--where KEY=VALUE] [--field KEY]
//! events-file wait <FILE> <EVENT> [--after N] [--where KEY=VALUE] [--field KEY] [--timeout-s S]
//! ```
//!
//! Both print the 1-based position of the first `<EVENT>` after position `N` (default 0) whose
//! field `KEY` equals `VALUE`, or with `--field` that event's field (`t_ms` included). Exit 0:
//! found; 1: not there (`find`) or not within `S` s (`wait`, default 90); 2: a bad argument, an
//! unknown event name, or a line that is not an event.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use harness::events::{self, EventKind, Line};

#[derive(Parser)]
#[command(about = "Find or wait for an event in a shell's events file (DESKTOP_DJANGO_EVENTS)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Look once: exit 1 when the event is not in the file.
    Find(Query),
    /// Poll until the event is in the file: exit 1 after --timeout-s.
    Wait {
        #[command(flatten)]
        query: Query,
        /// How long to wait, in seconds.
        #[arg(long, default_value_t = 90)]
        timeout_s: u64,
    },
}

#[derive(clap::Args)]
struct Query {
    /// The events file.
    file: PathBuf,
    /// The event's wire name, e.g. `window_loaded`.
    #[arg(value_parser = parse_kind)]
    event: EventKind,
    /// Only events after this 1-based position (one that an earlier call printed).
    #[arg(long, default_value_t = 0)]
    after: usize,
    /// Only events whose field KEY has the value VALUE, e.g. `role=worker`.
    #[arg(long = "where", value_parser = parse_pair)]
    filter: Option<(String, String)>,
    /// Print this field of the event (e.g. `t_ms`, `reason`) instead of its position.
    #[arg(long)]
    field: Option<String>,
}

fn parse_kind(name: &str) -> Result<EventKind, String> {
    EventKind::ALL
        .iter()
        .copied()
        .find(|k| k.name() == name)
        .ok_or_else(|| {
            let all: Vec<String> = EventKind::ALL.iter().map(|k| k.name()).collect();
            format!("unknown event (events: {})", all.join(", "))
        })
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| "expected KEY=VALUE".into())
}

/// A field of `line` as text: strings bare, anything else as JSON.
fn field(line: &Line, key: &str) -> Option<String> {
    if key == "t_ms" {
        return Some(line.t_ms.to_string());
    }
    match serde_json::to_value(&line.event).ok()?.get(key)? {
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

impl Query {
    /// The first match's output (position or field), or `None`.
    fn first(&self, lines: &[Line]) -> Option<String> {
        let (n, line) = lines.iter().enumerate().skip(self.after).find(|(_, l)| {
            l.event.kind() == self.event
                && self
                    .filter
                    .as_ref()
                    .is_none_or(|(k, v)| field(l, k).as_deref() == Some(v))
        })?;
        match &self.field {
            Some(key) => Some(field(line, key).unwrap_or_default()),
            None => Some((n + 1).to_string()),
        }
    }
}

fn main() -> ExitCode {
    let (query, timeout) = match Cli::parse().command {
        Command::Find(query) => (query, None),
        Command::Wait { query, timeout_s } => (query, Some(Duration::from_secs(timeout_s))),
    };
    let found = match timeout {
        None => events::lines(&query.file).map(|lines| query.first(&lines)),
        Some(timeout) => {
            match events::wait_until(&query.file, timeout, |l| query.first(l), || None) {
                Ok(found) => Ok(Some(found)),
                // Either the file holds a line that is not an event (exit 2), or time ran out.
                Err(why) => match events::lines(&query.file) {
                    Err(bad) => Err(bad),
                    Ok(_) => {
                        let file = query.file.display();
                        eprintln!("events-file: no {} in {file}: {why}", query.event);
                        return ExitCode::from(1);
                    }
                },
            }
        }
    };
    match found {
        Ok(Some(out)) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Ok(None) => ExitCode::from(1),
        Err(why) => {
            eprintln!("events-file: {}: {why}", query.file.display());
            ExitCode::from(2)
        }
    }
}
