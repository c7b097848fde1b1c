//! Signing: key generation and the signed release manifest (minisign,
//! Ed25519). The secret key never touches the repository: it comes from
//! `DESKTOP_DJANGO_SIGNING_KEY`.

use std::path::{Path, PathBuf};

use contract::manifest::sha256_file;
use contract::release::{Artifact, ReleaseManifest, SCHEMA};

/// The environment variable holding the minisign secret key file's text.
pub const KEY_ENV: &str = "DESKTOP_DJANGO_SIGNING_KEY";
/// Its password, for an encrypted key.
pub const PASSWORD_ENV: &str = "DESKTOP_DJANGO_SIGNING_KEY_PASSWORD";

/// Why signing failed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("{0}")]
    Io(String),
    #[error("no signing key: set {KEY_ENV} to the text of a minisign secret key file")]
    NoKey,
    #[error("the signing key is unusable: {0}")]
    BadKey(String),
    #[error("{0}: the artifact's kind is not known from its name")]
    UnknownKind(String),
    #[error("--base-url {0:?} is not an absolute http(s) URL")]
    BadBaseUrl(String),
}

pub(crate) fn io(path: &Path, e: std::io::Error) -> SignError {
    SignError::Io(format!("{}: {e}", path.display()))
}

/// Writes `desktop-django.pub` and `desktop-django.key` (unencrypted) to `dir`.
pub fn keygen(dir: &Path) -> Result<String, SignError> {
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let pair = minisign::KeyPair::generate_unencrypted_keypair()
        .map_err(|e| SignError::BadKey(e.to_string()))?;
    let pk = pair
        .pk
        .to_box()
        .map_err(|e| SignError::BadKey(e.to_string()))?
        .into_string();
    let sk = pair
        .sk
        .to_box(None)
        .map_err(|e| SignError::BadKey(e.to_string()))?
        .into_string();
    let (pk_path, sk_path) = (
        dir.join("desktop-django.pub"),
        dir.join("desktop-django.key"),
    );
    std::fs::write(&pk_path, pk).map_err(|e| io(&pk_path, e))?;
    std::fs::write(&sk_path, sk).map_err(|e| io(&sk_path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&sk_path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| io(&sk_path, e))?;
    }
    Ok(format!(
        "wrote {} and {} (keep the secret key out of the repository)",
        pk_path.display(),
        sk_path.display()
    ))
}

/// What a release manifest is made of.
pub struct Release {
    pub app_id: String,
    pub version: String,
    pub min_version: String,
    pub released_at: u64,
    pub expires_at: u64,
    pub out: PathBuf,
    pub artifacts: Vec<PathBuf>,
    /// Where the feed will be served from; `Some` also writes `latest.json`
    /// and a `.sig` per artifact beside `out`.
    pub base_url: Option<String>,
    /// With `base_url`, also writes electron-updater's feed files (`latest*.yml`)
    /// beside the artifacts.
    pub electron_feed: bool,
}

/// `(os, arch, kind)` from an artifact name `…-<version>-<os>-<arch>.<ext>`
/// (what `just package` writes).
fn describe(path: &Path) -> Result<(String, String, String), SignError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let unknown = || SignError::UnknownKind(name.clone());
    let (stem, kind) = [
        (".tar.gz", "tar.gz"),
        (".setup.exe", "nsis"),
        (".deb", "deb"),
        (".rpm", "rpm"),
        (".AppImage", "appimage"),
        (".dmg", "dmg"),
        (".msi", "msi"),
        // electron-builder's macOS update archive (MacUpdater installs a zip).
        (".zip", "zip"),
    ]
    .iter()
    .find_map(|(ext, kind)| name.strip_suffix(ext).map(|s| (s, *kind)))
    .ok_or_else(unknown)?;
    let mut parts = stem.rsplitn(3, '-');
    let arch = parts.next().ok_or_else(unknown)?;
    let os = parts.next().ok_or_else(unknown)?;
    Ok((os.to_string(), arch.to_string(), kind.to_string()))
}

/// Writes `release.out` and `<release.out>.minisig`, signed with the key in
/// [`KEY_ENV`].
pub fn release_manifest(release: &Release) -> Result<String, SignError> {
    let sk = secret_key()?;
    let mut artifacts = Vec::new();
    for path in &release.artifacts {
        let (os, arch, kind) = describe(path)?;
        artifacts.push(Artifact {
            os,
            arch,
            kind,
            file: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            size: std::fs::metadata(path).map_err(|e| io(path, e))?.len(),
            sha256: sha256_file(path).map_err(|e| io(path, e))?,
        });
    }
    let manifest = ReleaseManifest {
        schema: SCHEMA,
        app_id: release.app_id.clone(),
        version: release.version.clone(),
        released_at: release.released_at,
        expires_at: release.expires_at,
        min_version: release.min_version.clone(),
        artifacts,
    };
    let mut bytes =
        serde_json::to_vec_pretty(&manifest).map_err(|e| SignError::Io(e.to_string()))?;
    bytes.push(b'\n');
    let trusted = format!("{} {}", manifest.app_id, manifest.version);
    let signature = minisign::sign(None, &sk, bytes.as_slice(), Some(&trusted), None)
        .map_err(|e| SignError::BadKey(e.to_string()))?;
    std::fs::write(&release.out, &bytes).map_err(|e| io(&release.out, e))?;
    let mut sig_path = release.out.clone().into_os_string();
    sig_path.push(".minisig");
    let sig_path = PathBuf::from(sig_path);
    let signature = signature.into_string();
    std::fs::write(&sig_path, &signature).map_err(|e| io(&sig_path, e))?;
    let mut done = format!(
        "wrote {} ({} artifacts) and {}",
        release.out.display(),
        manifest.artifacts.len(),
        sig_path.display()
    );
    if let Some(base_url) = &release.base_url {
        let signed = contract::update::SignedRelease {
            manifest: String::from_utf8_lossy(&bytes).into_owned(),
            signature,
        };
        let feed =
            crate::feed::write_tauri_feed(&manifest, &signed, base_url, &release.artifacts, &sk)?;
        done.push_str(&format!("\nwrote {}", feed.display()));
        if release.electron_feed {
            for feed in crate::feed::write_electron_feeds(&manifest, &release.artifacts)? {
                done.push_str(&format!("\nwrote {}", feed.display()));
            }
        }
    }
    Ok(done)
}

/// The secret key from [`KEY_ENV`] (and [`PASSWORD_ENV`]).
fn secret_key() -> Result<minisign::SecretKey, SignError> {
    let key_text = std::env::var(KEY_ENV).map_err(|_| SignError::NoKey)?;
    let sk_box = minisign::SecretKeyBox::from_string(&key_text)
        .map_err(|e| SignError::BadKey(e.to_string()))?;
    match std::env::var(PASSWORD_ENV) {
        Ok(password) => sk_box.into_secret_key(Some(password)),
        Err(_) => sk_box.into_unencrypted_secret_key(),
    }
    .map_err(|e| SignError::BadKey(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_names_give_os_arch_and_kind() {
        let d = |n: &str| describe(Path::new(n)).unwrap();
        assert_eq!(
            d("flying-stable-0.2.0-linux-x86_64.deb"),
            ("linux".into(), "x86_64".into(), "deb".into())
        );
        assert_eq!(d("app-1.0.0-windows-x86_64.setup.exe").2, "nsis");
        assert_eq!(
            d("app-1.0.0-macos-aarch64.zip"),
            ("macos".into(), "aarch64".into(), "zip".into())
        );
        assert_eq!(d("desktop-backend-0.1.0-macos-aarch64.tar.gz").0, "macos");
        assert!(describe(Path::new("notes.txt")).is_err());
    }
}
