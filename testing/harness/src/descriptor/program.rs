//! A descriptor's programs: resolved on `PATH` as a launch resolves them, and its availability
//! probe run.

use std::path::{Path, PathBuf};

use super::ShellSpec;

/// A bare program name (`node`) resolved on `PATH` the way a launch resolves it; a path is
/// returned as it is.
pub fn resolve_program(program: &Path) -> PathBuf {
    if program.components().count() > 1 {
        return program.to_path_buf();
    }
    let exts: Vec<String> = if cfg!(windows) {
        vec![String::new(), ".exe".into(), ".cmd".into(), ".bat".into()]
    } else {
        vec![String::new()]
    };
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths).find_map(|dir| {
                exts.iter().find_map(|ext| {
                    let mut name = program.as_os_str().to_owned();
                    name.push(ext);
                    let candidate = dir.join(name);
                    candidate.is_file().then_some(candidate)
                })
            })
        })
        .unwrap_or_else(|| program.to_path_buf())
}

/// Runs the descriptor's `available_if` probe; `Err` carries why the shell is unavailable.
pub fn probe_availability(spec: &ShellSpec) -> Result<(), String> {
    let Some(probe) = &spec.available_if else {
        return Ok(());
    };
    let out = std::process::Command::new(&probe[0])
        .args(&probe[1..])
        .current_dir(&spec.dir)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("`{}` cannot run: {e}", probe.join(" ")))?;
    if out.status.success() {
        return Ok(());
    }
    let said = String::from_utf8_lossy(&out.stderr);
    let said = said.trim();
    let said = if said.is_empty() {
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    } else {
        said.to_string()
    };
    Err(format!(
        "`{}` says it is unavailable here ({}){}",
        probe.join(" "),
        out.status,
        if said.is_empty() {
            String::new()
        } else {
            format!(": {}", said.lines().last().unwrap_or(""))
        }
    ))
}
