//! Helpers shared by the tests: the stand-in's path and command, its
//! `STAND_IN_TREE` report, and the OS process listing.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use sysinfo::{Pid, ProcessRefreshKind, ProcessStatus, ProcessesToUpdate, System};

/// The stand-in executable that cargo built for these tests.
///
/// Under Wine, cargo (a Linux program) hands a Unix path, which Windows
/// would read as relative to the current drive; Wine maps `/` to `Z:\`.
pub fn stand_in() -> PathBuf {
    let path = env!("CARGO_BIN_EXE_stand-in-backend");
    if cfg!(windows) && path.starts_with('/') {
        return PathBuf::from(format!("Z:{}", path.replace('/', "\\")));
    }
    PathBuf::from(path)
}

/// `<stand-in> manage.py <role>` with a token and piped stdio, the way the
/// supervisor starts a role.
pub fn command(role: &str, stubborn: bool) -> Command {
    let mut cmd = Command::new(stand_in());
    cmd.args(["manage.py", role])
        .env("DESKTOP_DJANGO_AUTH_TOKEN", "test-token")
        .env("STAND_IN_STUBBORN", if stubborn { "1" } else { "0" })
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    cmd
}

/// What a stand-in role reports about itself (`STAND_IN_TREE {json}`).
#[derive(Debug, Clone, Copy)]
pub struct Tree {
    pub pid: u32,
    pub grandchild: u32,
    /// Windows: in a Job Object at its first instruction; `None` elsewhere.
    pub in_job: Option<bool>,
    pub grandchild_in_job: Option<bool>,
}

impl Tree {
    pub fn pids(&self) -> [u32; 2] {
        [self.pid, self.grandchild]
    }

    /// Parses the JSON after `STAND_IN_TREE `.
    pub fn parse(json: &str) -> Tree {
        let v: Value = serde_json::from_str(json).expect("STAND_IN_TREE JSON");
        let pid = |k: &str| v[k].as_u64().expect("a pid") as u32;
        Tree {
            pid: pid("pid"),
            grandchild: pid("grandchild"),
            in_job: v["in_job"].as_bool(),
            grandchild_in_job: v["grandchild_in_job"].as_bool(),
        }
    }
}

/// Reads stdout lines until the `STAND_IN_TREE` report (the first line),
/// then drains the rest on a thread: a closed pipe would fail the
/// stand-in's next print, as it would fail Django's.
pub fn read_tree(stdout: impl Read + Send + 'static) -> Tree {
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.expect("stand-in stdout");
        if let Some(json) = line.strip_prefix("STAND_IN_TREE ") {
            std::thread::spawn(move || lines.for_each(drop));
            return Tree::parse(json);
        }
    }
    panic!("the stand-in closed stdout without its STAND_IN_TREE line");
}

/// Every `STAND_IN_TREE` report in a shell log (`[web stdout] STAND_IN_TREE {…}`).
pub fn trees_in_log(log: &str) -> Vec<Tree> {
    log.lines()
        .filter_map(|l| {
            l.split_once("STAND_IN_TREE ")
                .map(|(_, json)| Tree::parse(json))
        })
        .collect()
}

/// The stand-in processes among `pids` that are alive, as `pid name` lines,
/// from the OS process listing: sysinfo reads `/proc` on Linux and
/// `NtQuerySystemInformation` on Windows (Wine's process table under Wine).
/// The name check keeps a pid reused by another program from counting
/// (`stand-in-backen` on Linux, where names are cut at 15 bytes).
pub fn alive(pids: &[u32]) -> Vec<String> {
    let mut sys = System::new().expect("the OS process listing");
    sys.refresh_processes_specifics(ProcessesToUpdate::All, true, ProcessRefreshKind::nothing());
    pids.iter()
        .filter_map(|&pid| {
            let p = sys.process(Pid::from_u32(pid))?;
            let name = p.name().to_string_lossy();
            let dead =
                matches!(p.status(), ProcessStatus::Zombie | ProcessStatus::Dead) || exited(pid);
            (!dead && name.starts_with("stand-in-backen")).then(|| format!("{pid} {name}"))
        })
        .collect()
}

/// Windows: whether `pid` has exited though still listed, because someone
/// (this test's `Child`) holds a handle to it: a Windows zombie.
#[cfg(windows)]
fn exited(pid: u32) -> bool {
    use windows_sys::Win32::Foundation::{CloseHandle, STILL_ACTIVE};
    use windows_sys::Win32::System::Threading::{
        GetExitCodeProcess, OpenProcess, PROCESS_QUERY_LIMITED_INFORMATION,
    };
    // SAFETY: plain Win32 calls; the handle is closed before returning.
    unsafe {
        let handle = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid);
        if handle.is_null() {
            return false; // not ours to open: trust the listing
        }
        let mut code = 0;
        let ok = GetExitCodeProcess(handle, &mut code) != 0;
        CloseHandle(handle);
        ok && code != STILL_ACTIVE as u32
    }
}

#[cfg(not(windows))]
fn exited(_pid: u32) -> bool {
    false
}

/// Prints the listing for `pids` (the evidence in the test output).
pub fn show(what: &str, pids: &[u32]) -> Vec<String> {
    let live = alive(pids);
    eprintln!("process listing, {what}: pids {pids:?} -> alive {live:?}");
    live
}

/// Polls `cond` every 20 ms until it holds or `ms` pass.
pub fn eventually(ms: u64, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_millis(ms);
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Asserts that none of `pids` is alive within `ms`, printing the listing.
pub fn assert_gone_within(ms: u64, what: &str, pids: &[u32]) {
    let gone = eventually(ms, || alive(pids).is_empty());
    let live = show(what, pids);
    assert!(gone, "{what}: still alive after {ms} ms: {live:?}");
}

/// Whether this test process is outside every Job Object. Only then does
/// a child's membership say anything: inside a job (some CI runners put
/// every process in one), every child starts in a job anyway.
pub fn outside_any_job() -> bool {
    #[cfg(windows)]
    {
        use windows_sys::Win32::System::JobObjects::IsProcessInJob;
        use windows_sys::Win32::System::Threading::GetCurrentProcess;
        let mut result = 0;
        // SAFETY: the current-process pseudo-handle and a valid out pointer.
        let ok = unsafe { IsProcessInJob(GetCurrentProcess(), std::ptr::null_mut(), &mut result) };
        ok != 0 && result == 0
    }
    #[cfg(not(windows))]
    false
}

/// Wine sets `WINECONFIGDIR` in every Windows process's environment.
pub fn under_wine() -> bool {
    cfg!(windows) && std::env::var_os("WINECONFIGDIR").is_some()
}
