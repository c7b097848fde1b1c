//! C-SHELL: the navigation guard and the narrow bridge (through the probe page), the events file,
//! autoquit, and a generic host for another project.

use std::time::Duration;

use conformance::fakes::FakeOpener;
use conformance::{
    check, demo, events, procs, AccessLine, Event, EventKind, Launch, LaunchOptions, ORPHAN_BOUND,
    READY_TIMEOUT,
};

use crate::helpers::{quit_clean, running_with, under_test, QUIT_TIMEOUT};
use crate::probe::{probe_project, ProbeRun};

/// C-SHELL-1: the navigation guard, observed through the probe page. Navigating to `file:`,
/// `data:`, `ftp:`, another port, `localhost` and `mailto:` never replaces the page (it keeps
/// reporting); http(s) and mailto navigations go to the system browser (a stand-in `xdg-open`
/// first on `PATH` records them) and never load in the webview (the suite's listener and the
/// access log see no such request); `window.open` is denied for every target, `javascript:`
/// included, and so is a `target=_blank` link: none of them loads anything in the webview.
#[test]
fn c_shell_1_navigation_guard() {
    check("C-SHELL-1", |shell| {
        let probe = ProbeRun::start(shell);
        let after: Vec<String> = probe
            .reports()
            .into_iter()
            .filter(|(s, _)| s == "alive")
            .filter_map(|(_, q)| q.get("after").cloned())
            .collect();
        assert_eq!(
            after,
            [
                "file",
                "data",
                "custom-scheme",
                "external",
                "localhost",
                "mailto",
                "blank-link"
            ],
            "the page did not survive every navigation attempt"
        );
        let ext = probe.listener.origin();
        let localhost = format!("http://localhost:{}/probe/navigate-localhost/", probe.port);
        // window.open and a synthetic click on a target=_blank link have no user gesture, so a
        // webview may drop them before the shell sees them: they must not load in the webview
        // (checked below), but are not required to reach the system browser.
        let opened = probe.opened_eventually(&[
            format!("{ext}/navigate"),
            localhost.clone(),
            "mailto:someone@example.invalid".into(),
        ]);
        for o in &opened {
            for bad in ["file:", "data:", "ftp:", "javascript:", "ipc-"] {
                assert!(
                    !o.starts_with(bad) && !o.contains(bad),
                    "the system browser was asked to open {o:?}"
                );
            }
        }
        for s in probe.listener.seen() {
            for path in ["/navigate", "/window-open-external", "/link-blank"] {
                assert!(
                    !s.request_line().contains(&format!("{path} ")),
                    "the webview itself loaded {ext}{path}"
                );
            }
        }
        for a in probe.l.access_log() {
            for path in [
                "/probe/navigate-localhost/",
                "/probe/window-open-same/",
                "/probe/javascript-ran/",
            ] {
                assert!(a.route() != path, "the webview loaded {path} ({})", a.ua);
            }
        }
        let loads = probe
            .l
            .events()
            .iter()
            .filter(|e| e.event.kind() == EventKind::WindowLoaded)
            .count();
        assert_eq!(
            loads, 1,
            "window_loaded {loads} times: the page was replaced"
        );
    });
}

/// C-SHELL-2: the bridge is exactly `window.desktop.openAppDataFolder()`: a frozen object with
/// that one function, which the page cannot replace; calling it opens the app-data dir in the
/// system file manager (the stand-in opener), and other messages on the transport are ignored.
/// (A shell menu item, where there is one, is not observable from outside.)
#[test]
fn c_shell_2_narrow_bridge() {
    check("C-SHELL-2", |shell| {
        let probe = ProbeRun::start(shell);
        for step in ["bridge", "bridge-after"] {
            let r = probe.report(step);
            assert_eq!(
                r.get("type").map(String::as_str),
                Some("object"),
                "{step}: window.desktop {r:?}"
            );
            assert_eq!(
                r.get("keys").map(String::as_str),
                Some("openAppDataFolder"),
                "{step}: window.desktop exposes {r:?}"
            );
            assert_eq!(
                r.get("frozen").map(String::as_str),
                Some("true"),
                "{step}: {r:?}"
            );
        }
        let app_data = probe
            .l
            .app_data
            .to_string_lossy()
            .trim_end_matches('/')
            .to_string();
        let opened = probe.opened_eventually(std::slice::from_ref(&app_data));
        let folder_opens = opened
            .iter()
            .filter(|o| o.trim_end_matches('/') == app_data)
            .count();
        assert_eq!(
            folder_opens, 1,
            "the app-data folder was opened {folder_opens} times: {opened:?}"
        );
        assert!(
            opened.iter().all(|o| !o.contains("ipc-")),
            "a smuggled bridge message was honoured: {opened:?}"
        );
    });
}

/// C-SHELL-3: the events file. A full run (with autoquit) writes `splash_shown`,
/// `backend_spawned {pid, role}` for web, `backend_listening {port}`, `backend_ready {port,
/// elapsed_ms}`, `backend_spawned` for the worker (unless the project says `worker = false`),
/// `window_loaded {url}`, `shutdown_started` and
/// `shutdown_complete {elapsed_ms}`, in that order, each with a non-decreasing `t_ms` no later
/// than the wall clock since launch, and the pids are the backend's real ones.
#[test]
fn c_shell_3_events_file() {
    check("C-SHELL-3", |shell| {
        let mut l = Launch::start(shell, LaunchOptions::default().autoquit_ms(300));
        l.wait_event(EventKind::WindowLoaded, READY_TIMEOUT);
        let live: Vec<(String, u32)> = l.spawned();
        let procs_now = l.processes();
        for (role, pid) in &live {
            assert!(
                procs_now.iter().any(|p| p.pid == *pid),
                "backend_spawned {role} pid {pid} is not a process of this launch"
            );
        }
        let status = l.wait_exit(QUIT_TIMEOUT);
        let wall = l.started.elapsed().as_millis() as u64;
        assert!(status.success(), "exit {status}\n{}", l.diagnostics());
        let ev = l.events();
        let names: Vec<EventKind> = ev.iter().map(|e| e.event.kind()).collect();
        let seen = events::describe(&ev);
        // The splash may come just before or just after the web spawn (a shell may start
        // Python first, to overlap it with the window's set-up), but before readiness
        // (C-READY-2); the backend lifecycle and the quit are strictly ordered.
        let worker = under_test().worker;
        let order = [
            Some(EventKind::BackendSpawned),
            Some(EventKind::BackendListening),
            Some(EventKind::BackendReady),
            worker.then_some(EventKind::BackendSpawned),
            Some(EventKind::WindowLoaded),
            Some(EventKind::ShutdownStarted),
            Some(EventKind::ShutdownComplete),
        ];
        let order = order.into_iter().flatten();
        let mut at = 0;
        for want in order {
            match names[at..].iter().position(|n| *n == want) {
                Some(i) => at += i + 1,
                None => panic!("events out of order or missing {want}: {seen}"),
            }
        }
        let pos = |k: EventKind| names.iter().position(|x| *x == k);
        assert_eq!(
            names
                .iter()
                .filter(|k| **k == EventKind::SplashShown)
                .count(),
            1,
            "splash_shown once: {seen}"
        );
        assert!(
            pos(EventKind::SplashShown) < pos(EventKind::BackendReady),
            "splash_shown after backend_ready: {seen}"
        );
        assert_eq!(
            names.last(),
            Some(&EventKind::ShutdownComplete),
            "the last event: {seen}"
        );
        for w in ev.windows(2) {
            assert!(w[0].t_ms <= w[1].t_ms, "t_ms goes back: {seen}");
        }
        assert!(
            ev.last().unwrap().t_ms <= wall + 50,
            "t_ms beyond the wall clock"
        );
        // The fields' presence and types are the parse's (a line without them is no event).
        let roles: Vec<&str> = ev
            .iter()
            .filter_map(|e| match &e.event {
                Event::BackendSpawned { role, .. } => Some(role.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(roles, under_test().roles());
        let port = ev
            .iter()
            .find_map(|e| match e.event {
                Event::BackendListening { port } => Some(port),
                _ => None,
            })
            .expect("port");
        let ready_port = ev.iter().find_map(|e| match e.event {
            Event::BackendReady { port, .. } => Some(port),
            _ => None,
        });
        assert_eq!(ready_port, Some(port));
        let url = ev
            .iter()
            .find_map(|e| match &e.event {
                Event::WindowLoaded { url } => Some(url.clone()),
                _ => None,
            })
            .unwrap_or_default();
        assert!(
            url.starts_with(&format!("http://127.0.0.1:{port}/")),
            "window_loaded url {url}"
        );
    });
}

/// C-SHELL-4: runs without a person (under Xvfb when it needs a display, stdin closed) and
/// `DESKTOP_DJANGO_AUTOQUIT_MS` quits gracefully that long after `window_loaded`: exit 0,
/// nothing left behind, and the page (with its static files) had really loaded: on the demo its
/// pony list and a stylesheet; on another project a page of its (after the bootstrap) and every
/// `/static/` file the webview asked for.
#[test]
fn c_shell_4_autoquit() {
    check("C-SHELL-4", |shell| {
        let autoquit = 1500;
        let mut l = Launch::start(shell, LaunchOptions::default().autoquit_ms(autoquit));
        let status = l.wait_exit(Duration::from_secs(90));
        assert!(
            status.success(),
            "autoquit exit {status}\n{}",
            l.diagnostics()
        );
        l.assert_no_marked_process_within(ORPHAN_BOUND, "after autoquit");
        let ev = l.events();
        let t = |k: EventKind| ev.iter().find(|e| e.event.kind() == k).map(|e| e.t_ms);
        let loaded = t(EventKind::WindowLoaded).expect("a window_loaded event");
        let quit = t(EventKind::ShutdownStarted).expect("a shutdown_started event");
        let after = quit.saturating_sub(loaded);
        assert!(
            (autoquit..autoquit + 3000).contains(&after),
            "shutdown_started {after} ms after window_loaded, autoquit {autoquit} ms"
        );
        let log = l.access_log();
        let webview: Vec<&AccessLine> = log
            .iter()
            .filter(|a| !a.is_supervisor() && !a.is_conformance())
            .collect();
        let page = |a: &&&AccessLine| {
            if under_test().is_demo {
                a.route() == demo::PONIES
            } else {
                a.route() != "/desktop-auth/bootstrap/" && !a.route().starts_with("/static/")
            }
        };
        assert!(
            webview.iter().filter(page).any(|a| a.status == 200),
            "the page never loaded:\n{}",
            conformance::launch::format_access(&log)
        );
        let statics: Vec<&&AccessLine> = webview
            .iter()
            .filter(|a| a.route().starts_with("/static/"))
            .collect();
        let loaded = if under_test().is_demo {
            statics.iter().any(|a| a.status == 200)
        } else {
            statics.iter().all(|a| a.status == 200)
        };
        assert!(
            loaded,
            "the page's static files never loaded:\n{}",
            conformance::launch::format_access(&log)
        );
    });
}

/// C-SHELL-5: a generic host. Given `--project` of another Django project (the probe site: its
/// own `desktop.toml`, app id, product name and settings; its own `.venv`), the shell resolves
/// that project's app-data dir, runs its settings, names its product in its log, and loads its
/// page. Nothing of the demo is compiled in: the shell's compiled files (its program, or the
/// descriptor's `artifacts`) hold none of the demo's identity strings. An installed package is
/// exempt from that scan only: its bundler writes the app's identity (product name, identifier)
/// into it by design, and it must still host another project.
#[test]
fn c_shell_5_generic_host() {
    check("C-SHELL-5", |shell| {
        // The demo's identity, whatever the backend under test: the demo is what must not be
        // compiled into a shell.
        let demo_id = conformance::backend::demo();
        let scanned = if shell.spec.packaged {
            &[][..]
        } else {
            &shell.spec.artifacts[..]
        };
        for artifact in scanned {
            let bytes = std::fs::read(artifact).unwrap_or_else(|e| {
                panic!(
                    "{}: {e} (list the shell's compiled files in the descriptor's `artifacts`)",
                    artifact.display()
                )
            });
            for needle in [
                &demo_id.app_id,
                &demo_id.product_name,
                &demo_id.settings_dev,
            ] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "{} has the demo's {needle:?} compiled in",
                    artifact.display()
                );
            }
        }
        let project = probe_project();
        let opener = FakeOpener::new();
        let home = tempfile::tempdir().unwrap();
        let xdg = home.path().join("xdg-data");
        let expected = xdg.join("dev.desktop-django.conformance-probe");
        let mut opts = LaunchOptions::default()
            .project(project.path())
            .path_prepend(&opener.bin())
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", &xdg);
        opts.app_data = Some(expected.clone());
        opts.app_data_unset = true;
        let mut l = running_with(shell, opts);
        assert!(
            expected.join("app.sqlite3").is_file(),
            "no database in {}",
            expected.display()
        );
        let log = l.shell_log();
        assert!(
            log.contains("Conformance Probe Site"),
            "logs/shell.log does not name the probe site's product:\n{log}"
        );
        for p in l.backend_processes() {
            assert_eq!(
                p.env("DJANGO_SETTINGS_MODULE"),
                Some("probe_site.settings"),
                "{}",
                p.cmdline()
            );
            assert_eq!(
                procs::cwd(p.pid).and_then(|c| std::fs::canonicalize(c).ok()),
                std::fs::canonicalize(project.path()).ok(),
                "the backend does not run in the project dir"
            );
        }
        let access = l.wait_access_log(Duration::from_secs(15), "the probe site's page", |lines| {
            lines.iter().any(|a| {
                !a.is_supervisor() && !a.is_conformance() && a.route() == "/" && a.status == 200
            })
        });
        assert!(!access.is_empty());
        quit_clean(&mut l, "the probe site");
    });
}

crate::checks! {
    "C-SHELL-1" => c_shell_1_navigation_guard,
    "C-SHELL-2" => c_shell_2_narrow_bridge,
    "C-SHELL-3" => c_shell_3_events_file,
    "C-SHELL-4" => c_shell_4_autoquit,
    "C-SHELL-5" => c_shell_5_generic_host,
}
