//! The descriptor's optional build step, run once per shell per process (the conformance suite's
//! test process, or `bench` when it times debug binaries).
//!
//! The conformance suite runs inside `cargo test`, and a nested `cargo build` on the same target dir can
//! block on cargo's build-directory lock (for instance when another cargo holds it). So the step
//! is run with its stderr watched: as soon as cargo says it is "Blocking waiting for file lock",
//! the step is abandoned. If the shell's program already exists the suite goes on with it (with a
//! warning); if not, the shell is unavailable and every check on it fails with "run `<build>`
//! first". `DESKTOP_DJANGO_CONFORMANCE_NO_BUILD=1` skips the step (CI prebuilds with
//! `cargo build --workspace --bins`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::descriptor::ShellSpec;

/// What the build step came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildOutcome {
    /// No build step, or it was skipped by the environment.
    Skipped,
    Built,
    /// The step was abandoned (lock contention); the existing program is used.
    UsedExisting(String),
}

/// Runs `spec.build` from `workspace`. `Err` means the shell cannot be launched.
pub fn run(spec: &ShellSpec, workspace: &Path) -> Result<BuildOutcome, String> {
    let Some(build) = &spec.build else {
        return require_program(spec).map(|()| BuildOutcome::Skipped);
    };
    let first = || format!("run `{}` first", build.join(" "));
    if std::env::var_os("DESKTOP_DJANGO_CONFORMANCE_NO_BUILD").is_some_and(|v| v != "0") {
        return require_program(spec)
            .map(|()| BuildOutcome::Skipped)
            .map_err(|e| format!("{e}; {}", first()));
    }
    let mut child = Command::new(&build[0])
        .args(&build[1..])
        .current_dir(workspace)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run the build step `{}`: {e}", build.join(" ")))?;
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut log = Vec::new();
    let mut blocked = false;
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                blocked |= line.contains("Blocking waiting for file lock");
                log.push(line);
                if blocked {
                    let _ = child.kill();
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if !blocked {
        // After a kill, a grandchild may still hold the pipe: then the reader is left behind.
        let _ = reader.join();
    }
    if blocked {
        return match require_program(spec) {
            Ok(()) => Ok(BuildOutcome::UsedExisting(format!(
                "`{}` would wait for cargo's lock (run from inside cargo); using the existing {}",
                build.join(" "),
                spec.program.display()
            ))),
            Err(e) => Err(format!(
                "{e}, and `{}` cannot run from inside `cargo test` (cargo's build directory is locked); {}",
                build.join(" "),
                first()
            )),
        };
    }
    if !status.success() {
        let tail = log[log.len().saturating_sub(30)..].join("\n  ");
        return Err(format!(
            "the build step `{}` failed ({status}):\n  {tail}",
            build.join(" ")
        ));
    }
    require_program(spec)
        .map(|()| BuildOutcome::Built)
        .map_err(|e| format!("{e} after a successful `{}`", build.join(" ")))
}

/// The shell's program must exist (when it is a path; a bare name is looked up on PATH at launch).
fn require_program(spec: &ShellSpec) -> Result<(), String> {
    let p = &spec.program;
    if p.components().count() > 1 && !p.is_file() {
        return Err(format!("{} does not exist", p.display()));
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn spec(build: Option<Vec<&str>>, program: &Path) -> ShellSpec {
        ShellSpec {
            name: "t".into(),
            label: "t".into(),
            dir: PathBuf::from("/"),
            build: build.map(|b| b.into_iter().map(String::from).collect()),
            program: program.to_path_buf(),
            args: vec![],
            display: false,
            claims: vec![],
            transport: crate::descriptor::Transport::Ticket,
            expected_failures: Default::default(),
            command_template: vec![program.to_string_lossy().into_owned()],
            placeholders: crate::Placeholders::for_workspace(Path::new("/")),
            available_if: None,
            artifacts: vec![program.to_path_buf()],
            packaged: false,
            host_template: None,
        }
    }

    #[test]
    fn no_build_step_needs_the_program() {
        let dir = tempfile::tempdir().unwrap();
        let prog = dir.path().join("shell");
        assert!(run(&spec(None, &prog), dir.path()).is_err());
        std::fs::write(&prog, "").unwrap();
        assert_eq!(
            run(&spec(None, &prog), dir.path()),
            Ok(BuildOutcome::Skipped)
        );
    }

    #[test]
    fn a_successful_build_step() {
        let dir = tempfile::tempdir().unwrap();
        let prog = dir.path().join("shell");
        let s = spec(Some(vec!["touch", "shell"]), &prog);
        assert_eq!(run(&s, dir.path()), Ok(BuildOutcome::Built));
    }

    #[test]
    fn a_failing_build_step_reports_its_stderr() {
        let dir = tempfile::tempdir().unwrap();
        let s = spec(
            Some(vec!["sh", "-c", "echo boom >&2; exit 3"]),
            &dir.path().join("shell"),
        );
        let e = run(&s, dir.path()).unwrap_err();
        assert!(e.contains("boom") && e.contains("failed"), "{e}");
    }

    #[test]
    fn a_blocked_build_uses_the_existing_program_or_says_what_to_run() {
        let dir = tempfile::tempdir().unwrap();
        let prog = dir.path().join("shell");
        let blocked = vec![
            "sh",
            "-c",
            "echo '    Blocking waiting for file lock on build directory' >&2; sleep 30",
        ];
        let s = spec(Some(blocked.clone()), &prog);
        let e = run(&s, dir.path()).unwrap_err();
        assert!(e.contains("first") && e.contains("does not exist"), "{e}");
        std::fs::write(&prog, "").unwrap();
        assert!(matches!(
            run(&s, dir.path()),
            Ok(BuildOutcome::UsedExisting(_))
        ));
    }
}
