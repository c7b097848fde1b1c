//! The supervisor against a fake backend: handshake, health proof, worker,
//! lifeline stop, tree kill, startup failures and orphan protection.
#![cfg(unix)]

mod common;

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use common::{alive, eventually, fixture};
use contract::launch::Role;
use contract::supervisor::{StartupFailure, Supervisor};

static NO_CANCEL: AtomicBool = AtomicBool::new(false);

#[test]
fn starts_gates_on_health_and_stops_through_the_lifelines() {
    let fx = fixture();
    let config = fx.config("ok", 20_000, 5_000);
    let token = config.token.expose().to_string();
    let mut sup = Supervisor::start(config, fx.log.clone(), &NO_CANCEL).expect("ready");
    let hs = sup.handshake().unwrap().clone();
    assert_eq!(hs.host, "127.0.0.1");
    assert_ne!(hs.port, 0);
    let roles: Vec<Role> = sup.pids().iter().map(|(r, _)| *r).collect();
    assert_eq!(roles, [Role::Web, Role::Worker]);

    let url = sup.bootstrap_url("/").unwrap();
    assert_eq!(
        url,
        format!(
            "{}/desktop-auth/bootstrap/?ticket=fake-ticket&next=/",
            hs.origin()
        )
    );

    #[cfg(target_os = "linux")]
    for (_, pid) in sup.pids() {
        let argv = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
        assert!(
            !String::from_utf8_lossy(&argv).contains(&token),
            "token on argv"
        );
        // Right after exec the kernel may not have published the new
        // environment yet: poll.
        let read_env = || {
            String::from_utf8_lossy(&std::fs::read(format!("/proc/{pid}/environ")).unwrap())
                .into_owned()
        };
        let token_var = format!("DESKTOP_DJANGO_AUTH_TOKEN={token}");
        assert!(eventually(2000, || read_env().contains(&token_var)));
        let env = read_env();
        assert!(env.contains("DESKTOP_DJANGO_APP_DATA_DIR="));
        assert!(env.contains("PYTHONUNBUFFERED=1"));
    }

    let pids = sup.pids();
    let started = Instant::now();
    let forced = sup.stop();
    assert!(
        forced.is_empty(),
        "the lifeline EOF must suffice: {forced:?}"
    );
    assert!(started.elapsed().as_millis() < 3000);
    for (_, pid) in pids {
        assert!(!alive(pid));
    }
    let log = fx.log_text();
    assert!(log.contains("[web stdout] DESKTOP_DJANGO_READY"), "{log}");
    assert!(!log.contains(&token), "token leaked into shell.log");
}

#[test]
fn early_exit_is_a_startup_error() {
    let fx = fixture();
    let started = Instant::now();
    let err = Supervisor::start(fx.config("exit", 20_000, 1_000), fx.log.clone(), &NO_CANCEL)
        .err()
        .expect("must fail");
    assert!(
        matches!(err.failure, StartupFailure::Exited(_)),
        "{}",
        err.message()
    );
    assert_eq!(err.log_path, fx.paths.shell_log());
    assert!(started.elapsed().as_millis() < 10_000);
    assert!(eventually(2000, || fx
        .log_text()
        .contains("exiting early on purpose")));
}

#[test]
fn malformed_handshake_is_a_startup_error_and_stops_the_child() {
    let fx = fixture();
    let err = Supervisor::start(
        fx.config("malformed", 20_000, 1_000),
        fx.log.clone(),
        &NO_CANCEL,
    )
    .err()
    .expect("must fail");
    assert!(
        matches!(err.failure, StartupFailure::MalformedHandshake(_)),
        "{}",
        err.message()
    );
    for (_, pid) in fx.pids() {
        assert!(!alive(pid), "child {pid} survived a failed start");
    }
}

#[test]
fn handshake_timeout_is_a_startup_error_and_stops_the_child() {
    let fx = fixture();
    let started = Instant::now();
    let err = Supervisor::start(fx.config("hang", 700, 1_000), fx.log.clone(), &NO_CANCEL)
        .err()
        .expect("must fail");
    let took = started.elapsed().as_millis();
    assert_eq!(
        err.failure,
        StartupFailure::NoHandshake(700),
        "{}",
        err.message()
    );
    assert!((700..5000).contains(&took), "took {took} ms");
    // The supervisor's own record of what it spawned: under load the child may not have
    // reached its own pid file within the 700 ms.
    let spawned: Vec<u32> = fx
        .log_text()
        .lines()
        .filter_map(|l| l.split("web pid ").nth(1)?.trim().parse().ok())
        .collect();
    assert!(
        !spawned.is_empty(),
        "no spawn in the log: {}",
        fx.log_text()
    );
    for pid in spawned
        .into_iter()
        .chain(fx.pids().into_iter().map(|(_, pid)| pid))
    {
        assert!(!alive(pid), "child {pid} outlived the failed start");
    }
}

#[test]
fn wrong_health_proof_is_rejected() {
    let fx = fixture();
    let err = Supervisor::start(
        fx.config("badproof", 20_000, 1_000),
        fx.log.clone(),
        &NO_CANCEL,
    )
    .err()
    .expect("must fail");
    assert!(
        matches!(err.failure, StartupFailure::BadProof(_)),
        "{}",
        err.message()
    );
}

#[test]
fn tree_kill_after_grace_reaches_grandchildren() {
    let fx = fixture();
    let mut sup = Supervisor::start(
        fx.config("stubborn", 20_000, 400),
        fx.log.clone(),
        &NO_CANCEL,
    )
    .expect("ready");
    // Both roles and both grandchildren registered.
    assert!(
        eventually(10_000, || fx.pids().len() == 4),
        "{:?}",
        fx.pids()
    );
    let started = Instant::now();
    let forced = sup.stop();
    let took = started.elapsed().as_millis();
    assert_eq!(forced, [Role::Web, Role::Worker]);
    assert!((400..3000).contains(&took), "took {took} ms");
    for (role, pid) in fx.pids() {
        assert!(
            eventually(2000, || !alive(pid)),
            "{role} {pid} survived the tree kill"
        );
    }
}

/// Not a test by itself: the body of the orphan test's victim process.
#[test]
#[ignore]
fn orphan_helper() {
    if std::env::var_os("CONTRACT_ORPHAN_HELPER").is_none() {
        return;
    }
    let fx = fixture();
    let mut config = fx.config("stubborn", 20_000, 5_000);
    config.extra_env.retain(|(k, _)| k != "FAKE_PIDFILE");
    let _sup = Supervisor::start(config, fx.log.clone(), &NO_CANCEL).expect("ready");
    println!("HELPER_READY");
    loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

/// C-PROC-5: SIGKILL the supervising process; its children (which ignore
/// the lifeline here) must die by PDEATHSIG within 3000 ms.
#[cfg(target_os = "linux")]
#[test]
fn children_die_with_a_killed_supervisor() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let tmp = tempfile::tempdir().unwrap();
    let pidfile = tmp.path().join("pids");
    let mut helper = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "orphan_helper",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("CONTRACT_ORPHAN_HELPER", "1")
        .env("FAKE_PIDFILE", &pidfile)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = helper.stdout.take().unwrap();
    let ready = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|l| l.contains("HELPER_READY"));
    assert!(ready, "helper never became ready");
    assert!(eventually(10_000, || common::read_pids(&pidfile).len() == 4));
    helper.kill().unwrap(); // SIGKILL
    helper.wait().unwrap();
    let pids = common::read_pids(&pidfile);
    for (role, pid) in &pids {
        if role.ends_with("grandchild") {
            continue; // not direct children: no PDEATHSIG (cleaned up below)
        }
        assert!(
            eventually(3000, || !alive(*pid)),
            "{role} {pid} outlived the supervisor"
        );
    }
    for (_, pid) in pids {
        // SAFETY: cleaning up the fixture's own sleeping grandchildren.
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    }
}
