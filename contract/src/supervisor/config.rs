//! What the supervisor needs to start the backend, and the environment that tunes it.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use crate::launch::LaunchSpec;
use crate::paths::AppPaths;
use crate::token::Token;

/// Default readiness timeout (handshake + health), in ms (C-READY-3).
pub const DEFAULT_READY_TIMEOUT_MS: u64 = 30_000;
/// Default grace period between closing the lifelines and the tree kill, in ms (C-PROC-3).
pub const DEFAULT_GRACE_MS: u64 = 5_000;
/// Overrides the readiness timeout (ms).
pub const READY_TIMEOUT_ENV: &str = "DESKTOP_DJANGO_READY_TIMEOUT_MS";
/// Overrides the grace period (ms).
pub const GRACE_ENV: &str = "DESKTOP_DJANGO_GRACE_MS";
/// The child environment variable that carries the token (C-AUTH-1).
pub const TOKEN_ENV: &str = "DESKTOP_DJANGO_AUTH_TOKEN";

/// What the supervisor needs to start the backend.
#[derive(Debug, Clone)]
pub struct SupervisorConfig {
    pub spec: LaunchSpec,
    /// Passed to the children as `DESKTOP_DJANGO_APP_DATA_DIR`.
    pub app_data: PathBuf,
    pub token: Token,
    /// Handshake + health deadline, measured from the web spawn.
    pub ready_timeout: Duration,
    /// Wait after closing the lifelines before the tree kill.
    pub grace: Duration,
    /// Extra child environment (tests, harness markers); the contract's
    /// own variables win over these.
    pub extra_env: Vec<(OsString, OsString)>,
}

impl SupervisorConfig {
    /// A config with a fresh token and timeouts from the environment
    /// (`DESKTOP_DJANGO_READY_TIMEOUT_MS`, `DESKTOP_DJANGO_GRACE_MS`).
    pub fn from_env(spec: LaunchSpec, paths: &AppPaths) -> SupervisorConfig {
        SupervisorConfig {
            spec,
            app_data: paths.root.clone(),
            token: Token::generate(),
            ready_timeout: env_ms(READY_TIMEOUT_ENV, DEFAULT_READY_TIMEOUT_MS),
            grace: env_ms(GRACE_ENV, DEFAULT_GRACE_MS),
            extra_env: Vec::new(),
        }
    }
}

fn env_ms(name: &str, default: u64) -> Duration {
    let ms = std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default);
    Duration::from_millis(ms)
}
