//! The machine a run measured on, for the results' `## Machine` section.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    let text = String::from_utf8_lossy(if out.stdout.is_empty() {
        &out.stderr
    } else {
        &out.stdout
    })
    .trim()
    .to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

pub fn machine(python: &Path) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    m.insert(
        "cores".into(),
        std::thread::available_parallelism().map_or("?".into(), |n| n.get().to_string()),
    );
    if let Some(cpu) = read("/proc/cpuinfo")
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')))
    {
        m.insert("cpu".into(), cpu.1.trim().to_string());
    }
    if let Some(kb) = read("/proc/meminfo").lines().find_map(|l| {
        l.strip_prefix("MemTotal:")?
            .split_whitespace()
            .next()?
            .parse::<u64>()
            .ok()
    }) {
        m.insert(
            "memory".into(),
            format!("{:.1} GB", kb as f64 * 1024.0 / 1e9),
        );
    }
    if let Some(os) = read("/etc/os-release")
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
    {
        m.insert("os".into(), os.trim_matches('"').to_string());
    }
    m.insert(
        "kernel".into(),
        read("/proc/sys/kernel/osrelease").trim().to_string(),
    );
    m.insert(
        "loadavg_at_start".into(),
        read("/proc/loadavg").trim().to_string(),
    );
    let py = python.to_string_lossy();
    if let Some(v) = command_line(&py, &["--version"]) {
        m.insert("python".into(), v);
    }
    if let Some(v) = command_line(&py, &["-c", "import django, waitress; print('Django', django.get_version(), '/ waitress', waitress.__version__ if hasattr(waitress, '__version__') else '')"]) {
        m.insert("django".into(), v);
    }
    if let Some(v) = command_line("rustc", &["--version"]) {
        m.insert("rustc".into(), v);
    }
    if let Some(v) = command_line("pkg-config", &["--modversion", "webkit2gtk-4.1"]) {
        m.insert("webkit2gtk".into(), v);
    }
    if let Some(v) = command_line("node", &["--version"]) {
        m.insert("node".into(), v);
    }
    m
}

/// The load average at the end of the run (`/proc/loadavg`).
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_string()
}
