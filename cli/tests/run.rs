//! `desktop-django run` hands the process to the shell: a SIGTERM sent to the `run` command is
//! the shell's own quit (C-PROC-3), and nothing is left behind. A stand-in shell beside a copy
//! of the CLI (where `run` looks first) reports its pid and whether it got the signal.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_desktop-django");

const STAND_IN_SHELL: &str = "#!/bin/sh
trap 'echo quit-by-sigterm; exit 0' TERM
echo \"pid $$\"
while :; do sleep 0.05; done
";

/// Kills the launch's process group when the test ends, passed or not: a `run` that does not
/// hand over leaves its shell behind, which would hold the test's output open.
struct Group(i32);

impl Drop for Group {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the process group this test created.
        unsafe { libc::kill(-self.0, libc::SIGKILL) };
    }
}

#[test]
fn a_sigterm_to_run_is_the_shells_quit() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::fs::copy(BIN, bin.join("desktop-django")).unwrap();
    let shell = bin.join("desktop-django-headless");
    std::fs::write(&shell, STAND_IN_SHELL).unwrap();
    std::fs::set_permissions(&shell, std::fs::Permissions::from_mode(0o755)).unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(
        project.join("desktop.toml"),
        "app_id = \"t.run\"\nproduct_name = \"T\"\n[settings]\ndev = \"d\"\npackaged = \"p\"\n",
    )
    .unwrap();
    std::fs::write(project.join("manage.py"), "").unwrap();

    let mut run = Command::new(bin.join("desktop-django"))
        .args(["run", "--shell", "headless"])
        .arg(&project)
        .env("DESKTOP_DJANGO_PYTHON", "python3")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let _group = Group(run.id() as i32);
    let mut lines = BufReader::new(run.stdout.take().unwrap()).lines();
    let first = lines.next().expect("the shell's first line").unwrap();
    assert_eq!(
        first,
        format!("pid {}", run.id()),
        "the shell runs in a process of its own, so a signal to `run` never reaches it"
    );
    // SAFETY: kill(2) on the child we spawned and have not reaped.
    assert_eq!(unsafe { libc::kill(run.id() as i32, libc::SIGTERM) }, 0);
    let status = run.wait().unwrap();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert_eq!(rest, ["quit-by-sigterm"]);
    assert!(status.success(), "{status:?}");
}
