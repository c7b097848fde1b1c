//! The events file (C-SHELL-3) written by a real supervisor run.
#![cfg(unix)]

mod common;

use std::sync::atomic::AtomicBool;

use contract::supervisor::Supervisor;
use serde_json::Value;

#[test]
fn supervisor_emits_the_backend_events() {
    let fx = common::fixture();
    let events = fx.dir.path().join("events.jsonl");
    // This test binary has one test, so setting the variable is race-free.
    std::env::set_var(contract::events::EVENTS_ENV, &events);
    contract::events::mark_start();
    contract::events::emit(contract::events::Event::SplashShown);
    let cancel = AtomicBool::new(false);
    let mut sup =
        Supervisor::start(fx.config("ok", 20_000, 5_000), fx.log.clone(), &cancel).unwrap();
    let port = sup.port();
    sup.stop();

    let lines: Vec<Value> = std::fs::read_to_string(&events)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let names: Vec<&str> = lines.iter().map(|v| v["event"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "splash_shown",
            "backend_spawned",
            "backend_listening",
            "backend_ready",
            "backend_spawned"
        ]
    );
    assert_eq!(lines[1]["role"], "web");
    assert_eq!(lines[4]["role"], "worker");
    assert_eq!(lines[2]["port"], port);
    assert!(lines[3]["elapsed_ms"].as_u64().is_some());
    let t: Vec<u64> = lines.iter().map(|v| v["t_ms"].as_u64().unwrap()).collect();
    assert!(t.windows(2).all(|w| w[0] <= w[1]), "{t:?}");
}
