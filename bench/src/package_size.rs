//! The sizes of a packaged app: the installer, what it installs, and its frozen runtime by
//! component, from the runtime manifest's file list (`desktop-runtime.json`), so that whoever
//! prunes the runtime next sees where the bytes are.

use std::collections::{BTreeMap, BTreeSet};

use contract::manifest::RuntimeManifest;
use serde::Serialize;

/// Where a runtime file comes from. Order: the table's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// PyInstaller's bootloader with the PYZ archive appended: the bytecode of every pure-Python
    /// module (stdlib, Django, packages, the project) that is not a data file.
    Program,
    SharedLibraries,
    Stdlib,
    Django,
    ThirdParty,
    Project,
    Other,
}

impl Component {
    pub fn label(self) -> &'static str {
        match self {
            Component::Program => "frozen program: bootloader + PYZ (bytecode of all modules)",
            Component::SharedLibraries => "shared libraries (.so: libpython, extension modules, …)",
            Component::Stdlib => "Python stdlib (base_library.zip, pythonX.Y/)",
            Component::Django => "Django (django/ data files, its dist-info)",
            Component::ThirdParty => "other third-party packages (data files, dist-info)",
            Component::Project => "the project (templates, static, collected static, desktop.toml)",
            Component::Other => "other (beside the frozen folder: desktop.toml, icon)",
        }
    }
}

/// One component's share of the runtime. `bytes`: sum of the manifest's sizes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComponentSize {
    pub component: Component,
    pub files: usize,
    pub bytes: u64,
}

/// One runtime file: its path relative to the manifest, its size in bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileSize {
    pub path: String,
    pub bytes: u64,
}

/// The frozen runtime, from its manifest. Sizes in bytes.
#[derive(Debug, Clone, Serialize)]
pub struct RuntimeSizes {
    pub bytes: u64,
    pub files: usize,
    pub python_version: String,
    pub django_version: String,
    /// Every component with at least one file, in [`Component`] order.
    pub components: Vec<ComponentSize>,
    /// The largest files, largest first.
    pub largest: Vec<FileSize>,
}

/// A packaged app's sizes, in bytes.
#[derive(Debug, Clone, Serialize)]
pub struct PackageSizes {
    /// The installer file.
    pub artifact_bytes: u64,
    /// The control file's `Installed-Size` (KiB) × 1024; `None` when dpkg-deb could not say.
    pub installed_bytes: Option<u64>,
    /// The shell's executable inside the installer.
    pub shell_binary_bytes: Option<u64>,
    /// `debug` or `release` when the bench could tell how the installer's shell was built.
    pub build_profile: Option<String>,
    pub runtime: Option<RuntimeSizes>,
}

/// How many of the largest files the report lists.
const LARGEST: usize = 6;

/// `dpkg-deb -f <deb> Installed-Size` output (KiB, per Debian policy) → bytes.
///
/// Errors: the text is not one non-negative integer.
pub fn parse_installed_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    t.parse::<u64>()
        .ok()
        .and_then(|kib| kib.checked_mul(1024))
        .ok_or_else(|| format!("Installed-Size {t:?} is not a number of KiB"))
}

/// Whether a file name is a shared library: `x.so`, `x.so.1.0`, `x.dylib`, `x.dll`, `x.pyd`.
fn is_shared_library(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    if let Some(i) = parts.iter().skip(1).position(|p| *p == "so") {
        return parts[i + 2..]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    }
    [".dylib", ".dll", ".pyd"].iter().any(|x| name.ends_with(x))
}

/// A distribution's or import package's name as pip compares them: lower case, `-` and `.`
/// as `_`.
fn normalize(name: &str) -> String {
    name.to_ascii_lowercase().replace(['-', '.'], "_")
}

/// `django_tasks_db-0.13.0.dist-info` → `django_tasks_db`.
fn dist_name(dir: &str) -> Option<String> {
    let stem = dir
        .strip_suffix(".dist-info")
        .or_else(|| dir.strip_suffix(".egg-info"))?;
    Some(normalize(stem.split('-').next().unwrap_or(stem)))
}

/// The path below PyInstaller's contents dir (`<app>/_internal/`), if it is in there.
fn in_contents(path: &str) -> Option<&str> {
    path.strip_prefix("_internal/")
        .or_else(|| path.split_once("/_internal/").map(|(_, rest)| rest))
}

/// The component of one manifest path. `dists`: the normalized names of every distribution
/// with a `*.dist-info` in the runtime (a top-level folder of that name is third-party; one
/// without is the project's). `programs`: the roles' programs.
pub fn classify(path: &str, dists: &BTreeSet<String>, programs: &BTreeSet<&str>) -> Component {
    if programs.contains(path) {
        return Component::Program;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    if is_shared_library(name) {
        return Component::SharedLibraries;
    }
    let Some(rel) = in_contents(path) else {
        return Component::Other;
    };
    let top = rel.split('/').next().unwrap_or(rel);
    let python_dir = top
        .strip_prefix("python")
        .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()));
    if top == "base_library.zip" || top == "lib-dynload" || python_dir {
        return Component::Stdlib;
    }
    let dist = dist_name(top);
    let key = dist.clone().unwrap_or_else(|| normalize(top));
    if key == "django" {
        Component::Django
    } else if dist.is_some() || dists.contains(&key) {
        Component::ThirdParty
    } else {
        Component::Project
    }
}

impl RuntimeSizes {
    /// The runtime's size by component, from its manifest's file list.
    pub fn of(manifest: &RuntimeManifest) -> Self {
        let files: Vec<(&str, u64)> = manifest
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.size))
            .collect();
        let programs: BTreeSet<&str> = manifest
            .roles
            .values()
            .filter_map(|argv| argv.first().map(String::as_str))
            .collect();
        let (components, largest) = breakdown(&files, &programs);
        RuntimeSizes {
            bytes: files.iter().map(|(_, b)| b).sum(),
            files: files.len(),
            python_version: manifest.python_version.clone(),
            django_version: manifest.django_version.clone(),
            components,
            largest,
        }
    }
}

/// Sums `(path, bytes)` by component; also the largest files.
fn breakdown(
    files: &[(&str, u64)],
    programs: &BTreeSet<&str>,
) -> (Vec<ComponentSize>, Vec<FileSize>) {
    let dists: BTreeSet<String> = files
        .iter()
        .filter_map(|(p, _)| dist_name(in_contents(p)?.split('/').next()?))
        .collect();
    let mut by: BTreeMap<Component, (usize, u64)> = BTreeMap::new();
    for (path, bytes) in files {
        let e = by.entry(classify(path, &dists, programs)).or_default();
        e.0 += 1;
        e.1 += bytes;
    }
    let components = by
        .into_iter()
        .map(|(component, (files, bytes))| ComponentSize {
            component,
            files,
            bytes,
        })
        .collect();
    let mut largest: Vec<FileSize> = files
        .iter()
        .map(|(p, b)| FileSize {
            path: p.to_string(),
            bytes: *b,
        })
        .collect();
    largest.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.path.cmp(&b.path)));
    largest.truncate(LARGEST);
    (components, largest)
}

#[cfg(test)]
mod tests;
