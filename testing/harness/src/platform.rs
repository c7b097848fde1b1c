//! Platform helpers for the processes the harness spawns.

use std::process::Command;

/// Makes `cmd`'s process die with the thread that spawns it: on Linux,
/// `prctl(PR_SET_PDEATHSIG, SIGKILL)` between fork and exec, then a check that the parent is still
/// the spawning process (it may have died before the prctl). The parent-death signal fires when
/// the spawning *thread* exits, so spawn long-lived helpers from a thread that lives as long as
/// they should. Elsewhere it does nothing: the harness kills its trees by marker instead.
#[cfg(target_os = "linux")]
pub fn die_with_parent(cmd: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    let parent = std::process::id();
    // SAFETY: only async-signal-safe calls (prctl, getppid, _exit) between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if u32::try_from(libc::getppid()).ok() != Some(parent) {
                libc::_exit(1);
            }
            Ok(())
        })
    }
}

/// Makes `cmd`'s process die with the thread that spawns it (Linux only; a no-op here).
#[cfg(not(target_os = "linux"))]
pub fn die_with_parent(cmd: &mut Command) -> &mut Command {
    cmd
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn a_child_with_the_parent_death_signal_runs() {
        let mut cmd = std::process::Command::new("true");
        let status = super::die_with_parent(&mut cmd).status().unwrap();
        assert!(status.success());
    }
}
