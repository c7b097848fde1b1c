//! `contract::process` against the stand-in backend: graceful stop through
//! the lifeline, tree kill (a grandchild started at the child's first
//! instruction included), and on Windows the taskkill fallback. Native on
//! every OS; under Wine through `scripts/wine-lane.sh` (`just test-wine`).
//! Liveness comes from the OS process listing (see `common::alive`).

mod common;

use std::process::ExitStatus;
use std::time::Duration;

use common::{
    assert_gone_within, command, eventually, outside_any_job, read_tree, show, under_wine,
};
use contract::process::{ProcessTree, Spawner};

/// How long the tree may take to disappear, in ms.
const GONE_MS: u64 = 3000;

fn wait_exit(tree: &mut ProcessTree, ms: u64) -> Option<ExitStatus> {
    let mut status = None;
    eventually(ms, || {
        status = tree.try_wait().ok().flatten();
        status.is_some()
    });
    status
}

#[test]
fn graceful_closing_the_lifeline_ends_role_and_grandchild() {
    let spawner = Spawner::new();
    for role in ["desktop_serve", "desktop_worker"] {
        let mut tree = spawner.spawn(command(role, false)).expect("spawn");
        let t = read_tree(tree.child_mut().stdout.take().unwrap());
        assert_eq!(t.pid, tree.pid());
        assert_eq!(show(&format!("{role} running"), &t.pids()).len(), 2);

        drop(tree.child_mut().stdin.take()); // the lifeline
        let status = wait_exit(&mut tree, 5000).expect("the role exits at EOF");
        assert!(status.success(), "{role}: {status}");
        assert_gone_within(
            GONE_MS,
            &format!("{role} after the lifeline closed"),
            &t.pids(),
        );
        tree.kill_tree(); // reaps; nothing left to kill
    }
}

#[test]
fn kill_tree_ends_a_grandchild_started_at_once() {
    let spawner = Spawner::new();
    // Stubborn: the roles ignore the lifeline, so only the tree kill ends them.
    let mut tree = spawner
        .spawn(command("desktop_worker", true))
        .expect("spawn");
    let t = read_tree(tree.child_mut().stdout.take().unwrap());
    eprintln!(
        "in a job when main() began: role {:?}, grandchild {:?}",
        t.in_job, t.grandchild_in_job
    );
    // Wine runs nothing in a job, so there the check below always applies.
    assert!(!under_wine() || outside_any_job());
    if cfg!(windows) && outside_any_job() {
        // CREATE_SUSPENDED + assign + resume: in the job when main() began,
        // so the grandchild it started at once is in it too.
        assert_eq!(
            t.in_job,
            Some(true),
            "the role ran before it was in its job"
        );
        assert_eq!(
            t.grandchild_in_job,
            Some(true),
            "the grandchild escaped the job"
        );
    }
    drop(tree.child_mut().stdin.take());
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(show("stubborn worker, lifeline closed", &t.pids()).len(), 2);

    tree.kill_tree();
    assert_gone_within(GONE_MS, "after kill_tree()", &t.pids());
}

#[test]
fn kill_tree_after_the_root_died_still_reaches_the_grandchild() {
    // A crashed root: killed alone, its grandchild lives on in the group
    // (POSIX) or job (Windows), where kill_tree() must still find it.
    let spawner = Spawner::new();
    let mut tree = spawner
        .spawn(command("desktop_worker", true))
        .expect("spawn");
    let t = read_tree(tree.child_mut().stdout.take().unwrap());
    tree.child_mut().kill().expect("kill the root alone");
    assert!(wait_exit(&mut tree, 5000).is_some());
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(show("root killed alone", &t.pids()).len(), 1);

    tree.kill_tree();
    assert_gone_within(GONE_MS, "after kill_tree()", &t.pids());
}

/// The fallback when no Job Object can be had: `taskkill /t /f /pid`.
#[cfg(windows)]
#[test]
fn taskkill_fallback() {
    use common::alive;
    use contract::process::taskkill_tree;

    let mut tree = ProcessTree::spawn_without_job(command("desktop_worker", true)).expect("spawn");
    let t = read_tree(tree.child_mut().stdout.take().unwrap());
    if outside_any_job() {
        assert_eq!(t.in_job, Some(false), "spawn_without_job made a job");
    }
    drop(tree.child_mut().stdin.take());
    assert_eq!(show("job-less stubborn worker", &t.pids()).len(), 2);

    match taskkill_tree(t.pid) {
        Ok(()) => assert_gone_within(GONE_MS, "after taskkill /t /f", &t.pids()),
        // Wine 8.0's taskkill rejects /t ("argument T not supported") and
        // kills nothing. What can be checked: the fallback still ends the
        // root, and without a job nothing else reaches the grandchild.
        Err(e) if under_wine() => {
            eprintln!("taskkill cannot kill a tree under this Wine: {e}");
            tree.kill_tree();
            assert_gone_within(GONE_MS, "root after kill_tree()", &[t.pid]);
            assert_eq!(
                alive(&[t.grandchild]).len(),
                1,
                "who killed the grandchild?"
            );
            let mut sys = sysinfo::System::new().unwrap();
            let gc = sysinfo::Pid::from_u32(t.grandchild);
            sys.refresh_processes(sysinfo::ProcessesToUpdate::Some(&[gc]), true);
            assert!(sys.process(gc).is_some_and(|p| p.kill()));
            assert_gone_within(GONE_MS, "grandchild, killed by pid", &[t.grandchild]);
        }
        Err(e) => panic!("{e}"),
    }
    tree.kill_tree();
}
