//! The runtime manifest, `desktop-runtime.json`: what a packaged app's
//! bundled backend runtime is (C-PKG-1). Written by the staging step
//! (`packaging/runtime/stage.py`), read by [`crate::launch`].
//!
//! ```json
//! {"schema": 1, "app_id": "…", "app_version": "0.1.0",
//!  "python_version": "3.11.7", "django_version": "5.2.19",
//!  "project_dir": ".",
//!  "roles": {"web": ["desktop-backend/desktop-backend", "desktop_serve"],
//!            "worker": ["desktop-backend/desktop-backend", "desktop_worker"]},
//!  "files": [{"path": "desktop-backend/desktop-backend", "sha256": "…", "size": 1234}, …]}
//! ```
//!
//! Paths are relative to the manifest's folder, with `/` separators. Each
//! role's argv is the shared manage prefix followed by the role's command.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::launch::Role;

/// The schema version this reader understands.
pub const SCHEMA: u32 = 1;

/// Why a runtime manifest cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read runtime manifest {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("runtime manifest {path} is not valid: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// One staged file: its path, SHA-256 (lowercase hex) and size in bytes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FileDigest {
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

impl FileDigest {
    /// Checks `file` against this entry: first the size (cheap), then the
    /// SHA-256. Errors: a readable sentence for the startup error page.
    pub fn check(&self, file: &Path) -> Result<(), String> {
        let meta = std::fs::metadata(file).map_err(|e| format!("cannot read it ({e})"))?;
        if meta.len() != self.size {
            return Err(format!(
                "its size is {} bytes, the manifest says {}",
                meta.len(),
                self.size
            ));
        }
        let actual = sha256_file(file).map_err(|e| format!("cannot read it ({e})"))?;
        if actual != self.sha256.to_ascii_lowercase() {
            return Err(format!(
                "its SHA-256 is {actual}, the manifest says {}",
                self.sha256
            ));
        }
        Ok(())
    }
}

/// The SHA-256 of a file's contents, lowercase hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// A parsed `desktop-runtime.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct RuntimeManifest {
    pub schema: u32,
    pub app_id: String,
    pub app_version: String,
    #[serde(default)]
    pub python_version: String,
    #[serde(default)]
    pub django_version: String,
    /// The folder holding the bundled project's `desktop.toml`.
    pub project_dir: PathBuf,
    /// `web` and `worker`: each role's argv.
    pub roles: BTreeMap<String, Vec<String>>,
    pub files: Vec<FileDigest>,
}

impl RuntimeManifest {
    /// Reads and parses `path`. Errors: unreadable, not JSON, or a schema
    /// other than [`SCHEMA`].
    pub fn read(path: &Path) -> Result<RuntimeManifest, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let invalid = |message: String| ManifestError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let manifest: RuntimeManifest =
            serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        if manifest.schema != SCHEMA {
            return Err(invalid(format!(
                "schema {} (this app reads schema {SCHEMA})",
                manifest.schema
            )));
        }
        Ok(manifest)
    }

    /// The manage prefix shared by both roles: each role's argv must be the
    /// prefix followed by exactly that role's command (C-PROC-1).
    /// Errors: a missing role, or roles that do not follow that shape.
    pub fn manage_prefix(&self, path: &Path) -> Result<Vec<String>, ManifestError> {
        let invalid = |message: String| ManifestError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let mut prefix: Option<&[String]> = None;
        for role in [Role::Web, Role::Worker] {
            let argv = self
                .roles
                .get(role.name())
                .ok_or_else(|| invalid(format!("no argv for the {} role", role.name())))?;
            let Some((command, rest)) = argv.split_last() else {
                return Err(invalid(format!("the {} role's argv is empty", role.name())));
            };
            if command != role.command() || rest.is_empty() {
                return Err(invalid(format!(
                    "the {} role's argv must be a program and its arguments, then {:?}: {argv:?}",
                    role.name(),
                    role.command()
                )));
            }
            match prefix {
                None => prefix = Some(rest),
                Some(p) if p == rest => {}
                Some(p) => {
                    return Err(invalid(format!(
                        "the roles run different programs: {p:?} and {rest:?}"
                    )))
                }
            }
        }
        Ok(prefix.unwrap_or_default().to_vec())
    }

    /// The entry for the file at `rel` (a manifest path, `/` separators).
    pub fn digest_of(&self, rel: &str) -> Option<&FileDigest> {
        self.files.iter().find(|f| f.path == rel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(roles: serde_json::Value) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desktop-runtime.json");
        let json = serde_json::json!({
            "schema": 1, "app_id": "t.app", "app_version": "1.0.0",
            "project_dir": ".", "roles": roles, "files": [],
        });
        std::fs::write(&path, json.to_string()).unwrap();
        (dir, path)
    }

    #[test]
    fn roles_share_one_manage_prefix() {
        let (_d, path) = manifest(serde_json::json!({
            "web": ["bin/backend", "desktop_serve"],
            "worker": ["bin/backend", "desktop_worker"],
        }));
        let m = RuntimeManifest::read(&path).unwrap();
        assert_eq!(m.manage_prefix(&path).unwrap(), ["bin/backend"]);
    }

    #[test]
    fn malformed_roles_are_refused() {
        for roles in [
            serde_json::json!({"web": ["bin/backend", "desktop_serve"]}),
            serde_json::json!({"web": ["desktop_serve"], "worker": ["b", "desktop_worker"]}),
            serde_json::json!({"web": ["a", "desktop_serve"], "worker": ["b", "desktop_worker"]}),
            serde_json::json!({"web": ["a", "runserver"], "worker": ["a", "desktop_worker"]}),
        ] {
            let (_d, path) = manifest(roles.clone());
            let m = RuntimeManifest::read(&path).unwrap();
            assert!(
                matches!(m.manage_prefix(&path), Err(ManifestError::Invalid { .. })),
                "{roles}"
            );
        }
    }

    #[test]
    fn other_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.json");
        std::fs::write(&path, r#"{"schema": 2, "app_id": "a", "app_version": "1", "project_dir": ".", "roles": {}, "files": []}"#).unwrap();
        let err = RuntimeManifest::read(&path).unwrap_err().to_string();
        assert!(err.contains("schema 2"), "{err}");
    }

    #[test]
    fn digest_check_catches_size_and_content_changes() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("backend");
        std::fs::write(&file, b"frozen").unwrap();
        let good = FileDigest {
            path: "backend".into(),
            sha256: sha256_file(&file).unwrap(),
            size: 6,
        };
        // sha256sum of the 6 bytes "frozen".
        assert_eq!(
            good.sha256,
            "ffb304816a1090313e833215c08dae3d209cfad1ffd1f674f0909a2ae99e1394"
        );
        assert!(good.check(&file).is_ok());
        std::fs::write(&file, b"FROZEN").unwrap();
        let err = good.check(&file).unwrap_err();
        assert!(err.contains("SHA-256"), "{err}");
        std::fs::write(&file, b"frozen!").unwrap();
        let err = good.check(&file).unwrap_err();
        assert!(err.contains("size is 7 bytes"), "{err}");
        assert!(good.check(&dir.path().join("missing")).is_err());
    }
}
