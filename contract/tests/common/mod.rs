//! Helpers for the supervisor tests: a fake backend (`fixtures/fake_backend.py`)
//! and process-table checks.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use contract::launch::{LaunchSpec, Mode};
use contract::logs::ShellLog;
use contract::paths::AppPaths;
use contract::supervisor::SupervisorConfig;
use contract::token::Token;

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub paths: AppPaths,
    pub pidfile: PathBuf,
    pub log: ShellLog,
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn spec() -> LaunchSpec {
    LaunchSpec {
        mode: Mode::Dev,
        manage: vec![
            "python3".into(),
            fixtures_dir().join("fake_backend.py").into(),
        ],
        project_dir: fixtures_dir(),
        settings_module: "fake.settings".into(),
        expected: None,
        worker: true,
        app_version: None,
    }
}

pub fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let paths = AppPaths::create(&dir.path().join("data")).unwrap();
    let log = ShellLog::open(&paths.shell_log());
    Fixture {
        pidfile: dir.path().join("pids"),
        paths,
        log,
        dir,
    }
}

impl Fixture {
    pub fn config(&self, mode: &str, ready_ms: u64, grace_ms: u64) -> SupervisorConfig {
        SupervisorConfig {
            spec: spec(),
            app_data: self.paths.root.clone(),
            token: Token::generate(),
            ready_timeout: Duration::from_millis(ready_ms),
            grace: Duration::from_millis(grace_ms),
            extra_env: vec![
                ("FAKE_MODE".into(), mode.into()),
                ("FAKE_PIDFILE".into(), self.pidfile.clone().into()),
            ],
        }
    }

    /// `(role, pid)` lines the fake processes wrote.
    pub fn pids(&self) -> Vec<(String, u32)> {
        read_pids(&self.pidfile)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.paths.shell_log()).unwrap_or_default()
    }
}

pub fn read_pids(path: &Path) -> Vec<(String, u32)> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (role, pid) = l.split_once(' ')?;
            Some((role.to_string(), pid.trim().parse().ok()?))
        })
        .collect()
}

/// True while `pid` exists and is not a zombie.
pub fn alive(pid: u32) -> bool {
    #[cfg(target_os = "linux")]
    {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => {
                let state = stat
                    .rsplit_once(')')
                    .and_then(|(_, r)| r.trim().chars().next());
                !matches!(state, Some('Z') | Some('X'))
            }
            Err(_) => false,
        }
    }
    #[cfg(all(unix, not(target_os = "linux")))]
    {
        // SAFETY: signal 0 only checks for existence.
        unsafe { libc::kill(pid as i32, 0) == 0 }
    }
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
