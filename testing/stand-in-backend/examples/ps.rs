//! The OS process listing, for the Wine lane (`scripts/wine-lane.sh`):
//! `ps [pid…]`. sysinfo reads it with `NtQuerySystemInformation` on Windows
//! (under Wine: Wine's process table) and from `/proc` on Linux.
//!
//! Prints every process (pid, parent pid, name), marking the given pids,
//! their children (e.g. the `conhost.exe` a console program gets) and every
//! stand-in, then exits 1 if any of them is alive, else 0.

use sysinfo::{ProcessRefreshKind, ProcessStatus, ProcessesToUpdate, System};

fn main() {
    let wanted: Vec<u32> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("a pid"))
        .collect();
    let mut sys = System::new().expect("the OS process listing");
    sys.refresh_processes_specifics(ProcessesToUpdate::All, true, ProcessRefreshKind::nothing());
    let mut procs: Vec<_> = sys.processes().values().collect();
    procs.sort_by_key(|p| p.pid().as_u32());
    let mut found = 0;
    println!("{:>7} {:>7}  NAME", "PID", "PPID");
    for p in procs {
        if matches!(p.status(), ProcessStatus::Zombie | ProcessStatus::Dead) {
            continue;
        }
        let pid = p.pid().as_u32();
        let name = p.name().to_string_lossy();
        let ppid = p.parent().map_or(0, |pp| pp.as_u32());
        let hit =
            wanted.contains(&pid) || wanted.contains(&ppid) || name.starts_with("stand-in-backen");
        found += usize::from(hit);
        let mark = if hit { "  <-- still alive" } else { "" };
        println!("{pid:>7} {ppid:>7}  {name}{mark}");
    }
    println!(
        "{found} of the watched processes alive (pids {wanted:?}, their children, any stand-in)"
    );
    std::process::exit(i32::from(found > 0));
}
