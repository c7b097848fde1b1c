//! Platform process control: one process tree per backend role, tree kill,
//! and orphan protection (C-PROC-4, C-PROC-5).
//!
//! * POSIX: each child leads its own process group (`process_group(0)`);
//!   the tree kill is `killpg(SIGKILL)`.
//! * Linux: `PR_SET_PDEATHSIG(SIGKILL)` in `pre_exec`, then a `getppid()`
//!   re-check. PDEATHSIG fires when the *spawning thread* dies, so every child
//!   is spawned from the one long-lived [`Spawner`] thread, which lives as
//!   long as the supervisor.
//! * Windows: each child is assigned to a Job Object with
//!   `JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`: the kernel kills the job when the
//!   shell's handle closes, even on a crash. If assignment fails, the tree
//!   kill falls back to `taskkill /t /f /pid`.
//!
//! Everywhere, the stdin lifeline (C-PROC-2) is the portable last resort.

use std::io;
use std::process::{Child, Command, ExitStatus};
use std::sync::mpsc;
use std::thread::JoinHandle;

/// One spawned backend process and, through its group or job, its descendants.
pub struct ProcessTree {
    child: Child,
    #[cfg(windows)]
    job: Option<windows::Job>,
}

impl ProcessTree {
    /// Spawns `cmd` as a new tree on the *calling* thread (see [`Spawner`]).
    pub fn spawn(mut cmd: Command) -> io::Result<ProcessTree> {
        prepare(&mut cmd);
        let child = cmd.spawn()?;
        #[cfg(windows)]
        {
            // A short window exists before assignment; Python spawns nothing
            // that early. Failure leaves the taskkill fallback.
            let job = windows::Job::new()
                .and_then(|job| job.assign(&child).map(|()| job))
                .ok();
            Ok(ProcessTree { child, job })
        }
        #[cfg(not(windows))]
        Ok(ProcessTree { child })
    }

    /// The OS pid of the tree's root process.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The root process, e.g. to take its stdio pipes.
    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Non-blocking: `Some(status)` once the root process has exited.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        self.child.try_wait()
    }

    /// Kills every process in the tree (grandchildren included) and reaps
    /// the root. Safe to call when the root already exited: the group or job
    /// may still hold descendants.
    pub fn kill_tree(&mut self) {
        #[cfg(unix)]
        {
            use nix::sys::signal::{killpg, Signal};
            use nix::unistd::Pid;
            let _ = killpg(Pid::from_raw(self.child.id() as i32), Signal::SIGKILL);
        }
        #[cfg(windows)]
        match &self.job {
            Some(job) => job.terminate(),
            None => {
                let _ = Command::new("taskkill")
                    .args(["/t", "/f", "/pid", &self.child.id().to_string()])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .status();
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(unix)]
fn prepare(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0);
    #[cfg(target_os = "linux")]
    {
        let parent = std::process::id() as libc::pid_t;
        // SAFETY: the closure only calls async-signal-safe functions
        // (prctl, getppid) between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(io::Error::last_os_error());
                }
                // The parent may have died before prctl took effect.
                if libc::getppid() != parent {
                    return Err(io::Error::other("parent exited during spawn"));
                }
                Ok(())
            });
        }
    }
}

#[cfg(windows)]
fn prepare(cmd: &mut Command) {
    use std::os::windows::process::CommandExt;
    use windows_sys::Win32::System::Threading::{CREATE_NEW_PROCESS_GROUP, CREATE_NO_WINDOW};
    // Own console group: a Ctrl-Break aimed at the shell does not kill the
    // backend before the graceful stop; no console window pops up.
    cmd.creation_flags(CREATE_NEW_PROCESS_GROUP | CREATE_NO_WINDOW);
}

#[cfg(not(any(unix, windows)))]
fn prepare(_cmd: &mut Command) {}

type SpawnJob = (Command, mpsc::Sender<io::Result<ProcessTree>>);

/// A long-lived thread that spawns every backend child (C-PROC-5: Linux
/// PDEATHSIG is tied to the spawning thread). Keep it alive as long as the
/// children; dropping it ends the thread.
pub struct Spawner {
    tx: Option<mpsc::Sender<SpawnJob>>,
    thread: Option<JoinHandle<()>>,
}

impl Spawner {
    /// Starts the spawner thread.
    pub fn new() -> Spawner {
        let (tx, rx) = mpsc::channel::<SpawnJob>();
        let thread = std::thread::Builder::new()
            .name("contract-spawner".into())
            .spawn(move || {
                for (cmd, reply) in rx {
                    let _ = reply.send(ProcessTree::spawn(cmd));
                }
            })
            .expect("cannot start the spawner thread");
        Spawner {
            tx: Some(tx),
            thread: Some(thread),
        }
    }

    /// Spawns `cmd` on the spawner thread and waits for the result.
    pub fn spawn(&self, cmd: Command) -> io::Result<ProcessTree> {
        let (reply_tx, reply_rx) = mpsc::channel();
        let gone = || io::Error::other("spawner thread is gone");
        self.tx
            .as_ref()
            .ok_or_else(gone)?
            .send((cmd, reply_tx))
            .map_err(|_| gone())?;
        reply_rx.recv().map_err(|_| gone())?
    }
}

impl Default for Spawner {
    fn default() -> Self {
        Spawner::new()
    }
}

impl Drop for Spawner {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(windows)]
mod windows {
    use std::io;
    use std::os::windows::io::AsRawHandle;
    use std::process::Child;

    use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
    use windows_sys::Win32::System::JobObjects::{
        AssignProcessToJobObject, CreateJobObjectW, JobObjectExtendedLimitInformation,
        SetInformationJobObject, TerminateJobObject, JOBOBJECT_EXTENDED_LIMIT_INFORMATION,
        JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
    };

    /// An owned Job Object handle with kill-on-close.
    pub(super) struct Job(HANDLE);

    // SAFETY: a job handle is a kernel object handle, usable from any thread.
    unsafe impl Send for Job {}

    impl Job {
        pub(super) fn new() -> io::Result<Job> {
            // SAFETY: plain Win32 calls with valid pointers; the handle is
            // owned by the returned Job and closed in Drop.
            unsafe {
                let handle = CreateJobObjectW(std::ptr::null(), std::ptr::null());
                if handle.is_null() {
                    return Err(io::Error::last_os_error());
                }
                let job = Job(handle);
                let mut info: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = std::mem::zeroed();
                info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
                let ok = SetInformationJobObject(
                    job.0,
                    JobObjectExtendedLimitInformation,
                    &info as *const _ as *const core::ffi::c_void,
                    std::mem::size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
                );
                if ok == 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(job)
            }
        }

        pub(super) fn assign(&self, child: &Child) -> io::Result<()> {
            // SAFETY: both handles are valid for the duration of the call.
            let ok = unsafe { AssignProcessToJobObject(self.0, child.as_raw_handle() as HANDLE) };
            if ok == 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        }

        pub(super) fn terminate(&self) {
            // SAFETY: valid job handle.
            unsafe {
                TerminateJobObject(self.0, 1);
            }
        }
    }

    impl Drop for Job {
        fn drop(&mut self) {
            // SAFETY: we own the handle; closing it kills the job's processes.
            unsafe {
                CloseHandle(self.0);
            }
        }
    }
}
