//! The per-session token (C-AUTH-1): 32 bytes from the OS CSPRNG, written as
//! 64 lowercase hex characters. It reaches Django only through the child
//! environment variable `DESKTOP_DJANGO_AUTH_TOKEN`; `Debug` and `Display`
//! print `<redacted>` so it cannot leak into a log line by accident.

use std::fmt;

use rand::TryRng;

/// Length of the token in bytes (before hex encoding).
pub const TOKEN_BYTES: usize = 32;

/// A session token. Read the secret only through [`Token::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Draws 32 bytes from the OS CSPRNG (`getrandom`). Panics only when the
    /// OS has no entropy source, which no supported platform lacks.
    pub fn generate() -> Token {
        let mut bytes = [0u8; TOKEN_BYTES];
        rand::rngs::SysRng
            .try_fill_bytes(&mut bytes)
            .expect("the OS CSPRNG is unavailable");
        Token(hex::encode(bytes))
    }

    /// The 64-char lowercase hex secret. Never log it, never put it in a URL.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// True when `s` has the token format: exactly 64 lowercase hex characters.
pub fn is_token_format(s: &str) -> bool {
    s.len() == 2 * TOKEN_BYTES && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_and_uniqueness() {
        let a = Token::generate();
        let b = Token::generate();
        assert!(is_token_format(a.expose()));
        assert_ne!(a, b);
        assert!(!is_token_format(&a.expose().to_uppercase()));
        assert!(!is_token_format("abc"));
    }

    #[test]
    fn redacted_in_debug_and_display() {
        let t = Token::generate();
        assert!(!format!("{t:?}").contains(t.expose()));
        assert!(!format!("{t}").contains(t.expose()));
    }
}
