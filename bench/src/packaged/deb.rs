//! Reading `.deb`s without installing them: which shell each packages, `dpkg-deb`, and finding
//! the program, the runtime manifest and the build profile in an unpacked one.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The shell `scripts/package.sh` bundles: a `.deb` whose name names no shell is its.
pub const DEFAULT_SHELL: &str = "tauri";

/// The shell a `.deb` packages: a descriptor name that is one `-`-separated word of its file
/// name (`flying-stable-wry-0.1.1-linux-x86_64.deb` → `wry`), else [`DEFAULT_SHELL`].
pub fn shell_of(file_name: &str, shells: &[&str]) -> String {
    let words: Vec<&str> = file_name.trim_end_matches(".deb").split('-').collect();
    shells
        .iter()
        .find(|s| words.contains(s))
        .map_or(DEFAULT_SHELL, |s| s)
        .to_string()
}

/// Every `.deb` in `dir` with the shell it packages, by file name.
pub fn debs(dir: &Path, shells: &[&str]) -> Vec<(PathBuf, String)> {
    let mut found: Vec<(PathBuf, String)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "deb"))
        .map(|p| {
            let shell = shell_of(&p.file_name().unwrap_or_default().to_string_lossy(), shells);
            (p, shell)
        })
        .collect();
    found.sort();
    found
}

/// Runs `dpkg-deb <args>`; its stdout.
///
/// Errors: no dpkg-deb (not Debian or Ubuntu), or it failed (its stderr).
pub fn dpkg_deb(args: &[&str]) -> Result<String, String> {
    let out = Command::new("dpkg-deb")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("needs dpkg-deb (Debian, Ubuntu): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "dpkg-deb {}: {}",
            args[0],
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The app's executable in `bin`: the only file, else the one named after the shell, else the
/// largest.
pub fn main_program(bin: &Path, shell: &str) -> Result<PathBuf, String> {
    let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(bin)
        .map_err(|e| format!("the .deb has no usr/bin: {e}"))?
        .flatten()
        .filter_map(|e| Some((e.metadata().ok()?.len(), e.path())))
        .filter(|(_, p)| p.is_file())
        .collect();
    if let Some(i) = files.iter().position(|(_, p)| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().contains(shell))
    }) {
        return Ok(files.swap_remove(i).1);
    }
    files.sort();
    files
        .pop()
        .map(|(_, p)| p)
        .ok_or_else(|| "the .deb's usr/bin is empty".into())
}

/// The first file called `name` under `dir`, at most `depth` levels down.
pub fn find_file(dir: &Path, name: &str, depth: usize) -> Option<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    if let Some(hit) = entries
        .iter()
        .find(|p| p.is_file() && p.file_name().is_some_and(|n| n == name))
    {
        return Some(hit.clone());
    }
    if depth == 0 {
        return None;
    }
    entries
        .iter()
        .filter(|p| p.is_dir())
        .find_map(|d| find_file(d, name, depth - 1))
}

/// `debug` or `release`: which of Tauri's bundle dirs (`<target>/<profile>/bundle/deb/`) holds
/// a byte-identical copy of the `.deb` (`scripts/package.sh` copies it from there).
pub fn profile_of(deb: &Path, target: &Path) -> Option<String> {
    let len = std::fs::metadata(deb).ok()?.len();
    let bytes = std::fs::read(deb).ok()?;
    ["release", "debug"].into_iter().find_map(|profile| {
        let dir = target.join(profile).join("bundle").join("deb");
        std::fs::read_dir(dir)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.len() == len))
            .any(|p| std::fs::read(p).is_ok_and(|b| b == bytes))
            .then(|| profile.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deb_belongs_to_the_shell_its_name_names() {
        let shells = ["headless", "tauri", "wry", "electron"];
        assert_eq!(
            shell_of("flying-stable-0.1.1-linux-x86_64.deb", &shells),
            "tauri"
        );
        assert_eq!(
            shell_of("flying-stable-wry-0.1.1-linux-x86_64.deb", &shells),
            "wry"
        );
        assert_eq!(
            shell_of("wry_flying-stable-0.1.1.deb", &shells),
            "tauri",
            "a whole word only"
        );
    }

    #[test]
    fn finds_the_debs_and_the_manifest() {
        let d = tempfile::tempdir().unwrap();
        for f in ["b-wry-1.deb", "a-1.deb", "SHA256SUMS", "x.tar.gz"] {
            std::fs::write(d.path().join(f), b"x").unwrap();
        }
        let found = debs(d.path(), &["tauri", "wry"]);
        let got: Vec<(String, &str)> = found
            .iter()
            .map(|(p, s)| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    s.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [("a-1.deb".into(), "tauri"), ("b-wry-1.deb".into(), "wry")]
        );
        let rt = d.path().join("usr/lib/Flying Stable/runtime");
        std::fs::create_dir_all(&rt).unwrap();
        std::fs::write(rt.join("desktop-runtime.json"), b"{}").unwrap();
        assert_eq!(
            find_file(d.path(), "desktop-runtime.json", 6),
            Some(rt.join("desktop-runtime.json"))
        );
        assert_eq!(
            find_file(d.path(), "desktop-runtime.json", 2),
            None,
            "deeper than asked"
        );
    }
}
