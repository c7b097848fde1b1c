//! When each webview helper process of a launch is first seen, from the process table.
//!
//! WebKitGTK starts a new `WebKitWebProcess` when a navigation switches browsing context
//! groups (a process swap: for example a page with `Cross-Origin-Opener-Policy` reached from
//! the splash). Two web processes before the first paint mean the page waited for a second
//! web process to start. Linux only (`/proc`); elsewhere nothing is recorded.

use std::collections::HashSet;
use std::time::Instant;

/// The `comm` prefix of WebKitGTK's web content process (`comm` is cut at 15 bytes).
const WEB_PROCESS_COMM: &str = "WebKitWebProces";

/// Pids known before the launch are ignored. A new child of the shell is checked until it
/// shows a web process's name or exits: a forked child carries its parent's `comm` until exec.
pub struct Births {
    known: HashSet<u32>,
    /// Children of the shell not (yet) named like a web process.
    young: HashSet<u32>,
    /// ms from `origin` to the first sighting of each web process of the launch.
    pub web_process_ms: Vec<f64>,
}

impl Births {
    /// Takes the current process table as "not ours". Call before the launch spawns.
    pub fn before_launch() -> Births {
        Births {
            known: pids().collect(),
            young: HashSet::new(),
            web_process_ms: Vec::new(),
        }
    }

    /// Records every web process that the shell (`shell_pid`) started since the last call.
    /// Cost: one `/proc` listing, one `stat` read per new pid and one `comm` read per young
    /// child, so it can run at the bench's 4 ms poll.
    pub fn poll(&mut self, shell_pid: u32, origin: Instant) {
        let fresh: Vec<u32> = pids().filter(|p| !self.known.contains(p)).collect();
        for pid in fresh {
            self.known.insert(pid);
            if parent_of(pid) == Some(shell_pid) {
                self.young.insert(pid);
            }
        }
        let born: Vec<u32> = self
            .young
            .iter()
            .copied()
            .filter(|&pid| is_web_process(pid))
            .collect();
        for pid in born {
            self.young.remove(&pid);
            self.web_process_ms
                .push(origin.elapsed().as_secs_f64() * 1000.0);
        }
        self.young
            .retain(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
    }
}

fn pids() -> impl Iterator<Item = u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
}

fn is_web_process(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .is_ok_and(|comm| comm.trim_end() == WEB_PROCESS_COMM)
}

/// The parent pid from `/proc/<pid>/stat` (field 4, after the parenthesised `comm`, which
/// may itself contain spaces and parentheses). Set at fork, so no race with exec.
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_comm = &stat[stat.rfind(')')? + 1..];
    after_comm.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_child_of_the_shell_is_watched_until_it_exits_and_others_are_not() {
        let mut births = Births::before_launch();
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("sleep");
        let pid = child.id();
        assert_eq!(parent_of(pid), Some(std::process::id()));
        assert!(!births.known.contains(&pid));
        births.poll(std::process::id() + 1_000_000, Instant::now());
        assert!(births.known.contains(&pid));
        assert!(births.young.is_empty(), "not a child of that shell");

        let mut births = Births::before_launch();
        births.known.remove(&pid);
        births.poll(std::process::id(), Instant::now());
        assert!(births.young.contains(&pid), "a child of the shell, watched");
        assert!(
            births.web_process_ms.is_empty(),
            "sleep is not a web process"
        );
        child.kill().ok();
        child.wait().ok();
        births.poll(std::process::id(), Instant::now());
        assert!(!births.young.contains(&pid), "gone, no longer watched");
    }

    #[test]
    fn the_parent_of_this_process_is_read_from_its_stat() {
        assert_eq!(
            parent_of(std::process::id()),
            Some(std::os::unix::process::parent_id())
        );
    }
}
