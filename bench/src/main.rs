//! `just bench`: cold launches of every shell with a descriptor (`shells/*/conformance.toml`),
//! against two references measured in the same run, written to `docs/benchmarks/`.
//! Method and how to read the numbers: `docs/performance.md`.

mod births;
mod mem;
mod report;
mod stats;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use contract::launch::LaunchSpec;
use harness::descriptor::{self, Placeholders, ShellSpec};
use harness::events::{self, Event};
use harness::launch::{fresh_marker, TOKEN_ENV};
use harness::{prebuild, procs, Auth, Backend, Launch, LaunchOptions, Shell, MARKER_VAR};

use report::{Artifact, Results, Sample, Subject, FLOOR, MIGRATE_POLL};

/// A safety net only: the bench quits each shell itself with SIGTERM once memory is measured.
const AUTOQUIT_MS: u64 = 120_000;
/// How often the events file and the process table are polled while timing.
const POLL: Duration = Duration::from_millis(4);
const START_TIMEOUT: Duration = Duration::from_secs(90);
const QUIT_TIMEOUT: Duration = Duration::from_secs(15);
/// The migrate-then-poll pattern's health poll interval.
const STARTER_POLL: Duration = Duration::from_millis(250);

struct Args {
    runs: usize,
    settle_ms: u64,
    only: Option<Vec<String>>,
    build: bool,
    release: bool,
    out: PathBuf,
}

fn usage() -> &'static str {
    "usage: bench [--runs N] [--settle-ms MS] [--only NAME[,NAME…]] [--profile release|debug] [--no-build] [--out DIR]

  --runs N         timed cold launches per subject, after one warm-up (default 10)
  --settle-ms MS   wait after first paint / first health 200 before reading memory (default 2000)
  --only NAMES     only these shells (descriptor names) and references (floor, migrate-then-poll)
  --profile P      time the shells' release binaries (default; built with `cargo build --release -p <pkg>`)
                   or the debug binaries the descriptors name
  --no-build       build nothing; use the binaries that exist
  --out DIR        where results.md, results.json and chart.svg go (default docs/benchmarks)"
}

fn parse_args(ws: &Path) -> Result<Args, String> {
    let mut a = Args {
        runs: 10,
        settle_ms: 2000,
        only: None,
        build: true,
        release: true,
        out: ws.join("docs").join("benchmarks"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--runs" => {
                a.runs = value("--runs")?
                    .parse()
                    .map_err(|e| format!("--runs: {e}"))?;
                if a.runs == 0 {
                    return Err("--runs must be at least 1".into());
                }
            }
            "--settle-ms" => {
                a.settle_ms = value("--settle-ms")?
                    .parse()
                    .map_err(|e| format!("--settle-ms: {e}"))?
            }
            "--only" => {
                a.only = Some(
                    value("--only")?
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .collect(),
                )
            }
            "--profile" => match value("--profile")?.as_str() {
                "release" => a.release = true,
                "debug" => a.release = false,
                other => return Err(format!("--profile {other}: use release or debug")),
            },
            "--no-build" => a.build = false,
            "--out" => a.out = PathBuf::from(value("--out")?),
            "-h" | "--help" => {
                println!("{}", usage());
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}\n{}", usage())),
        }
    }
    Ok(a)
}

fn say(line: &str) {
    eprintln!("bench: {line}");
}

/// The first line of a long harness message, for one-line reports.
fn first_lines(s: &str, n: usize) -> String {
    s.lines().take(n).collect::<Vec<_>>().join(" / ")
}

// ---------------------------------------------------------------------------------------------
// Shell launches
// ---------------------------------------------------------------------------------------------

/// Polls the events file, remembering when each line was first seen.
struct Watcher {
    events: Vec<Event>,
    seen: Vec<Instant>,
}

impl Watcher {
    fn poll(&mut self, path: &Path) -> Result<(), String> {
        let ev = events::read(path)?;
        let now = Instant::now();
        while self.seen.len() < ev.len() {
            self.seen.push(now);
        }
        self.events = ev;
        Ok(())
    }

    fn find(&self, name: &str) -> Option<&Event> {
        self.events.iter().find(|e| e.name == name)
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

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Memory of a set of live processes, and a breakdown by kind.
struct TreeMem {
    rss_kb: u64,
    pss_kb: u64,
    count: usize,
    breakdown: String,
}

fn tree_mem(procs: &[harness::ProcInfo], shell_pid: Option<u32>) -> TreeMem {
    // kind → (processes, PSS in kB)
    let mut kinds: BTreeMap<String, (usize, u64)> = BTreeMap::new();
    let (mut rss, mut pss, mut count) = (0, 0, 0);
    for p in procs {
        let Some(m) = mem::of_pid(p.pid) else {
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

fn kb_to_mb(kb: u64) -> f64 {
    kb as f64 * 1024.0 / 1e6
}

/// Waits until every pid in `pids` is gone and then no process carries `marker`; returns the
/// instant that happened. `tick` runs on every poll (e.g. reaping the shell, reading events).
fn wait_gone(
    pids: &[u32],
    marker: &str,
    timeout: Duration,
    mut tick: impl FnMut(),
) -> Result<Instant, String> {
    let start = Instant::now();
    procs::wait_none_every(POLL, timeout, || {
        tick();
        pids.iter()
            .copied()
            .filter(|&p| !mem::pid_gone(p))
            .collect::<Vec<u32>>()
    })
    .map_err(|left| {
        format!(
            "{} process(es) still alive {} ms after the quit",
            left.len(),
            timeout.as_millis()
        )
    })?;
    let at = Instant::now();
    // A process the snapshot missed (e.g. spawned during the quit) still counts.
    if procs::marked(marker).is_empty() {
        return Ok(at);
    }
    procs::wait_none_every(POLL, timeout.saturating_sub(start.elapsed()), || {
        tick();
        procs::marked(marker)
    })
    .map_err(|left| format!("{} process(es) still alive", left.len()))?;
    Ok(Instant::now())
}

fn run_shell(shell: &Shell, settle: Duration) -> Result<Sample, String> {
    let mut births = births::Births::before_launch();
    let mut launch = Launch::start(shell, LaunchOptions::default().autoquit_ms(AUTOQUIT_MS))
        .map_err(|e| first_lines(&e.to_string(), 3))?;
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
        if let Some(e) = w.find("startup_failed") {
            return Err(format!(
                "startup_failed: {}",
                e.str("message").unwrap_or("?")
            ));
        }
        if w.find("window_loaded").is_some() {
            break;
        }
        if let Some(status) = launch.try_exit() {
            let stderr = launch.stderr_text();
            let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
            return Err(format!(
                "the shell exited ({status}) before window_loaded; events: {}; stderr: {}",
                events::summary(&w.events),
                last.unwrap_or("(empty)")
            ));
        }
        if spawned.elapsed() > START_TIMEOUT {
            return Err(format!(
                "no window_loaded within {} s; events: {}",
                START_TIMEOUT.as_secs(),
                events::summary(&w.events)
            ));
        }
        std::thread::sleep(POLL);
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
    let at = |name: &str| w.find(name).map(|e| offset + e.t_ms as f64);
    let quit_ms = ms(quit_at.duration_since(spawned));
    Ok(Sample {
        splash_ms: at("splash_shown"),
        ready_ms: at("backend_ready"),
        paint_ms: at("window_loaded"),
        quit_shutdown_ms: at("shutdown_complete").map(|t| t - quit_ms),
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

// ---------------------------------------------------------------------------------------------
// References
// ---------------------------------------------------------------------------------------------

/// A reference process tree: killed with everything carrying its marker when dropped.
struct Tree {
    marker: String,
    child: Option<Child>,
}

impl Drop for Tree {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.kill();
        }
        procs::kill_marked(&self.marker, Duration::from_secs(5));
        if let Some(c) = &mut self.child {
            let _ = c.wait();
        }
    }
}

/// `manage.py <args>` (the spec's manage prefix) with the reference environment.
fn backend_command(spec: &LaunchSpec, args: &[&str], env: &RefEnv) -> Command {
    with_ref_env(spec.manage_command(args), env)
}

/// The dev interpreter itself (`python <args>`, e.g. `-m waitress`), in the project dir with the
/// spec's settings and the reference environment.
fn python_command(spec: &LaunchSpec, args: &[&str], env: &RefEnv) -> Command {
    let manage = spec.manage_command::<&str>(&[]);
    let mut cmd = Command::new(spec.program());
    cmd.args(args).current_dir(&spec.project_dir);
    for (k, v) in manage.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    with_ref_env(cmd, env)
}

fn with_ref_env(mut cmd: Command, env: &RefEnv) -> Command {
    cmd.env(TOKEN_ENV, &env.token)
        .env("DESKTOP_DJANGO_APP_DATA_DIR", &env.app_data)
        .env(MARKER_VAR, &env.marker)
        .env_remove("DESKTOP_DJANGO_EVENTS")
        .env_remove("DESKTOP_DJANGO_AUTOQUIT_MS")
        .stderr(File::create(env.tmp.path().join("stderr")).map_or(Stdio::null(), Stdio::from));
    harness::platform::die_with_parent(&mut cmd);
    cmd
}

struct RefEnv {
    tmp: tempfile::TempDir,
    app_data: PathBuf,
    token: String,
    marker: String,
}

fn ref_env(name: &str) -> Result<RefEnv, String> {
    let tmp = tempfile::Builder::new()
        .prefix(&format!("bench-{name}-"))
        .tempdir()
        .map_err(|e| e.to_string())?;
    let app_data = tmp.path().join("app-data");
    Ok(RefEnv {
        app_data,
        token: contract::token::Token::generate().expose().to_string(),
        marker: fresh_marker(),
        tmp,
    })
}

/// Polls `GET /health/` with the token until 200, every `interval`.
fn poll_health(
    port: u16,
    token: &str,
    interval: Duration,
    deadline: Instant,
    child: &mut Child,
) -> Result<Instant, String> {
    let backend = Backend::new(port);
    loop {
        if let Ok(r) = backend.get("/health/", Auth::Header(token)) {
            if r.status == 200 {
                return Ok(Instant::now());
            }
        }
        if let Ok(Some(s)) = child.try_wait() {
            return Err(format!("the server exited ({s}) before a health 200"));
        }
        if Instant::now() > deadline {
            return Err("no health 200 in time".into());
        }
        std::thread::sleep(interval);
    }
}

fn settle_and_measure(env: &RefEnv, settle: Duration) -> TreeMem {
    std::thread::sleep(settle);
    tree_mem(&procs::marked(&env.marker), None)
}

/// floor: `desktop_serve` alone → handshake line → first health 200 (polled every 4 ms).
/// Quit: close its lifeline (stdin), as the shells do.
fn run_floor(spec: &LaunchSpec, settle: Duration) -> Result<Sample, String> {
    let env = ref_env(FLOOR)?;
    let mut cmd = backend_command(spec, &["desktop_serve"], &env);
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped());
    let spawned = Instant::now();
    let child = cmd.spawn().map_err(|e| format!("cannot spawn: {e}"))?;
    let mut tree = Tree {
        marker: env.marker.clone(),
        child: Some(child),
    };
    let child = tree.child.as_mut().expect("child");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            match contract::port::parse_line(&line) {
                Ok(None) => continue,
                parsed => {
                    let _ = tx.send(parsed.map_err(|e| e.to_string()));
                    return;
                }
            }
        }
    });
    let port = rx
        .recv_timeout(START_TIMEOUT)
        .map_err(|_| "no DESKTOP_DJANGO_READY line".to_string())??
        .expect("only handshakes are sent")
        .port;
    let ok = poll_health(port, &env.token, POLL, spawned + START_TIMEOUT, child)?;
    // Quit: close the lifeline, as a shell does (C-PROC-2).
    measure_then_quit(&env, settle, spawned, ok, child, |c| drop(c.stdin.take()))
}

/// The tail both reference rows share: memory after `settle`, then `quit` and the time until
/// every marked process is gone. `spawned` and `ready` give the row's start-up time.
fn measure_then_quit(
    env: &RefEnv,
    settle: Duration,
    spawned: Instant,
    ready: Instant,
    child: &mut Child,
    quit: impl FnOnce(&mut Child),
) -> Result<Sample, String> {
    let m = settle_and_measure(env, settle);
    let pids: Vec<u32> = procs::marked(&env.marker).iter().map(|p| p.pid).collect();
    let quit_at = Instant::now();
    quit(child);
    let gone = wait_gone(&pids, &env.marker, QUIT_TIMEOUT, || {
        let _ = child.try_wait();
    })?;
    Ok(Sample {
        ready_ms: Some(ms(ready.duration_since(spawned))),
        quit_gone_ms: Some(ms(gone.duration_since(quit_at))),
        rss_mb: Some(kb_to_mb(m.rss_kb)),
        pss_mb: Some(kb_to_mb(m.pss_kb)),
        processes: Some(m.count as f64),
        breakdown: Some(m.breakdown),
        ..Default::default()
    })
}

/// migrate-then-poll: `manage.py migrate` as its own process, then waitress on a port the parent
/// chose, then `/health/` every 250 ms until 200. Quit: SIGTERM to the server.
fn run_migrate_then_poll(spec: &LaunchSpec, settle: Duration) -> Result<Sample, String> {
    let env = ref_env(MIGRATE_POLL)?;
    let spawned = Instant::now();
    let migrate = backend_command(spec, &["migrate", "--noinput"], &env)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run migrate: {e}"))?;
    if !migrate.success() {
        return Err(format!("migrate failed ({migrate})"));
    }
    // The parent picks the port (the pattern the contract's handshake replaces).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let listen = format!("--listen=127.0.0.1:{port}");
    let mut cmd = python_command(
        spec,
        &["-m", "waitress", &listen, "flying_stable.wsgi:application"],
        &env,
    );
    cmd.stdin(Stdio::null()).stdout(Stdio::null());
    let child = cmd.spawn().map_err(|e| format!("cannot spawn: {e}"))?;
    let mut tree = Tree {
        marker: env.marker.clone(),
        child: Some(child),
    };
    let child = tree.child.as_mut().expect("child");
    let ok = poll_health(
        port,
        &env.token,
        STARTER_POLL,
        spawned + START_TIMEOUT,
        child,
    )?;
    measure_then_quit(&env, settle, spawned, ok, child, |c| {
        #[cfg(unix)]
        procs::signal(c.id(), libc::SIGTERM);
        #[cfg(not(unix))]
        let _ = c.kill();
    })
}

// ---------------------------------------------------------------------------------------------
// Builds and sizes
// ---------------------------------------------------------------------------------------------

/// The cargo package a descriptor's build step builds (`… -p <pkg>`), if it is a cargo build.
fn cargo_package(spec: &ShellSpec) -> Option<String> {
    let b = spec.build.as_ref()?;
    if b.first().is_none_or(|c| c != "cargo") {
        return None;
    }
    b.iter()
        .position(|a| a == "-p" || a == "--package")
        .and_then(|i| b.get(i + 1).cloned())
}

/// The descriptor with `{target_dir}/debug/` swapped for `{target_dir}/release/`, when its
/// program lives in cargo's debug dir.
fn release_spec(spec: &ShellSpec) -> Option<ShellSpec> {
    let first = spec.command_template.first()?;
    if !first.contains("{target_dir}/debug/") {
        return None;
    }
    let mut s = spec.clone();
    s.command_template[0] = first.replace("{target_dir}/debug/", "{target_dir}/release/");
    s.program = PathBuf::from(s.placeholders.expand(&s.command_template[0]).ok()?);
    Some(s)
}

fn cargo_release_build(ws: &Path, pkg: &str) -> Result<(), String> {
    say(&format!("cargo build --release -p {pkg} …"));
    let out = Command::new("cargo")
        .args(["build", "--release", "-p", pkg])
        .current_dir(ws)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    Err(format!(
        "`cargo build --release -p {pkg}` failed: {}",
        lines[lines.len().saturating_sub(3)..].join(" / ")
    ))
}

fn artifact(p: &Path) -> Option<Artifact> {
    let md = std::fs::metadata(p).ok()?;
    md.is_file().then(|| Artifact {
        path: p.to_string_lossy().into_owned(),
        bytes: md.len(),
    })
}

/// A package built for the shell: Tauri's bundles under `<target>/release/bundle/`, or a
/// `dist/` or `out/` folder in the shell's own dir. The largest matching file.
fn find_package(spec: &ShellSpec) -> Option<Artifact> {
    let mut dirs = Vec::new();
    if spec.dir.join("tauri.conf.json").is_file() {
        let bundle = spec.placeholders.target_dir.join("release").join("bundle");
        for kind in ["deb", "rpm", "appimage", "dmg", "msi", "nsis"] {
            dirs.push(bundle.join(kind));
        }
    }
    dirs.push(spec.dir.join("dist"));
    dirs.push(spec.dir.join("out").join("make"));
    let exts = [".deb", ".rpm", ".AppImage", ".dmg", ".msi", ".exe", ".zip"];
    let mut found: Vec<Artifact> = Vec::new();
    for d in dirs {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let name = p.to_string_lossy();
            if exts.iter().any(|x| name.ends_with(x)) {
                found.extend(artifact(&p));
            }
        }
    }
    // Prefer a .deb (the Linux package), else the largest.
    found.sort_by_key(|a| (a.path.ends_with(".deb"), a.bytes));
    found.pop()
}

/// Prepares one shell: builds it, picks the binary to time, records its sizes.
fn prepare_shell(ws: &Path, spec: ShellSpec, args: &Args) -> (Subject, Option<Shell>) {
    let mut subject = Subject::new(
        &spec.name,
        &spec.label,
        "shell",
        &spec.command_template.join(" "),
    );
    let pkg = cargo_package(&spec);
    let release = release_spec(&spec);
    let mut notes = Vec::new();
    let mut timed = spec.clone();
    if args.release {
        if let (Some(rel), Some(pkg)) = (&release, &pkg) {
            let built = if args.build && pkg_build_ok(ws, pkg, &mut notes) {
                true
            } else {
                rel.program.is_file()
            };
            if built && rel.program.is_file() {
                timed = rel.clone();
            } else {
                notes.push("timed the debug binary: no release build".to_string());
            }
        }
    }
    let uses_debug = timed.program == spec.program;
    if uses_debug && args.build {
        match prebuild::run(&spec, ws) {
            Ok(prebuild::BuildOutcome::UsedExisting(w)) => say(&format!("{}: {w}", spec.name)),
            Ok(_) => {}
            Err(e) => {
                subject.skipped = Some(format!("build failed: {}", first_lines(&e, 2)));
                return (subject, None);
            }
        }
    }
    if !timed.program.is_file() && timed.program.components().count() > 1 {
        subject.skipped = Some(format!(
            "{} does not exist (run `{}`)",
            timed.program.display(),
            spec.build.as_ref().map(|b| b.join(" ")).unwrap_or_default()
        ));
        return (subject, None);
    }
    subject.description = format!("{} {}", timed.program.display(), timed.args.join(" "));
    match &release {
        Some(rel) => match artifact(&rel.program) {
            Some(a) => subject.binary = Some(a),
            None => notes.push("release binary not built".into()),
        },
        None => notes.push("no cargo binary".into()),
    }
    subject.package = find_package(&spec);
    if !notes.is_empty() {
        subject.size_note = Some(notes.join("; "));
    }
    if uses_debug && release.is_some() {
        subject.label = format!("{} (debug)", spec.label);
    }
    (
        subject,
        Some(Shell {
            spec: timed,
            unavailable: None,
        }),
    )
}

fn pkg_build_ok(ws: &Path, pkg: &str, notes: &mut Vec<String>) -> bool {
    match cargo_release_build(ws, pkg) {
        Ok(()) => true,
        Err(e) => {
            say(&e);
            notes.push(e);
            false
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Machine
// ---------------------------------------------------------------------------------------------

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

fn machine(python: &Path) -> BTreeMap<String, String> {
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

const METHOD: &[&str] = &[
    "Each subject gets one warm-up launch (discarded), then N timed cold launches; the rounds are interleaved (every subject once per round) so drift in machine load hits all rows alike.",
    "Every launch gets a fresh temp app-data dir (DESKTOP_DJANGO_APP_DATA_DIR), so every launch migrates and seeds a new database.",
    "Shells: spawn = the instant before the bench spawns the descriptor's command. Event times come from DESKTOP_DJANGO_EVENTS: each event's t_ms is relative to the shell's own start, so the bench polls the file every 4 ms, takes offset = min(seen − t_ms) over all events (the spawn → shell-start delay, within one poll) and reports offset + t_ms.",
    "Memory: once window_loaded (shells) or the first health 200 (references) is seen, plus a settle delay, the bench sums Rss and Pss from /proc/<pid>/smaps_rollup over every live process carrying the launch's marker variable (DESKTOP_DJANGO_CONFORMANCE_MARKER, inherited by every descendant): the shell, its webview helper processes, desktop_serve and desktop_worker.",
    "Web processes by first paint (Linux): every WebKitWebProcess carrying the launch's marker that appears in /proc between the spawn and window_loaded, polled with the events file. 2 means WebKit swapped web processes on the way to the first page (for example for a Cross-Origin-Opener-Policy response reached from the splash).",
    "Quit: SIGTERM to the shell (floor: its lifeline stdin is closed; migrate-then-poll: SIGTERM to waitress). quit → shutdown_complete from the events file; quit → all gone is when every process of the launch is gone from /proc (zombies count as gone) and no process carries the marker, polled every 4 ms.",
    "floor: `python manage.py desktop_serve` alone with the same interpreter, settings and env as the shells' supervisor gives it (token, fresh app-data dir); time from spawn to the first 200 of GET /health/ (with the token) on the port from its handshake line, polled every 4 ms.",
    "migrate-then-poll: `python manage.py migrate --noinput` as its own process, then `python -m waitress --listen=127.0.0.1:<port chosen by the parent> flying_stable.wsgi:application` with the same settings and token, then GET /health/ every 250 ms until 200; time from the migrate spawn.",
    "Sizes: the release binary from `cargo build --release -p <pkg>` (the package named in the descriptor's build step); a package where one was built (Tauri's target/release/bundle, or a dist/ folder), else n/a.",
];

fn main() {
    let ws = harness::workspace();
    let args = match parse_args(&ws) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::exit(2);
        }
    };
    let wanted = |name: &str| {
        args.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|n| n == name))
    };
    let ph = Placeholders::for_workspace(&ws);
    let specs = match descriptor::discover(&ws, &ph) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::exit(1);
        }
    };
    let project = match contract::project::Project::load(&ws.join("backend")) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("bench: backend/desktop.toml: {e}");
            std::process::exit(1);
        }
    };
    let backend = match LaunchSpec::dev(&project, None) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bench: {e} (run `just setup`)");
            std::process::exit(1);
        }
    };

    // Subjects: every shell with a descriptor, then the two references.
    let mut subjects: Vec<Subject> = Vec::new();
    let mut shells: Vec<Option<Shell>> = Vec::new();
    for spec in specs.into_iter().filter(|s| wanted(&s.name)) {
        let (subject, shell) = prepare_shell(&ws, spec, &args);
        match &subject.skipped {
            Some(why) => say(&format!("{}: skipped: {why}", subject.name)),
            None => say(&format!("{}: timing {}", subject.name, subject.description)),
        }
        subjects.push(subject);
        shells.push(shell);
    }
    for (name, label, desc) in [
        (
            FLOOR,
            "floor (desktop_serve alone)",
            "manage.py desktop_serve → handshake → first health 200",
        ),
        (
            MIGRATE_POLL,
            "migrate-then-poll",
            "manage.py migrate; waitress on a parent-chosen port; /health/ every 250 ms",
        ),
    ] {
        if wanted(name) {
            subjects.push(Subject::new(name, label, "reference", desc));
            shells.push(None);
        }
    }
    let machine = machine(backend.program());
    let settle = Duration::from_millis(args.settle_ms);

    for round in 0..=args.runs {
        let warm = round == 0;
        for (subject, shell) in subjects.iter_mut().zip(&shells) {
            if subject.skipped.is_some() {
                continue;
            }
            let result = match subject.name.as_str() {
                FLOOR => run_floor(&backend, settle),
                MIGRATE_POLL => run_migrate_then_poll(&backend, settle),
                _ => run_shell(shell.as_ref().expect("a shell subject has a shell"), settle),
            };
            let what = if warm {
                "warm-up".to_string()
            } else {
                format!("run {round}/{}", args.runs)
            };
            match result {
                Ok(s) => {
                    let f = |v: Option<f64>| v.map_or("—".into(), |v| format!("{v:.0}"));
                    say(&format!(
                        "{} {what}: splash {} ready {} paint {} ms; quit→shutdown {} gone {} ms; PSS {} RSS {} MB ({} procs)",
                        subject.name,
                        f(s.splash_ms),
                        f(s.ready_ms),
                        f(s.paint_ms),
                        f(s.quit_shutdown_ms),
                        f(s.quit_gone_ms),
                        f(s.pss_mb),
                        f(s.rss_mb),
                        f(s.processes)
                    ));
                    if !warm {
                        subject.samples.push(s);
                    }
                }
                Err(e) => {
                    say(&format!("{} {what} failed: {e}", subject.name));
                    if warm {
                        subject.skipped = Some(format!("failed to launch: {}", first_lines(&e, 1)));
                    } else {
                        subject.failures.push(first_lines(&e, 1));
                    }
                }
            }
        }
    }

    let mut machine = machine;
    machine.insert(
        "loadavg_at_end".into(),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
            .to_string(),
    );
    for s in &mut subjects {
        s.summarize();
    }
    let mut results = Results {
        generated_unix: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        runs: args.runs,
        settle_ms: args.settle_ms,
        profile: if args.release { "release" } else { "debug" }.into(),
        machine,
        method: METHOD.iter().map(|s| s.to_string()).collect(),
        subjects,
        headline: Vec::new(),
        targets: Vec::new(),
    };
    results.redact_paths(&ws, &descriptor::target_dir(&ws));
    results.derive();
    let md = report::markdown(&results);
    println!("\n{md}");
    if let Err(e) = write_outputs(&args.out, &results, &md) {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
    say(&format!(
        "wrote {0}/results.md, {0}/results.json, {0}/chart.svg",
        args.out.display()
    ));
}

fn write_outputs(out: &Path, r: &Results, md: &str) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut machine = String::new();
    for (k, v) in &r.machine {
        machine.push_str(&format!("- {k}: {v}\n"));
    }
    let doc = format!(
        "# Benchmark results\n\nWritten by `just bench` (`bench/`); how to read them: [../performance.md](../performance.md).\n\n![chart](chart.svg)\n\n{md}\n## Machine\n\n{machine}"
    );
    let write = |name: &str, text: &str| {
        std::fs::write(out.join(name), text).map_err(|e| format!("{name}: {e}"))
    };
    write("results.md", &doc)?;
    write(
        "results.json",
        &(serde_json::to_string_pretty(r).map_err(|e| e.to_string())? + "\n"),
    )?;
    write("chart.svg", &report::svg(r))
}
