//! A stand-in for the Python backend, for process-control tests where there
//! is no Python (Windows under Wine), and natively on every OS.
//!
//! It is started the way the supervisor starts Django:
//! `stand-in-backend <manage.py> desktop_serve|desktop_worker` (the role is
//! the first argument that names one; a `manage.py` path is ignored), with
//! `DESKTOP_DJANGO_AUTH_TOKEN` in its environment and its stdin as the
//! lifeline.
//!
//! * Both roles first start one grandchild (a copy of itself in `sleep`
//!   mode), then print `STAND_IN_TREE {"role", "pid", "grandchild",
//!   "in_job", "grandchild_in_job"}` on stdout. `in_job` is whether this
//!   process was in a Job Object when its `main` began (Windows; `null`
//!   elsewhere), so a test sees that the supervisor put it there before any
//!   of its code ran.
//! * `desktop_serve` then binds `127.0.0.1:0`, prints the handshake
//!   `DESKTOP_DJANGO_READY {"host", "port", "pid", "version"}`, and answers
//!   `GET /health/?nonce=N` (with the token header: `"proof"` = hex
//!   HMAC-SHA256(token, N)), `POST /desktop-auth/ticket/` (token header),
//!   `GET /desktop-auth/bootstrap/?ticket=…` (sets a cookie, redirects to
//!   `/`) and `GET /` (with the cookie: a tiny page).
//! * At EOF on stdin, a role kills its grandchild and exits 0. With
//!   `STAND_IN_STUBBORN=1` it ignores the lifeline, so only a tree kill (or
//!   a Job Object closing) ends it.
//!
//! Nothing lives longer than [`MAX_LIFETIME`], so a failed test leaves no
//! process behind for long.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hmac::{KeyInit, Mac};
use serde_json::json;

/// The longest any stand-in process lives (120 s).
const MAX_LIFETIME: Duration = Duration::from_secs(120);
/// The one ticket `POST /desktop-auth/ticket/` hands out.
const TICKET: &str = "stand-in-ticket";
/// The cookie the bootstrap sets and `/` requires.
const COOKIE: &str = "stand_in_session=1";

fn main() {
    let started = Instant::now();
    // First, before anything can start a process: was this one in a job?
    let started_in_job = in_job(None);
    let role = std::env::args()
        .skip(1)
        .find(|a| matches!(a.as_str(), "desktop_serve" | "desktop_worker" | "sleep"));
    let Some(role) = role else {
        eprintln!("usage: stand-in-backend <manage.py> desktop_serve|desktop_worker|sleep");
        std::process::exit(2);
    };
    if role == "sleep" {
        std::thread::sleep(MAX_LIFETIME);
        return;
    }
    let mut grandchild = Command::new(std::env::current_exe().expect("own path"))
        .arg("sleep")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot start the grandchild");
    let tree = json!({
        "role": role,
        "pid": std::process::id(),
        "grandchild": grandchild.id(),
        "in_job": started_in_job,
        "grandchild_in_job": in_job(Some(&grandchild)),
    });
    println!("STAND_IN_TREE {tree}");

    if role == "desktop_serve" {
        let token = std::env::var("DESKTOP_DJANGO_AUTH_TOKEN").unwrap_or_default();
        if let Err(e) = serve(token) {
            eprintln!("stand-in: cannot serve: {e}");
            stop(&mut grandchild, 1);
        }
    }

    // The lifeline: EOF when the supervisor closes our stdin or dies.
    let _ = io::copy(&mut io::stdin(), &mut io::sink());
    if std::env::var_os("STAND_IN_STUBBORN").is_some_and(|v| v == "1") {
        eprintln!("stand-in: lifeline closed; stubborn, staying up");
        std::thread::sleep(MAX_LIFETIME.saturating_sub(started.elapsed()));
    } else {
        eprintln!("stand-in: lifeline closed; exiting");
    }
    stop(&mut grandchild, 0);
}

fn stop(grandchild: &mut Child, code: i32) -> ! {
    let _ = grandchild.kill();
    let _ = grandchild.wait();
    std::process::exit(code);
}

/// Binds `127.0.0.1:0`, prints the handshake, and answers requests on a
/// background thread (one thread per connection).
fn serve(token: String) -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let handshake = json!({
        "host": "127.0.0.1",
        "port": port,
        "pid": std::process::id(),
        "version": concat!("stand-in-", env!("CARGO_PKG_VERSION")),
    });
    println!("DESKTOP_DJANGO_READY {handshake}");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let token = token.clone();
            std::thread::spawn(move || {
                if let Err(e) = answer(stream, &token) {
                    eprintln!("stand-in: request failed: {e}");
                }
            });
        }
    });
    Ok(())
}

/// Reads one HTTP/1.1 request and writes one response (`Connection: close`).
fn answer(mut stream: TcpStream, token: &str) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let length: u64 = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    io::copy(&mut reader.by_ref().take(length), &mut io::sink())?;

    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .unwrap_or("")
    };
    let authed = !token.is_empty() && header("x-desktop-django-token") == Some(token);
    let cookie = header("cookie").is_some_and(|c| c.split("; ").any(|kv| kv == COOKIE));
    let json = "application/json";
    let (status, content_type, body, extra) = match (method, path) {
        ("GET", "/health/") if authed => {
            let body = json!({"status": "ok", "version": "stand-in", "sqlite": {}, "proof": proof(token, param("nonce"))});
            ("200 OK", json, body.to_string(), String::new())
        }
        ("POST", "/desktop-auth/ticket/") if authed => {
            let body = json!({"ticket": TICKET, "expires_in_ms": 30000});
            ("200 OK", json, body.to_string(), String::new())
        }
        ("GET", "/desktop-auth/bootstrap/") if param("ticket") == TICKET => {
            let extra = format!("Location: /\r\nSet-Cookie: {COOKIE}; HttpOnly; Path=/\r\n");
            ("302 Found", json, "{}".into(), extra)
        }
        ("GET", "/") if cookie => {
            let page = "<!doctype html><title>Stand-in</title><h1>Stand-in backend</h1>";
            (
                "200 OK",
                "text/html; charset=utf-8",
                page.into(),
                String::new(),
            )
        }
        _ => (
            "403 Forbidden",
            json,
            r#"{"error": "forbidden"}"#.into(),
            String::new(),
        ),
    };
    // The query may hold a ticket: log the path only.
    eprintln!("stand-in: {method} {path} {status}");
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}

/// hex(HMAC-SHA256(key = token, msg = nonce)), as `contract::health` expects.
fn proof(token: &str, nonce: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(token.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(nonce.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Windows: whether this process (`None`) or `child` is in any Job Object.
#[cfg(windows)]
fn in_job(child: Option<&Child>) -> Option<bool> {
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::System::JobObjects::IsProcessInJob;
    use windows_sys::Win32::System::Threading::GetCurrentProcess;
    let handle = match child {
        Some(child) => child.as_raw_handle(),
        // SAFETY: returns a pseudo-handle; nothing to close.
        None => unsafe { GetCurrentProcess() },
    };
    let mut result = 0;
    // SAFETY: a valid process handle and a valid out pointer; a null job
    // handle means "any job".
    let ok = unsafe { IsProcessInJob(handle, std::ptr::null_mut(), &mut result) };
    (ok != 0).then_some(result != 0)
}

#[cfg(not(windows))]
fn in_job(_child: Option<&Child>) -> Option<bool> {
    None
}
