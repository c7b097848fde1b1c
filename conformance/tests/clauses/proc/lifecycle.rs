//! C-PROC-1 to C-PROC-3: the backend's two roles, their stdin lifeline, and a graceful quit.

use conformance::fakes::{Action, FakePython, FakeSpec};
use conformance::launch::GRACE_ENV;
#[cfg(target_os = "linux")]
use conformance::procs;
use conformance::{
    check, check_scenario, sqlite, Event, EventKind, Launch, LaunchOptions, ORPHAN_BOUND,
};

use crate::helpers::{log_files, quit_clean, running, running_with, under_test, QUIT_TIMEOUT};

/// C-PROC-1: exactly the project's roles, each one process: `manage.py desktop_serve` (never
/// `runserver`) and `manage.py desktop_worker` (unless `desktop.toml` says `worker = false`),
/// the worker spawned after readiness. The interpreter (a recording stand-in for the real one)
/// is run once per role, so migrations and seeding ran inside `desktop_serve`, and the project's
/// apps and desktop_django are migrated by the time it serves.
#[test]
fn c_proc_1_two_roles_no_runserver_no_migrate() {
    check("C-PROC-1", |shell| {
        let fake = FakePython::new(&FakeSpec::default());
        let mut l = running_with(shell, LaunchOptions::default().python(&fake.path));
        let events = l.events();
        let spawned: Vec<(&str, u32)> = events
            .iter()
            .filter_map(|e| match &e.event {
                Event::BackendSpawned { pid, role } => Some((role.as_str(), *pid)),
                _ => None,
            })
            .collect();
        let project = under_test();
        let roles: Vec<&str> = spawned.iter().map(|(role, _)| *role).collect();
        assert_eq!(roles, project.roles(), "backend_spawned roles");
        let ready = events
            .iter()
            .position(|e| e.event.kind() == EventKind::BackendReady)
            .expect("a backend_ready event");
        if project.worker {
            let worker_at = events
                .iter()
                .position(
                    |e| matches!(&e.event, Event::BackendSpawned { role, .. } if role == "worker"),
                )
                .expect("worker spawned");
            assert!(
                worker_at > ready,
                "the worker was spawned before backend_ready"
            );
        }
        let backend = l.backend_processes();
        let cmdlines: Vec<String> = backend.iter().map(|p| p.cmdline()).collect();
        for p in &backend {
            assert!(
                p.has_arg("desktop_serve") ^ p.has_arg("desktop_worker"),
                "a backend process is neither role: {}",
                p.cmdline()
            );
            for bad in ["runserver", "migrate"] {
                assert!(
                    !p.has_arg(bad),
                    "a backend process runs {bad}: {}",
                    p.cmdline()
                );
            }
        }
        for (role, arg) in project.roles().iter().zip(project.role_commands()) {
            let with: Vec<_> = backend.iter().filter(|p| p.has_arg(arg)).collect();
            assert_eq!(with.len(), 1, "{arg} processes: {cmdlines:?}");
            let pid = spawned
                .iter()
                .find(|(r, _)| r == role)
                .map(|(_, pid)| *pid)
                .unwrap();
            assert_eq!(with[0].pid, pid, "the {role} pid in backend_spawned");
        }
        let calls = fake.invocations();
        let roles_run: Vec<&str> = calls
            .iter()
            .map(|c| c.rsplit(' ').next().unwrap_or(""))
            .collect();
        assert_eq!(
            roles_run,
            project.role_commands(),
            "the interpreter was run for: {calls:?}"
        );
        assert!(
            calls.iter().all(|c| c.contains("manage.py")),
            "every interpreter run is manage.py: {calls:?}"
        );
        let applied = sqlite::applied_migrations(&l.app_data.join("app.sqlite3"))
            .unwrap_or_else(|e| panic!("{e}"));
        let apps = project.migrating_apps();
        assert!(
            !project.is_demo || apps.len() == 2,
            "the demo migrates ponies and routines: {apps:?}"
        );
        let labels = apps.iter().map(|(label, _)| label.as_str());
        for app in labels.chain(["desktop_django"]) {
            assert!(
                applied.iter().any(|(a, _)| a == app),
                "no {app} migration applied before serving: {applied:?}"
            );
        }
        quit_clean(&mut l, "after C-PROC-1");
    });
}

/// C-PROC-2: each backend process's stdin is a pipe whose write end the shell holds open; on a
/// graceful quit the shell closes it and each process stops by itself (its log says the
/// lifeline reached EOF), well within the grace period, without being force-killed.
#[test]
fn c_proc_2_stdin_lifeline() {
    check("C-PROC-2", |shell| {
        let grace_ms = 8000;
        let mut l = running_with(
            shell,
            LaunchOptions::default().env(GRACE_ENV, grace_ms.to_string()),
        );
        // Linux shows the pipe ends themselves (/proc/<pid>/fd); on every OS the roles' logs
        // and the shutdown time below show that EOF on stdin stopped them.
        #[cfg(target_os = "linux")]
        {
            let shell_fds = procs::open_fds(l.pid()).unwrap_or_else(|e| panic!("{e}"));
            for (role, pid) in l.spawned() {
                let fds = procs::open_fds(pid).unwrap_or_else(|e| panic!("{role} pid {pid}: {e}"));
                let stdin = fds
                    .iter()
                    .find(|f| f.fd == 0)
                    .unwrap_or_else(|| panic!("the {role} process has no stdin"));
                assert!(
                    stdin.target.starts_with("pipe:["),
                    "the {role} process's stdin is {}, not a pipe",
                    stdin.target
                );
                assert!(
                    shell_fds
                        .iter()
                        .any(|f| f.target == stdin.target && f.access != 0),
                    "the shell does not hold the write end of the {role} lifeline {}",
                    stdin.target
                );
            }
        }
        quit_clean(&mut l, "after closing the lifelines");
        let elapsed = shutdown_elapsed_ms(&mut l);
        assert!(
            elapsed < grace_ms,
            "shutdown took {elapsed} ms: the backend did not stop by itself within the {grace_ms} ms grace period"
        );
        let logs = log_files(&l.app_data);
        let all: String = logs.iter().map(|(_, t)| t.as_str()).collect();
        let eof_lines = all.matches("lifeline: stdin reached EOF").count();
        let roles = under_test().roles().len();
        assert!(
            eof_lines >= roles,
            "expected each of the {roles} role(s) to log the lifeline EOF, found {eof_lines}: {:?}",
            logs.iter().map(|(p, _)| p).collect::<Vec<_>>()
        );
    });
}

/// C-PROC-3 (SIGTERM): shutdown events, exit 0, every descendant gone.
#[test]
fn c_proc_3_sigterm_quits_gracefully() {
    check_scenario("C-PROC-3", "sigterm", |shell| {
        let mut l = running(shell);
        quit_clean(&mut l, "after SIGTERM");
        let ev = l.events();
        for kind in [EventKind::ShutdownStarted, EventKind::ShutdownComplete] {
            assert!(ev.iter().any(|e| e.event.kind() == kind), "no {kind} event");
        }
    });
}

/// C-PROC-3 (SIGINT; CTRL_BREAK on Windows): the same as SIGTERM.
#[test]
fn c_proc_3_sigint_quits_gracefully() {
    check_scenario("C-PROC-3", "sigint", |shell| {
        let mut l = running(shell);
        l.interrupt();
        let status = l.wait_exit(QUIT_TIMEOUT);
        assert!(
            status.success(),
            "exit {status} after SIGINT\n{}",
            l.diagnostics()
        );
        l.assert_no_marked_process_within(ORPHAN_BOUND, "after SIGINT");
        assert!(l
            .events()
            .iter()
            .any(|e| e.event.kind() == EventKind::ShutdownComplete));
    });
}

/// C-PROC-3 (grace, then tree kill): a web server that ignores its lifeline (started with
/// `--no-lifeline` by a stand-in interpreter) is killed once the configured grace period
/// (`DESKTOP_DJANGO_GRACE_MS=1500`) is over; the shell still exits 0 with nothing left.
#[test]
fn c_proc_3_grace_period_then_tree_kill() {
    check_scenario("C-PROC-3", "grace-then-kill", |shell| {
        let grace_ms = 1500;
        let fake = FakePython::new(&FakeSpec::web(Action::RealWithArgs(vec![
            "--no-lifeline".into()
        ])));
        let mut l = running_with(
            shell,
            LaunchOptions::default()
                .python(&fake.path)
                .env(GRACE_ENV, grace_ms.to_string()),
        );
        quit_clean(&mut l, "after the grace period");
        let elapsed = shutdown_elapsed_ms(&mut l);
        assert!(
            (grace_ms..grace_ms + 4000).contains(&elapsed),
            "shutdown took {elapsed} ms; with a stubborn web server it should wait out the {grace_ms} ms grace, then kill"
        );
    });
}

/// `shutdown_complete`'s `elapsed_ms`: how long the quit took, as the shell measured it.
fn shutdown_elapsed_ms(l: &mut Launch) -> u64 {
    let done = l.wait_event(EventKind::ShutdownComplete, QUIT_TIMEOUT);
    let Event::ShutdownComplete { elapsed_ms } = done.event else {
        unreachable!("wait_event returns its kind")
    };
    elapsed_ms
}

crate::checks! {
    "C-PROC-1" => c_proc_1_two_roles_no_runserver_no_migrate,
    "C-PROC-2" => c_proc_2_stdin_lifeline,
    "C-PROC-3" => c_proc_3_sigterm_quits_gracefully,
    "C-PROC-3" => c_proc_3_sigint_quits_gracefully,
    "C-PROC-3" => c_proc_3_grace_period_then_tree_kill,
}
