//! The shell's own helper processes at exit (C-PROC-5, clean quit): every
//! process the app started is gone when the shell exits.
//!
//! The backend roles are stopped by the supervisor. What is left at exit are
//! the webview's helpers: WebKitGTK's `WebKitWebProcess` and
//! `WebKitNetworkProcess` (and on sandboxed builds `bwrap` and
//! `xdg-dbus-proxy`) are children of the shell process. They normally exit
//! when their IPC socket closes, that is after the shell is gone, and a busy
//! one was seen to outlive a clean quit by more than 3000 ms, reparented to
//! PID 1. So a shell calls [`end_all`] as its very last step, after its
//! event loop has ended and before the process exits.
//!
//! Linux only: on macOS, WebKit's helpers are XPC services that launchd ends
//! with the app; on Windows, WebView2's processes belong to a browser process
//! that exits with its owner's handle.

use std::time::Duration;

/// How long helpers get after SIGTERM before SIGKILL, in ms.
pub const GRACE_MS: u64 = 1000;

/// Sends SIGTERM to every live descendant of this process, waits up to
/// `grace` for them to go, then SIGKILLs the rest and waits (at most 1000 ms
/// more) until they are gone. Returns the pids that needed SIGKILL.
///
/// Call it only when the backend is already stopped: it does not spare the
/// supervisor's children. A no-op off Linux (see the module docs).
pub fn end_all(grace: Duration) -> Vec<u32> {
    #[cfg(target_os = "linux")]
    {
        linux::end_all(std::process::id(), grace)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = grace;
        Vec::new()
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::collections::HashMap;
    use std::time::{Duration, Instant};

    /// `(pid, ppid)` of every live (non-zombie) process, from `/proc/<pid>/stat`.
    fn table() -> Vec<(u32, u32)> {
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        dir.flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter_map(|pid| {
                let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
                // proc(5): "pid (comm) state ppid …"; comm may hold spaces and ')'.
                let rest = &stat[stat.rfind(')')? + 1..];
                let mut fields = rest.split_whitespace();
                let state = fields.next()?;
                let ppid = fields.next()?.parse().ok()?;
                (state != "Z" && state != "X").then_some((pid, ppid))
            })
            .collect()
    }

    /// Every live descendant of `root`, parents before children.
    pub(super) fn descendants(root: u32) -> Vec<u32> {
        let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
        for (pid, ppid) in table() {
            children.entry(ppid).or_default().push(pid);
        }
        let mut out = Vec::new();
        let mut next = vec![root];
        while let Some(p) = next.pop() {
            for &c in children.get(&p).map(Vec::as_slice).unwrap_or_default() {
                out.push(c);
                next.push(c);
            }
        }
        out
    }

    fn signal(pids: &[u32], sig: i32) {
        for &pid in pids {
            // SAFETY: kill(2) has no memory-safety preconditions.
            unsafe { libc::kill(pid as libc::pid_t, sig) };
        }
    }

    /// Reaps exited children so they stop counting (they may be ours).
    fn reap(pids: &[u32]) {
        for &pid in pids {
            let mut status = 0;
            // SAFETY: waitpid on a specific pid with WNOHANG; ECHILD is fine.
            unsafe { libc::waitpid(pid as libc::pid_t, &mut status, libc::WNOHANG) };
        }
    }

    fn wait_gone(root: u32, within: Duration) -> Vec<u32> {
        let deadline = Instant::now() + within;
        loop {
            let left = descendants(root);
            reap(&left);
            let left = descendants(root);
            if left.is_empty() || Instant::now() >= deadline {
                return left;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// [`super::end_all`] for the descendants of `root`.
    pub(super) fn end_all(root: u32, grace: Duration) -> Vec<u32> {
        let first = descendants(root);
        if first.is_empty() {
            return Vec::new();
        }
        signal(&first, libc::SIGTERM);
        let stubborn = wait_gone(root, grace);
        if stubborn.is_empty() {
            return Vec::new();
        }
        signal(&stubborn, libc::SIGKILL);
        wait_gone(root, Duration::from_millis(1000));
        stubborn
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn ends_children_and_grandchildren_even_if_they_ignore_sigterm() {
        // Rooted at a child, not at this test process, whose other tests
        // have children of their own. Ignored signals survive exec, so the
        // grandchild `sh` and its `sleep` both ignore SIGTERM.
        let mut child = Command::new("/bin/sh")
            .args(["-c", "trap '' TERM; sh -c 'sleep 60' & wait"])
            .spawn()
            .unwrap();
        let root = child.id();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while linux::descendants(root).is_empty() {
            assert!(std::time::Instant::now() < deadline, "tree never formed");
            std::thread::sleep(Duration::from_millis(10));
        }
        let tree = linux::descendants(root);
        let killed = linux::end_all(root, Duration::from_millis(200));
        assert!(!killed.is_empty(), "SIGTERM-proof processes needed SIGKILL");
        assert!(linux::descendants(root).is_empty());
        let _ = child.kill();
        let _ = child.wait();
        for pid in tree {
            assert!(
                !std::path::Path::new(&format!("/proc/{pid}")).exists()
                    || std::fs::read_to_string(format!("/proc/{pid}/stat"))
                        .is_ok_and(|s| s.contains(") Z")),
                "descendant {pid} survived"
            );
        }
    }
}
