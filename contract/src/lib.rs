//! The Rust half of the Desktop Django runtime contract (`docs/contract.md`).
//!
//! Every shell (wry, Tauri, Electron + neon, headless) is a thin adapter over
//! this crate: it implements [`shell::Shell`] and drives a [`session::Session`].
//! All lifecycle rules (spawn, handshake, health gate, lifelines, tree kill,
//! events) live here and nowhere else.

pub mod descendants;
#[cfg(feature = "dialog")]
pub mod dialog;
pub mod events;
#[cfg(unix)]
pub mod guardian;
pub mod health;
pub mod instance;
pub mod launch;
pub mod logs;
pub mod manifest;
pub mod navigation;
pub mod pages;
pub mod paths;
pub mod port;
pub mod prepare;
pub mod process;
pub mod project;
pub mod release;
pub mod restart;
pub mod session;
pub mod shell;
mod signals;
pub mod supervisor;
pub mod ticket;
pub mod token;
pub mod update;
#[cfg(all(feature = "webkitgtk", target_os = "linux"))]
pub mod webkitgtk;

/// This crate's version; sent in the supervisor's `User-Agent`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
