//! The release manifest, `release.json`, and its verification (C-PKG-3):
//! an update is installed only if the manifest's minisign (Ed25519)
//! signature verifies against the app's public key, the artifact's size and
//! SHA-256 match, its version is newer than the running one, the running one
//! is not older than `min_version`, and the manifest has not expired.
//!
//! ```json
//! {"schema": 1, "app_id": "…", "version": "0.2.0", "released_at": 1764500000,
//!  "expires_at": 1772276000, "min_version": "0.1.0",
//!  "artifacts": [{"os": "linux", "arch": "x86_64", "kind": "deb",
//!                 "file": "flying-stable-tauri-0.2.0-linux-x86_64.deb", "size": 123, "sha256": "…"}]}
//! ```
//!
//! Times are seconds since the Unix epoch (UTC). The signature is the
//! minisign signature file of the manifest's exact bytes
//! (`release.json.minisig`), the scheme Tauri's updater uses, so one key pair
//! serves both. Only verification lives here (the shells embed it, with
//! `minisign-verify`); signing is the release tool's (`cli`).

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::manifest::sha256_file;

/// The schema version this reader understands.
pub const SCHEMA: u32 = 1;

/// One installer or archive of a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// `linux`, `macos`, `windows` (`std::env::consts::OS`).
    pub os: String,
    /// `x86_64`, `aarch64` (`std::env::consts::ARCH`).
    pub arch: String,
    /// The installer kind: `deb`, `rpm`, `appimage`, `dmg`, `nsis`, `tar.gz`, …
    pub kind: String,
    /// The file name, without a directory.
    pub file: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

/// A parsed `release.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseManifest {
    pub schema: u32,
    pub app_id: String,
    pub version: String,
    /// Seconds since the Unix epoch.
    pub released_at: u64,
    /// Seconds since the Unix epoch; the manifest is refused from then on.
    pub expires_at: u64,
    /// The oldest installed version this release may update.
    pub min_version: String,
    pub artifacts: Vec<Artifact>,
}

/// Why an update is refused. Each has its own exit code in the CLI.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("cannot read {what}: {message}")]
    Unreadable { what: String, message: String },
    #[error("the release manifest's signature does not verify with this app's public key: {0}")]
    BadSignature(String),
    #[error("the release manifest is not valid: {0}")]
    Invalid(String),
    #[error("the release manifest is for {found}, not for this app ({expected})")]
    OtherApp { expected: String, found: String },
    #[error(
        "the release manifest expired at {expires_at} (now {now}, seconds since the Unix epoch)"
    )]
    Expired { expires_at: u64, now: u64 },
    #[error("version {offered} is not newer than the installed {installed}: nothing to update (a replayed or older release)")]
    NotNewer { offered: String, installed: String },
    #[error("the installed version {installed} is older than {min_version}, the oldest this release updates")]
    TooOld {
        installed: String,
        min_version: String,
    },
    #[error("the release manifest lists no artifact named {0}")]
    UnknownArtifact(String),
    #[error("{file} is {actual} bytes, the manifest says {expected} (truncated or replaced)")]
    SizeMismatch {
        file: String,
        expected: u64,
        actual: u64,
    },
    #[error("{file} has SHA-256 {actual}, the manifest says {expected} (tampered or corrupted)")]
    HashMismatch {
        file: String,
        expected: String,
        actual: String,
    },
    /// A connected updater's own check of the downloaded installer (the
    /// feed's per-artifact minisign signature) failed.
    #[error("the downloaded installer's signature does not verify (tampered or truncated): {0}")]
    ArtifactSignature(String),
}

impl UpdateError {
    /// A distinct process exit code per failure (2 is for usage errors).
    pub fn exit_code(&self) -> i32 {
        match self {
            UpdateError::Unreadable { .. } => 3,
            UpdateError::BadSignature(_) => 10,
            UpdateError::Invalid(_) => 11,
            UpdateError::OtherApp { .. } => 12,
            UpdateError::Expired { .. } => 13,
            UpdateError::NotNewer { .. } => 14,
            UpdateError::TooOld { .. } => 15,
            UpdateError::UnknownArtifact(_) => 16,
            UpdateError::SizeMismatch { .. } => 17,
            UpdateError::HashMismatch { .. } => 18,
            UpdateError::ArtifactSignature(_) => 19,
        }
    }
}

/// Parses a dotted version (`1.2.3`, a pre-release suffix is refused) for
/// comparison. Errors: [`UpdateError::Invalid`].
pub fn parse_version(v: &str) -> Result<semver::Version, UpdateError> {
    semver::Version::parse(v.trim())
        .map_err(|e| UpdateError::Invalid(format!("version {v:?}: {e}")))
}

/// Checks `signature` (minisign signature file text) over `manifest_bytes`
/// with `public_key` (a minisign public key, base64 or the two-line file),
/// then parses the manifest. Nothing of an unverified manifest is read.
pub fn verify_manifest(
    manifest_bytes: &[u8],
    signature: &str,
    public_key: &str,
) -> Result<ReleaseManifest, UpdateError> {
    let pk = decode_public_key(public_key)?;
    let sig = minisign_verify::Signature::decode(signature)
        .map_err(|e| UpdateError::BadSignature(format!("unreadable signature: {e}")))?;
    pk.verify(manifest_bytes, &sig, false)
        .map_err(|e| UpdateError::BadSignature(e.to_string()))?;
    let manifest: ReleaseManifest =
        serde_json::from_slice(manifest_bytes).map_err(|e| UpdateError::Invalid(e.to_string()))?;
    if manifest.schema != SCHEMA {
        return Err(UpdateError::Invalid(format!(
            "schema {} (this app reads schema {SCHEMA})",
            manifest.schema
        )));
    }
    Ok(manifest)
}

/// Reads a minisign public key in any of its three spellings: the `.pub`
/// file's two lines, its bare base64 key line (`RW…`), or Tauri's
/// `plugins.updater.pubkey` (the base64 of the whole `.pub` file).
/// Errors: [`UpdateError::BadSignature`].
pub fn decode_public_key(text: &str) -> Result<minisign_verify::PublicKey, UpdateError> {
    let text = text.trim();
    let decoded = if text.contains('\n') {
        minisign_verify::PublicKey::decode(text)
    } else {
        minisign_verify::PublicKey::from_base64(text).or_else(|first| {
            tauri_wrapped(text)
                .map(|file| minisign_verify::PublicKey::decode(file.trim()))
                .unwrap_or(Err(first))
        })
    };
    decoded.map_err(|e| UpdateError::BadSignature(format!("unreadable public key: {e}")))
}

/// The text inside Tauri's base64 wrapping of a minisign file, if `text` is one.
fn tauri_wrapped(text: &str) -> Option<String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    String::from_utf8(bytes).ok().filter(|t| t.contains('\n'))
}

impl ReleaseManifest {
    /// Whether this (verified) release may replace `installed` of `app_id`
    /// at `now` (seconds since the Unix epoch).
    pub fn check_offer(&self, app_id: &str, installed: &str, now: u64) -> Result<(), UpdateError> {
        if self.app_id != app_id {
            return Err(UpdateError::OtherApp {
                expected: app_id.into(),
                found: self.app_id.clone(),
            });
        }
        if now >= self.expires_at {
            return Err(UpdateError::Expired {
                expires_at: self.expires_at,
                now,
            });
        }
        let (offered, current) = (parse_version(&self.version)?, parse_version(installed)?);
        if offered <= current {
            return Err(UpdateError::NotNewer {
                offered: self.version.clone(),
                installed: installed.into(),
            });
        }
        if current < parse_version(&self.min_version)? {
            return Err(UpdateError::TooOld {
                installed: installed.into(),
                min_version: self.min_version.clone(),
            });
        }
        Ok(())
    }

    /// Checks the file at `path` against its entry (by file name): size
    /// first, then SHA-256. Returns the entry.
    pub fn check_artifact(&self, path: &Path) -> Result<&Artifact, UpdateError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let entry = self.artifact(&name)?;
        let unreadable = |e: std::io::Error| UpdateError::Unreadable {
            what: path.display().to_string(),
            message: e.to_string(),
        };
        let size = std::fs::metadata(path).map_err(unreadable)?.len();
        entry.check_size(size)?;
        entry.check_sha256(&sha256_file(path).map_err(unreadable)?)?;
        Ok(entry)
    }

    /// Like [`ReleaseManifest::check_artifact`], for a download held in
    /// memory under the file name `name`.
    pub fn check_bytes(&self, name: &str, bytes: &[u8]) -> Result<&Artifact, UpdateError> {
        let entry = self.artifact(name)?;
        entry.check_size(bytes.len() as u64)?;
        entry.check_sha256(&hex::encode(sha2::Sha256::digest(bytes)))?;
        Ok(entry)
    }

    /// The entry named `name`. Errors: [`UpdateError::UnknownArtifact`].
    pub fn artifact(&self, name: &str) -> Result<&Artifact, UpdateError> {
        self.artifacts
            .iter()
            .find(|a| a.file == name)
            .ok_or_else(|| UpdateError::UnknownArtifact(name.to_string()))
    }
}

impl Artifact {
    fn check_size(&self, actual: u64) -> Result<(), UpdateError> {
        if actual == self.size {
            return Ok(());
        }
        Err(UpdateError::SizeMismatch {
            file: self.file.clone(),
            expected: self.size,
            actual,
        })
    }

    fn check_sha256(&self, actual: &str) -> Result<(), UpdateError> {
        if actual == self.sha256.to_ascii_lowercase() {
            return Ok(());
        }
        Err(UpdateError::HashMismatch {
            file: self.file.clone(),
            expected: self.sha256.clone(),
            actual: actual.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(version: &str, min: &str, expires_at: u64) -> ReleaseManifest {
        ReleaseManifest {
            schema: 1,
            app_id: "t.app".into(),
            version: version.into(),
            released_at: 100,
            expires_at,
            min_version: min.into(),
            artifacts: Vec::new(),
        }
    }

    #[test]
    fn offers_only_newer_unexpired_releases_of_this_app() {
        let m = manifest("0.3.0", "0.1.0", 1000);
        assert!(m.check_offer("t.app", "0.2.9", 999).is_ok());
        assert!(matches!(
            m.check_offer("t.app", "0.3.0", 10),
            Err(UpdateError::NotNewer { .. })
        ));
        assert!(matches!(
            m.check_offer("t.app", "0.10.0", 10),
            Err(UpdateError::NotNewer { .. })
        ));
        assert!(matches!(
            m.check_offer("t.app", "0.2.0", 1000),
            Err(UpdateError::Expired { .. })
        ));
        assert!(matches!(
            m.check_offer("other.app", "0.2.0", 10),
            Err(UpdateError::OtherApp { .. })
        ));
        let m = manifest("0.3.0", "0.2.0", 1000);
        assert!(matches!(
            m.check_offer("t.app", "0.1.5", 10),
            Err(UpdateError::TooOld { .. })
        ));
    }

    #[test]
    fn artifact_size_and_hash_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("app.deb");
        std::fs::write(&file, b"installer").unwrap();
        let mut m = manifest("1.0.0", "0.0.0", u64::MAX);
        m.artifacts.push(Artifact {
            os: "linux".into(),
            arch: "x86_64".into(),
            kind: "deb".into(),
            file: "app.deb".into(),
            size: 9,
            sha256: sha256_file(&file).unwrap(),
        });
        assert_eq!(m.check_artifact(&file).unwrap().kind, "deb");
        std::fs::write(&file, b"INSTALLER").unwrap();
        assert!(matches!(
            m.check_artifact(&file),
            Err(UpdateError::HashMismatch { .. })
        ));
        std::fs::write(&file, b"instal").unwrap();
        assert!(matches!(
            m.check_artifact(&file),
            Err(UpdateError::SizeMismatch { .. })
        ));
        let other = dir.path().join("other.deb");
        std::fs::write(&other, b"x").unwrap();
        assert!(matches!(
            m.check_artifact(&other),
            Err(UpdateError::UnknownArtifact(_))
        ));
    }

    #[test]
    fn exit_codes_are_distinct() {
        let all = [
            UpdateError::Unreadable {
                what: String::new(),
                message: String::new(),
            },
            UpdateError::BadSignature(String::new()),
            UpdateError::Invalid(String::new()),
            UpdateError::OtherApp {
                expected: String::new(),
                found: String::new(),
            },
            UpdateError::Expired {
                expires_at: 0,
                now: 0,
            },
            UpdateError::NotNewer {
                offered: String::new(),
                installed: String::new(),
            },
            UpdateError::TooOld {
                installed: String::new(),
                min_version: String::new(),
            },
            UpdateError::UnknownArtifact(String::new()),
            UpdateError::SizeMismatch {
                file: String::new(),
                expected: 0,
                actual: 0,
            },
            UpdateError::HashMismatch {
                file: String::new(),
                expected: String::new(),
                actual: String::new(),
            },
            UpdateError::ArtifactSignature(String::new()),
        ];
        let mut codes: Vec<i32> = all.iter().map(UpdateError::exit_code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        assert!(!codes.contains(&0) && !codes.contains(&1) && !codes.contains(&2));
    }
}
