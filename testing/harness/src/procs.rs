//! The process table, read from outside: which processes carry a launch's marker, their
//! environment, command line and working directory (sysinfo, on every OS), their listening TCP
//! sockets (`listeners`: /proc on Linux, libproc on macOS, the IP Helper API on Windows), and on
//! Linux only, where it adds the pipe ends of the lifeline, their open file descriptors (/proc).

use std::ffi::OsStr;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sysinfo::{Pid, ProcessRefreshKind, ProcessStatus, ProcessesToUpdate, System, UpdateKind};

/// The environment variable the harness sets to a fresh random value for each launch. Children
/// inherit the shell's environment, so every process of one launch carries it.
pub const MARKER_VAR: &str = "DESKTOP_DJANGO_CONFORMANCE_MARKER";

/// A snapshot of one live process.
#[derive(Debug, Clone)]
pub struct ProcInfo {
    pub pid: u32,
    pub parent: Option<u32>,
    pub cmd: Vec<String>,
    pub environ: Vec<(String, String)>,
}

impl ProcInfo {
    /// The value of an environment variable the process started with.
    pub fn env(&self, key: &str) -> Option<&str> {
        self.environ
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The command line joined with spaces, for messages.
    pub fn cmdline(&self) -> String {
        self.cmd.join(" ")
    }

    /// Whether any argument equals `arg` (e.g. `desktop_serve`).
    pub fn has_arg(&self, arg: &str) -> bool {
        self.cmd.iter().any(|a| a == arg)
    }
}

fn split_env(kv: &OsStr) -> (String, String) {
    let kv = kv.to_string_lossy();
    match kv.split_once('=') {
        Some((k, v)) => (k.to_string(), v.to_string()),
        None => (kv.to_string(), String::new()),
    }
}

/// Every live process (zombies excluded: they are dead, only not yet reaped) whose environment
/// has `MARKER_VAR=marker`.
pub fn marked(marker: &str) -> Vec<ProcInfo> {
    let Ok(mut sys) = System::new() else {
        return Vec::new();
    };
    sys.refresh_processes_specifics(
        ProcessesToUpdate::All,
        true,
        ProcessRefreshKind::nothing()
            .without_tasks()
            .with_environ(UpdateKind::Always)
            .with_cmd(UpdateKind::Always),
    );
    let want = format!("{MARKER_VAR}={marker}");
    let mut out: Vec<ProcInfo> = sys
        .processes()
        .values()
        .filter(|p| p.thread_kind().is_none())
        .filter(|p| !matches!(p.status(), ProcessStatus::Zombie | ProcessStatus::Dead))
        .filter(|p| {
            p.environ()
                .iter()
                .any(|e| e.as_os_str() == OsStr::new(&want))
        })
        .map(|p| ProcInfo {
            pid: p.pid().as_u32(),
            parent: p.parent().map(Pid::as_u32),
            cmd: p
                .cmd()
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect(),
            environ: p.environ().iter().map(|e| split_env(e)).collect(),
        })
        .collect();
    out.sort_by_key(|p| p.pid);
    out
}

/// Polls `alive` every 50 ms until it lists no process; at `within`, returns the survivors.
pub fn wait_none(
    within: Duration,
    alive: impl FnMut() -> Vec<ProcInfo>,
) -> Result<(), Vec<ProcInfo>> {
    wait_none_every(Duration::from_millis(50), within, alive)
}

/// Polls `alive` every `interval` until it lists nothing; at `within`, returns what was left.
/// `alive` is asked at least once, and once more at the deadline.
pub fn wait_none_every<T>(
    interval: Duration,
    within: Duration,
    mut alive: impl FnMut() -> Vec<T>,
) -> Result<(), Vec<T>> {
    let start = Instant::now();
    loop {
        let left = alive();
        if left.is_empty() {
            return Ok(());
        }
        if start.elapsed() >= within {
            return Err(left);
        }
        std::thread::sleep(interval);
    }
}

/// One line per process: pid, parent and command line, for failure messages.
pub fn describe(procs: &[ProcInfo]) -> String {
    procs
        .iter()
        .map(|p| format!("pid {} (parent {:?}): {}", p.pid, p.parent, p.cmdline()))
        .collect::<Vec<_>>()
        .join("\n  ")
}

/// Polls until no process carries `marker`; at `within`, an error listing the survivors.
pub fn none_marked_within(marker: &str, within: Duration, what: &str) -> Result<(), crate::Error> {
    wait_none(within, || marked(marker)).map_err(|left| {
        crate::Error::Wait(format!(
            "{what}: {} marked process(es) still alive {} ms later:\n  {}",
            left.len(),
            within.as_millis(),
            describe(&left)
        ))
    })
}

/// Sends `sig` to `pid`. Returns false if the process does not exist.
#[cfg(unix)]
pub fn signal(pid: u32, sig: i32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill(2) has no memory-safety preconditions.
    unsafe { libc::kill(pid, sig) == 0 }
}

/// Sends CTRL_BREAK to the console process group led by `pid` (a process started with
/// `CREATE_NEW_PROCESS_GROUP`). Returns false if Windows refused.
#[cfg(windows)]
pub fn ctrl_break(pid: u32) -> bool {
    use windows_sys::Win32::System::Console::{GenerateConsoleCtrlEvent, CTRL_BREAK_EVENT};
    // SAFETY: a plain Win32 call without pointers.
    unsafe { GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, pid) != 0 }
}

/// Posts WM_CLOSE to every top-level window of process `pid`, as the window manager does when
/// the user closes it. Returns how many windows were asked.
#[cfg(windows)]
pub fn close_windows(pid: u32) -> usize {
    use windows_sys::Win32::Foundation::{HWND, LPARAM};
    use windows_sys::Win32::UI::WindowsAndMessaging::{
        EnumWindows, GetWindowThreadProcessId, PostMessageW, WM_CLOSE,
    };
    struct Search {
        pid: u32,
        found: Vec<HWND>,
    }
    unsafe extern "system" fn each(hwnd: HWND, data: LPARAM) -> i32 {
        // SAFETY: `data` is the `&mut Search` passed to EnumWindows below, alive for the call.
        let search = unsafe { &mut *(data as *mut Search) };
        let mut owner = 0u32;
        // SAFETY: hwnd comes from EnumWindows; `owner` is a valid out pointer.
        unsafe { GetWindowThreadProcessId(hwnd, &mut owner) };
        if owner == search.pid {
            search.found.push(hwnd);
        }
        1
    }
    let mut search = Search {
        pid,
        found: Vec::new(),
    };
    // SAFETY: the callback only touches `search`, which outlives the call.
    unsafe { EnumWindows(Some(each), &mut search as *mut Search as LPARAM) };
    for &hwnd in &search.found {
        // SAFETY: posting a message to a window handle is safe even if it closed meanwhile.
        unsafe { PostMessageW(hwnd, WM_CLOSE, 0, 0) };
    }
    search.found.len()
}

/// Force-kills `pid` (SIGKILL on POSIX, TerminateProcess elsewhere via sysinfo).
pub fn kill(pid: u32) -> bool {
    #[cfg(unix)]
    {
        signal(pid, libc::SIGKILL)
    }
    #[cfg(not(unix))]
    {
        let Ok(mut sys) = System::new() else {
            return false;
        };
        let pid = Pid::from_u32(pid);
        sys.refresh_processes(ProcessesToUpdate::Some(&[pid]), true);
        sys.process(pid).is_some_and(|p| p.kill())
    }
}

/// Force-kills every process carrying `marker` until none is left (bounded by `within`).
pub fn kill_marked(marker: &str, within: Duration) {
    let start = Instant::now();
    loop {
        let left = marked(marker);
        if left.is_empty() || start.elapsed() >= within {
            return;
        }
        for p in &left {
            kill(p.pid);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The TCP sockets in LISTEN state that process `pid` holds open, sorted, without duplicates.
///
/// Errors: the OS refused the socket table (a message for the test failure).
pub fn listening_sockets(pid: u32) -> Result<Vec<SocketAddr>, String> {
    let all = listeners::get_all().map_err(|e| format!("listening sockets: {e}"))?;
    let mut out: Vec<SocketAddr> = all
        .into_iter()
        .filter(|l| l.process.pid == pid)
        .filter(|l| {
            l.protocol == listeners::Protocol::TCP && l.state == listeners::SocketState::Listen
        })
        .map(|l| l.socket)
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// One open file descriptor of a process (Linux): its number, link target (e.g. `pipe:[123]`)
/// and access mode from `/proc/<pid>/fdinfo` (`O_RDONLY` 0, `O_WRONLY` 1, `O_RDWR` 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenFd {
    pub fd: u32,
    pub target: String,
    pub access: u32,
}

/// Every open file descriptor of `pid` (Linux only).
#[cfg(target_os = "linux")]
pub fn open_fds(pid: u32) -> Result<Vec<OpenFd>, String> {
    let dir = format!("/proc/{pid}/fd");
    let rd = std::fs::read_dir(&dir).map_err(|e| format!("{dir}: {e}"))?;
    let mut out = Vec::new();
    for entry in rd.flatten() {
        let Some(fd) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(target) = std::fs::read_link(entry.path()) else {
            continue;
        };
        let flags = std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}"))
            .ok()
            .and_then(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("flags:"))
                    .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
            })
            .unwrap_or(0);
        out.push(OpenFd {
            fd,
            target: target.to_string_lossy().into_owned(),
            access: flags & 0o3,
        });
    }
    out.sort_by_key(|f| f.fd);
    Ok(out)
}

/// The current working directory of `pid`, if the OS lets this process read it.
pub fn cwd(pid: u32) -> Option<std::path::PathBuf> {
    let mut sys = System::new().ok()?;
    let p = Pid::from_u32(pid);
    sys.refresh_processes_specifics(
        ProcessesToUpdate::Some(&[p]),
        true,
        ProcessRefreshKind::nothing().with_cwd(UpdateKind::Always),
    );
    sys.process(p)?.cwd().map(std::path::Path::to_path_buf)
}

/// Whether `pid` is a live process (not a zombie).
pub fn alive(pid: u32) -> bool {
    let Ok(mut sys) = System::new() else {
        return false;
    };
    let p = Pid::from_u32(pid);
    sys.refresh_processes(ProcessesToUpdate::Some(&[p]), true);
    sys.process(p)
        .is_some_and(|p| !matches!(p.status(), ProcessStatus::Zombie | ProcessStatus::Dead))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn sees_a_pipe_end() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let theirs = open_fds(child.id()).unwrap();
        let stdin = theirs.iter().find(|f| f.fd == 0).unwrap();
        assert!(stdin.target.starts_with("pipe:["), "{stdin:?}");
        assert_eq!(stdin.access, 0);
        let mine = open_fds(std::process::id()).unwrap();
        assert!(
            mine.iter()
                .any(|f| f.target == stdin.target && f.access == 1),
            "this process holds the write end"
        );
        assert!(alive(child.id()));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(!alive(child.id()));
    }

    #[test]
    fn finds_this_process_listener_and_not_a_closed_one() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let mine = listening_sockets(std::process::id()).unwrap();
        assert!(mine.contains(&addr), "{mine:?} lacks {addr}");
        drop(l);
        let mine = listening_sockets(std::process::id()).unwrap();
        assert!(!mine.contains(&addr), "{mine:?} still has {addr}");
    }

    #[test]
    fn reads_a_childs_working_directory() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(if cfg!(windows) { "cmd" } else { "sleep" })
            .args(if cfg!(windows) {
                vec!["/c", "pause"]
            } else {
                vec!["30"]
            })
            .current_dir(dir.path())
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let seen = cwd(child.id()).and_then(|c| std::fs::canonicalize(c).ok());
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(seen, std::fs::canonicalize(dir.path()).ok());
    }

    #[test]
    fn finds_a_marked_child_and_sees_it_go() {
        let marker = format!("unit-{}", std::process::id());
        let mut child = std::process::Command::new(if cfg!(windows) { "cmd" } else { "sleep" })
            .args(if cfg!(windows) {
                vec!["/C", "ping -n 30 127.0.0.1 >NUL"]
            } else {
                vec!["30"]
            })
            .env(MARKER_VAR, &marker)
            .spawn()
            .unwrap();
        let found = marked(&marker);
        assert!(found.iter().any(|p| p.pid == child.id()), "{found:?}");
        assert_eq!(
            found
                .iter()
                .find(|p| p.pid == child.id())
                .unwrap()
                .env(MARKER_VAR),
            Some(marker.as_str())
        );
        assert!(marked("some-other-marker")
            .iter()
            .all(|p| p.pid != child.id()));
        kill_marked(&marker, Duration::from_secs(5));
        child.wait().unwrap();
        none_marked_within(&marker, Duration::from_secs(3), "unit").unwrap();
    }
}
