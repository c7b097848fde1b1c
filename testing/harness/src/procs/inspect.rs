//! One process, read from outside: its listening sockets, open file descriptors (Linux),
//! working directory and liveness.

use std::net::SocketAddr;

use sysinfo::{Pid, ProcessRefreshKind, ProcessStatus, ProcessesToUpdate, System, UpdateKind};

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
