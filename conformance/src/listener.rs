//! A recording HTTP listener on `127.0.0.1:0`: the "other origin" the app page tries to reach
//! (C-AUTH-4, C-SHELL-1). It answers every request with a tiny page and keeps each request's
//! head, so a test can tell whether the webview came, and whether it brought the token.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as received: its head (request line and headers), lossy text.
#[derive(Debug, Clone)]
pub struct Seen {
    pub head: String,
}

impl Seen {
    pub fn request_line(&self) -> &str {
        self.head.lines().next().unwrap_or("")
    }

    /// Whether `needle` (e.g. the session token) appears anywhere in the request head.
    pub fn contains(&self, needle: &str) -> bool {
        self.head.contains(needle)
    }
}

/// The running listener; stops when dropped.
pub struct Listener {
    pub port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Listener {
    pub fn start() -> Listener {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = l.local_addr().expect("local addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen2, stop2) = (seen.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("conformance-listener".into())
            .spawn(move || {
                for conn in l.incoming() {
                    if stop2.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(s) = conn {
                        let seen = seen2.clone();
                        std::thread::spawn(move || serve(s, &seen));
                    }
                }
            })
            .expect("listener thread");
        Listener {
            port,
            seen,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

fn serve(mut s: TcpStream, seen: &Mutex<Vec<Seen>>) {
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 256 * 1024 {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    if buf.is_empty() {
        return;
    }
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(buf.len());
    seen.lock().unwrap_or_else(|e| e.into_inner()).push(Seen {
        head: String::from_utf8_lossy(&buf[..end]).into_owned(),
    });
    let body = "<!doctype html><title>elsewhere</title><p>another origin</p>";
    let _ = write!(
        s,
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nAccess-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_requests() {
        let l = Listener::start();
        let r = crate::raw::RawRequest::get(l.port, "/x?y=1")
            .header("X-Test", "abc")
            .send(l.port, Duration::from_secs(5))
            .unwrap();
        assert_eq!(r.status, 200);
        let seen = l.seen();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].request_line(), "GET /x?y=1 HTTP/1.1");
        assert!(seen[0].contains("X-Test: abc"));
    }
}
