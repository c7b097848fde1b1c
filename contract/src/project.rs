//! Project identity from `desktop.toml` (C-SHELL-5).
//!
//! A shell finds the file through `--project <dir>`, else in the current
//! directory and its ancestors. Nothing about a particular project is
//! compiled into a shell.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The identity file's name; it sits beside `manage.py`.
pub const FILE_NAME: &str = "desktop.toml";

/// A Django project's desktop identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// The directory holding `desktop.toml` and `manage.py` (absolute).
    pub dir: PathBuf,
    /// Names the app-data directory (C-DATA-1), e.g. `dev.desktop-django.flying-stable`.
    pub app_id: String,
    /// Shown as the window title and on the splash.
    pub product_name: String,
    /// The icon, resolved relative to `desktop.toml`; `None` when not given.
    pub icon: Option<PathBuf>,
    /// Settings module for dev mode, e.g. `flying_stable.settings.dev`.
    pub settings_dev: String,
    /// Settings module for packaged mode.
    pub settings_packaged: String,
    /// The dev-mode interpreter named by `python = "…"`, resolved relative to
    /// `desktop.toml`; `None` to look for a venv ([`crate::launch`]).
    pub python: Option<PathBuf>,
    /// `worker = false` for a project without the task queue: only the web
    /// role runs (default `true`, C-PROC-1).
    pub worker: bool,
    /// The first page the window opens, `start_path = "/…"` (default `/`): the
    /// bootstrap's `next`, so a project whose `/` only redirects saves that
    /// round trip. A local absolute path: starts with one `/`, no scheme, no
    /// backslash, no whitespace or control character.
    pub start_path: String,
}

/// Why a project could not be found or read.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("no {FILE_NAME} found in {0} or its ancestors (pass --project <dir>)")]
    NotFound(PathBuf),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid {path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("--project needs a directory argument")]
    MissingArgument,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    app_id: String,
    product_name: String,
    icon: Option<String>,
    python: Option<String>,
    worker: Option<bool>,
    start_path: Option<String>,
    settings: RawSettings,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    dev: String,
    packaged: String,
}

impl Project {
    /// Parses `desktop.toml` text; `dir` is the directory that holds it.
    ///
    /// Errors: TOML syntax, missing keys, an empty value, or an `app_id`
    /// that is not a safe single directory name.
    pub fn parse(text: &str, dir: &Path) -> Result<Project, ProjectError> {
        let invalid = |message: String| ProjectError::Invalid {
            path: dir.join(FILE_NAME),
            message,
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        if !is_safe_app_id(&raw.app_id) {
            return Err(invalid(format!(
                "app_id {:?} must be a non-empty name of letters, digits, '.', '-' or '_'",
                raw.app_id
            )));
        }
        for (key, value) in [
            ("product_name", &raw.product_name),
            ("settings.dev", &raw.settings.dev),
            ("settings.packaged", &raw.settings.packaged),
        ] {
            if value.trim().is_empty() {
                return Err(invalid(format!("{key} must not be empty")));
            }
        }
        let start_path = raw.start_path.unwrap_or_else(|| "/".into());
        if !is_local_path(&start_path) {
            return Err(invalid(format!(
                "start_path {start_path:?} must be a local path such as \"/\" or \"/ponies/\""
            )));
        }
        Ok(Project {
            dir: dir.to_path_buf(),
            app_id: raw.app_id,
            product_name: raw.product_name,
            icon: raw.icon.map(|icon| dir.join(icon)),
            settings_dev: raw.settings.dev,
            settings_packaged: raw.settings.packaged,
            python: raw
                .python
                .filter(|p| !p.trim().is_empty())
                .map(|p| dir.join(p.trim())),
            worker: raw.worker.unwrap_or(true),
            start_path,
        })
    }

    /// Loads `<dir>/desktop.toml`.
    pub fn load(dir: &Path) -> Result<Project, ProjectError> {
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let path = dir.join(FILE_NAME);
        let text = std::fs::read_to_string(&path).map_err(|source| ProjectError::Io {
            path: path.clone(),
            source,
        })?;
        Project::parse(&text, &dir)
    }

    /// Finds `desktop.toml` in `start` or its nearest ancestor and loads it.
    pub fn discover(start: &Path) -> Result<Project, ProjectError> {
        let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
        start
            .ancestors()
            .find(|dir| dir.join(FILE_NAME).is_file())
            .map(Project::load)
            .unwrap_or_else(|| Err(ProjectError::NotFound(start.clone())))
    }
}

/// A path on the backend's own origin: `/` then no second `/` or `\\` (which
/// browsers read as another host), and no whitespace or control character.
fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Extracts `--project <dir>` or `--project=<dir>` from a shell's arguments
/// (program name excluded). Other arguments are ignored.
pub fn project_arg<I>(args: I) -> Result<Option<PathBuf>, ProjectError>
where
    I: IntoIterator<Item = OsString>,
{
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--project" {
            return args
                .next()
                .map(|dir| Some(PathBuf::from(dir)))
                .ok_or(ProjectError::MissingArgument);
        }
        if let Some(dir) = arg.to_str().and_then(|s| s.strip_prefix("--project=")) {
            return Ok(Some(PathBuf::from(dir)));
        }
    }
    Ok(None)
}

fn is_safe_app_id(id: &str) -> bool {
    !id.is_empty()
        && id != "."
        && id != ".."
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
app_id = "dev.desktop-django.flying-stable"
product_name = "Flying Stable"
icon = "../assets/brand/icon.png"

[settings]
dev = "flying_stable.settings.dev"
packaged = "flying_stable.settings.packaged"
"#;

    #[test]
    fn parses_the_documented_example() {
        let p = Project::parse(SAMPLE, Path::new("/p/backend")).unwrap();
        assert_eq!(p.app_id, "dev.desktop-django.flying-stable");
        assert_eq!(p.product_name, "Flying Stable");
        assert_eq!(
            p.icon.unwrap(),
            Path::new("/p/backend/../assets/brand/icon.png")
        );
        assert_eq!(p.settings_dev, "flying_stable.settings.dev");
        assert_eq!(p.settings_packaged, "flying_stable.settings.packaged");
    }

    #[test]
    fn rejects_unsafe_app_id_and_missing_keys() {
        let bad = SAMPLE.replace("dev.desktop-django.flying-stable", "../etc");
        assert!(Project::parse(&bad, Path::new("/p")).is_err());
        let bad = SAMPLE.replace("product_name = \"Flying Stable\"", "");
        assert!(Project::parse(&bad, Path::new("/p")).is_err());
        let bad = SAMPLE.replace("\"Flying Stable\"", "\" \"");
        assert!(Project::parse(&bad, Path::new("/p")).is_err());
    }

    #[test]
    fn start_path_defaults_to_the_root_and_must_stay_on_the_origin() {
        let with =
            |v: &str| SAMPLE.replace("[settings]", &format!("start_path = {v:?}\n[settings]"));
        assert_eq!(
            Project::parse(SAMPLE, Path::new("/p")).unwrap().start_path,
            "/"
        );
        let p = Project::parse(&with("/ponies/?tab=all"), Path::new("/p")).unwrap();
        assert_eq!(p.start_path, "/ponies/?tab=all");
        for bad in [
            "ponies/",
            "//evil.example/",
            "/\\evil.example",
            "https://x/",
            "/a b",
            "",
        ] {
            let err = Project::parse(&with(bad), Path::new("/p")).unwrap_err();
            assert!(err.to_string().contains("start_path"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn discovers_in_ancestors() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join(FILE_NAME), SAMPLE).unwrap();
        let nested = tmp.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        let p = Project::discover(&nested).unwrap();
        assert_eq!(p.dir, tmp.path());
        let empty = tempfile::tempdir().unwrap();
        assert!(matches!(
            Project::discover(empty.path()),
            Err(ProjectError::NotFound(_))
        ));
    }

    #[test]
    fn project_argument_forms() {
        let args = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            project_arg(args(&["--project", "x"])).unwrap(),
            Some(PathBuf::from("x"))
        );
        assert_eq!(
            project_arg(args(&["--project=y"])).unwrap(),
            Some(PathBuf::from("y"))
        );
        assert_eq!(project_arg(args(&[])).unwrap(), None);
        assert!(project_arg(args(&["--project"])).is_err());
    }
}
