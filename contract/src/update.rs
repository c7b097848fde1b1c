//! The update decision every connected updater makes the same way (C-PKG-3).
//!
//! The stock updaters (tauri-plugin-updater, electron-updater) fetch an
//! unsigned feed (`latest.json`, `latest*.yml`) and check only the artifact.
//! Here the feed also carries the signed release manifest, and nothing is
//! downloaded or installed unless that manifest verifies and offers this app
//! a newer, unexpired release:
//!
//! ```json
//! {"version": "0.2.0", "platforms": {…},
//!  "desktop_django_release": {"manifest": "<release.json, exact text>",
//!                             "signature": "<release.json.minisig, text>"}}
//! ```
//!
//! `desktop-django release-manifest --base-url` writes that feed from the one
//! `release.json`, so there is no second source of truth. The feed's own
//! `version` is only a hint: a shell compares it with the signed one.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::release::{verify_manifest, ReleaseManifest, UpdateError};

/// The feed's base URL (a directory holding `latest.json`, `release.json`
/// and the artifacts). Overrides the one built into the app; without either,
/// an app makes no update request at all.
pub const URL_ENV: &str = "DESKTOP_DJANGO_UPDATE_URL";
/// `yes` or `no` answers the "install and restart?" prompt without showing
/// it (tests, managed fleets). Anything else, or unset, asks.
pub const CONFIRM_ENV: &str = "DESKTOP_DJANGO_UPDATE_CONFIRM";
/// The field of `latest.json` holding the signed release manifest.
pub const FEED_FIELD: &str = "desktop_django_release";
/// The Tauri feed's file name under the base URL.
pub const TAURI_FEED: &str = "latest.json";

/// The signed release manifest as the feed carries it: both texts verbatim,
/// because the signature covers the manifest's exact bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedRelease {
    /// `release.json`'s text.
    pub manifest: String,
    /// `release.json.minisig`'s text.
    pub signature: String,
}

/// How the "install and restart?" prompt is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    Ask,
    Yes,
    No,
}

impl Confirm {
    /// From [`CONFIRM_ENV`].
    pub fn from_env() -> Confirm {
        match std::env::var(CONFIRM_ENV).as_deref().map(str::trim) {
            Ok("yes") => Confirm::Yes,
            Ok("no") => Confirm::No,
            _ => Confirm::Ask,
        }
    }
}

/// The feed's base URL: [`URL_ENV`] if set and not empty, else `built_in`.
/// A base without a trailing `/` gets one, so `latest.json` resolves inside it.
pub fn feed_base(built_in: Option<&str>) -> Option<String> {
    let base = std::env::var(URL_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .or_else(|| built_in.map(str::to_owned))?;
    let base = base.trim();
    Some(if base.ends_with('/') {
        base.to_owned()
    } else {
        format!("{base}/")
    })
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Verifies the release manifest a feed carries and decides whether it may
/// replace `installed` of `app_id` now: signature ([`verify_manifest`]),
/// then app, expiry, newer version and minimum version
/// ([`ReleaseManifest::check_offer`]), then that the feed's unsigned
/// `version` says the same as the signed one. Errors: every
/// [`UpdateError`] but the artifact ones; a feed without [`FEED_FIELD`] is
/// [`UpdateError::BadSignature`] (an unsigned offer).
pub fn offer_from_feed(
    feed: &Value,
    public_key: &str,
    app_id: &str,
    installed: &str,
    now: u64,
) -> Result<ReleaseManifest, UpdateError> {
    let signed: SignedRelease = feed
        .get(FEED_FIELD)
        .cloned()
        .ok_or_else(|| {
            UpdateError::BadSignature(format!(
                "the feed carries no signed release manifest ({FEED_FIELD})"
            ))
        })
        .and_then(|v| {
            serde_json::from_value(v)
                .map_err(|e| UpdateError::Invalid(format!("{FEED_FIELD}: {e}")))
        })?;
    let release = verify_manifest(signed.manifest.as_bytes(), &signed.signature, public_key)?;
    release.check_offer(app_id, installed, now)?;
    if let Some(hint) = feed.get("version").and_then(Value::as_str) {
        let hint = hint.trim_start_matches('v');
        if hint != release.version {
            return Err(UpdateError::Invalid(format!(
                "the feed offers {hint}, its signed manifest {}",
                release.version
            )));
        }
    }
    Ok(release)
}

/// The last path segment of a download URL: the artifact's file name.
pub fn file_name_of(url: &str) -> &str {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    path.rsplit('/').next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feed_without_a_signed_manifest_is_refused() {
        let feed = serde_json::json!({"version": "9.0.0", "platforms": {}});
        let err = offer_from_feed(&feed, "RWQ", "a", "0.1.0", 0).unwrap_err();
        assert!(matches!(err, UpdateError::BadSignature(_)), "{err}");
        let feed = serde_json::json!({FEED_FIELD: {"manifest": 1}});
        let err = offer_from_feed(&feed, "RWQ", "a", "0.1.0", 0).unwrap_err();
        assert!(matches!(err, UpdateError::Invalid(_)), "{err}");
    }

    #[test]
    fn download_urls_name_their_file() {
        assert_eq!(
            file_name_of("http://h/f/app-1.0.0-linux-x86_64.deb"),
            "app-1.0.0-linux-x86_64.deb"
        );
        assert_eq!(file_name_of("https://h/a.deb?token=x#y"), "a.deb");
    }
}
