//! One-time tickets for the webview token transport (C-AUTH-5).
//!
//! The shell mints a ticket with `POST /desktop-auth/ticket/` (token header
//! only), then opens `/desktop-auth/bootstrap/?ticket=…&next=/`, which sets
//! the HttpOnly cookie and redirects. The token itself never enters a URL.
//! Mint a fresh ticket for every bootstrap.

use std::fmt;

use serde::Deserialize;

use crate::health::TOKEN_HEADER;
use crate::token::Token;

/// A one-time bootstrap ticket. `Debug` is redacted; it is short-lived but
/// still a credential.
#[derive(Clone, Deserialize)]
pub struct Ticket {
    ticket: String,
    /// Lifetime announced by the backend, in ms (30000).
    #[serde(default)]
    pub expires_in_ms: u64,
}

impl Ticket {
    /// The ticket itself, for a bootstrap URL. Never log it.
    pub fn expose(&self) -> &str {
        &self.ticket
    }
}

impl fmt::Debug for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Ticket(<redacted>, expires_in_ms: {})",
            self.expires_in_ms
        )
    }
}

/// Why no ticket could be minted.
#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    #[error("ticket request failed: {0}")]
    Http(String),
    #[error("ticket request got HTTP {0}")]
    Status(u16),
    #[error("ticket response is empty or malformed")]
    Malformed,
    /// No backend to ask: it has not started yet, or it stopped.
    #[error("the backend is not running")]
    NotRunning,
}

/// `POST <origin>/desktop-auth/ticket/` with the token header.
pub fn mint(
    client: &reqwest::blocking::Client,
    origin: &str,
    token: &Token,
) -> Result<Ticket, TicketError> {
    let response = client
        .post(format!("{origin}/desktop-auth/ticket/"))
        .header(TOKEN_HEADER, token.expose())
        .send()
        .map_err(|e| TicketError::Http(e.without_url().to_string()))?;
    if !response.status().is_success() {
        return Err(TicketError::Status(response.status().as_u16()));
    }
    let ticket: Ticket = response.json().map_err(|_| TicketError::Malformed)?;
    if ticket.ticket.is_empty() {
        return Err(TicketError::Malformed);
    }
    Ok(ticket)
}

/// `<origin>/desktop-auth/bootstrap/?ticket=<percent-encoded>&next=<percent-encoded>`.
/// `next` must be a safe relative path such as `/`.
pub fn bootstrap_url(origin: &str, ticket: &Ticket, next: &str) -> String {
    format!(
        "{origin}/desktop-auth/bootstrap/?ticket={}&next={}",
        percent_encode(&ticket.ticket),
        percent_encode(next)
    )
}

/// Percent-encodes everything except RFC 3986 unreserved characters and `/`
/// (legal in a query, and keeps `next=/` readable).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bootstrap_url_shape() {
        let t: Ticket =
            serde_json::from_str(r#"{"ticket": "a+b/c=", "expires_in_ms": 30000}"#).unwrap();
        assert_eq!(
            bootstrap_url("http://127.0.0.1:5", &t, "/"),
            "http://127.0.0.1:5/desktop-auth/bootstrap/?ticket=a%2Bb/c%3D&next=/"
        );
        assert!(!format!("{t:?}").contains("a+b"));
    }
}
