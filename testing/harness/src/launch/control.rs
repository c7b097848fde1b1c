//! Controlling a launch from outside: signals, a graceful quit, an abrupt kill.

use std::process::ExitStatus;
use std::time::Duration;

use super::Launch;
use crate::procs;
use crate::Error;

impl Launch {
    /// Sends `sig` to the shell (POSIX).
    #[cfg(unix)]
    pub fn signal(&self, sig: i32) -> bool {
        procs::signal(self.pid(), sig)
    }

    /// The shell's exit status if it has exited (reaping it).
    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none() {
            self.exit = self.child.try_wait().ok().flatten();
        }
        self.exit
    }

    /// Asks the shell to quit gracefully and waits for it to exit: SIGTERM on POSIX; on Windows
    /// WM_CLOSE to the shell's top-level windows and CTRL_BREAK to its console process group
    /// (a window shell has no console, a console shell no window).
    pub fn quit(&mut self, timeout: Duration) -> Result<ExitStatus, Error> {
        #[cfg(unix)]
        procs::signal(self.pid(), libc::SIGTERM);
        #[cfg(windows)]
        {
            procs::close_windows(self.pid());
            procs::ctrl_break(self.pid());
        }
        self.wait_exit(timeout)
    }

    /// The interrupt a user sends from a terminal, and waits for nothing: SIGINT on POSIX,
    /// CTRL_BREAK on Windows (CTRL_C cannot be sent to another process group).
    pub fn interrupt(&self) {
        #[cfg(unix)]
        procs::signal(self.pid(), libc::SIGINT);
        #[cfg(windows)]
        procs::ctrl_break(self.pid());
    }

    /// Kills the shell abruptly (SIGKILL / TerminateProcess) and reaps it.
    pub fn kill_shell(&mut self) -> Result<ExitStatus, Error> {
        let _ = self.child.kill();
        self.wait_exit(Duration::from_secs(10))
    }

    /// Waits until every process of this launch is gone, at most `within`.
    pub fn no_marked_process_within(&self, within: Duration, what: &str) -> Result<(), Error> {
        procs::none_marked_within(&self.marker, within, what)
    }
}
