//! The single-instance lock (C-PROC-7): `<app-data>/instance.lock`, held for
//! the life of the shell process. One app-data dir, one running shell.
//!
//! The holder also listens for a second launch: a loopback socket whose port
//! and a per-run nonce it writes to `<app-data>/instance.port` (`"<port>
//! <nonce>\n"`). A second launch that finds the lock taken connects, sends
//! `"focus <nonce>\n"` and exits; the holder answers `"ok\n"` and brings its
//! window forward ([`crate::shell::UiRequest::Focus`]). Only a process that
//! can read the app-data dir knows the nonce, and the one thing it can ask
//! for is a focus.
//!
//! Every shell built on `contract` uses it (Electron after Chromium's own
//! `requestSingleInstanceLock`, whose `second-instance` event reaches
//! [`crate::session::Session::second_launch`] too). It needs no D-Bus session
//! bus, no named mutex and no window messages, so it works the same on Linux,
//! macOS and Windows. The OS releases the lock when the process ends, however
//! it ends.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The lock file's name inside the app-data dir.
pub const LOCK_FILE: &str = "instance.lock";
/// Where the holder writes `"<port> <nonce>\n"` for a second launch.
pub const PORT_FILE: &str = "instance.port";
/// How long either side waits for the other (connect, request line, answer).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_millis(2000);
/// The longest request line read (`"focus "` + a 64-char nonce + newline, with room).
const MAX_LINE: u64 = 128;

/// A held instance lock; released on drop or process exit.
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
    beacon: Option<Beacon>,
}

/// The holder's side of the focus handshake, from [`InstanceLock::listen`].
#[derive(Debug)]
struct Beacon {
    listener: Option<TcpListener>,
    addr: SocketAddr,
    nonce: String,
    port_file: PathBuf,
    released: Arc<AtomicBool>,
}

/// Why a second launch could not ask the running instance to focus.
#[derive(Debug, thiserror::Error)]
pub enum FocusError {
    #[error("cannot read {}: {source}", path.display())]
    PortFile { path: PathBuf, source: io::Error },
    #[error("{} is not \"<port> <nonce>\"", path.display())]
    Malformed { path: PathBuf },
    #[error("the running instance did not answer on port {port}: {source}")]
    Unreachable { port: u16, source: io::Error },
    #[error("the running instance refused the request on port {port}")]
    Refused { port: u16 },
}

/// What a launch found in its app-data dir, from [`claim`].
#[derive(Debug)]
pub enum Claim {
    /// This process holds the lock. `unreachable` says why a later launch cannot reach it
    /// for a focus ([`InstanceLock::listen`] failed); the lock holds either way.
    Held {
        lock: InstanceLock,
        unreachable: Option<io::Error>,
    },
    /// Another shell holds it and was asked to bring its window forward; `focus` is how
    /// that went. This launch must start nothing.
    Elsewhere { focus: Result<(), FocusError> },
    /// No lock could be taken at all (an unsupported file system): run unlocked, which
    /// beats not running.
    Unavailable(io::Error),
}

/// Takes the lock in `app_data` (which must exist) and opens the socket a later launch
/// reaches, or, when another shell holds it, asks that shell to focus ([`ask_to_focus`]).
/// One atomic step: two launches at the same instant cannot both miss each other.
pub fn claim(app_data: &Path) -> Claim {
    match try_lock(app_data) {
        Ok(Some(mut lock)) => {
            let unreachable = lock.listen(app_data).err();
            Claim::Held { lock, unreachable }
        }
        Ok(None) => Claim::Elsewhere {
            focus: ask_to_focus(app_data),
        },
        Err(e) => Claim::Unavailable(e),
    }
}

/// Takes the lock in `app_data` (which must exist): `Ok(None)` when another
/// process holds it.
pub fn try_lock(app_data: &Path) -> io::Result<Option<InstanceLock>> {
    let path = app_data.join(LOCK_FILE);
    match open_locked(&path)? {
        Some(file) => Ok(Some(InstanceLock {
            _file: file,
            beacon: None,
        })),
        None => Ok(None),
    }
}

impl InstanceLock {
    /// Opens the loopback socket a second launch reaches and writes
    /// `<app_data>/instance.port` (through a temporary file and a rename, so a
    /// reader never sees half of it). Errors: no loopback socket, or the file
    /// cannot be written; the lock itself still holds.
    pub fn listen(&mut self, app_data: &Path) -> io::Result<()> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let nonce = crate::token::Token::generate().expose().to_owned();
        let port_file = app_data.join(PORT_FILE);
        let partial = app_data.join(format!("{PORT_FILE}.partial"));
        std::fs::write(&partial, format!("{} {nonce}\n", addr.port()))?;
        std::fs::rename(&partial, &port_file)?;
        self.beacon = Some(Beacon {
            listener: Some(listener),
            addr,
            nonce,
            port_file,
            released: Arc::new(AtomicBool::new(false)),
        });
        Ok(())
    }

    /// Answers second launches on a thread until the lock is dropped: each
    /// well-formed `"focus <nonce>"` calls `on_focus` and gets `"ok"`; anything
    /// else is closed unanswered. A no-op without [`InstanceLock::listen`], or
    /// when called twice.
    pub fn serve(&mut self, on_focus: impl Fn() + Send + 'static) {
        let Some(beacon) = self.beacon.as_mut() else {
            return;
        };
        let Some(listener) = beacon.listener.take() else {
            return;
        };
        let expected = format!("focus {}", beacon.nonce);
        let released = beacon.released.clone();
        let _ = std::thread::Builder::new()
            .name("contract-instance".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if released.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(mut stream) = stream else { continue };
                    if read_request(&stream).as_deref() == Some(expected.as_str()) {
                        on_focus();
                        let _ = stream.write_all(b"ok\n");
                    }
                }
            });
    }
}

impl Drop for InstanceLock {
    fn drop(&mut self) {
        let Some(beacon) = &self.beacon else { return };
        beacon.released.store(true, Ordering::SeqCst);
        // Wakes the serving thread's accept, so it sees the flag and closes the socket.
        let _ = TcpStream::connect_timeout(&beacon.addr, HANDSHAKE_TIMEOUT);
        // Only our own file: a later instance may already have written its own.
        if std::fs::read_to_string(&beacon.port_file)
            .is_ok_and(|s| s.split_whitespace().nth(1) == Some(beacon.nonce.as_str()))
        {
            let _ = std::fs::remove_file(&beacon.port_file);
        }
    }
}

fn read_request(stream: &TcpStream) -> Option<String> {
    stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT)).ok()?;
    let mut line = String::new();
    BufReader::new(stream.take(MAX_LINE))
        .read_line(&mut line)
        .ok()?;
    Some(line.trim_end().to_owned())
}

/// The second launch's side: asks the instance holding the lock in `app_data`
/// to bring its window forward, and waits for its `"ok"` (at most 2 s per step).
pub fn ask_to_focus(app_data: &Path) -> Result<(), FocusError> {
    let path = app_data.join(PORT_FILE);
    let text = std::fs::read_to_string(&path).map_err(|source| FocusError::PortFile {
        path: path.clone(),
        source,
    })?;
    let mut fields = text.split_whitespace();
    let (Some(port), Some(nonce), None) = (
        fields.next().and_then(|p| p.parse::<u16>().ok()),
        fields.next(),
        fields.next(),
    ) else {
        return Err(FocusError::Malformed { path });
    };
    let unreachable = |source| FocusError::Unreachable { port, source };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, HANDSHAKE_TIMEOUT).map_err(unreachable)?;
    stream
        .set_read_timeout(Some(HANDSHAKE_TIMEOUT))
        .map_err(unreachable)?;
    stream
        .write_all(format!("focus {nonce}\n").as_bytes())
        .map_err(unreachable)?;
    let mut answer = String::new();
    BufReader::new(stream.take(MAX_LINE))
        .read_line(&mut answer)
        .map_err(unreachable)?;
    if answer.trim_end() == "ok" {
        Ok(())
    } else {
        Err(FocusError::Refused { port })
    }
}

#[cfg(unix)]
fn open_locked(path: &Path) -> io::Result<Option<File>> {
    use std::os::unix::io::AsRawFd;
    // std opens with O_CLOEXEC, so backend children never inherit the lock.
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    // SAFETY: flock(2) on a descriptor we own; no memory is involved.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(Some(file));
    }
    let err = io::Error::last_os_error();
    if err.kind() == io::ErrorKind::WouldBlock {
        Ok(None)
    } else {
        Err(err)
    }
}

#[cfg(windows)]
fn open_locked(path: &Path) -> io::Result<Option<File>> {
    use std::os::windows::fs::OpenOptionsExt;
    const ERROR_SHARING_VIOLATION: i32 = 32;
    // No sharing: a second open fails until this handle closes.
    match std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .share_mode(0)
        .open(path)
    {
        Ok(file) => Ok(Some(file)),
        Err(e) if e.raw_os_error() == Some(ERROR_SHARING_VIOLATION) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn one_holder_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let first = try_lock(dir.path()).unwrap().expect("the first lock");
        assert!(try_lock(dir.path()).unwrap().is_none(), "a second holder");
        drop(first);
        assert!(try_lock(dir.path()).unwrap().is_some(), "released on drop");
    }

    fn serving(dir: &Path) -> (InstanceLock, mpsc::Receiver<()>) {
        let mut lock = try_lock(dir).unwrap().expect("the lock");
        lock.listen(dir).unwrap();
        let (tx, rx) = mpsc::channel();
        lock.serve(move || tx.send(()).unwrap());
        (lock, rx)
    }

    #[test]
    fn a_second_launch_reaches_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let (lock, focused) = serving(dir.path());
        ask_to_focus(dir.path()).expect("the holder answers");
        focused
            .recv_timeout(HANDSHAKE_TIMEOUT)
            .expect("on_focus ran");
        ask_to_focus(dir.path()).expect("and again");
        drop(lock);
        assert!(
            !dir.path().join(PORT_FILE).exists(),
            "the port file outlived the lock"
        );
        assert!(matches!(
            ask_to_focus(dir.path()),
            Err(FocusError::PortFile { .. })
        ));
    }

    #[test]
    fn a_wrong_nonce_is_refused_and_never_focuses() {
        let dir = tempfile::tempdir().unwrap();
        let (_lock, focused) = serving(dir.path());
        let file = dir.path().join(PORT_FILE);
        let port = std::fs::read_to_string(&file).unwrap();
        let port = port.split_whitespace().next().unwrap().to_owned();
        std::fs::write(&file, format!("{port} {}\n", "0".repeat(64))).unwrap();
        assert!(matches!(
            ask_to_focus(dir.path()),
            Err(FocusError::Refused { .. })
        ));
        assert!(
            focused.try_recv().is_err(),
            "a wrong nonce focused the window"
        );
        std::fs::write(&file, "not a port\n").unwrap();
        assert!(matches!(
            ask_to_focus(dir.path()),
            Err(FocusError::Malformed { .. })
        ));
    }

    #[test]
    fn a_dropped_holder_stops_answering() {
        let dir = tempfile::tempdir().unwrap();
        let (lock, _focused) = serving(dir.path());
        let kept = std::fs::read_to_string(dir.path().join(PORT_FILE)).unwrap();
        drop(lock);
        std::fs::write(dir.path().join(PORT_FILE), kept).unwrap();
        assert!(
            ask_to_focus(dir.path()).is_err(),
            "a released lock still answered"
        );
    }
}
