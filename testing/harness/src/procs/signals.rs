//! Signals and kills, by pid or by marker.

use std::time::{Duration, Instant};

#[cfg(not(unix))]
use sysinfo::{Pid, ProcessesToUpdate, System};

use super::marked;

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
