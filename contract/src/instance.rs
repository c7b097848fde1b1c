//! The single-instance lock (C-PROC-7): `<app-data>/instance.lock`, held for
//! the life of the shell process. One app-data dir, one running shell.
//!
//! Shells with a richer mechanism (Tauri's single-instance plugin, which also
//! focuses the first window) use it first; this lock is the floor every shell
//! can stand on, and what keeps a second launch from starting a backend when
//! that mechanism is unavailable (no D-Bus session bus, for example). The OS
//! releases it when the process ends, however it ends.

use std::fs::File;
use std::io;
use std::path::Path;

/// The lock file's name inside the app-data dir.
pub const LOCK_FILE: &str = "instance.lock";

/// A held instance lock; released on drop or process exit.
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
}

/// Takes the lock in `app_data` (which must exist): `Ok(None)` when another
/// process holds it.
pub fn try_lock(app_data: &Path) -> io::Result<Option<InstanceLock>> {
    let path = app_data.join(LOCK_FILE);
    match open_locked(&path)? {
        Some(file) => Ok(Some(InstanceLock { _file: file })),
        None => Ok(None),
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

    #[test]
    fn one_holder_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let first = try_lock(dir.path()).unwrap().expect("the first lock");
        assert!(try_lock(dir.path()).unwrap().is_none(), "a second holder");
        drop(first);
        assert!(try_lock(dir.path()).unwrap().is_some(), "released on drop");
    }
}
