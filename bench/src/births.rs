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

/// Pids known before the launch are ignored. A new pid is checked until it shows a web
/// process's name or exits: a forked child carries its parent's `comm` until it calls exec.
pub struct Births {
    known: HashSet<u32>,
    /// New pids of the launch not (yet) named like a web process.
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

    /// Records every web process that appeared since the last call and carries `marker_entry`
    /// (`NAME=value`) in its environment. Cost: one `/proc` listing plus two small reads per
    /// new pid, so it can run at the bench's 4 ms poll.
    pub fn poll(&mut self, marker_entry: &str, origin: Instant) {
        let fresh: Vec<u32> = pids().filter(|p| !self.known.contains(p)).collect();
        for pid in fresh {
            self.known.insert(pid);
            if carries(pid, marker_entry) {
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

fn carries(pid: u32, entry: &str) -> bool {
    std::fs::read(format!("/proc/{pid}/environ"))
        .is_ok_and(|env| env.split(|&b| b == 0).any(|e| e == entry.as_bytes()))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_process_started_after_the_snapshot_is_new_and_its_environment_is_read() {
        let mut births = Births::before_launch();
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .env("BENCH_BIRTHS_TEST", "1")
            .spawn()
            .expect("sleep");
        let pid = child.id();
        // Until exec, the child still shows this test's name and environment.
        while std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap() != "sleep\n" {
            std::thread::yield_now();
        }
        assert!(!births.known.contains(&pid));
        assert!(carries(pid, "BENCH_BIRTHS_TEST=1"));
        assert!(!carries(pid, "BENCH_BIRTHS_TEST=2"));
        assert!(!is_web_process(pid), "sleep is not a web process");
        births.poll("BENCH_BIRTHS_TEST=1", Instant::now());
        assert!(births.known.contains(&pid));
        assert!(births.young.contains(&pid), "ours, watched until it execs");
        assert!(births.web_process_ms.is_empty());
        child.kill().ok();
        child.wait().ok();
        births.poll("BENCH_BIRTHS_TEST=1", Instant::now());
        assert!(!births.young.contains(&pid), "gone, no longer watched");
    }
}
