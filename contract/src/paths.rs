//! The app-data directory and its layout (C-DATA-1, C-DATA-2, C-DATA-6).
//!
//! One directory per user and per app, shared by every shell: the platform
//! data dir (XDG data dir, `~/Library/Application Support`, `%APPDATA%`)
//! joined with the project's `app_id`. `DESKTOP_DJANGO_APP_DATA_DIR`
//! overrides it. Created with mode 0700 on POSIX.

use std::path::{Path, PathBuf};

/// Environment variable that overrides the app-data directory.
pub const APP_DATA_ENV: &str = "DESKTOP_DJANGO_APP_DATA_DIR";

/// The resolved app-data layout. All paths are absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppPaths {
    /// `<app-data>`, mode 0700 on POSIX.
    pub root: PathBuf,
    /// `<app-data>/logs`, holding `shell.log`, `backend.log`, `access.log`.
    pub logs: PathBuf,
    /// `<app-data>/app.sqlite3` (C-DATA-2); the backend creates it.
    pub db: PathBuf,
}

/// Why the app-data directory could not be resolved or created.
#[derive(Debug, thiserror::Error)]
pub enum PathsError {
    #[error("no home directory to derive the app-data dir from; set {APP_DATA_ENV}")]
    NoHome,
    #[error("cannot create {path}: {source}")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl AppPaths {
    /// Resolves the layout for `app_id` (honouring `DESKTOP_DJANGO_APP_DATA_DIR`)
    /// and creates `root` (0700) and `logs`.
    pub fn resolve(app_id: &str) -> Result<AppPaths, PathsError> {
        let override_dir = std::env::var_os(APP_DATA_ENV).filter(|v| !v.is_empty());
        let root = match override_dir {
            Some(dir) => PathBuf::from(dir),
            None => default_root(app_id)?,
        };
        AppPaths::create(&root)
    }

    /// Creates the layout under an explicit `root`.
    pub fn create(root: &Path) -> Result<AppPaths, PathsError> {
        let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        create_private_dir(&root)?;
        let logs = root.join("logs");
        create_private_dir(&logs)?;
        Ok(AppPaths {
            db: root.join("app.sqlite3"),
            logs,
            root,
        })
    }

    /// `<app-data>/logs/shell.log`.
    pub fn shell_log(&self) -> PathBuf {
        self.logs.join("shell.log")
    }

    /// `<app-data>/worker-down`: present while the task worker is given up
    /// on (C-PROC-6), so the app's pages can say so; removed at each start.
    pub fn worker_down(&self) -> PathBuf {
        self.root.join(WORKER_DOWN_FILE)
    }
}

/// The marker file's name; `desktop_django.context_processors`
/// (python/desktop-django) reads the same name to show the "worker is down"
/// banner (C-PROC-6).
pub const WORKER_DOWN_FILE: &str = "worker-down";

/// `<platform data dir>/<app_id>` without creating it.
pub fn default_root(app_id: &str) -> Result<PathBuf, PathsError> {
    let base = directories::BaseDirs::new().ok_or(PathsError::NoHome)?;
    Ok(base.data_dir().join(app_id))
}

fn create_private_dir(path: &Path) -> Result<(), PathsError> {
    let err = |source| PathsError::Create {
        path: path.to_path_buf(),
        source,
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        builder.create(path).map_err(err)?;
        // An existing dir keeps its mode from `create`; tighten it.
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).map_err(err)?;
    }
    #[cfg(not(unix))]
    builder.create(path).map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_layout_private() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = AppPaths::create(&tmp.path().join("app")).unwrap();
        assert!(paths.logs.is_dir());
        assert_eq!(paths.db, tmp.path().join("app/app.sqlite3"));
        assert_eq!(paths.shell_log(), tmp.path().join("app/logs/shell.log"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&paths.root).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }

    #[test]
    fn default_root_ends_with_app_id() {
        let root = default_root("dev.example.app").unwrap();
        assert!(root.ends_with("dev.example.app"));
    }
}
