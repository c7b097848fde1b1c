//! The readiness probe (C-READY-1, C-READY-2, C-READY-4).
//!
//! `GET /health/?nonce=N` with the token header must return 200 JSON with
//! `"status": "ok"` and `"proof"` = hex HMAC-SHA256(key = token, msg = N).
//! A wrong proof means someone else answered on that port.

use std::time::Duration;

use hmac::{KeyInit, Mac};
use rand::TryRng;
use serde::Deserialize;

use crate::token::Token;

/// The header that carries the token (C-AUTH-2).
pub const TOKEN_HEADER: &str = "X-Desktop-Django-Token";
/// Timeout of one HTTP request from the supervisor, in ms.
pub const REQUEST_TIMEOUT_MS: u64 = 2000;

/// `desktop-django-supervisor/<version>`: separates supervisor probes from
/// webview requests in the access log (C-READY-2).
pub fn user_agent() -> String {
    format!("desktop-django-supervisor/{}", crate::VERSION)
}

/// The supervisor's HTTP client: loopback only, so no proxy, and the
/// supervisor's user agent.
pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .user_agent(user_agent())
        .no_proxy()
        .timeout(Duration::from_millis(REQUEST_TIMEOUT_MS))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a plain-http reqwest client always builds")
}

/// hex(HMAC-SHA256(key = token, msg = nonce)), 64 lowercase hex chars.
pub fn proof(token: &str, nonce: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(token.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(nonce.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A fresh random nonce: 16 bytes from the OS CSPRNG as 32 hex chars.
pub fn nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::SysRng
        .try_fill_bytes(&mut bytes)
        .expect("the OS CSPRNG is unavailable");
    hex::encode(bytes)
}

/// The parts of the health body the shell checks.
#[derive(Debug, Clone, Deserialize)]
pub struct HealthReport {
    pub status: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub proof: Option<String>,
    /// The SQLite pragmas in effect on the serving connection (C-DATA-2).
    #[serde(default)]
    pub sqlite: serde_json::Value,
}

/// Outcome of one probe that did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// Not ready yet (connection refused, non-200, bad body): try again.
    #[error("not ready: {0}")]
    NotReady(String),
    /// The answer's proof is missing or wrong: give up (C-READY-4).
    #[error("health proof mismatch: the server on this port does not hold the session token")]
    BadProof,
}

/// One `GET <origin>/health/?nonce=…` with the token header.
pub fn probe_once(
    client: &reqwest::blocking::Client,
    origin: &str,
    token: &Token,
) -> Result<HealthReport, ProbeError> {
    let nonce = nonce();
    let response = client
        .get(format!("{origin}/health/?nonce={nonce}"))
        .header(TOKEN_HEADER, token.expose())
        .send()
        .map_err(|e| ProbeError::NotReady(without_url(e).to_string()))?;
    let status = response.status();
    if status != reqwest::StatusCode::OK {
        return Err(ProbeError::NotReady(format!("HTTP {status}")));
    }
    let report: HealthReport = response
        .json()
        .map_err(|e| ProbeError::NotReady(format!("bad health body: {}", without_url(e))))?;
    if report.status != "ok" {
        return Err(ProbeError::NotReady(format!("status {:?}", report.status)));
    }
    let expected = proof(token.expose(), &nonce);
    match &report.proof {
        Some(p) if p.eq_ignore_ascii_case(&expected) => Ok(report),
        _ => Err(ProbeError::BadProof),
    }
}

fn without_url(e: reqwest::Error) -> reqwest::Error {
    e.without_url()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proof_matches_rfc4231_style_vector() {
        // HMAC-SHA256(key="key", "The quick brown fox jumps over the lazy dog")
        assert_eq!(
            proof("key", "The quick brown fox jumps over the lazy dog"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }

    #[test]
    fn nonce_is_fresh_hex() {
        let (a, b) = (nonce(), nonce());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
