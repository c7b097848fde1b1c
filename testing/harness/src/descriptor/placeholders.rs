//! The placeholders a descriptor may name, and the values this workspace gives them.

use std::path::{Path, PathBuf};

use super::BACKEND_ENV;

/// Values substituted for `{target_dir}`, `{backend}`, `{workspace}` and `{exe}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholders {
    pub target_dir: PathBuf,
    pub backend: PathBuf,
    pub workspace: PathBuf,
    pub exe: String,
}

impl Placeholders {
    /// The placeholders of this workspace: `{target_dir}` is `CARGO_TARGET_DIR`, else the target
    /// dir this test binary was built into, else `<workspace>/target`; `{backend}` is
    /// [`BACKEND_ENV`] (another project to run the suite on), else `<workspace>/backend`.
    pub fn for_workspace(workspace: &Path) -> Self {
        Placeholders {
            target_dir: target_dir(workspace),
            backend: std::env::var_os(BACKEND_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| workspace.join("backend")),
            workspace: workspace.to_path_buf(),
            exe: std::env::consts::EXE_SUFFIX.to_string(),
        }
    }

    /// Expands every placeholder in `s`. An unknown `{name}` is an error, so a typo in a
    /// descriptor fails loudly instead of launching a nonsense path.
    pub fn expand(&self, s: &str) -> Result<String, String> {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| format!("unclosed placeholder in {s:?}"))?;
            let key = &after[..close];
            match key {
                "target_dir" => out.push_str(&self.target_dir.to_string_lossy()),
                "backend" => out.push_str(&self.backend.to_string_lossy()),
                "workspace" => out.push_str(&self.workspace.to_string_lossy()),
                "exe" => out.push_str(&self.exe),
                other => return Err(format!("unknown placeholder {{{other}}} in {s:?}")),
            }
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// Cargo's target dir as seen from a running test: `CARGO_TARGET_DIR`, else the nearest ancestor
/// of this executable holding cargo's `CACHEDIR.TAG`, else `<workspace>/target`.
pub fn target_dir(workspace: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return if dir.is_absolute() {
            dir
        } else {
            workspace.join(dir)
        };
    }
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe
            .ancestors()
            .skip(1)
            .find(|d| d.join("CACHEDIR.TAG").is_file())
        {
            return dir.to_path_buf();
        }
    }
    workspace.join("target")
}
