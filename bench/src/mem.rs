//! Memory of a process tree: RSS and PSS summed over processes, from `/proc/<pid>/smaps_rollup`.
//!
//! RSS counts every resident page a process maps, so shared pages (libraries, WebKit's shared
//! memory, the pages Python's fork-free processes share through the page cache) are counted once
//! per process; summed over a tree it overstates. PSS divides each shared page by the number of
//! processes mapping it, so the sum of PSS over a tree is that tree's fair share of RAM.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

/// Rss and Pss of one process, in KiB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Mem {
    pub rss_kb: u64,
    pub pss_kb: u64,
}

/// Parses the text of `/proc/<pid>/smaps_rollup` (or `/proc/<pid>/smaps`, whose per-mapping
/// lines are summed): the `Rss:` and `Pss:` lines, in kB.
// Only Linux has smaps; elsewhere the bench reports memory as n/a and this is only unit-tested.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub fn parse_smaps_rollup(text: &str) -> Option<Mem> {
    let mut mem = Mem::default();
    let (mut saw_rss, mut saw_pss) = (false, false);
    for line in text.lines() {
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let value = || -> Option<u64> {
            let mut it = rest.split_whitespace();
            let n = it.next()?.parse::<u64>().ok()?;
            match it.next() {
                Some("kB") | None => Some(n),
                _ => None,
            }
        };
        match key.trim() {
            "Rss" => {
                mem.rss_kb += value()?;
                saw_rss = true;
            }
            "Pss" => {
                mem.pss_kb += value()?;
                saw_pss = true;
            }
            _ => {}
        }
    }
    (saw_rss && saw_pss).then_some(mem)
}

/// Reads one process's memory (Linux). `None` when the process is gone or unreadable.
#[cfg(target_os = "linux")]
pub fn of_pid(pid: u32) -> Option<Mem> {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|t| parse_smaps_rollup(&t))
        .or_else(|| {
            std::fs::read_to_string(format!("/proc/{pid}/smaps"))
                .ok()
                .and_then(|t| parse_smaps_rollup(&t))
        })
}

#[cfg(not(target_os = "linux"))]
pub fn of_pid(_pid: u32) -> Option<Mem> {
    None
}

/// Whether `pid` is gone: no `/proc/<pid>`, or a zombie (dead, only not yet reaped).
#[cfg(target_os = "linux")]
pub fn pid_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_none_or(|state| state == "Z" || state == "X"),
        Err(_) => true,
    }
}

/// Elsewhere the caller's final process-table check (by marker) decides.
#[cfg(not(target_os = "linux"))]
pub fn pid_gone(_pid: u32) -> bool {
    true
}

/// Memory of a set of live processes, and a breakdown by kind.
pub struct TreeMem {
    pub rss_kb: u64,
    pub pss_kb: u64,
    pub count: usize,
    pub breakdown: String,
}

pub fn tree_mem(procs: &[harness::ProcInfo], shell_pid: Option<u32>) -> TreeMem {
    // kind → (processes, PSS in kB)
    let mut kinds: BTreeMap<String, (usize, u64)> = BTreeMap::new();
    let (mut rss, mut pss, mut count) = (0, 0, 0);
    for p in procs {
        let Some(m) = of_pid(p.pid) else {
            continue;
        };
        rss += m.rss_kb;
        pss += m.pss_kb;
        count += 1;
        let kind = if Some(p.pid) == shell_pid {
            "shell".to_string()
        } else if p.cmd.iter().any(|a| a.ends_with("manage.py"))
            || p.has_arg("desktop_serve")
            || p.has_arg("desktop_worker")
            || p.cmd.iter().any(|a| a == "waitress")
        {
            let role = ["desktop_serve", "desktop_worker", "migrate", "waitress"]
                .into_iter()
                .find(|r| p.has_arg(r))
                .unwrap_or("other");
            format!("python {role}")
        } else {
            p.cmd
                .first()
                .map(|c| {
                    Path::new(c)
                        .file_name()
                        .map_or(c.clone(), |f| f.to_string_lossy().into_owned())
                })
                .unwrap_or_else(|| format!("pid {}", p.pid))
        };
        let entry = kinds.entry(kind).or_default();
        entry.0 += 1;
        entry.1 += m.pss_kb;
    }
    TreeMem {
        rss_kb: rss,
        pss_kb: pss,
        count,
        breakdown: kinds
            .iter()
            .map(|(k, (n, pss))| format!("{n}× {k} {:.1} MB", kb_to_mb(*pss)))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

pub fn kb_to_mb(kb: u64) -> f64 {
    kb as f64 * 1024.0 / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLLUP: &str =
        "55d0c0a00000-7ffd3c9f1000 ---p 00000000 00:00 0                          [rollup]
Rss:               41236 kB
Pss:               17005 kB
Pss_Dirty:         10020 kB
Pss_Anon:           9876 kB
Pss_File:           7129 kB
Pss_Shmem:             0 kB
Shared_Clean:      23456 kB
Shared_Dirty:          0 kB
Private_Clean:      1234 kB
Private_Dirty:     16546 kB
Referenced:        41236 kB
Anonymous:          9876 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
";

    #[test]
    fn parses_smaps_rollup() {
        assert_eq!(
            parse_smaps_rollup(ROLLUP),
            Some(Mem {
                rss_kb: 41236,
                pss_kb: 17005
            })
        );
    }

    #[test]
    fn sums_per_mapping_smaps_and_rejects_garbage() {
        let smaps = "00400000-00452000 r-xp 00000000 08:02 173521 /usr/bin/x\nRss: 4 kB\nPss: 2 kB\n7f00-7f10 rw-p 0 0:0 0\nRss: 10 kB\nPss: 10 kB\n";
        assert_eq!(
            parse_smaps_rollup(smaps),
            Some(Mem {
                rss_kb: 14,
                pss_kb: 12
            })
        );
        assert_eq!(parse_smaps_rollup(""), None);
        assert_eq!(parse_smaps_rollup("Rss: 4 kB\n"), None);
        assert_eq!(parse_smaps_rollup("Rss: x kB\nPss: 1 kB\n"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reads_this_process() {
        let m = of_pid(std::process::id()).expect("own smaps_rollup");
        assert!(
            m.rss_kb > 0 && m.pss_kb > 0 && m.pss_kb <= m.rss_kb,
            "{m:?}"
        );
        assert!(!pid_gone(std::process::id()));
        assert!(pid_gone(u32::MAX - 1));
    }
}
