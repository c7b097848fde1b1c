//! C-PROC-6 and C-PROC-7 (SHOULD): a crashed worker is restarted, a crashed web server is
//! reported, and a second launch on the same app-data dir starts no backend.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use conformance::{
    check, check_scenario, procs, Auth, Event, EventKind, Launch, LaunchOptions, ORPHAN_BOUND,
};

use crate::helpers::{quit_clean, running, running_with, token_of, under_test, QUIT_TIMEOUT};

/// C-PROC-6 (worker restart, SHOULD): a killed worker is spawned again (a new
/// `backend_spawned {role: worker}` whose process runs), no sooner than 1 s, 2 s, then 4 s after
/// each crash; after 3 restarts within 60 s the next crash is not restarted, the shell says so
/// (`worker_down {log_path}`), and the app's pages show that the worker is down (on the demo,
/// its routines page: another project's templates decide where the banner goes). Needs a
/// worker role (`clauses::REQUIREMENTS`).
#[test]
fn c_proc_6_worker_restarts() {
    check_scenario("C-PROC-6", "worker-restart", |shell| {
        let mut l = running(shell);
        for restart in 1..=3 {
            let (_, pid) = l
                .spawned()
                .into_iter()
                .rfind(|(r, _)| r == "worker")
                .expect("a worker");
            let killed = Instant::now();
            procs::kill(pid);
            let ev = l.wait_nth_event(
                EventKind::BackendSpawned,
                2 + restart,
                Duration::from_secs(30),
            );
            let Event::BackendSpawned { pid: new_pid, role } = ev.event else {
                unreachable!("wait_nth_event returns its kind")
            };
            assert_eq!(role, "worker", "restart {restart}: {role} spawned");
            // The back-off: 1 s, 2 s, then 4 s after each crash (a lower bound: a slow machine
            // only adds to it).
            let backoff = Duration::from_millis(1000 << (restart - 1));
            assert!(
                killed.elapsed() >= backoff,
                "restart {restart} came {:?} after the crash, before the {backoff:?} back-off",
                killed.elapsed()
            );
            let deadline = Instant::now() + Duration::from_secs(10);
            while !l
                .processes()
                .iter()
                .any(|p| p.pid == new_pid && p.has_arg("desktop_worker"))
            {
                assert!(
                    Instant::now() < deadline,
                    "restart {restart}: worker {new_pid} is not running"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let (_, pid) = l
            .spawned()
            .into_iter()
            .rfind(|(r, _)| r == "worker")
            .unwrap();
        let before = l.spawned().len();
        procs::kill(pid);
        let down = l.wait_event(EventKind::WorkerDown, Duration::from_secs(30));
        let Event::WorkerDown { log_path } = down.event else {
            unreachable!("wait_event returns its kind")
        };
        assert!(
            Path::new(&log_path).is_file(),
            "worker_down's log_path {log_path} does not exist"
        );
        assert_eq!(
            l.spawned().len(),
            before,
            "a 4th crash within 60 s was restarted"
        );
        if under_test().is_demo {
            let backend = l.ready();
            let token = l.token();
            let page = backend.get("/routines/", Auth::Header(&token)).unwrap();
            assert!(
                page.status == 200 && page.body.contains("data-worker-down"),
                "the page does not say the worker is down (status {})",
                page.status
            );
        }
        quit_clean(&mut l, "after the worker restarts");
    });
}

/// C-PROC-6 (web crash, SHOULD): when the web server dies mid-session the shell reports it with
/// the log path (an event carrying `log_path`, whose file exists) and stays up to show it; a
/// quit then leaves nothing behind.
#[test]
fn c_proc_6_web_crash_shows_the_log_path() {
    check_scenario("C-PROC-6", "web-crash", |shell| {
        let mut l = running(shell);
        let before = l.events().len();
        let (_, web) = l.spawned().into_iter().find(|(r, _)| r == "web").unwrap();
        procs::kill(web);
        let log = l.wait_for(
            "an event with a log_path after the web server died",
            Duration::from_secs(15),
            |lines| {
                lines.iter().skip(before).find_map(|e| match &e.event {
                    Event::BackendCrashed { log_path, .. }
                    | Event::StartupFailed { log_path, .. }
                    | Event::WorkerDown { log_path } => Some(PathBuf::from(log_path)),
                    _ => None,
                })
            },
        );
        assert!(log.is_file(), "{} does not exist", log.display());
        assert!(
            l.try_exit().is_none(),
            "the shell exited instead of showing the error"
        );
        let _ = l.quit(QUIT_TIMEOUT);
        l.assert_no_marked_process_within(ORPHAN_BOUND, "after the web crash and a quit");
    });
}

/// C-PROC-7 (single instance, SHOULD): a second launch on the same app-data dir starts no
/// backend and exits 0, the first is asked to focus its window (`second_launch` in its
/// events), and it keeps serving.
/// How long the first instance may take to hear from a second launch that already exited.
const FOCUS_WAIT: Duration = Duration::from_secs(5);

#[test]
fn c_proc_7_second_launch_starts_no_backend() {
    check("C-PROC-7", |shell| {
        let data = tempfile::tempdir().unwrap();
        let app = data.path().join("app-data");
        let mut first = running_with(shell, LaunchOptions::default().app_data(&app));
        let backend = first.ready();
        let token = token_of(&first);
        let procs_before = first.backend_processes().len();
        let mut second = Launch::start(shell, LaunchOptions::default().app_data(&app).slotless());
        let status = second.wait_exit(Duration::from_secs(30));
        assert!(
            status.success(),
            "the second launch exited {status}\n{}",
            second.diagnostics()
        );
        assert!(
            second.spawned().is_empty(),
            "the second launch spawned a backend: {:?}",
            second.spawned()
        );
        second.assert_no_marked_process_within(ORPHAN_BOUND, "the second launch");
        first.wait_event(EventKind::SecondLaunch, FOCUS_WAIT);
        let r = backend.get("/health/", Auth::Header(&token)).unwrap();
        assert_eq!(r.status, 200, "the first instance stopped serving");
        assert_eq!(first.backend_processes().len(), procs_before);
        quit_clean(&mut first, "the first instance");
    });
}

crate::checks! {
    "C-PROC-6" => c_proc_6_worker_restarts,
    "C-PROC-6" => c_proc_6_web_crash_shows_the_log_path,
    "C-PROC-7" => c_proc_7_second_launch_starts_no_backend,
}
