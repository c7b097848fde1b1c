//! C-PROC-4 and C-PROC-5: the tree kill reaches grandchildren, and no process of a launch outlives
//! the shell, whether it quits or is killed.

use std::time::{Duration, Instant};

use conformance::fakes::{Action, FakePython, FakeSpec};
use conformance::{
    check, check_scenario, procs, Event, EventKind, Launch, LaunchOptions, ORPHAN_BOUND,
    READY_TIMEOUT,
};

use crate::helpers::{running, running_with, under_test, QUIT_TIMEOUT};

/// C-PROC-4: the tree kill reaches grandchildren. A stand-in interpreter plants a sleeping
/// grandchild under each role of the project (it ignores the lifeline: only a kill reaches it); after a
/// graceful quit the shell exits 0 and both grandchildren are gone within 3000 ms.
#[test]
fn c_proc_4_tree_kill_reaches_grandchildren() {
    check("C-PROC-4", |shell| {
        let fake = FakePython::new(&FakeSpec {
            web: Action::Grandchild,
            worker: Action::Grandchild,
            env: Vec::new(),
        });
        let mut l = running_with(shell, LaunchOptions::default().python(&fake.path));
        let mut planted = Vec::new();
        let project = under_test();
        for (role, cmd) in project.roles().iter().zip(project.role_commands()) {
            let pid = fake
                .grandchild_pid(cmd)
                .unwrap_or_else(|| panic!("no grandchild was planted under the {role} role"));
            assert!(
                procs::alive(pid),
                "the {role} grandchild {pid} is not running"
            );
            let marked = l.processes();
            let g = marked
                .iter()
                .find(|p| p.pid == pid)
                .unwrap_or_else(|| panic!("the {role} grandchild {pid} is not in the launch"));
            let root = l.spawned().into_iter().find(|(r, _)| r == role).unwrap().1;
            assert_eq!(g.parent, Some(root), "the {role} grandchild's parent");
            planted.push((role, pid));
        }
        let status = l.quit(QUIT_TIMEOUT);
        assert!(
            status.success(),
            "exit {status} after SIGTERM\n{}",
            l.diagnostics()
        );
        let deadline = Instant::now() + ORPHAN_BOUND;
        while planted.iter().any(|(_, pid)| procs::alive(*pid)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        for (role, pid) in &planted {
            assert!(
                !procs::alive(*pid),
                "the {role} grandchild {pid} survived the quit by more than {} ms",
                ORPHAN_BOUND.as_millis()
            );
        }
        l.assert_no_marked_process_within(ORPHAN_BOUND, "after a graceful quit");
    });
}

/// C-PROC-5: after SIGKILL of a running shell, no process of the launch outlives it by more
/// than 3000 ms.
#[test]
fn c_proc_5_no_orphans_after_shell_sigkill() {
    check("C-PROC-5", |shell| {
        let mut l = running(shell);
        let killed = Instant::now();
        l.kill_shell();
        let left = ORPHAN_BOUND.saturating_sub(killed.elapsed());
        l.assert_no_marked_process_within(left, "after SIGKILL of the shell");
    });
}

/// C-PROC-5 (before the handshake): SIGKILL of the shell while its web process is still
/// starting (a stand-in that never prints the handshake) leaves no orphan.
#[test]
fn c_proc_5_sigkill_before_handshake() {
    check_scenario("C-PROC-5", "before-handshake", |shell| {
        let fake = FakePython::new(&FakeSpec::web(Action::Hang));
        let mut l = Launch::start(shell, LaunchOptions::default().python(&fake.path));
        let Event::BackendSpawned { pid, .. } =
            l.wait_event(EventKind::BackendSpawned, READY_TIMEOUT).event
        else {
            unreachable!("wait_event returns its kind")
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !procs::alive(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            l.events()
                .iter()
                .all(|e| e.event.kind() != EventKind::BackendListening),
            "the stand-in sent a handshake?"
        );
        let killed = Instant::now();
        l.kill_shell();
        let left = ORPHAN_BOUND.saturating_sub(killed.elapsed());
        l.assert_no_marked_process_within(left, "after SIGKILL of the shell before the handshake");
    });
}

/// C-PROC-5 (grandchild): SIGKILL of the shell while each role has a sleeping grandchild (planted
/// by a stand-in interpreter; it ignores the lifeline and has no PDEATHSIG of its own) leaves
/// neither the roles nor the grandchildren alive 3000 ms later.
#[test]
fn c_proc_5_sigkill_reaches_grandchildren() {
    check_scenario("C-PROC-5", "grandchild", |shell| {
        let fake = FakePython::new(&FakeSpec {
            web: Action::Grandchild,
            worker: Action::Grandchild,
            env: Vec::new(),
        });
        let mut l = running_with(shell, LaunchOptions::default().python(&fake.path));
        let planted: Vec<(&str, u32)> = under_test()
            .role_commands()
            .iter()
            .copied()
            .map(|cmd| {
                let pid = fake
                    .grandchild_pid(cmd)
                    .unwrap_or_else(|| panic!("no grandchild was planted under {cmd}"));
                assert!(
                    procs::alive(pid),
                    "the {cmd} grandchild {pid} is not running"
                );
                (cmd, pid)
            })
            .collect();
        let killed = Instant::now();
        l.kill_shell();
        let deadline = killed + ORPHAN_BOUND;
        while planted.iter().any(|(_, pid)| procs::alive(*pid)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let alive: Vec<_> = planted
            .iter()
            .filter(|(_, pid)| procs::alive(*pid))
            .collect();
        assert!(
            alive.is_empty(),
            "grandchildren {alive:?} outlived a SIGKILL of the shell by {} ms\n{}",
            ORPHAN_BOUND.as_millis(),
            l.diagnostics()
        );
        l.assert_no_marked_process_within(
            ORPHAN_BOUND.saturating_sub(killed.elapsed()),
            "after SIGKILL of the shell with grandchildren",
        );
    });
}

/// C-PROC-5 (clean quit): every process the app started is gone when the shell exits or within
/// 3000 ms after, its own helpers included (WebKitWebProcess and WebKitNetworkProcess for the
/// WebKitGTK shells, renderer processes for Electron). A shell with a window has at least one
/// such helper while it runs, so the check cannot pass vacuously there.
#[test]
fn c_proc_5_clean_quit_leaves_no_helper() {
    check_scenario("C-PROC-5", "helpers-on-quit", |shell| {
        let mut l = running(shell);
        let backend: Vec<u32> = l.backend_processes().iter().map(|p| p.pid).collect();
        let helpers: Vec<procs::ProcInfo> = l
            .processes()
            .into_iter()
            .filter(|p| p.pid != l.pid() && !backend.contains(&p.pid))
            .collect();
        if shell.spec.display {
            assert!(
                !helpers.is_empty(),
                "a shell with a window shows no helper process of its own: {:?}",
                l.processes()
                    .iter()
                    .map(|p| p.cmdline())
                    .collect::<Vec<_>>()
            );
        }
        let status = l.quit(QUIT_TIMEOUT);
        assert!(status.success(), "exit {status}\n{}", l.diagnostics());
        if let Err(left) = procs::wait_none(ORPHAN_BOUND, || {
            let alive = l.processes();
            helpers
                .iter()
                .filter(|h| alive.iter().any(|p| p.pid == h.pid))
                .cloned()
                .collect()
        }) {
            panic!(
                "helper process(es) outlived the shell's clean quit by {} ms:\n  {}\n{}",
                ORPHAN_BOUND.as_millis(),
                procs::describe(&left),
                l.diagnostics()
            );
        }
        l.assert_no_marked_process_within(ORPHAN_BOUND, "after a clean quit");
    });
}

crate::checks! {
    "C-PROC-4" => c_proc_4_tree_kill_reaches_grandchildren,
    "C-PROC-5" => c_proc_5_no_orphans_after_shell_sigkill,
    "C-PROC-5" => c_proc_5_sigkill_before_handshake,
    "C-PROC-5" => c_proc_5_sigkill_reaches_grandchildren,
    "C-PROC-5" => c_proc_5_clean_quit_leaves_no_helper,
}
