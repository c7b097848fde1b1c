//! C-PORT: the backend listens on loopback only, on a port it reports in a race-free handshake,
//! a new one for every launch.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

use conformance::{check, procs, EventKind, Launch, LaunchOptions, READY_TIMEOUT};

/// C-PORT-1: the backend listens on 127.0.0.1 only. The port from `backend_listening` accepts on
/// 127.0.0.1, and no process of the launch holds a listening TCP socket on any other address.
#[test]
fn c_port_1_loopback_only() {
    check("C-PORT-1", |shell| {
        let mut l = Launch::start(shell, LaunchOptions::default());
        let port = l.port();
        l.wait_event(EventKind::BackendReady, READY_TIMEOUT);
        // Every role listens (or not) by now: the worker starts after readiness.
        if conformance::backend::under_test().worker {
            l.wait_worker();
        }
        let loopback = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
        TcpStream::connect_timeout(&loopback, Duration::from_secs(5)).unwrap_or_else(|e| {
            panic!("port {port} from backend_listening refuses 127.0.0.1: {e}")
        });
        {
            let procs = l.processes();
            let web = l.web_processes();
            assert!(
                !web.is_empty(),
                "no desktop_serve process carries the marker"
            );
            let mut web_listens_on_port = false;
            for p in &procs {
                let Ok(listening) = procs::listening_sockets(p.pid) else {
                    continue; // exited meanwhile
                };
                for addr in &listening {
                    assert_eq!(
                        addr.ip(),
                        IpAddr::V4(Ipv4Addr::LOCALHOST),
                        "pid {} ({}) listens on {addr}: only 127.0.0.1 is allowed",
                        p.pid,
                        p.cmdline()
                    );
                }
                web_listens_on_port |= web.iter().any(|w| w.pid == p.pid)
                    && listening.iter().any(|a| a.port() == port);
            }
            assert!(
                web_listens_on_port,
                "the desktop_serve process does not hold the listening socket on port {port}"
            );
        }
    });
}

/// C-PORT-2: the port reaches the shell in the handshake line, which the shell copies into its
/// log: `DESKTOP_DJANGO_READY {json}` with `host` 127.0.0.1, the `port` the shell then reports,
/// the web process's `pid` and a `version`. The shell never picks the port: the backend's
/// command line and environment carry no port.
#[test]
fn c_port_2_race_free_handshake() {
    check("C-PORT-2", |shell| {
        let mut l = Launch::start(shell, LaunchOptions::default());
        let port = l.port();
        l.wait_event(EventKind::BackendReady, READY_TIMEOUT);
        let web_pid = l.spawned().into_iter().find(|(r, _)| r == "web").unwrap().1;
        let log = l.shell_log();
        let line = log
            .lines()
            .find_map(|line| line.split_once("DESKTOP_DJANGO_READY ").map(|(_, j)| j))
            .unwrap_or_else(|| panic!("no handshake line in logs/shell.log:\n{log}"));
        let hs: serde_json::Value = serde_json::from_str(line.trim())
            .unwrap_or_else(|e| panic!("handshake JSON {line}: {e}"));
        assert_eq!(hs["host"], "127.0.0.1", "{hs}");
        assert_eq!(hs["port"].as_u64(), Some(u64::from(port)), "{hs}");
        assert_eq!(hs["pid"].as_u64(), Some(u64::from(web_pid)), "{hs}");
        assert!(
            hs["version"].as_str().is_some_and(|v| !v.is_empty()),
            "no version: {hs}"
        );
        let p = port.to_string();
        for proc_ in l.backend_processes() {
            assert!(
                !proc_.cmd.iter().any(|a| a.contains(&p)),
                "the port is on a backend command line: {}",
                proc_.cmdline()
            );
            for (k, v) in &proc_.environ {
                assert!(
                    !(v == &p || v.ends_with(&format!(":{p}"))),
                    "the shell passed the port to the backend in {k}={v}"
                );
            }
        }
    });
}

/// C-PORT-3: two launches, one after the other, get different ports.
#[test]
fn c_port_3_port_differs_between_launches() {
    check("C-PORT-3", |shell| {
        let first = {
            let mut l = Launch::start(shell, LaunchOptions::default());
            l.port()
        };
        let second = {
            let mut l = Launch::start(shell, LaunchOptions::default());
            l.port()
        };
        assert_ne!(first, second, "both launches listened on port {first}");
    });
}

crate::checks! {
    "C-PORT-1" => c_port_1_loopback_only,
    "C-PORT-2" => c_port_2_race_free_handshake,
    "C-PORT-3" => c_port_3_port_differs_between_launches,
}
