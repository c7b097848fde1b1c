//! Spawning a shell: its command, environment, output files and marker, and the relaunch when
//! a display shell could not open the display.

use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::options::SCRUBBED;
use super::slots::Slot;
use super::{Launch, LaunchOptions, Shell};
use crate::procs::{self, MARKER_VAR};
use crate::Error;

/// What a toolkit prints when it cannot connect to the display at all.
const DISPLAY_FAILURES: &[&str] = &[
    "Failed to initialize GTK",
    "cannot open display",
    "Can't open display",
    "Maximum number of clients reached",
];

/// Waits (at most 3 s) until the shell writes its first event or exits; returns its exit status
/// if it exited first.
fn exited_before_first_event(child: &mut Child, events: &Path) -> Option<ExitStatus> {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        if std::fs::metadata(events).is_ok_and(|m| m.len() > 0) {
            return None;
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A fresh value for `DESKTOP_DJANGO_CONFORMANCE_MARKER`.
pub fn fresh_marker() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u128(nanos);
    h.write_u64(n);
    format!("{}-{n}-{:016x}", std::process::id(), h.finish())
}

impl Launch {
    /// Launches `shell` with `opts`.
    ///
    /// Errors: the shell is unavailable (its build failed), it needs a display and none could be
    /// had, its descriptor cannot host `opts.project`, or its program could not be spawned.
    pub fn start(shell: &Shell, opts: LaunchOptions) -> Result<Launch, Error> {
        if let Some(why) = &shell.unavailable {
            return Err(Error::Unavailable {
                shell: shell.spec.name.clone(),
                why: why.clone(),
            });
        }
        if opts.app_data_unset && opts.app_data.is_none() {
            return Err(Error::AppDataUnset);
        }
        let display = if shell.spec.display {
            crate::display::display().map_err(Error::Display)?
        } else {
            None
        };
        let (program, args) = shell
            .spec
            .command_for(opts.hosted())
            .map_err(Error::Descriptor)?;
        let slot = (!opts.slotless).then(Slot::take);
        let tmp = tempfile::Builder::new()
            .prefix(&format!("conformance-{}-", shell.spec.name))
            .tempdir()
            .map_err(|source| Error::Io {
                what: "the launch's temp dir".into(),
                source,
            })?;
        // A path that does not exist yet: the shell creates its app-data dir (C-DATA-1).
        let app_data = opts
            .app_data
            .clone()
            .unwrap_or_else(|| tmp.path().join("app-data"));
        let events_path = tmp.path().join("events.jsonl");
        let marker = fresh_marker();
        // PATH order, as the descriptor means it: Windows' own lookup tries System32 first,
        // where `bash` is WSL's stub, not Git's.
        let output = |name: &str| {
            File::create(tmp.path().join(name)).map_err(|source| Error::Io {
                what: name.to_string(),
                source,
            })
        };
        let mut cmd = Command::new(crate::descriptor::resolve_program(&program));
        cmd.args(&args)
            .current_dir(&shell.spec.dir)
            .env(MARKER_VAR, &marker)
            .env("DESKTOP_DJANGO_EVENTS", &events_path)
            .stdin(Stdio::null())
            .stdout(output("shell.stdout")?)
            .stderr(output("shell.stderr")?);
        for var in SCRUBBED {
            cmd.env_remove(var);
        }
        if opts.app_data_unset {
            cmd.env_remove("DESKTOP_DJANGO_APP_DATA_DIR");
        } else {
            cmd.env("DESKTOP_DJANGO_APP_DATA_DIR", &app_data);
        }
        if let Some(d) = display {
            cmd.env("DISPLAY", d);
        }
        if shell.spec.display {
            if let Some(bus) = crate::display::session_bus() {
                cmd.env("DBUS_SESSION_BUS_ADDRESS", bus);
            }
        }
        if let Some(ms) = opts.autoquit_ms {
            cmd.env("DESKTOP_DJANGO_AUTOQUIT_MS", ms.to_string());
        }
        if !opts.path_prepend.is_empty() {
            let mut paths = opts.path_prepend.clone();
            if let Some(old) = std::env::var_os("PATH") {
                paths.extend(std::env::split_paths(&old));
            }
            cmd.env("PATH", std::env::join_paths(paths)?);
        }
        for (k, v) in &opts.env {
            cmd.env(k, v);
        }
        // If this test's thread dies without running the guard, the shell dies with it.
        crate::platform::die_with_parent(&mut cmd);
        #[cfg(windows)]
        {
            use std::os::windows::process::CommandExt;
            // Its own console process group, so that CTRL_BREAK reaches the shell and not this
            // harness (GenerateConsoleCtrlEvent addresses a group).
            cmd.creation_flags(windows_sys::Win32::System::Threading::CREATE_NEW_PROCESS_GROUP);
        }
        let spawn = |cmd: &mut Command| {
            cmd.spawn().map_err(|source| Error::Spawn {
                program: program.clone(),
                source,
            })
        };
        let mut started = Instant::now();
        let mut child = spawn(&mut cmd)?;
        let mut exit = None;
        // The display is the harness's infrastructure: a shell that could not even connect to
        // it (and so wrote no event) is relaunched, at most twice, with a warning.
        if shell.spec.display {
            for attempt in 1..=2 {
                let Some(status) = exited_before_first_event(&mut child, &events_path) else {
                    break;
                };
                let err =
                    std::fs::read_to_string(tmp.path().join("shell.stderr")).unwrap_or_default();
                if !DISPLAY_FAILURES.iter().any(|m| err.contains(m)) {
                    exit = Some(status);
                    break;
                }
                crate::raw_stderr(&format!(
                    "conformance: warning: {} could not open the display ({status}); relaunch {attempt}\n",
                    shell.spec.name
                ));
                procs::kill_marked(&marker, Duration::from_secs(5));
                started = Instant::now();
                child = spawn(&mut cmd)?;
            }
        }
        Ok(Launch {
            shell: shell.spec.clone(),
            marker,
            app_data,
            events_path,
            started,
            child,
            exit,
            tmp,
            slot,
        })
    }
}
