//! The events file (C-SHELL-3).
//!
//! When `DESKTOP_DJANGO_EVENTS=<file>` is set, the shell appends one JSON
//! object per line: `{"event": "<name>", …fields, "t_ms": <ms since shell
//! start>}`. [`Event`] is every event there is, with its fields: the one
//! definition the shells write through ([`emit`]) and readers parse
//! ([`parse_line`]). Without the variable, emitting is a no-op.
//!
//! Call [`mark_start`] first thing in `main` so `t_ms` counts from process start.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use serde::{Deserialize, Serialize};

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

/// Defines [`Event`] as written, and from the same variant list its fieldless [`EventKind`],
/// `Event::kind` and `EventKind::ALL`, so no event name is written twice.
macro_rules! events {
    (
        $(#[$meta:meta])*
        pub enum Event {
            $(
                $(#[$vmeta:meta])*
                $variant:ident $({
                    $($(#[$fmeta:meta])* $field:ident: $ty:ty),* $(,)?
                })?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        pub enum Event {
            $(
                $(#[$vmeta])*
                $variant $({ $($(#[$fmeta])* $field: $ty),* })?
            ),*
        }

        /// What kind of [`Event`] one is, without its fields: what waits and filters name.
        /// Serializes to the event's wire name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum EventKind {
            $($variant),*
        }

        impl EventKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant),*];
        }

        impl Event {
            /// This event's kind.
            pub fn kind(&self) -> EventKind {
                match self {
                    $(Event::$variant { .. } => EventKind::$variant),*
                }
            }
        }
    };
}

events! {
    /// Every event of the events file, by its wire name (`snake_case` of the
    /// variant). Times in ms, paths as the OS spells them.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(tag = "event", rename_all = "snake_case")]
    pub enum Event {
        /// The splash is on screen (C-READY-2).
        SplashShown,
        /// A backend role's process started: `role` is `web` or `worker`.
        BackendSpawned {
            pid: u32,
            role: String,
        },
        /// The handshake line arrived (C-PORT-2).
        BackendListening {
            port: u16,
        },
        /// `/health/` proved readiness (C-READY-1); `elapsed_ms` since the web spawn.
        BackendReady {
            port: u16,
            elapsed_ms: u64,
        },
        /// The first app page finished loading; `url` without query or fragment.
        WindowLoaded {
            url: String,
        },
        /// A WebKitGTK load phase (`started`, `redirected`, `committed`,
        /// `finished`) of `url` without its query (`crate::webkitgtk`).
        WebviewLoad {
            phase: String,
            url: String,
        },
        /// A second launch on this app-data dir asked this instance to bring
        /// its window forward, and the shell was told to (C-PROC-7).
        SecondLaunch,
        ShutdownStarted,
        ShutdownComplete {
            elapsed_ms: u64,
        },
        /// The backend did not start (C-READY-3).
        StartupFailed {
            message: String,
            log_path: String,
        },
        /// The web server died after readiness (C-PROC-6).
        BackendCrashed {
            message: String,
            log_path: String,
        },
        /// The worker was given up on (C-PROC-6).
        WorkerDown {
            log_path: String,
        },
        /// A connected updater's outcomes (C-PKG-3).
        UpdateCurrent {
            version: String,
        },
        UpdateAvailable {
            version: String,
        },
        /// `code` is the `desktop-django verify` exit code of the refusal.
        UpdateRefused {
            reason: String,
            code: i32,
        },
        UpdateDeclined {
            version: String,
        },
        UpdateInstalling {
            version: String,
        },
        UpdateFailed {
            message: String,
        },
    }
}

impl Event {
    /// The wire name, e.g. `backend_ready`.
    pub fn name(&self) -> String {
        self.kind().name()
    }
}

impl EventKind {
    /// The wire name, e.g. `backend_ready`: the same `snake_case` of the same variant name
    /// that [`Event`] is written with.
    pub fn name(self) -> String {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(name)) => name,
            _ => String::new(),
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// One line of the file as written: the event and its time.
#[derive(Serialize)]
struct LineOut<'a> {
    #[serde(flatten)]
    event: &'a Event,
    t_ms: u64,
}

/// One line of the file as read: the event and its `t_ms`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Line {
    #[serde(flatten)]
    pub event: Event,
    pub t_ms: u64,
}

/// Formats one events line (without the newline).
pub fn format_line(event: &Event, t_ms: u64) -> String {
    serde_json::to_string(&LineOut { event, t_ms }).unwrap_or_default()
}

/// Parses one events line. Errors: not JSON, an unknown event name, a
/// missing or mistyped field.
pub fn parse_line(line: &str) -> Result<Line, serde_json::Error> {
    serde_json::from_str(line)
}

/// `splash_shown`: the shell's splash is on screen (C-READY-2). A shell may
/// show it before its session exists, so this needs none.
pub fn splash_shown() {
    emit(Event::SplashShown);
}

/// Appends one event to the events file, if `DESKTOP_DJANGO_EVENTS` is set.
/// Errors writing the file are ignored: events must never break the shell.
pub fn emit(event: Event) {
    let sink = SINK.get_or_init(|| {
        let file = std::env::var_os(EVENTS_ENV)
            .filter(|p| !p.is_empty())
            .and_then(|p| OpenOptions::new().create(true).append(true).open(p).ok());
        Mutex::new(file)
    });
    let mut guard = sink.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(file) = guard.as_mut() {
        let mut line = format_line(&event, t_ms());
        line.push('\n');
        let _ = file.write_all(line.as_bytes());
        let _ = file.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn a_line_carries_the_name_the_fields_and_the_time() {
        let line = format_line(
            &Event::BackendSpawned {
                pid: 12,
                role: "web".into(),
            },
            45,
        );
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            v,
            json!({"event": "backend_spawned", "t_ms": 45, "pid": 12, "role": "web"})
        );
        assert!(line.starts_with(r#"{"event":"backend_spawned","#), "{line}");
        assert_eq!(
            format_line(&Event::SplashShown, 41),
            r#"{"event":"splash_shown","t_ms":41}"#
        );
    }

    #[test]
    fn lines_read_back_as_the_events_written_and_unknown_ones_are_errors() {
        let ready = Event::BackendReady {
            port: 43817,
            elapsed_ms: 300,
        };
        let back = parse_line(&format_line(&ready, 7)).unwrap();
        assert_eq!(
            back,
            Line {
                event: ready,
                t_ms: 7
            }
        );
        assert_eq!(back.event.name(), "backend_ready");
        assert_eq!(back.event.kind(), EventKind::BackendReady);
        assert!(parse_line(r#"{"event":"made_up","t_ms":1}"#).is_err());
        assert!(
            parse_line(r#"{"event":"window_loaded","t_ms":1}"#).is_err(),
            "no url"
        );
    }

    #[test]
    fn kinds_name_their_events_as_the_wire_does() {
        let names: Vec<String> = EventKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names.len(), 18);
        assert_eq!(names[0], "splash_shown");
        assert!(names.contains(&"window_loaded".to_string()));
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        let down = Event::WorkerDown {
            log_path: "x".into(),
        };
        assert_eq!(down.kind(), EventKind::WorkerDown);
        assert_eq!(
            format_line(&down, 1),
            r#"{"event":"worker_down","log_path":"x","t_ms":1}"#
        );
        assert_eq!(EventKind::WorkerDown.to_string(), "worker_down");
    }
}
