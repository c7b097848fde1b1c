//! `contract::supervisor` with the stand-in as the interpreter: handshake,
//! health proof, ticket, worker, then a graceful stop (nothing forced), and
//! a stop of roles that ignore their lifeline (forced, trees killed).

mod common;

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use common::{assert_gone_within, show, stand_in, trees_in_log, Tree};
use contract::launch::{LaunchSpec, Role};
use contract::logs::ShellLog;
use contract::paths::AppPaths;
use contract::project::Project;
use contract::supervisor::{Supervisor, SupervisorConfig};
use contract::token::Token;

static NO_CANCEL: AtomicBool = AtomicBool::new(false);

const DESKTOP_TOML: &str =
    "app_id = \"dev.desktop-django.stand-in\"\nproduct_name = \"Stand-in\"\n\
    [settings]\ndev = \"stand_in.settings\"\npackaged = \"stand_in.settings\"\n";

/// Starts the backend; `stubborn` roles ignore their lifeline, so the stop
/// waits out a short grace period (1000 ms) and then kills the trees. The
/// others get 10000 ms, far more than they need to exit.
fn start(dir: &tempfile::TempDir, stubborn: bool) -> (Supervisor, AppPaths) {
    let paths = AppPaths::create(&dir.path().join("data")).unwrap();
    // A project like any other, with the stand-in as its interpreter
    // (what DESKTOP_DJANGO_PYTHON does for a shell).
    std::fs::write(dir.path().join("desktop.toml"), DESKTOP_TOML).unwrap();
    let project = Project::load(dir.path()).unwrap();
    let config = SupervisorConfig {
        spec: LaunchSpec::dev(&project, Some(stand_in())).unwrap(),
        app_data: paths.root.clone(),
        token: Token::generate(),
        ready_timeout: Duration::from_secs(20),
        grace: Duration::from_millis(if stubborn { 1000 } else { 10_000 }),
        extra_env: vec![(
            "STAND_IN_STUBBORN".into(),
            if stubborn { "1" } else { "0" }.into(),
        )],
    };
    let log = ShellLog::open(&paths.shell_log());
    let sup = Supervisor::start(config, log, &NO_CANCEL).expect("the stand-in becomes ready");
    (sup, paths)
}

/// Both roles' trees, from the `[… stdout] STAND_IN_TREE` lines in the log.
fn trees(paths: &AppPaths) -> Vec<Tree> {
    let mut found = Vec::new();
    common::eventually(5000, || {
        found = trees_in_log(&std::fs::read_to_string(paths.shell_log()).unwrap_or_default());
        found.len() == 2
    });
    assert_eq!(found.len(), 2, "two STAND_IN_TREE lines in the shell log");
    found
}

fn all_pids(trees: &[Tree]) -> Vec<u32> {
    trees.iter().flat_map(|t| t.pids()).collect()
}

#[test]
fn ready_then_graceful_stop_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut sup, paths) = start(&dir, false);
    let roles: Vec<Role> = sup.pids().iter().map(|(r, _)| *r).collect();
    assert_eq!(roles, [Role::Web, Role::Worker]);
    let url = sup.bootstrap_url("/").expect("a ticket");
    assert!(url.starts_with(&format!("{}/desktop-auth/bootstrap/?ticket=", sup.origin())));
    let pids = all_pids(&trees(&paths));
    assert_eq!(show("supervised backend running", &pids).len(), 4);

    let forced = sup.stop();
    assert!(forced.is_empty(), "graceful stop had to force {forced:?}");
    assert_gone_within(3000, "after Supervisor::stop()", &pids);
}

#[test]
fn stop_force_kills_roles_that_ignore_the_lifeline() {
    let dir = tempfile::tempdir().unwrap();
    let (mut sup, paths) = start(&dir, true);
    let pids = all_pids(&trees(&paths));
    assert_eq!(show("stubborn backend running", &pids).len(), 4);

    let forced = sup.stop();
    assert_eq!(forced, [Role::Web, Role::Worker]);
    assert_gone_within(3000, "after the grace period and the tree kill", &pids);
}
