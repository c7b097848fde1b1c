//! The subjects of a run: every shell with a descriptor (built, the binary to time picked, its
//! sizes recorded), each followed by its packaged app where `just package` built one, then the
//! two references.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use harness::descriptor::ShellSpec;
use harness::{prebuild, Shell};

use crate::cli::Args;
use crate::packaged;
use crate::report::{Artifact, Subject, SubjectKind, FLOOR, MIGRATE_POLL};
use crate::shells::ToLaunch;
use crate::{first_lines, say};

/// Every wanted shell (prepared, or skipped with the reason), packaged app and reference, in
/// table order, each with what to launch (`None` for a reference or a skipped subject).
pub fn prepare(
    ws: &Path,
    specs: Vec<ShellSpec>,
    args: &Args,
) -> (Vec<Subject>, Vec<Option<ToLaunch>>) {
    let wanted = |name: &str| {
        args.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|n| n == name))
    };
    // The conformance suite's installed-package rows (`packaged = true`, e.g. tauri-deb) need
    // the .deb installed with dpkg; the packaged rows below time the same .deb unpacked.
    let specs: Vec<ShellSpec> = specs.into_iter().filter(|s| !s.packaged).collect();
    let target = harness::descriptor::target_dir(ws);
    if args.package && packaged::wants_any(args.only.as_deref()) {
        if let Err(e) = packaged::build(ws, args.release) {
            say(&e);
        }
    }
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    let mut rows: Vec<(Subject, Option<ToLaunch>)> = Vec::new();
    for spec in specs.iter().filter(|s| wanted(&s.name)) {
        let (subject, shell) = prepare_shell(ws, spec.clone(), &names, args);
        let launch = shell.map(|shell| ToLaunch {
            shell,
            env: Vec::new(),
            runtime_dir: None,
            _unpacked: None,
        });
        rows.push((subject, launch));
    }
    // Each packaged app right after its shell's dev-mode row (or last, without one).
    for (subject, launch) in packaged::prepare(&target, &specs, args.only.as_deref()) {
        let shell = subject.packages.as_deref();
        let after = rows
            .iter()
            .rposition(|(s, _)| Some(s.name.as_str()) == shell || s.packages.as_deref() == shell);
        let at = after.map_or(rows.len(), |i| i + 1);
        rows.insert(at, (subject, launch));
    }
    let (mut subjects, mut shells): (Vec<Subject>, Vec<Option<ToLaunch>>) =
        rows.into_iter().unzip();
    for subject in &subjects {
        match &subject.skipped {
            Some(why) => say(&format!("{}: skipped: {why}", subject.name)),
            None => say(&format!("{}: timing {}", subject.name, subject.description)),
        }
    }
    for (name, label, desc) in [
        (
            FLOOR,
            "floor (desktop_serve alone)",
            "manage.py desktop_serve → handshake → first health 200",
        ),
        (
            MIGRATE_POLL,
            "migrate-then-poll",
            "manage.py migrate; waitress on a parent-chosen port; /health/ every 250 ms",
        ),
    ] {
        if wanted(name) {
            subjects.push(Subject::new(name, label, SubjectKind::Reference, desc));
            shells.push(None);
        }
    }
    (subjects, shells)
}

/// The cargo package a descriptor's build step builds (`… -p <pkg>`), if it is a cargo build.
fn cargo_package(spec: &ShellSpec) -> Option<String> {
    let b = spec.build.as_ref()?;
    if b.first().is_none_or(|c| c != "cargo") {
        return None;
    }
    b.iter()
        .position(|a| a == "-p" || a == "--package")
        .and_then(|i| b.get(i + 1).cloned())
}

/// The descriptor with `{target_dir}/debug/` swapped for `{target_dir}/release/`, when its
/// program lives in cargo's debug dir.
fn release_spec(spec: &ShellSpec) -> Option<ShellSpec> {
    let first = spec.command_template.first()?;
    if !first.contains("{target_dir}/debug/") {
        return None;
    }
    let mut s = spec.clone();
    s.command_template[0] = first.replace("{target_dir}/debug/", "{target_dir}/release/");
    s.program = PathBuf::from(s.placeholders.expand(&s.command_template[0]).ok()?);
    Some(s)
}

fn cargo_release_build(ws: &Path, pkg: &str) -> Result<(), String> {
    say(&format!("cargo build --release -p {pkg} …"));
    run_build(
        Command::new("cargo").args(["build", "--release", "-p", pkg]),
        ws,
        &format!("cargo build --release -p {pkg}"),
    )
}

/// Runs a build step `what` from `ws` with its output captured.
///
/// Errors: it could not start, or it failed (the last 3 lines of its stderr).
pub fn run_build(cmd: &mut Command, ws: &Path, what: &str) -> Result<(), String> {
    let out = cmd
        .current_dir(ws)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `{what}`: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    Err(format!(
        "`{what}` failed: {}",
        lines[lines.len().saturating_sub(3)..].join(" / ")
    ))
}

fn artifact(p: &Path) -> Option<Artifact> {
    let md = std::fs::metadata(p).ok()?;
    md.is_file().then(|| Artifact {
        path: p.to_string_lossy().into_owned(),
        bytes: md.len(),
    })
}

/// A package built for the shell: its `.deb` from `just package` (`<target>/package/`), else
/// Tauri's bundles under `<target>/release/bundle/`, or a `dist/` or `out/` folder in the
/// shell's own dir, the largest matching file.
fn find_package(spec: &ShellSpec, shells: &[&str]) -> Option<Artifact> {
    let dir = packaged::package_dir(&spec.placeholders.target_dir);
    if let Some((deb, _)) = packaged::debs(&dir, shells)
        .into_iter()
        .find(|(_, shell)| *shell == spec.name)
    {
        return artifact(&deb);
    }
    let mut dirs = Vec::new();
    if spec.dir.join("tauri.conf.json").is_file() {
        let bundle = spec.placeholders.target_dir.join("release").join("bundle");
        for kind in ["deb", "rpm", "appimage", "dmg", "msi", "nsis"] {
            dirs.push(bundle.join(kind));
        }
    }
    dirs.push(spec.dir.join("dist"));
    dirs.push(spec.dir.join("out").join("make"));
    let exts = [".deb", ".rpm", ".AppImage", ".dmg", ".msi", ".exe", ".zip"];
    let mut found: Vec<Artifact> = Vec::new();
    for d in dirs {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let name = p.to_string_lossy();
            if exts.iter().any(|x| name.ends_with(x)) {
                found.extend(artifact(&p));
            }
        }
    }
    // Prefer a .deb (the Linux package), else the largest.
    found.sort_by_key(|a| (a.path.ends_with(".deb"), a.bytes));
    found.pop()
}

/// Prepares one shell: builds it, picks the binary to time, records its sizes.
fn prepare_shell(
    ws: &Path,
    spec: ShellSpec,
    shells: &[&str],
    args: &Args,
) -> (Subject, Option<Shell>) {
    let mut subject = Subject::new(
        &spec.name,
        &spec.label,
        SubjectKind::Shell,
        &spec.command_template.join(" "),
    );
    let pkg = cargo_package(&spec);
    let release = release_spec(&spec);
    let mut notes = Vec::new();
    let mut timed = spec.clone();
    if args.release {
        if let (Some(rel), Some(pkg)) = (&release, &pkg) {
            let built = if args.build && pkg_build_ok(ws, pkg, &mut notes) {
                true
            } else {
                rel.program.is_file()
            };
            if built && rel.program.is_file() {
                timed = rel.clone();
            } else {
                notes.push("timed the debug binary: no release build".to_string());
            }
        }
    }
    let uses_debug = timed.program == spec.program;
    if uses_debug && args.build {
        match prebuild::run(&spec, ws) {
            Ok(prebuild::BuildOutcome::UsedExisting(w)) => say(&format!("{}: {w}", spec.name)),
            Ok(_) => {}
            Err(e) => {
                subject.skipped = Some(format!("build failed: {}", first_lines(&e, 2)));
                return (subject, None);
            }
        }
    }
    if !timed.program.is_file() && timed.program.components().count() > 1 {
        subject.skipped = Some(format!(
            "{} does not exist (run `{}`)",
            timed.program.display(),
            spec.build.as_ref().map(|b| b.join(" ")).unwrap_or_default()
        ));
        return (subject, None);
    }
    subject.description = format!("{} {}", timed.program.display(), timed.args.join(" "));
    match &release {
        Some(rel) => match artifact(&rel.program) {
            Some(a) => subject.binary = Some(a),
            None => notes.push("release binary not built".into()),
        },
        None => notes.push("no cargo binary".into()),
    }
    subject.package = find_package(&spec, shells);
    if !notes.is_empty() {
        subject.size_note = Some(notes.join("; "));
    }
    if uses_debug && release.is_some() {
        subject.label = format!("{} (debug)", spec.label);
    }
    (
        subject,
        Some(Shell {
            spec: timed,
            unavailable: None,
        }),
    )
}

fn pkg_build_ok(ws: &Path, pkg: &str, notes: &mut Vec<String>) -> bool {
    match cargo_release_build(ws, pkg) {
        Ok(()) => true,
        Err(e) => {
            say(&e);
            notes.push(e);
            false
        }
    }
}
