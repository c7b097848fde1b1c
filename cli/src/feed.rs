//! The feeds the stock updaters read, written from the one signed release
//! manifest:
//!
//! - Tauri: `latest.json` (tauri-plugin-updater's static JSON format) and a
//!   `<artifact>.sig` per installer it can update from. `latest.json` also
//!   carries `release.json` and its signature verbatim
//!   ([`contract::update::FEED_FIELD`]), which the app verifies before it
//!   downloads anything (C-PKG-3).
//! - Electron (`--electron-feed`): electron-updater's generic-provider files
//!   `latest-linux.yml`, `latest.yml` (Windows) and `latest-mac.yml`. They
//!   carry no signature: the Electron shell fetches `release.json` and
//!   `release.json.minisig` beside them and lets those decide.

use std::io::BufReader;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use contract::release::{Artifact, ReleaseManifest};
use contract::update::{SignedRelease, FEED_FIELD, TAURI_FEED};
use serde_json::{json, Map, Value};
use sha2::Digest as _;

use crate::sign::{io, SignError};

/// The keys tauri-plugin-updater looks up for an artifact: `{os}-{arch}`
/// and `{os}-{arch}-{installer}` (its `updater.rs`, "target"). `None` for
/// kinds it cannot install (a DMG, the runtime tarball).
fn platform_keys(a: &Artifact) -> Option<Vec<String>> {
    let os = match a.os.as_str() {
        "macos" => "darwin",
        other => other,
    };
    let base = format!("{os}-{}", a.arch);
    let keys = match a.kind.as_str() {
        // The plain `{os}-{arch}` key is the default installer of each OS.
        "appimage" | "nsis" => vec![base.clone(), format!("{base}-{}", a.kind)],
        "deb" | "rpm" | "msi" => vec![format!("{base}-{}", a.kind)],
        _ => return None,
    };
    Some(keys)
}

/// Signs `path` as Tauri's bundler does: the base64 of a minisign signature
/// file (its plugin decodes that, then verifies with the embedded key).
fn tauri_signature(path: &Path, sk: &minisign::SecretKey) -> Result<String, SignError> {
    let file = std::fs::File::open(path).map_err(|e| io(path, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let trusted = format!("file:{name}");
    let signature = minisign::sign(None, sk, BufReader::new(file), Some(&trusted), None)
        .map_err(|e| SignError::BadKey(e.to_string()))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(signature.into_string()))
}

/// Writes `latest.json` and the `.sig` files beside the artifacts; returns
/// the feed's path. `base_url` is where the artifacts will be served from.
pub fn write_tauri_feed(
    manifest: &ReleaseManifest,
    signed: &SignedRelease,
    base_url: &str,
    artifacts: &[PathBuf],
    sk: &minisign::SecretKey,
) -> Result<PathBuf, SignError> {
    if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
        return Err(SignError::BadBaseUrl(base_url.into()));
    }
    let base = base_url.trim_end_matches('/');
    let mut platforms = Map::new();
    for (entry, path) in manifest.artifacts.iter().zip(artifacts) {
        let Some(keys) = platform_keys(entry) else {
            continue;
        };
        let signature = tauri_signature(path, sk)?;
        let mut sig_path = path.clone().into_os_string();
        sig_path.push(".sig");
        let sig_path = PathBuf::from(sig_path);
        std::fs::write(&sig_path, &signature).map_err(|e| io(&sig_path, e))?;
        for key in keys {
            platforms.insert(
                key,
                json!({"url": format!("{base}/{}", entry.file), "signature": signature}),
            );
        }
    }
    let feed = json!({
        "version": manifest.version,
        "notes": format!("{} {}", manifest.app_id, manifest.version),
        "pub_date": rfc3339(manifest.released_at),
        "platforms": Value::Object(platforms),
        FEED_FIELD: signed,
    });
    let dir = artifacts
        .first()
        .and_then(|p| p.parent())
        .unwrap_or(Path::new("."));
    let out = dir.join(TAURI_FEED);
    let text = serde_json::to_string_pretty(&feed).map_err(|e| SignError::Io(e.to_string()))?;
    std::fs::write(&out, text + "\n").map_err(|e| io(&out, e))?;
    Ok(out)
}

/// The electron-updater feed file of an OS (its generic provider's
/// `getChannelFilename`), and which kinds of installer it lists, in the order
/// it lists them. `None` for an OS it does not update.
fn electron_channel(os: &str) -> Option<(&'static str, &'static [&'static str])> {
    match os {
        // Which one a Linux install reads is decided by its `package-type` file.
        "linux" => Some(("latest-linux.yml", &["appimage", "deb", "rpm"])),
        "windows" => Some(("latest.yml", &["nsis"])),
        // MacUpdater installs the zip (Squirrel.Mac); the DMG is for first installs.
        "macos" => Some(("latest-mac.yml", &["zip", "dmg"])),
        _ => None,
    }
}

/// SHA-512 of the file at `path`, base64: electron-updater's `sha512`.
fn sha512_base64(path: &Path) -> Result<String, SignError> {
    use std::io::Read as _;
    let mut file = std::fs::File::open(path).map_err(|e| io(path, e))?;
    let mut hasher = sha2::Sha512::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(|e| io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(base64::engine::general_purpose::STANDARD.encode(hasher.finalize()))
}

/// A YAML scalar for `s`: JSON's string syntax is YAML's double-quoted one,
/// so every character is escaped correctly.
fn yaml_str(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// One electron-updater feed file (`UpdateInfo`): `version`, `files` (url
/// relative to the feed, as electron-builder writes it; sha512; size), the
/// legacy `path` and `sha512` of the first file, and `releaseDate`.
fn electron_yaml(manifest: &ReleaseManifest, files: &[(&Artifact, String)]) -> String {
    let mut out = format!("version: {}\nfiles:\n", yaml_str(&manifest.version));
    for (entry, sha512) in files {
        out.push_str(&format!(
            "  - url: {}\n    sha512: {}\n    size: {}\n",
            yaml_str(&entry.file),
            yaml_str(sha512),
            entry.size
        ));
    }
    if let Some((first, sha512)) = files.first() {
        out.push_str(&format!(
            "path: {}\nsha512: {}\n",
            yaml_str(&first.file),
            yaml_str(sha512)
        ));
    }
    out.push_str(&format!(
        "releaseDate: {}\n",
        yaml_str(&rfc3339(manifest.released_at))
    ));
    out
}

/// Writes electron-updater's feed files beside the artifacts, one per OS that
/// has an installer it updates with; returns their paths. `artifacts` are the
/// manifest's entries' files, in order.
pub fn write_electron_feeds(
    manifest: &ReleaseManifest,
    artifacts: &[PathBuf],
) -> Result<Vec<PathBuf>, SignError> {
    let dir = artifacts
        .first()
        .and_then(|p| p.parent())
        .unwrap_or(Path::new("."));
    let mut written = Vec::new();
    for os in ["linux", "windows", "macos"] {
        let Some((name, kinds)) = electron_channel(os) else {
            continue;
        };
        let mut files = Vec::new();
        for kind in kinds.iter() {
            for (entry, path) in manifest.artifacts.iter().zip(artifacts) {
                if entry.os == os && entry.kind == *kind {
                    files.push((entry, sha512_base64(path)?));
                }
            }
        }
        if files.is_empty() {
            continue;
        }
        let out = dir.join(name);
        std::fs::write(&out, electron_yaml(manifest, &files)).map_err(|e| io(&out, e))?;
        written.push(out);
    }
    Ok(written)
}

/// RFC 3339 (UTC) for seconds since the Unix epoch: the `pub_date` format
/// the updater parses.
fn rfc3339(secs: u64) -> String {
    let at = i64::try_from(secs)
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifact(os: &str, kind: &str) -> Artifact {
        Artifact {
            os: os.into(),
            arch: "x86_64".into(),
            kind: kind.into(),
            file: "f".into(),
            size: 1,
            sha256: String::new(),
        }
    }

    #[test]
    fn installers_map_to_the_updaters_platform_keys() {
        assert_eq!(
            platform_keys(&artifact("linux", "deb")).unwrap(),
            ["linux-x86_64-deb"]
        );
        assert_eq!(
            platform_keys(&artifact("windows", "nsis")).unwrap(),
            ["windows-x86_64", "windows-x86_64-nsis"]
        );
        assert!(platform_keys(&artifact("macos", "dmg")).is_none());
        assert!(platform_keys(&artifact("linux", "tar.gz")).is_none());
    }

    #[test]
    fn electron_feed_strings_are_quoted_yaml() {
        assert_eq!(yaml_str("1.0.0"), "\"1.0.0\"");
        assert_eq!(yaml_str("a: \"b\"\n#c"), "\"a: \\\"b\\\"\\n#c\"");
        assert_eq!(electron_channel("windows").unwrap().0, "latest.yml");
        assert!(electron_channel("freebsd").is_none());
    }

    #[test]
    fn pub_date_is_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_764_500_000), "2025-11-30T10:53:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
