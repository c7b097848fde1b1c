//! The process table, read from outside: which processes carry a launch's marker, their
//! environment and command line (sysinfo), and on Linux their listening TCP sockets
//! (`/proc/<pid>/fd` socket inodes joined with `/proc/<pid>/net/tcp{,6}`).

use std::ffi::OsStr;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
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
    mut alive: impl FnMut() -> Vec<ProcInfo>,
) -> Result<(), Vec<ProcInfo>> {
    let start = Instant::now();
    loop {
        let left = alive();
        if left.is_empty() {
            return Ok(());
        }
        if start.elapsed() >= within {
            return Err(left);
        }
        std::thread::sleep(Duration::from_millis(50));
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

/// Polls until no process carries `marker`, or panics at `within` with the survivors listed.
pub fn assert_none_marked_within(marker: &str, within: Duration, what: &str) {
    if let Err(left) = wait_none(within, || marked(marker)) {
        panic!(
            "{what}: {} marked process(es) still alive {} ms later:\n  {}",
            left.len(),
            within.as_millis(),
            describe(&left)
        );
    }
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

/// One row of `/proc/net/tcp` or `/proc/net/tcp6`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpEntry {
    pub local: SocketAddr,
    /// The kernel's TCP state; `0x0A` is LISTEN.
    pub state: u8,
    pub inode: u64,
}

/// The kernel's TCP_LISTEN state number.
pub const TCP_LISTEN: u8 = 0x0A;

impl TcpEntry {
    pub fn is_listening(&self) -> bool {
        self.state == TCP_LISTEN
    }
}

/// Parses `/proc/net/tcp` or `/proc/net/tcp6`. Addresses are hex in the kernel's byte order:
/// each 32-bit word of the address is printed as a native-endian integer (little-endian on
/// x86/arm), the port as big-endian hex.
pub fn parse_proc_net_tcp(text: &str) -> Result<Vec<TcpEntry>, String> {
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.is_empty() {
            continue;
        }
        if cols.len() < 10 {
            return Err(format!("short /proc/net/tcp line: {line}"));
        }
        let local = parse_hex_addr(cols[1])?;
        let state =
            u8::from_str_radix(cols[3], 16).map_err(|e| format!("state {}: {e}", cols[3]))?;
        let inode = cols[9]
            .parse::<u64>()
            .map_err(|e| format!("inode {}: {e}", cols[9]))?;
        out.push(TcpEntry {
            local,
            state,
            inode,
        });
    }
    Ok(out)
}

fn parse_hex_addr(s: &str) -> Result<SocketAddr, String> {
    let (ip, port) = s
        .split_once(':')
        .ok_or_else(|| format!("bad address {s}"))?;
    let port = u16::from_str_radix(port, 16).map_err(|e| format!("port {port}: {e}"))?;
    let words = |hex: &str| -> Result<Vec<[u8; 4]>, String> {
        (0..hex.len() / 8)
            .map(|i| {
                u32::from_str_radix(&hex[i * 8..i * 8 + 8], 16)
                    .map(u32::to_ne_bytes)
                    .map_err(|e| format!("address {hex}: {e}"))
            })
            .collect()
    };
    let ip: IpAddr = match ip.len() {
        8 => IpAddr::V4(Ipv4Addr::from(words(ip)?[0])),
        32 => {
            let mut b = [0u8; 16];
            for (i, w) in words(ip)?.iter().enumerate() {
                b[i * 4..i * 4 + 4].copy_from_slice(w);
            }
            IpAddr::V6(Ipv6Addr::from(b))
        }
        _ => return Err(format!("bad address {s}")),
    };
    Ok(SocketAddr::new(ip, port))
}

/// Parses a `/proc/<pid>/fd/<n>` link target such as `socket:[12345]`.
pub fn socket_inode(link: &str) -> Option<u64> {
    link.strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// The TCP sockets in LISTEN state that process `pid` holds open (Linux only).
#[cfg(target_os = "linux")]
pub fn listening_sockets(pid: u32) -> Result<Vec<SocketAddr>, String> {
    let mut inodes = std::collections::HashSet::new();
    let fd_dir = format!("/proc/{pid}/fd");
    let rd = std::fs::read_dir(&fd_dir).map_err(|e| format!("{fd_dir}: {e}"))?;
    for entry in rd.flatten() {
        if let Ok(target) = std::fs::read_link(entry.path()) {
            if let Some(inode) = socket_inode(&target.to_string_lossy()) {
                inodes.insert(inode);
            }
        }
    }
    let mut out = Vec::new();
    for table in ["tcp", "tcp6"] {
        let path = format!("/proc/{pid}/net/{table}");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("{path}: {e}")),
        };
        out.extend(
            parse_proc_net_tcp(&text)?
                .into_iter()
                .filter(|e| e.is_listening() && inodes.contains(&e.inode))
                .map(|e| e.local),
        );
    }
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

/// The current working directory of `pid` (Linux only).
#[cfg(target_os = "linux")]
pub fn cwd(pid: u32) -> Option<std::path::PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/cwd")).ok()
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

    #[cfg(target_endian = "little")]
    #[test]
    fn parses_proc_net_tcp() {
        let text = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:AB29 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 123456 1 0000000000000000 100 0 0 10 0
   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 222 1 0000000000000000 100 0 0 10 0
   2: 0100007F:AB29 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000 20 4 30 10 -1
";
        let e = parse_proc_net_tcp(text).unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].local, "127.0.0.1:43817".parse().unwrap());
        assert!(e[0].is_listening());
        assert_eq!(e[0].inode, 123456);
        assert_eq!(e[1].local, "0.0.0.0:22".parse().unwrap());
        assert_eq!(e[2].state, 0x01);
        assert!(!e[2].is_listening());
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn parses_proc_net_tcp6() {
        let text = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 999 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1000 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:0051 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0
";
        let e = parse_proc_net_tcp(text).unwrap();
        assert_eq!(e[0].local, "[::]:8080".parse().unwrap());
        assert_eq!(e[1].local, "[::1]:80".parse().unwrap());
        assert_eq!(e[2].local, "[::ffff:127.0.0.1]:81".parse().unwrap());
        assert_eq!(e[2].inode, 1001);
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse_proc_net_tcp("header\n 0: zz:1 0 0A\n").is_err());
        assert!(parse_proc_net_tcp("header\n").unwrap().is_empty());
    }

    #[test]
    fn socket_inode_links() {
        assert_eq!(socket_inode("socket:[4242]"), Some(4242));
        assert_eq!(socket_inode("pipe:[4242]"), None);
        assert_eq!(socket_inode("/dev/null"), None);
    }

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

    #[cfg(target_os = "linux")]
    #[test]
    fn finds_this_process_listener() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let mine = listening_sockets(std::process::id()).unwrap();
        assert!(mine.contains(&addr), "{mine:?} lacks {addr}");
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
        assert_none_marked_within(&marker, Duration::from_secs(3), "unit");
    }
}
