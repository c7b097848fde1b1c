//! The race-free port handshake (C-PORT-2): `desktop_serve` prints one line
//! `DESKTOP_DJANGO_READY {json}` on stdout, with at least `host`, `port`,
//! `pid` and `version`. The shell never picks a port.

use std::net::Ipv4Addr;

use serde::Deserialize;

/// The handshake line's prefix (followed by one space and a JSON object).
pub const READY_PREFIX: &str = "DESKTOP_DJANGO_READY";

/// A parsed, validated handshake.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Handshake {
    /// Always a loopback IPv4 address, in practice `127.0.0.1` (C-PORT-1).
    pub host: String,
    /// The OS-chosen port, never 0.
    pub port: u16,
    /// The backend's pid.
    pub pid: u32,
    /// The backend's version string.
    pub version: String,
}

impl Handshake {
    /// The exact backend origin, e.g. `http://127.0.0.1:43817` (no trailing slash).
    pub fn origin(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }
}

/// A line that starts with the prefix but is not a valid handshake.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    #[error("malformed handshake JSON: {0}")]
    Json(String),
    #[error("handshake host {0:?} is not a loopback IPv4 address (C-PORT-1)")]
    NotLoopback(String),
    #[error("handshake port 0 is not a bound port")]
    PortZero,
}

/// Parses one stdout line. `Ok(None)` when the line is not a handshake
/// (other output is logged and ignored); `Err` when it starts with
/// [`READY_PREFIX`] but is malformed, names a non-loopback host, or port 0.
pub fn parse_line(line: &str) -> Result<Option<Handshake>, HandshakeError> {
    let line = line.trim_end_matches(['\r', '\n']);
    let Some(rest) = line.strip_prefix(READY_PREFIX) else {
        return Ok(None);
    };
    let json = rest
        .strip_prefix(' ')
        .ok_or_else(|| HandshakeError::Json("expected a space after the prefix".into()))?;
    let hs: Handshake =
        serde_json::from_str(json.trim()).map_err(|e| HandshakeError::Json(e.to_string()))?;
    match hs.host.parse::<Ipv4Addr>() {
        Ok(ip) if ip.is_loopback() => {}
        _ => return Err(HandshakeError::NotLoopback(hs.host)),
    }
    if hs.port == 0 {
        return Err(HandshakeError::PortZero);
    }
    Ok(Some(hs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_documented_line() {
        let hs = parse_line(
            "DESKTOP_DJANGO_READY {\"host\": \"127.0.0.1\", \"port\": 43817, \"pid\": 12345, \"version\": \"0.1.0\"}\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(hs.port, 43817);
        assert_eq!(hs.pid, 12345);
        assert_eq!(hs.origin(), "http://127.0.0.1:43817");
    }

    #[test]
    fn ignores_other_lines() {
        assert_eq!(parse_line("Operations to perform:"), Ok(None));
        assert_eq!(parse_line(""), Ok(None));
    }

    #[test]
    fn rejects_bad_handshakes() {
        let ok = r#"{"host": "127.0.0.1", "port": 1, "pid": 1, "version": "x"}"#;
        assert!(parse_line(&format!("{READY_PREFIX} {ok}"))
            .unwrap()
            .is_some());
        for bad in [
            format!("{READY_PREFIX} {{not json"),
            format!("{READY_PREFIX}{ok}"),
            format!("{READY_PREFIX} {}", r#"{"host": "127.0.0.1", "port": 1}"#),
            format!(
                "{READY_PREFIX} {}",
                r#"{"host": "127.0.0.1", "port": 70000, "pid": 1, "version": "x"}"#
            ),
        ] {
            assert!(
                matches!(parse_line(&bad), Err(HandshakeError::Json(_))),
                "{bad}"
            );
        }
        for host in ["0.0.0.0", "192.168.1.2", "localhost", "::1", "example.com"] {
            let line = format!(
                "{READY_PREFIX} {{\"host\": \"{host}\", \"port\": 1, \"pid\": 1, \"version\": \"x\"}}"
            );
            assert_eq!(
                parse_line(&line),
                Err(HandshakeError::NotLoopback(host.into()))
            );
        }
        let zero = r#"{"host": "127.0.0.1", "port": 0, "pid": 1, "version": "x"}"#;
        assert_eq!(
            parse_line(&format!("{READY_PREFIX} {zero}")),
            Err(HandshakeError::PortZero)
        );
    }
}
