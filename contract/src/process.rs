//! Platform process control: one process tree per backend role, tree kill,
//! and orphan protection (C-PROC-4, C-PROC-5).
//!
//! * POSIX: each child leads its own process group (`process_group(0)`);
//!   the tree kill is `killpg(SIGKILL)`.
//! * Linux: `PR_SET_PDEATHSIG(SIGKILL)` in `pre_exec`, then a `getppid()`
//!   re-check. PDEATHSIG fires when the *spawning thread* dies, so every child
//!   is spawned from the one long-lived [`Spawner`] thread, which lives as
//!   long as the supervisor.
//! * Windows: each child starts suspended (`CREATE_SUSPENDED`), joins a Job
//!   Object with `JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`, and only then runs, so
//!   even a grandchild it starts at once is in the job. The kernel kills the
//!   job when the shell's handle closes, even on a crash. If the job cannot
//!   be created or assigned, the child runs anyway and the tree kill falls
//!   back to `taskkill /t /f /pid` (`taskkill_tree`).
//!
//! Everywhere, the stdin lifeline (C-PROC-2) is the portable last resort.

use std::io;
use std::process::{Child, Command, ExitStatus};
use std::sync::mpsc;
#[cfg(unix)]
use std::sync::Arc;
use std::thread::JoinHandle;

#[cfg(unix)]
use crate::guardian::Guardian;

/// One spawned backend process and, through its group or job, its descendants.
pub struct ProcessTree {
    child: Child,
    /// Told to forget the group once [`ProcessTree::kill_tree`] killed it.
    #[cfg(unix)]
    guardian: Option<Arc<Guardian>>,
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
            // `prepare` created the child suspended: it runs no code, so it
            // starts no grandchild, until it is in the job. If the job fails,
            // it runs anyway and the tree kill falls back to taskkill.
            let job = windows::Job::new()
                .and_then(|job| job.assign(&child).map(|()| job))
                .ok();
            let child = windows::resume(child)?;
            Ok(ProcessTree { child, job })
        }
        #[cfg(not(windows))]
        Ok(ProcessTree {
            child,
            #[cfg(unix)]
            guardian: None,
        })
    }

    /// Windows: like [`ProcessTree::spawn`], but without a Job Object: the
    /// state a tree is left in when the job cannot be created or assigned.
    /// Its [`ProcessTree::kill_tree`] is [`taskkill_tree`], and only the
    /// lifeline ends it if the shell crashes. Shells never need this; it
    /// makes the fallback reachable, e.g. for tests.
    #[cfg(windows)]
    pub fn spawn_without_job(mut cmd: Command) -> io::Result<ProcessTree> {
        prepare(&mut cmd);
        let child = windows::resume(cmd.spawn()?)?;
        Ok(ProcessTree { child, job: None })
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
            if let Some(guardian) = self.guardian.take() {
                guardian.release(self.child.id());
            }
        }
        #[cfg(windows)]
        match &self.job {
            Some(job) => job.terminate(),
            None => {
                let _ = taskkill_tree(self.child.id());
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
    use windows_sys::Win32::System::Threading::{
        CREATE_NEW_PROCESS_GROUP, CREATE_NO_WINDOW, CREATE_SUSPENDED,
    };
    // Own console group: a Ctrl-Break aimed at the shell does not kill the
    // backend before the graceful stop; no console window pops up. Suspended:
    // the caller resumes it once it is in its job (`windows::resume`).
    cmd.creation_flags(CREATE_NEW_PROCESS_GROUP | CREATE_NO_WINDOW | CREATE_SUSPENDED);
}

#[cfg(windows)]
pub use windows::taskkill_tree;

#[cfg(not(any(unix, windows)))]
fn prepare(_cmd: &mut Command) {}

type SpawnJob = (Command, mpsc::Sender<io::Result<ProcessTree>>);

/// A long-lived thread that spawns every backend child (C-PROC-5: Linux
/// PDEATHSIG is tied to the spawning thread). Keep it alive as long as the
/// children; dropping it ends the thread.
///
/// On POSIX it also starts the [`Guardian`] and lists each child's process
/// group with it, so that a SIGKILL of the shell still reaches grandchildren.
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
                // Without /bin/sh, the lifeline and PDEATHSIG still reach the roles.
                #[cfg(unix)]
                let guardian = Guardian::start().ok().map(Arc::new);
                for (cmd, reply) in rx {
                    #[cfg(unix)]
                    let spawned = ProcessTree::spawn(cmd).map(|mut tree| {
                        if let Some(g) = &guardian {
                            // The root leads its group: pgid == pid.
                            g.watch(tree.pid());
                            tree.guardian = Some(Arc::clone(g));
                        }
                        tree
                    });
                    #[cfg(not(unix))]
                    let spawned = ProcessTree::spawn(cmd);
                    let _ = reply.send(spawned);
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
    use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle};
    use std::os::windows::process::CommandExt;
    use std::process::{Child, Command, Stdio};

    use windows_sys::Win32::Foundation::{CloseHandle, HANDLE, INVALID_HANDLE_VALUE};
    use windows_sys::Win32::System::Diagnostics::ToolHelp::{
        CreateToolhelp32Snapshot, Thread32First, Thread32Next, TH32CS_SNAPTHREAD, THREADENTRY32,
    };
    use windows_sys::Win32::System::JobObjects::{
        AssignProcessToJobObject, CreateJobObjectW, JobObjectExtendedLimitInformation,
        SetInformationJobObject, TerminateJobObject, JOBOBJECT_EXTENDED_LIMIT_INFORMATION,
        JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
    };
    use windows_sys::Win32::System::Threading::{
        OpenThread, ResumeThread, CREATE_NO_WINDOW, THREAD_SUSPEND_RESUME,
    };

    /// Lets a child created with `CREATE_SUSPENDED` run. If it cannot be
    /// resumed, it is killed and reaped: a process that never runs would
    /// only hang the handshake until the ready timeout.
    pub(super) fn resume(mut child: Child) -> io::Result<Child> {
        match resume_threads(child.id()) {
            Ok(()) => Ok(child),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(e)
            }
        }
    }

    /// Resumes every thread of process `pid`. std closes the thread handle
    /// that `CreateProcessW` returned, so the threads are found in a Toolhelp
    /// snapshot; a process created suspended has exactly one, its main thread.
    fn resume_threads(pid: u32) -> io::Result<()> {
        // SAFETY: plain Win32 calls with valid pointers; every handle is
        // owned by an OwnedHandle and closed when it drops.
        unsafe {
            let snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
            if snapshot == INVALID_HANDLE_VALUE {
                return Err(io::Error::last_os_error());
            }
            let snapshot = OwnedHandle::from_raw_handle(snapshot);
            let mut entry = THREADENTRY32 {
                dwSize: std::mem::size_of::<THREADENTRY32>() as u32,
                ..Default::default()
            };
            let mut resumed = 0;
            let mut more = Thread32First(snapshot.as_raw_handle(), &mut entry) != 0;
            while more {
                if entry.th32OwnerProcessID == pid {
                    let thread = OpenThread(THREAD_SUSPEND_RESUME, 0, entry.th32ThreadID);
                    if thread.is_null() {
                        return Err(io::Error::last_os_error());
                    }
                    let thread = OwnedHandle::from_raw_handle(thread);
                    if ResumeThread(thread.as_raw_handle()) == u32::MAX {
                        return Err(io::Error::last_os_error());
                    }
                    resumed += 1;
                }
                more = Thread32Next(snapshot.as_raw_handle(), &mut entry) != 0;
            }
            if resumed == 0 {
                return Err(io::Error::other(format!(
                    "no thread of the suspended process {pid} to resume"
                )));
            }
            Ok(())
        }
    }

    /// The tree kill without a Job Object: `taskkill /t /f /pid <pid>`,
    /// which ends `pid` and every process descended from it. It walks the
    /// parent pids recorded at creation, starting from a live `pid`, so it
    /// misses descendants once the root (or a process between) has exited;
    /// a Job Object has no such gap, which is why this is only the fallback
    /// (see `ProcessTree::spawn_without_job`). An error when taskkill cannot
    /// run or exits non-zero, with its output in the message. (Wine 8.0's
    /// taskkill rejects `/t` and kills nothing.)
    pub fn taskkill_tree(pid: u32) -> io::Result<()> {
        let output = Command::new("taskkill")
            .args(["/t", "/f", "/pid", &pid.to_string()])
            .stdin(Stdio::null())
            // A GUI shell has no console: none must flash up for taskkill.
            .creation_flags(CREATE_NO_WINDOW)
            .output()?;
        if output.status.success() {
            return Ok(());
        }
        let said = String::from_utf8_lossy(&output.stdout);
        let said_err = String::from_utf8_lossy(&output.stderr);
        Err(io::Error::other(format!(
            "taskkill /t /f /pid {pid} failed ({}): {} {}",
            output.status,
            said.trim(),
            said_err.trim()
        )))
    }

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
