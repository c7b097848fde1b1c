//! A display for shells that need one. On Linux without `DISPLAY`, the harness starts one Xvfb per
//! test process (`Xvfb -displayfd 1 -screen 0 1280x800x24 -nolisten tcp`). Xvfb is spawned from a
//! thread that lives as long as the test process, with `PR_SET_PDEATHSIG(SIGKILL)`, so it dies with
//! the process however the process ends (the parent-death signal fires when the spawning *thread*
//! exits, which is why it is not spawned from a test's own thread).

use std::sync::OnceLock;

/// The `DBUS_SESSION_BUS_ADDRESS` launches of display shells should get, or `None` to inherit
/// the harness's own. Without a session bus, libdbus (GTK's accessibility bridge, WebKitGTK)
/// "autolaunches" one by forking a helper and reading a pipe, and under concurrent process
/// spawns that read can block forever: the window never appears. So on Linux, when the harness
/// has no bus, it starts a private `dbus-daemon --session` next to Xvfb (same parent-death
/// anchoring), or, without `dbus-daemon`, says `disabled:` so nothing autolaunches.
pub fn session_bus() -> Option<String> {
    static BUS: OnceLock<Option<String>> = OnceLock::new();
    BUS.get_or_init(init_bus).clone()
}

#[cfg(not(target_os = "linux"))]
fn init_bus() -> Option<String> {
    None
}

#[cfg(target_os = "linux")]
fn init_bus() -> Option<String> {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty()) {
        return None;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("conformance-dbus".into())
        .spawn(move || match spawn_dbus() {
            Ok((child, address)) => {
                let _ = tx.send(Some(address));
                let _child = child;
                loop {
                    std::thread::park();
                }
            }
            Err(_) => {
                let _ = tx.send(None);
            }
        });
    let address = spawned.ok().and_then(|_| rx.recv().ok().flatten());
    Some(address.unwrap_or_else(|| "disabled:".to_string()))
}

#[cfg(target_os = "linux")]
fn spawn_dbus() -> Result<(std::process::Child, String), String> {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut cmd = Command::new("dbus-daemon");
    cmd.args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    crate::platform::die_with_parent(&mut cmd);
    let mut child = cmd.spawn().map_err(|e| format!("dbus-daemon: {e}"))?;
    let stdout = child.stdout.take().expect("piped stdout");
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    let read = reader.read_line(&mut line);
    child.stdout = Some(reader.into_inner());
    match read {
        Ok(n) if n > 0 && line.trim().contains(':') => Ok((child, line.trim().to_string())),
        _ => {
            let _ = child.kill();
            let _ = child.wait();
            Err(format!("dbus-daemon printed no address ({line:?})"))
        }
    }
}

/// The `DISPLAY` value launches should use, or `None` where the platform needs none (macOS,
/// Windows). Starts Xvfb on first use when needed. Errors are cached: every test reports them.
pub fn display() -> Result<Option<String>, String> {
    static DISPLAY: OnceLock<Result<Option<String>, String>> = OnceLock::new();
    DISPLAY.get_or_init(init).clone()
}

#[cfg(not(target_os = "linux"))]
fn init() -> Result<Option<String>, String> {
    Ok(None)
}

#[cfg(target_os = "linux")]
fn init() -> Result<Option<String>, String> {
    if let Some(d) = std::env::var_os("DISPLAY").filter(|d| !d.is_empty()) {
        return Ok(Some(d.to_string_lossy().into_owned()));
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("conformance-xvfb".into())
        .spawn(move || {
            match spawn_xvfb() {
                Ok((child, display)) => {
                    let _ = tx.send(Ok(display));
                    // Keep this thread (the parent-death-signal anchor) and the child handle
                    // alive until the test process exits.
                    let _child = child;
                    loop {
                        std::thread::park();
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                }
            }
        })
        .map_err(|e| format!("cannot start the Xvfb thread: {e}"))?;
    rx.recv()
        .map_err(|_| "the Xvfb thread died".to_string())?
        .map(Some)
}

/// Xvfb's stderr goes to `<target>/conformance/xvfb-<test pid>.log`, for display trouble.
#[cfg(target_os = "linux")]
fn xvfb_log() -> std::process::Stdio {
    let dir = crate::output_dir();
    let _ = std::fs::create_dir_all(&dir);
    std::fs::File::create(dir.join(format!("xvfb-{}.log", std::process::id())))
        .map(std::process::Stdio::from)
        .unwrap_or_else(|_| std::process::Stdio::null())
}

#[cfg(target_os = "linux")]
fn spawn_xvfb() -> Result<(std::process::Child, String), String> {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut cmd = Command::new("Xvfb");
    cmd.args([
        "-displayfd",
        "1",
        "-screen",
        "0",
        "1280x800x24",
        "-nolisten",
        "tcp",
    ])
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(xvfb_log());
    crate::platform::die_with_parent(&mut cmd);
    let mut child = cmd.spawn().map_err(|e| {
        format!("a shell needs a display and DISPLAY is unset, but Xvfb could not start ({e}); install it (apt-get install xvfb) or set DISPLAY")
    })?;
    let stdout = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    // Xvfb writes the display number and a newline once it accepts connections.
    let mut reader = BufReader::new(stdout);
    let read = reader.read_line(&mut line);
    // Keep the pipe open: a later write by Xvfb must not hit SIGPIPE.
    child.stdout = Some(reader.into_inner());
    match read {
        Ok(n) if n > 0 && line.trim().parse::<u32>().is_ok() => {
            Ok((child, format!(":{}", line.trim())))
        }
        _ => {
            let _ = child.kill();
            let status = child.wait().ok();
            Err(format!(
                "Xvfb did not report a display number (got {line:?}, exit {status:?})"
            ))
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn a_session_bus_address() {
        if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
            return;
        }
        let bus = super::session_bus().expect("an address when the harness has none");
        assert!(bus.contains(':'), "{bus}");
    }

    #[test]
    fn xvfb_starts_when_display_is_unset() {
        if std::env::var_os("DISPLAY").is_some() {
            return;
        }
        if std::process::Command::new("Xvfb")
            .arg("-help")
            .output()
            .is_err()
        {
            eprintln!("Xvfb not installed; skipping");
            return;
        }
        let (mut child, display) = super::spawn_xvfb().unwrap();
        assert!(display.starts_with(':'), "{display}");
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
