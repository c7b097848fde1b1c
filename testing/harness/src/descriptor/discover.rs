//! Finding every descriptor under `shells/`.

use std::path::{Path, PathBuf};

use super::{expand, parse, Descriptor, Placeholders, ShellSpec};

/// Whether `name` is a descriptor file: `conformance.toml`, or `conformance-<row>.toml` for a
/// folder that holds more than one row (the Electron shell: node host and real Electron).
fn is_descriptor(name: &str) -> bool {
    name == "conformance.toml"
        || (name.starts_with("conformance-") && name.ends_with(".toml") && name.len() > 17)
}

/// Finds and expands every `shells/*/conformance.toml` and `shells/*/conformance-*.toml` under
/// `workspace`, sorted by path.
pub fn discover(workspace: &Path, ph: &Placeholders) -> Result<Vec<ShellSpec>, String> {
    discover_checked(workspace, ph, |_| Ok(()))
}

/// [`discover`], with `check` run on every parsed descriptor (e.g. that the clause ids it names
/// exist); its error is reported with the descriptor's path.
pub fn discover_checked(
    workspace: &Path,
    ph: &Placeholders,
    check: impl Fn(&Descriptor) -> Result<(), String>,
) -> Result<Vec<ShellSpec>, String> {
    let shells = workspace.join("shells");
    let dirs = std::fs::read_dir(&shells)
        .map_err(|e| format!("cannot read {}: {e}", shells.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir());
    let mut paths: Vec<PathBuf> = dirs
        .flat_map(|dir| std::fs::read_dir(dir).into_iter().flatten())
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_descriptor)
        })
        .collect();
    paths.sort();
    let mut specs = Vec::new();
    for path in paths {
        let dir = path.parent().expect("a descriptor lives in a shell folder");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let d = parse(&text)
            .and_then(|d| check(&d).map(|()| d))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        specs.push(expand(&d, dir, ph).map_err(|e| format!("{}: {e}", path.display()))?);
    }
    let mut names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("two descriptors share the name {:?}", w[0]));
    }
    Ok(specs)
}
