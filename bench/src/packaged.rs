//! The packaged subjects: every `.deb` that `just package` left in `<target>/package/`, unpacked
//! with `dpkg-deb -x` into a temp dir (no root, nothing installed into the system) and launched
//! from there as installed, with no Python on `PATH`: the shell finds the runtime in its own
//! bundle and runs it in packaged mode. Each sits next to the dev-mode row of its shell.

use std::path::{Path, PathBuf};
use std::process::Command;

use contract::manifest::RuntimeManifest;
use harness::descriptor::ShellSpec;
use harness::Shell;

use crate::package_size::{parse_installed_size, PackageSizes, RuntimeSizes};
use crate::report::{Artifact, Subject, SubjectKind};
use crate::shells::ToLaunch;

mod deb;

pub use deb::debs;
use deb::{dpkg_deb, find_file, main_program, profile_of, DEFAULT_SHELL};

/// `--only packaged` selects every packaged subject; each is named `packaged-<shell>`.
pub const PACKAGED: &str = "packaged";
/// The runtime manifest's file name (`contract::manifest`).
const MANIFEST: &str = "desktop-runtime.json";

/// Where `just package` writes its installers.
pub fn package_dir(target: &Path) -> PathBuf {
    target.join("package")
}

/// Whether `--only` asks for the packaged subject `name`.
pub fn wanted(only: Option<&[String]>, name: &str) -> bool {
    only.is_none_or(|o| o.iter().any(|n| n == name || n == PACKAGED))
}

/// Whether `--only` asks for any packaged subject.
pub fn wants_any(only: Option<&[String]>) -> bool {
    only.is_none_or(|o| o.iter().any(|n| n.starts_with(PACKAGED)))
}

/// `scripts/package.sh [--debug]`, matching the bench's profile: every shell's installer from
/// one runtime (naming one shell would leave only that shell's installer in the package dir,
/// and the other packaged rows would be skipped).
///
/// Errors: the script failed (its last lines).
pub fn build(ws: &Path, release: bool) -> Result<(), String> {
    let mut cmd = Command::new("bash");
    cmd.arg(ws.join("scripts").join("package.sh"));
    if !release {
        cmd.arg("--debug");
    }
    crate::say(&format!(
        "scripts/package.sh{} …",
        if release { "" } else { " --debug" }
    ));
    crate::subjects::run_build(&mut cmd, ws, "scripts/package.sh")
}

/// The packaged subjects `--only` asks for, each with what to launch (`None`: skipped, with the
/// reason in the subject). `specs`: every descriptor, for each shell's label and display.
pub fn prepare(
    target: &Path,
    specs: &[ShellSpec],
    only: Option<&[String]>,
) -> Vec<(Subject, Option<ToLaunch>)> {
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    let dir = package_dir(target);
    let found = debs(&dir, &names);
    if found.is_empty() {
        let name = format!("{PACKAGED}-{DEFAULT_SHELL}");
        if !wanted(only, &name) {
            return Vec::new();
        }
        let mut s = Subject::new(&name, "Tauri (packaged)", SubjectKind::Packaged, "");
        s.packages = Some(DEFAULT_SHELL.into());
        s.skipped = Some(format!(
            "no .deb in {}: run `just package` first",
            dir.display()
        ));
        return vec![(s, None)];
    }
    found
        .into_iter()
        .filter(|(_, shell)| wanted(only, &format!("{PACKAGED}-{shell}")))
        .map(|(deb, shell)| {
            let spec = specs.iter().find(|s| s.name == shell);
            let label = spec.map_or(shell.as_str(), |s| s.label.as_str());
            let mut s = Subject::new(
                &format!("{PACKAGED}-{shell}"),
                &format!("{label} (packaged)"),
                SubjectKind::Packaged,
                &format!(
                    "{} unpacked with dpkg-deb -x; its usr/bin program, no Python on PATH",
                    deb.display()
                ),
            );
            s.packages = Some(shell.clone());
            match spec.ok_or_else(|| format!("no descriptor for the shell {shell:?}")) {
                Ok(spec) => match unpack(&deb, spec, target, &mut s) {
                    Ok(launch) => return (s, Some(launch)),
                    Err(e) => s.skipped = Some(e),
                },
                Err(e) => s.skipped = Some(e),
            }
            (s, None)
        })
        .collect()
}

/// Records the sizes, unpacks the `.deb` and makes the shell to launch from it.
fn unpack(deb: &Path, dev: &ShellSpec, target: &Path, s: &mut Subject) -> Result<ToLaunch, String> {
    let artifact_bytes = std::fs::metadata(deb).map_err(|e| e.to_string())?.len();
    s.package = Some(Artifact {
        path: deb.to_string_lossy().into_owned(),
        bytes: artifact_bytes,
    });
    let installed = dpkg_deb(&["-f", &deb.to_string_lossy(), "Installed-Size"])
        .and_then(|t| parse_installed_size(&t));
    let tmp = tempfile::Builder::new()
        .prefix("bench-packaged-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let root = tmp.path().join("root");
    dpkg_deb(&["-x", &deb.to_string_lossy(), &root.to_string_lossy()])?;
    let program = main_program(&root.join("usr").join("bin"), &dev.name)?;
    let manifest =
        find_file(&root, MANIFEST, 6).ok_or_else(|| format!("the .deb holds no {MANIFEST}"))?;
    let runtime = RuntimeManifest::read(&manifest)
        .map(|m| RuntimeSizes::of(&m))
        .map_err(|e| format!("{MANIFEST}: {e}"))?;
    let build_profile = profile_of(deb, target);
    let shell_binary_bytes = std::fs::metadata(&program).ok().map(|m| m.len());
    s.binary = shell_binary_bytes.map(|bytes| Artifact {
        path: format!(
            "usr/bin/{}",
            program.file_name().unwrap_or_default().to_string_lossy()
        ),
        bytes,
    });
    s.size_note = Some(match &build_profile {
        Some(p) => format!("the shell in the .deb, {p} build"),
        None => "the shell in the .deb".into(),
    });
    if let Some(p) = &build_profile {
        s.label = format!("{} (packaged, {p} build)", dev.label);
    }
    s.package_sizes = Some(PackageSizes {
        artifact_bytes,
        installed_bytes: installed.ok(),
        shell_binary_bytes,
        build_profile,
        runtime: Some(runtime),
    });
    // No Python on PATH: an empty dir; the shell spawns WebKit's helpers by absolute path.
    let no_python = tmp.path().join("empty-path");
    std::fs::create_dir_all(&no_python).map_err(|e| e.to_string())?;
    let program_text = program.to_string_lossy().into_owned();
    let mut spec = dev.clone();
    spec.name = s.name.clone();
    spec.label = s.label.clone();
    // Its cwd: outside the checkout, so no desktop.toml above it could put it in dev mode.
    spec.dir = tmp.path().to_path_buf();
    spec.build = None;
    spec.program = program.clone();
    spec.args = Vec::new();
    spec.command_template = vec![program_text];
    spec.host_template = None;
    spec.packaged = true;
    let runtime_dir = manifest
        .parent()
        .and_then(|d| d.canonicalize().ok())
        .ok_or("the runtime dir is unreadable")?;
    Ok(ToLaunch {
        shell: Shell {
            spec,
            unavailable: None,
        },
        env: vec![("PATH".into(), no_python.to_string_lossy().into_owned())],
        runtime_dir: Some(runtime_dir),
        _unpacked: Some(tmp),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_packaged_selects_every_packaged_subject() {
        let only = vec!["packaged".to_string(), "floor".to_string()];
        assert!(wanted(Some(&only), "packaged-tauri"));
        assert!(wanted(Some(&only), "packaged-wry"));
        assert!(wanted(None, "packaged-wry"));
        let one = vec!["packaged-wry".to_string()];
        assert!(!wanted(Some(&one), "packaged-tauri"));
        assert!(wanted(Some(&one), "packaged-wry"));
        assert!(wants_any(Some(&one)) && wants_any(None));
        assert!(!wants_any(Some(&["tauri".to_string()])));
    }
}
