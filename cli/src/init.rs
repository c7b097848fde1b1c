//! `desktop-django init [dir]`: wraps an existing Django project with new
//! files only (`desktop.toml`, `<package>/desktop_settings.py`,
//! `<package>/desktop_urls.py`). An existing file is never changed: if any of
//! them exists, nothing is written.

use std::path::{Path, PathBuf};

use crate::error::CliError;

/// What `init` needs to know; the rest comes from the project's `manage.py`.
pub struct Init {
    pub dir: PathBuf,
    /// Default: `local.<package>`.
    pub app_id: Option<String>,
    /// Default: the package name, capitalised.
    pub product_name: Option<String>,
    /// Default: read from `manage.py` (`DJANGO_SETTINGS_MODULE`).
    pub settings: Option<String>,
    /// Also run the task queue's worker role (`desktop-django[tasks]`).
    pub tasks: bool,
}

/// The project's settings module, from the `DJANGO_SETTINGS_MODULE` default
/// that `startproject`'s `manage.py` sets (`os.environ.setdefault(…)`).
pub fn settings_module_of(manage_py: &str) -> Option<String> {
    let rest = &manage_py[manage_py.find("DJANGO_SETTINGS_MODULE")? + 22..];
    let rest = rest.trim_start().strip_prefix(['"', '\''])?;
    let rest = rest.trim_start().strip_prefix(',')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    let module = &value[..value.find(quote)?];
    let valid = !module.is_empty()
        && module
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || c == '_'));
    valid.then(|| module.to_string())
}

/// The files `init` writes, as `(path relative to the project, text)`.
pub fn files(init: &Init, settings: &str) -> Vec<(PathBuf, String)> {
    let package = settings.split('.').next().unwrap_or(settings);
    let app_id = init
        .app_id
        .clone()
        .unwrap_or_else(|| format!("local.{}", package.replace('_', "-")));
    let product = init.product_name.clone().unwrap_or_else(|| {
        let mut c = package.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default()
    });
    let desktop_settings = format!("{package}.desktop_settings");
    let worker = init.tasks;
    let toml = format!(
        r#"# The identity the desktop shells read (C-SHELL-5); written by `desktop-django init`.
app_id = "{app_id}"  # names the app-data dir: keep it once users have data
product_name = "{product}"
worker = {worker}  # the task queue's worker role (desktop-django[tasks])
# start_path = "/"  # the first page the window opens (a local path)

[settings]
dev = "{desktop_settings}"
packaged = "{desktop_settings}"
"#
    );
    let tasks = if init.tasks { ", tasks=True" } else { "" };
    let settings_py = format!(
        r#""""Desktop settings: the project's own, plus the desktop runtime contract.

Written by `desktop-django init`. The shells use this module (desktop.toml); manage.py, the
project's tests and its deployments keep using {settings}.
"""

from pathlib import Path

from {settings} import *  # noqa: F403

from desktop_django.settings import configure

configure(
    globals(),
    desktop_toml=Path(__file__).resolve().parent.parent / "desktop.toml",
    urlconf="{package}.desktop_urls"{tasks},
)
"#
    );
    let urls_py = format!(
        r#""""Desktop URLs: desktop_django's (health, ticket bootstrap), then the project's own.

Written by `desktop-django init`; the project's URLconf stays as it is.
"""

from importlib import import_module

from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.urls import include, path

from {settings} import ROOT_URLCONF as PROJECT_URLCONF

_project = import_module(PROJECT_URLCONF)

urlpatterns = [
    path("", include("desktop_django.urls")),
    *_project.urlpatterns,
    # Dev mode runs under waitress, not runserver: static files while DEBUG is on (an empty
    # list otherwise; packaged mode serves them with WhiteNoise).
    *staticfiles_urlpatterns(),
]

# The project's error views, if it has its own.
for _name in ("handler400", "handler403", "handler404", "handler500"):
    if hasattr(_project, _name):
        globals()[_name] = getattr(_project, _name)
"#
    );
    vec![
        (PathBuf::from("desktop.toml"), toml),
        (Path::new(package).join("desktop_settings.py"), settings_py),
        (Path::new(package).join("desktop_urls.py"), urls_py),
    ]
}

/// Writes the files, or none of them. Returns what to tell the user.
pub fn run(init: &Init) -> Result<String, CliError> {
    let dir = std::path::absolute(&init.dir).unwrap_or_else(|_| init.dir.clone());
    let manage = dir.join("manage.py");
    let text =
        std::fs::read_to_string(&manage).map_err(|_| CliError::NotADjangoProject(dir.clone()))?;
    let settings = match &init.settings {
        Some(s) => s.clone(),
        None => settings_module_of(&text).ok_or(CliError::NoSettingsModule(manage))?,
    };
    let files = files(init, &settings);
    let existing: Vec<PathBuf> = files
        .iter()
        .map(|(rel, _)| dir.join(rel))
        .filter(|p| p.exists())
        .collect();
    if !existing.is_empty() {
        return Err(CliError::WouldOverwrite(existing));
    }
    let mut report = String::new();
    for (rel, text) in &files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent().filter(|p| !p.is_dir()) {
            return Err(CliError::Io {
                path: parent.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("the settings package of {settings} is not a directory here"),
                ),
            });
        }
        std::fs::write(&path, text).map_err(|source| CliError::Io {
            path: path.clone(),
            source,
        })?;
        report.push_str(&format!("wrote {}\n", rel.display()));
    }
    let extras = if init.tasks {
        "[tasks,packaged]"
    } else {
        "[packaged]"
    };
    // The project's own Django, pinned in the same pip call: without it pip may upgrade Django
    // to satisfy an extra (django-tasks-db 0.13 needs Django 5.2).
    let django = installed_django(&init.dir);
    let pin = django
        .as_ref()
        .map(|v| format!(" \"Django=={v}\""))
        .unwrap_or_default();
    report.push_str(&format!(
        "\nOne step left, in the project's environment:\n    python -m pip install \"{}{extras}\"{pin}\n",
        package_source(),
    ));
    if let Some(v) = django {
        report.push_str(&format!(
            "(\"Django=={v}\" keeps the project's Django as it is: pip would otherwise be free to upgrade it for an extra)\n"
        ));
    }
    report.push_str(&format!(
        "then `desktop-django doctor {}`.",
        init.dir.display()
    ));
    Ok(report)
}

/// The Django version installed for the project, asked of the interpreter `run` and `doctor`
/// use (`DESKTOP_DJANGO_PYTHON`, else the project's venv); `None` when there is none yet or it
/// has no Django.
fn installed_django(dir: &Path) -> Option<String> {
    let project = contract::project::Project::load(dir).ok()?;
    let python = std::env::var_os(contract::launch::PYTHON_ENV)
        .filter(|v| !v.is_empty())
        .map(Into::into);
    let spec = contract::launch::LaunchSpec::dev(&project, python).ok()?;
    let out = std::process::Command::new(spec.program())
        .args(["-c", "import django; print(django.get_version())"])
        .current_dir(dir)
        .output()
        .ok()?;
    let version = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    let plain = |c: char| c.is_ascii_alphanumeric() || c == '.';
    (out.status.success() && !version.is_empty() && version.chars().all(plain)).then_some(version)
}

/// Where pip finds `desktop-django`: this checkout's package when the CLI
/// runs from one, else the package name.
fn package_source() -> String {
    let local = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("python")
        .join("desktop-django");
    match std::fs::canonicalize(local) {
        Ok(path) if path.join("pyproject.toml").is_file() => path.display().to_string(),
        _ => "desktop-django".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_module_comes_from_manage_py() {
        let startproject = "def main():\n    \"\"\"Run administrative tasks.\"\"\"\n    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n";
        assert_eq!(settings_module_of(startproject).unwrap(), "mysite.settings");
        let double = r#"os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")"#;
        assert_eq!(settings_module_of(double).unwrap(), "config.settings.local");
        assert!(settings_module_of("import os\n").is_none());
        assert!(settings_module_of(r#"setdefault("DJANGO_SETTINGS_MODULE", "a;b")"#).is_none());
    }

    #[test]
    fn files_go_in_the_settings_package() {
        let init = Init {
            dir: ".".into(),
            app_id: None,
            product_name: None,
            settings: None,
            tasks: true,
        };
        let files = files(&init, "mysite.settings");
        let paths: Vec<_> = files.iter().map(|(p, _)| p.clone()).collect();
        assert_eq!(
            paths,
            [
                PathBuf::from("desktop.toml"),
                Path::new("mysite").join("desktop_settings.py"),
                Path::new("mysite").join("desktop_urls.py"),
            ]
        );
        let project = contract::project::Project::parse(&files[0].1, Path::new("/p")).unwrap();
        assert_eq!(project.app_id, "local.mysite");
        assert_eq!(project.product_name, "Mysite");
        assert_eq!(project.settings_dev, "mysite.desktop_settings");
        assert!(project.worker, "--tasks runs the worker role");
        assert!(files[1].1.contains("from mysite.settings import *"));
        assert!(files[1].1.contains("tasks=True"));
    }
}
