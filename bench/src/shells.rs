//! Timing one cold launch of a shell: spawn → splash → backend ready → first paint from its events
//! file, the tree's memory after the page loaded, then quit → shutdown_complete → all gone.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use harness::events::{self, EventKind, Line};
use harness::Event;
use harness::{Launch, LaunchOptions, Shell};

use crate::mem::{kb_to_mb, tree_mem};
use crate::report::Sample;
use crate::timing::{ms, wait_gone, POLL, QUIT_TIMEOUT, START_TIMEOUT};
use crate::{births, first_lines};

/// A safety net only: the bench quits each shell itself with SIGTERM once memory is measured.
const AUTOQUIT_MS: u64 = 120_000;

/// What the bench launches for a shell row: the shell, and for a packaged app what its launch
/// adds.
pub struct ToLaunch {
    pub shell: Shell,
    /// Set for the launch (a packaged app: `PATH` with no Python on it).
    pub env: Vec<(String, String)>,
    /// A packaged app: its web role must run from under this dir (its unpacked runtime), or the
    /// run fails: a shell that fell back to another runtime is not the packaged app.
    pub runtime_dir: Option<PathBuf>,
    /// Keeps an unpacked installer on disk until the run ends.
    pub _unpacked: Option<tempfile::TempDir>,
}

/// Polls the events file, remembering when each line was first seen.
struct Watcher {
    events: Vec<Line>,
    seen: Vec<Instant>,
}

impl Watcher {
    fn poll(&mut self, path: &Path) -> Result<(), String> {
        let ev = events::lines(path)?;
        let now = Instant::now();
        while self.seen.len() < ev.len() {
            self.seen.push(now);
        }
        self.events = ev;
        Ok(())
    }

    fn find(&self, kind: EventKind) -> Option<&Line> {
        self.events.iter().find(|e| e.event.kind() == kind)
    }

    /// The delay from the spawn to the shell's `t_ms = 0`: each line was written at
    /// `offset + t_ms` and seen at or after that, so the smallest `seen - t_ms` bounds it from
    /// above within one poll interval.
    fn offset_ms(&self, spawned: Instant) -> Option<f64> {
        self.events
            .iter()
            .zip(&self.seen)
            .map(|(e, s)| ms(s.duration_since(spawned)) - e.t_ms as f64)
            .reduce(f64::min)
            .map(|o| o.max(0.0))
    }
}

pub fn run_shell(target: &ToLaunch, settle: Duration) -> Result<Sample, String> {
    let mut births = births::Births::before_launch();
    let mut opts = LaunchOptions::default().autoquit_ms(AUTOQUIT_MS);
    for (k, v) in &target.env {
        opts = opts.env(k, v);
    }
    let mut launch =
        Launch::start(&target.shell, opts).map_err(|e| first_lines(&e.to_string(), 3))?;
    let spawned = launch.started;
    let mut w = Watcher {
        events: Vec::new(),
        seen: Vec::new(),
    };
    let path = launch.events_path.clone();
    // Start-up: until the first authenticated paint.
    loop {
        w.poll(&path)?;
        births.poll(launch.pid(), spawned);
        if let Some(Event::StartupFailed { message, .. }) =
            w.find(EventKind::StartupFailed).map(|e| &e.event)
        {
            return Err(format!("startup_failed: {message}"));
        }
        if w.find(EventKind::WindowLoaded).is_some() {
            break;
        }
        if let Some(status) = launch.try_exit() {
            let stderr = launch.stderr_text();
            let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
            return Err(format!(
                "the shell exited ({status}) before window_loaded; events: {}; stderr: {}",
                events::describe(&w.events),
                last.unwrap_or("(empty)")
            ));
        }
        if spawned.elapsed() > START_TIMEOUT {
            return Err(format!(
                "no window_loaded within {} s; events: {}",
                START_TIMEOUT.as_secs(),
                events::describe(&w.events)
            ));
        }
        std::thread::sleep(POLL);
    }
    if let Some(dir) = &target.runtime_dir {
        let web = launch.web_processes();
        // The shell may name it through `..` (wry: `usr/bin/../lib/<app>/runtime`).
        let under = |c: &String| {
            let p = Path::new(c);
            p.canonicalize()
                .map_or(p.starts_with(dir), |p| p.starts_with(dir))
        };
        if !web.iter().any(|p| p.cmd.first().is_some_and(under)) {
            let cmds: Vec<String> = web.iter().map(|p| p.cmd.join(" ")).collect();
            return Err(format!(
                "the web role did not run the unpacked runtime: {}",
                if cmds.is_empty() {
                    "no desktop_serve process".into()
                } else {
                    cmds.join("; ")
                }
            ));
        }
    }
    // Memory once the page has loaded and the worker runs.
    std::thread::sleep(settle);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !launch
        .spawned()
        .map_err(|e| e.to_string())?
        .iter()
        .any(|(r, _)| r == "worker")
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    let procs_now = launch.processes();
    let m = tree_mem(&procs_now, Some(launch.pid()));
    // Quit: SIGTERM, then the events and the process table.
    let pids: Vec<u32> = launch.processes().iter().map(|p| p.pid).collect();
    let quit_at = Instant::now();
    #[cfg(unix)]
    launch.signal(libc::SIGTERM);
    let marker = launch.marker.clone();
    let mut poll_err = None;
    let gone = wait_gone(&pids, &marker, QUIT_TIMEOUT, || {
        launch.try_exit();
        if let Err(e) = w.poll(&path) {
            poll_err = Some(e);
        }
    })?;
    if let Some(e) = poll_err {
        return Err(e);
    }
    // The shell writes shutdown_complete before it exits; read the file a last time.
    w.poll(&path)?;
    let offset = w.offset_ms(spawned).unwrap_or(0.0);
    let at = |kind: EventKind| w.find(kind).map(|e| offset + e.t_ms as f64);
    let quit_ms = ms(quit_at.duration_since(spawned));
    Ok(Sample {
        splash_ms: at(EventKind::SplashShown),
        ready_ms: at(EventKind::BackendReady),
        paint_ms: at(EventKind::WindowLoaded),
        quit_shutdown_ms: at(EventKind::ShutdownComplete).map(|t| t - quit_ms),
        quit_gone_ms: Some(ms(gone.duration_since(quit_at))),
        rss_mb: Some(kb_to_mb(m.rss_kb)),
        pss_mb: Some(kb_to_mb(m.pss_kb)),
        processes: Some(m.count as f64),
        web_processes: cfg!(target_os = "linux").then_some(births.web_process_ms.len() as f64),
        web_process_ms: births.web_process_ms,
        breakdown: Some(m.breakdown),
        start_offset_ms: Some(offset),
    })
}
