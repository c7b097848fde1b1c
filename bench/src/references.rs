//! The two references, measured like the shells: the floor (`desktop_serve` alone, up to its
//! first health 200) and the migrate-then-poll pattern the contract's handshake replaces.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use contract::launch::LaunchSpec;
use harness::launch::{fresh_marker, TOKEN_ENV};
use harness::{procs, Auth, Backend, MARKER_VAR};

use crate::mem::{kb_to_mb, tree_mem, TreeMem};
use crate::report::{Sample, FLOOR, MIGRATE_POLL};
use crate::timing::{ms, wait_gone, POLL, QUIT_TIMEOUT, START_TIMEOUT};

/// The migrate-then-poll pattern's health poll interval.
const STARTER_POLL: Duration = Duration::from_millis(250);

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
pub fn run_floor(spec: &LaunchSpec, settle: Duration) -> Result<Sample, String> {
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
pub fn run_migrate_then_poll(spec: &LaunchSpec, settle: Duration) -> Result<Sample, String> {
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
