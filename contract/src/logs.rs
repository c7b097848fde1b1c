//! `logs/shell.log`: the Rust side's log (C-DATA-6).
//!
//! Rotated at launch when larger than [`ROTATE_BYTES`], keeping 3 old files
//! (`shell.log.1` … `shell.log.3`). Child stderr lines are copied in,
//! prefixed by role. Registered secrets (the token) are scrubbed from every
//! line before it is written.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// Rotate `shell.log` at launch once it exceeds this many bytes (1 MiB).
pub const ROTATE_BYTES: u64 = 1024 * 1024;
/// Old files kept by rotation.
pub const KEEP: usize = 3;

/// A shared, thread-safe handle to `shell.log`. Cloning shares the file.
#[derive(Clone)]
pub struct ShellLog {
    path: PathBuf,
    inner: Arc<Mutex<Inner>>,
}

struct Inner {
    file: Option<File>,
    secrets: Vec<String>,
}

impl ShellLog {
    /// Opens `path` for appending, rotating it first when it is too big.
    /// If the file cannot be opened, lines go to stderr instead.
    pub fn open(path: &Path) -> ShellLog {
        rotate(path, ROTATE_BYTES, KEEP);
        ShellLog::append(path)
    }

    /// Opens `path` for appending, never rotating it: for a process that may find another
    /// instance writing to it (a rotation would move that instance's log from under it).
    pub fn append(path: &Path) -> ShellLog {
        let file = OpenOptions::new().create(true).append(true).open(path).ok();
        ShellLog {
            path: path.to_path_buf(),
            inner: Arc::new(Mutex::new(Inner {
                file,
                secrets: Vec::new(),
            })),
        }
    }

    /// The log file's path (shown on the startup error page).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Registers a secret to scrub (replaced by `<redacted>`) from every line.
    pub fn add_secret(&self, secret: &str) {
        if !secret.is_empty() {
            self.lock().secrets.push(secret.to_owned());
        }
    }

    /// Writes `[<unix seconds>] [<source>] <message>`.
    pub fn line(&self, source: &str, message: &str) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        let mut inner = self.lock();
        let mut text = format!("[{now:.3}] [{source}] {message}\n");
        for secret in &inner.secrets {
            text = text.replace(secret.as_str(), "<redacted>");
        }
        match inner.file.as_mut() {
            Some(file) => {
                let _ = file.write_all(text.as_bytes());
            }
            None => eprint!("{text}"),
        }
    }

    /// Copies `stream` into the log line by line, prefixed by `source`, on a
    /// background thread that ends at EOF.
    pub fn copy_lines<R: Read + Send + 'static>(&self, source: String, stream: R) {
        let log = self.clone();
        let _ = std::thread::Builder::new()
            .name(format!("log-{source}"))
            .spawn(move || {
                for line in BufReader::new(stream).lines() {
                    match line {
                        Ok(line) => log.line(&source, &line),
                        Err(_) => break,
                    }
                }
            });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Shifts `path` → `path.1` → … → `path.<keep>` when `path` exceeds `max_bytes`.
pub fn rotate(path: &Path, max_bytes: u64, keep: usize) {
    let big = std::fs::metadata(path).is_ok_and(|m| m.len() > max_bytes);
    if !big || keep == 0 {
        return;
    }
    let numbered = |n: usize| {
        let mut name = path.as_os_str().to_owned();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    };
    let _ = std::fs::remove_file(numbered(keep));
    for n in (1..keep).rev() {
        let _ = std::fs::rename(numbered(n), numbered(n + 1));
    }
    let _ = std::fs::rename(path, numbered(1));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_keeps_three() {
        let tmp = tempfile::tempdir().unwrap();
        let log = tmp.path().join("shell.log");
        for round in 0..5 {
            std::fs::write(&log, format!("round {round} ").repeat(10)).unwrap();
            rotate(&log, 10, 3);
        }
        assert!(!log.exists());
        let read =
            |n: u32| std::fs::read_to_string(tmp.path().join(format!("shell.log.{n}"))).unwrap();
        assert!(read(1).starts_with("round 4"));
        assert!(read(3).starts_with("round 2"));
        assert!(!tmp.path().join("shell.log.4").exists());
    }

    #[test]
    fn small_file_not_rotated_and_secrets_scrubbed() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("shell.log");
        let log = ShellLog::open(&path);
        log.add_secret("s3cr3t");
        log.line("web", "token=s3cr3t here");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("[web] token=<redacted> here"), "{text}");
        assert!(!text.contains("s3cr3t"));
        drop(log);
        rotate(&path, ROTATE_BYTES, KEEP);
        assert!(path.exists());
    }
}
