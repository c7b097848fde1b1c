//! End-to-end checks of what only the Tauri shell can get wrong, driven from
//! outside like a user would, with the launch harness the conformance suite
//! uses (`harness`: temp app-data dir, events file, Xvfb, process-tree cleanup):
//!
//! - `bridge_reaches_the_opener_from_the_django_page`: the demo page's
//!   "Open App Data Folder" button, pressed with real X key events
//!   (`xdotool` under Xvfb), goes through `window.desktop` →
//!   `__TAURI_INTERNALS__.invoke` → the runtime capability for the backend
//!   origin → the `open_app_data_folder` command → the system opener, here a
//!   stand-in `xdg-open` on `PATH` that records its arguments. Remote origins
//!   get no IPC in Tauri by default, so this fails if the capability is wrong
//!   (checked: without `add_capability` the opener is never reached). Then
//!   the menu's Quit accelerator stops everything gracefully.
//!
//! A second launch (C-PROC-7) goes through `contract::instance` like every shell's, so the
//! conformance suite checks it (`c_proc_7_second_launch_starts_no_backend`).
//!
//! Linux only: the other platforms have no Xvfb/xdotool.
#![cfg(target_os = "linux")]

use std::process::Command;
use std::time::{Duration, Instant};

use harness::{
    descriptor, EventKind, FakeOpener, Launch, LaunchOptions, Placeholders, Shell, ORPHAN_BOUND,
    READY_TIMEOUT,
};

/// A harness step that must work: its error (with the launch's diagnostics) fails the test.
fn ok<T>(r: Result<T, harness::Error>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// The Tauri shell as its conformance descriptor launches it, built by cargo
/// for this test (`CARGO_BIN_EXE_*`).
fn tauri() -> Shell {
    let ws = harness::workspace();
    let dir = ws.join("shells/tauri");
    let text = std::fs::read_to_string(dir.join("conformance.toml")).expect("the descriptor");
    let d = descriptor::parse(&text).expect("a valid descriptor");
    let mut spec = descriptor::expand(&d, &dir, &Placeholders::for_workspace(&ws)).unwrap();
    spec.program = env!("CARGO_BIN_EXE_desktop-django-tauri").into();
    spec.command_template[0] = env!("CARGO_BIN_EXE_desktop-django-tauri").into();
    Shell {
        spec,
        unavailable: None,
    }
}

/// Time a shell gets to exit after a graceful quit: the grace period (5000 ms) plus margin.
const QUIT_TIMEOUT: Duration = Duration::from_secs(20);

fn xdotool(display: &str, args: &[&str]) -> String {
    let out = Command::new("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run xdotool ({e}); install it: scripts/setup.sh system")
        });
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn bridge_reaches_the_opener_from_the_django_page() {
    let shell = tauri();
    let opener = FakeOpener::new();
    let mut l = ok(Launch::start(
        &shell,
        LaunchOptions::default().path_prepend(&opener.bin()),
    ));
    ok(l.wait_event(EventKind::WindowLoaded, READY_TIMEOUT));
    let display = harness::display::display()
        .expect("a display")
        .expect("Linux needs a display");

    // The main window of this launch (GTK sets _NET_WM_PID).
    let pid = l.pid().to_string();
    let window = xdotool(
        &display,
        &["search", "--sync", "--onlyvisible", "--pid", &pid],
    )
    .lines()
    .last()
    .map(str::to_string)
    .unwrap_or_else(|| panic!("no visible window for pid {pid}\n{}", l.diagnostics()));
    xdotool(&display, &["windowfocus", "--sync", &window]);

    // Walk the page's focus order from the top: Tab to the next control,
    // Space presses it (a link ignores Space). The button comes right after
    // the nav links, before any other button, so the first control that
    // reaches the opener is it; at most a dozen steps.
    let want = l.app_data.to_string_lossy().into_owned();
    let mut pressed = false;
    for _ in 0..12 {
        xdotool(&display, &["key", "--delay", "50", "Tab", "space"]);
        let deadline = Instant::now() + Duration::from_millis(1500);
        while Instant::now() < deadline && !pressed {
            pressed = opener.opened().iter().any(|o| o.contains(&want));
            std::thread::sleep(Duration::from_millis(100));
        }
        if pressed {
            break;
        }
    }
    assert!(
        pressed,
        "the page's Open App Data Folder never reached the opener (opened: {:?})\n{}",
        opener.opened(),
        l.diagnostics()
    );
    assert_eq!(
        opener.opened().len(),
        1,
        "one press, one call: {:?}",
        opener.opened()
    );
    assert!(
        l.shell_log().contains("opening the app-data folder"),
        "{}",
        l.shell_log()
    );

    // The menu's Quit (Ctrl+Q) goes through the graceful stop (C-PROC-3).
    xdotool(&display, &["key", "ctrl+q"]);
    let status = ok(l.wait_exit(QUIT_TIMEOUT));
    assert_eq!(status.code(), Some(0), "{}", l.diagnostics());
    assert!(
        ok(l.events())
            .iter()
            .any(|e| e.event.kind() == EventKind::ShutdownComplete),
        "{}",
        l.diagnostics()
    );
    ok(l.no_backend_within(ORPHAN_BOUND, "after Quit from the menu"));
}
