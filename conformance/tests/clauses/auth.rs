//! C-AUTH: the session token (never leaked, enforced, fail-closed, only to the exact origin), its
//! transport to the webview (the ticket bootstrap), the Host check and CSRF.

mod requests;
mod token;
mod transport;

/// The checks of every module of this family.
pub(crate) fn checks() -> Vec<crate::Check> {
    [token::checks(), transport::checks(), requests::checks()].concat()
}
