//! The orphan guardian (C-PROC-5, POSIX): kills the backend's process
//! groups when the shell dies abnormally, grandchildren included.
//!
//! `PR_SET_PDEATHSIG` (Linux only) and the stdin lifeline reach the roles
//! themselves, but neither reaches a role's own children: a grandchild is
//! reparented to PID 1 and keeps running after a SIGKILL of the shell. No code
//! of the shell runs after SIGKILL, so the kill has to come from another
//! process. The guardian is a tiny `/bin/sh` loop, started once per
//! [`Spawner`](crate::process::Spawner), that reads `+<pgid>` and
//! `-<pgid>` lines on its stdin. When the shell dies, the kernel closes the
//! write end, `read` sees EOF, and the guardian sends SIGKILL to every group
//! still listed (`kill(-pgid, SIGKILL)`), then exits. A clean stop lists
//! nothing by then, because [`ProcessTree::kill_tree`](crate::process::ProcessTree::kill_tree)
//! releases each group after killing it, so a reused pgid is never hit.
//!
//! The guardian ignores SIGINT, SIGTERM and SIGHUP: a Ctrl-C in the terminal
//! reaches the shell's whole process group, and the guardian must outlive the
//! shell's graceful stop. It is spawned without PDEATHSIG, in the shell's
//! process group, with no other inherited descriptor (Rust's pipes are
//! `O_CLOEXEC`). Windows needs none of this: the Job Object's
//! kill-on-close covers the whole tree.

use std::io::{self, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;

/// The guardian's program: collect groups until EOF, then kill what is left.
const SCRIPT: &str = r#"trap '' INT TERM HUP
groups=' '
while IFS= read -r line; do
  case "$line" in
    +*) groups="$groups${line#+} " ;;
    -*) kept=' '
        for g in $groups; do [ "$g" = "${line#-}" ] || kept="$kept$g "; done
        groups=$kept ;;
  esac
done
for g in $groups; do kill -s KILL -- "-$g" 2>/dev/null; done
exit 0
"#;

/// A running guardian process; dropping it ends it (EOF) and reaps it.
pub struct Guardian {
    stdin: Mutex<Option<ChildStdin>>,
    child: Mutex<Child>,
}

impl Guardian {
    /// Starts `/bin/sh` with the guardian loop.
    ///
    /// Errors: the `io::Error` of spawning `/bin/sh`.
    pub fn start() -> io::Result<Guardian> {
        let mut child = Command::new("/bin/sh")
            .args(["-c", SCRIPT, "desktop-django-guardian"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let stdin = child.stdin.take();
        Ok(Guardian {
            stdin: Mutex::new(stdin),
            child: Mutex::new(child),
        })
    }

    /// The guardian's pid (for logs and tests).
    pub fn pid(&self) -> u32 {
        lock(&self.child).id()
    }

    /// Lists process group `pgid` to be killed if the shell dies.
    pub fn watch(&self, pgid: u32) {
        self.send(&format!("+{pgid}\n"));
    }

    /// Unlists `pgid` once its group is known to be gone (after a tree kill).
    pub fn release(&self, pgid: u32) {
        self.send(&format!("-{pgid}\n"));
    }

    fn send(&self, line: &str) {
        if let Some(stdin) = lock(&self.stdin).as_mut() {
            // A guardian that died leaves the lifeline and PDEATHSIG; the
            // write error is not worth failing a spawn over.
            let _ = stdin.write_all(line.as_bytes());
            let _ = stdin.flush();
        }
    }
}

impl Drop for Guardian {
    fn drop(&mut self) {
        lock(&self.stdin).take();
        let _ = lock(&self.child).wait();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;
    use std::time::{Duration, Instant};

    fn group_alive(pgid: u32) -> bool {
        // SAFETY: kill(2) with signal 0 only checks for existence.
        unsafe { libc::kill(-(pgid as libc::pid_t), 0) == 0 }
    }

    /// Reaps the leader (a zombie still counts as a group member), then
    /// waits for the group, grandchild included, to be empty.
    fn wait_gone(leader: &mut Child) -> bool {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            let _ = leader.try_wait();
            if !group_alive(leader.id()) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// A group leader `sh` whose `sleep` grandchild stays in its group.
    fn group_with_grandchild() -> Child {
        Command::new("/bin/sh")
            .args(["-c", "sleep 60 & wait"])
            .process_group(0)
            .spawn()
            .expect("spawn sh")
    }

    #[test]
    fn kills_watched_groups_on_eof() {
        let g = Guardian::start().unwrap();
        let mut leader = group_with_grandchild();
        g.watch(leader.id());
        assert!(group_alive(leader.id()));
        drop(g);
        assert!(
            wait_gone(&mut leader),
            "the group outlived the guardian's EOF"
        );
    }

    #[test]
    fn spares_released_groups() {
        let g = Guardian::start().unwrap();
        let mut kept = group_with_grandchild();
        let mut killed = group_with_grandchild();
        g.watch(kept.id());
        g.watch(killed.id());
        g.release(kept.id());
        drop(g);
        assert!(wait_gone(&mut killed));
        assert!(group_alive(kept.id()), "a released group was killed");
        // SAFETY: kill(2) on a group this test created.
        unsafe { libc::kill(-(kept.id() as libc::pid_t), libc::SIGKILL) };
        let _ = kept.wait();
    }
}
