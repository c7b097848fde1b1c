//! Raw HTTP/1.1 over a `TcpStream`, for requests an HTTP client refuses to send: duplicated or
//! non-ASCII headers, a missing Host, 1 MB header values, garbage request lines. Every read and
//! write has a deadline, so a server that hangs is reported as a hang, never waited on forever.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// A response read whole (the request says `Connection: close`).
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    /// Status line and headers, as text (lossy).
    pub head: String,
    pub body: Vec<u8>,
}

impl RawResponse {
    /// Header values named `name` (case-insensitive).
    pub fn headers(&self, name: &str) -> Vec<String> {
        self.head
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .filter(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One request to build: method, target, headers (in order, duplicates allowed) and body.
/// `host: None` sends no Host header at all.
#[derive(Debug, Clone)]
pub struct RawRequest {
    pub method: String,
    pub target: String,
    pub host: Option<Vec<u8>>,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl RawRequest {
    /// `GET target` with `Host: 127.0.0.1:<port>`.
    pub fn get(port: u16, target: &str) -> RawRequest {
        RawRequest {
            method: "GET".into(),
            target: target.into(),
            host: Some(format!("127.0.0.1:{port}").into_bytes()),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn method(mut self, m: &str) -> Self {
        self.method = m.into();
        self
    }

    pub fn host(mut self, h: impl Into<Vec<u8>>) -> Self {
        self.host = Some(h.into());
        self
    }

    pub fn no_host(mut self) -> Self {
        self.host = None;
        self
    }

    pub fn header(mut self, k: &str, v: impl Into<Vec<u8>>) -> Self {
        self.headers.push((k.into(), v.into()));
        self
    }

    pub fn body(mut self, b: impl Into<Vec<u8>>) -> Self {
        self.body = b.into();
        self
    }

    /// The request's bytes: request line, Host, headers, `Content-Length` when there is a body,
    /// `Connection: close`, blank line, body.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = format!("{} {} HTTP/1.1\r\n", self.method, self.target).into_bytes();
        if let Some(h) = &self.host {
            out.extend_from_slice(b"Host: ");
            out.extend_from_slice(h);
            out.extend_from_slice(b"\r\n");
        }
        for (k, v) in &self.headers {
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v);
            out.extend_from_slice(b"\r\n");
        }
        if !self.body.is_empty()
            && !self
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        {
            out.extend_from_slice(format!("Content-Length: {}\r\n", self.body.len()).as_bytes());
        }
        out.extend_from_slice(b"User-Agent: ");
        out.extend_from_slice(crate::http::CONFORMANCE_UA.as_bytes());
        out.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
        out.extend_from_slice(&self.body);
        out
    }

    /// Sends the request to `127.0.0.1:<port>`.
    pub fn send(&self, port: u16, timeout: Duration) -> Result<RawResponse, String> {
        send_bytes(port, &self.bytes(), timeout)
    }
}

/// Sends `bytes` and reads the response until the server closes, all within `timeout`.
pub fn send_bytes(port: u16, bytes: &[u8], timeout: Duration) -> Result<RawResponse, String> {
    let deadline = Instant::now() + timeout;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut s = TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("connect: {e}"))?;
    s.set_write_timeout(Some(timeout)).ok();
    // A server may answer (and close) before it read everything, e.g. on an oversize header:
    // a failed write is not yet an error, the response decides.
    let write_err = s.write_all(bytes).and_then(|()| s.flush()).err();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!(
                "hang: no complete response within {} ms ({} bytes so far)",
                timeout.as_millis(),
                buf.len()
            ));
        }
        s.set_read_timeout(Some(left)).ok();
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue
            }
            Err(e) if !buf.is_empty() => {
                let _ = e;
                break;
            }
            Err(e) => {
                return Err(match write_err {
                    Some(w) => format!("write: {w}; read: {e}"),
                    None => format!("read: {e}"),
                })
            }
        }
    }
    parse(&buf).ok_or_else(|| {
        format!(
            "not an HTTP response ({} bytes): {:?}",
            buf.len(),
            String::from_utf8_lossy(&buf[..buf.len().min(200)])
        )
    })
}

/// Parses a whole response (status line, headers, body).
pub fn parse(buf: &[u8]) -> Option<RawResponse> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let status_line = head.lines().next()?;
    let mut parts = status_line.split_whitespace();
    if !parts.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let status = parts.next()?.parse().ok()?;
    let mut r = RawResponse {
        status,
        head,
        body: buf[end + 4..].to_vec(),
    };
    if r.headers("transfer-encoding")
        .iter()
        .any(|v| v.eq_ignore_ascii_case("chunked"))
    {
        r.body = dechunk(&r.body);
    }
    Some(r)
}

/// Decodes a chunked body (best effort: stops at the first malformed chunk).
fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&b[..eol]);
        let Ok(size) = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
        else {
            break;
        };
        if size == 0 || b.len() < eol + 2 + size {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[(eol + 2 + size + 2).min(b.len())..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_duplicates_and_no_host() {
        let r = RawRequest::get(5, "/x")
            .header("A", "1")
            .header("A", "2")
            .no_host()
            .bytes();
        let t = String::from_utf8(r).unwrap();
        assert!(t.starts_with("GET /x HTTP/1.1\r\nA: 1\r\nA: 2\r\n"), "{t}");
        assert!(!t.contains("Host:"));
        let r = RawRequest::get(5, "/").method("POST").body("a=1").bytes();
        let t = String::from_utf8(r).unwrap();
        assert!(t.contains("Host: 127.0.0.1:5\r\n") && t.contains("Content-Length: 3\r\n"));
        assert!(t.ends_with("\r\n\r\na=1"));
    }

    #[test]
    fn parses_responses() {
        let r = parse(b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nForbidden").unwrap();
        assert_eq!(r.status, 403);
        assert_eq!(r.headers("set-cookie"), ["a=1", "b=2"]);
        assert_eq!(r.body_text(), "Forbidden");
        assert!(parse(b"garbage\r\n\r\n").is_none());
        let c = parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").unwrap();
        assert_eq!(c.body_text(), "abcde");
        assert!(parse(b"HTTP/1.1 200 OK\r\n").is_none());
    }

    #[test]
    fn a_silent_server_is_a_hang() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let t = std::thread::spawn(move || {
            let (s, _) = l.accept().unwrap();
            std::thread::sleep(Duration::from_millis(600));
            drop(s);
        });
        let err = RawRequest::get(port, "/")
            .send(port, Duration::from_millis(200))
            .unwrap_err();
        assert!(err.starts_with("hang"), "{err}");
        t.join().unwrap();
    }
}
