//! C-PKG-1, C-PKG-2 and C-PKG-3: an installed package runs its own runtime, needs no Python on
//! the machine, and refuses an update it cannot verify. These bind rows whose descriptor says
//! `packaged = true` (the installed `.deb`); on a build they read "n/a".
//!
//! The package's runtime is found from outside: the runtime manifest `desktop-runtime.json` that
//! the package manager lists for the package owning the program (`dpkg -S`, `dpkg -L`), else
//! the one bundlers put in `runtime/` beside the program or in `<prefix>/lib/<name>/runtime/`
//! for a program in `<prefix>/bin/` (which must then be the only one there).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use conformance::{
    check, check_scenario, Event, EventKind, Launch, LaunchOptions, ShellSpec, READY_TIMEOUT,
};
use sha2::{Digest, Sha256};

use crate::helpers::{assert_startup_failure, FAULT_WAIT, QUIT_TIMEOUT};

const MANIFEST: &str = "desktop-runtime.json";

/// The installed runtime manifest of a packaged row's program (see the module doc).
fn installed_manifest(spec: &ShellSpec) -> PathBuf {
    let program = std::fs::canonicalize(&spec.program)
        .unwrap_or_else(|e| panic!("{}: {e}", spec.program.display()));
    if let Some(listed) = listed_by_dpkg(&program) {
        return listed;
    }
    let dir = program.parent().expect("the program has a dir");
    let beside = dir.join("runtime").join(MANIFEST);
    if beside.is_file() {
        return beside;
    }
    let found: Vec<PathBuf> = std::fs::read_dir(dir.join("..").join("lib"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("runtime").join(MANIFEST))
        .filter(|p| p.is_file())
        .collect();
    match &found[..] {
        [one] => one.clone(),
        [] => panic!("no {MANIFEST} installed beside {}", program.display()),
        many => panic!(
            "{} runtimes under {}: {many:?}; which is this program's is the package manager's to say",
            many.len(),
            dir.join("..").join("lib").display()
        ),
    }
}

/// The runtime manifest of the Debian package that owns `program`, if dpkg knows it.
fn listed_by_dpkg(program: &Path) -> Option<PathBuf> {
    let run = |args: &[&str]| {
        let out = std::process::Command::new("dpkg-query")
            .args(args)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let owner = run(&["-S", &program.to_string_lossy()])?;
    let package = owner.split(':').next()?.trim().to_string();
    run(&["-L", &package])?
        .lines()
        .map(PathBuf::from)
        .find(|p| p.ends_with(Path::new("runtime").join(MANIFEST)) && p.is_file())
}

/// The manifest's role program (`roles.web[0]`, relative to the manifest's dir) and its digest
/// entry `(sha256, size)`.
fn role_program(manifest: &Path) -> (PathBuf, String, u64) {
    let text = std::fs::read_to_string(manifest).unwrap();
    let m: serde_json::Value = serde_json::from_str(&text).unwrap();
    let rel = m["roles"]["web"][0]
        .as_str()
        .unwrap_or_else(|| panic!("{}: no roles.web[0]", manifest.display()));
    let entry = m["files"]
        .as_array()
        .and_then(|files| files.iter().find(|f| f["path"] == rel))
        .unwrap_or_else(|| panic!("{}: no digest for {rel}", manifest.display()));
    (
        manifest.parent().unwrap().join(rel),
        entry["sha256"].as_str().unwrap().to_string(),
        entry["size"].as_u64().unwrap(),
    )
}

fn sha256_of(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

/// The executable a process runs (`/proc/<pid>/exe`), resolved.
fn exe_of(pid: u32) -> PathBuf {
    std::fs::read_link(format!("/proc/{pid}/exe"))
        .unwrap_or_else(|e| panic!("/proc/{pid}/exe: {e}"))
}

/// C-PKG-1: both roles run the program the installed runtime manifest names, and that program's
/// bytes match the manifest's SHA-256 and size.
#[test]
fn c_pkg_1_bundled_runtime() {
    check("C-PKG-1", |shell| {
        let manifest = installed_manifest(&shell.spec);
        let (program, sha256, size) = role_program(&manifest);
        let program = std::fs::canonicalize(&program).unwrap();
        assert_eq!(std::fs::metadata(&program).unwrap().len(), size);
        assert_eq!(sha256_of(&program), sha256, "{}", program.display());
        let mut l = Launch::start(shell, LaunchOptions::default());
        l.ready();
        l.wait_worker();
        let spawned = l.spawned();
        assert!(spawned.len() >= 2, "both roles spawned: {spawned:?}");
        for (role, pid) in spawned {
            let exe = exe_of(pid);
            assert_eq!(
                exe,
                program,
                "the {role} role (pid {pid}) runs {}, not the bundled {}",
                exe.display(),
                program.display()
            );
        }
        l.quit(QUIT_TIMEOUT);
    });
}

/// C-PKG-1: a copy of the installed runtime whose role program was modified after the manifest
/// was written is refused before anything is spawned (C-READY-3's startup failure).
#[test]
fn c_pkg_1_modified_program() {
    check_scenario("C-PKG-1", "modified", |shell| {
        let installed = installed_manifest(&shell.spec);
        let copy = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("cp")
            .arg("-a")
            .arg(installed.parent().unwrap())
            .arg(copy.path())
            .status()
            .unwrap();
        assert!(status.success(), "cp -a the runtime: {status}");
        let manifest = copy.path().join("runtime").join(MANIFEST);
        let (program, _, _) = role_program(&manifest);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&program)
            .and_then(|mut f| f.write_all(b"modified"))
            .unwrap();
        let mut l = Launch::start(
            shell,
            LaunchOptions::default().env("DESKTOP_DJANGO_RUNTIME_MANIFEST", &manifest),
        );
        assert_startup_failure(&mut l, "a modified desktop-backend", &["modified"]);
        assert!(
            l.spawned().is_empty(),
            "a modified program was spawned: {:?}",
            l.spawned()
        );
    });
}

/// C-PKG-2: with no `PATH` and a `PYTHONHOME`/`PYTHONPATH` that name nothing, the installed app
/// loads its page and static files, and no backend process maps a file of a Python outside the
/// package (no system interpreter, no venv, no `site-packages` of the machine).
#[test]
fn c_pkg_2_offline_no_python() {
    check("C-PKG-2", |shell| {
        let runtime = installed_manifest(&shell.spec)
            .parent()
            .unwrap()
            .to_path_buf();
        let runtime = std::fs::canonicalize(runtime).unwrap();
        let mut l = Launch::start(
            shell,
            LaunchOptions::default()
                .env("PATH", "/nonexistent")
                .env("PYTHONHOME", "/nonexistent")
                .env("PYTHONPATH", "/nonexistent"),
        );
        l.ready();
        l.wait_event(EventKind::WindowLoaded, READY_TIMEOUT);
        let lines = l.wait_access_log(READY_TIMEOUT, "a static file served", |a| {
            a.iter()
                .any(|x| x.path.starts_with("/static/") && x.status == 200)
        });
        assert!(
            lines.iter().any(|x| x.status == 200
                && !x.path.starts_with("/static/")
                && x.path != "/health/"),
            "no page was served"
        );
        for p in l.backend_processes() {
            let maps = std::fs::read_to_string(format!("/proc/{}/maps", p.pid)).unwrap_or_default();
            let foreign: Vec<&str> = maps
                .lines()
                // The path is the rest of the line from its first `/` (it may hold spaces).
                .filter_map(|line| line.find('/').map(|i| &line[i..]))
                .filter(|f| {
                    let python = f.contains("python") || f.contains("site-packages");
                    python && !Path::new(f).starts_with(&runtime)
                })
                .collect();
            assert!(
                foreign.is_empty(),
                "pid {} ({}) maps Python files from outside the package: {foreign:?}",
                p.pid,
                p.cmdline()
            );
        }
        l.quit(QUIT_TIMEOUT);
    });
}

/// A feed on `127.0.0.1:0` answering every request with `body` (JSON), recording request lines.
struct Feed {
    base: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Feed {
    fn start(body: impl Fn(&str) -> String + Send + 'static) -> Feed {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}/", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut line = String::new();
                let mut reader = BufReader::new(&stream);
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                // The rest of the head: headers up to the blank line.
                let mut header = String::new();
                while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                    header.clear();
                }
                record.lock().unwrap().push(line.trim().to_string());
                let body = body(&base_of(&stream));
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Feed { base, seen }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn base_of(stream: &std::net::TcpStream) -> String {
    format!("http://{}/", stream.local_addr().unwrap())
}

/// C-PKG-3: a feed offering a newer version whose release manifest is not signed by the app's
/// key is refused (`update_refused`, code 10 as `desktop-django verify` numbers it): the
/// installer is never downloaded, nothing is installed, and the app keeps serving.
#[test]
fn c_pkg_3_unverified_update_refused() {
    check("C-PKG-3", |shell| {
        let feed = Feed::start(|base| {
            let artifact = serde_json::json!({"url": format!("{base}app.deb"), "signature": "x"});
            serde_json::json!({
                "version": "99.0.0",
                "notes": "",
                "pub_date": "2026-01-01T00:00:00Z",
                "platforms": {
                    "linux-x86_64": artifact.clone(),
                    "linux-x86_64-deb": artifact.clone(),
                    "linux-aarch64": artifact.clone(),
                    "linux-aarch64-deb": artifact,
                },
                "desktop_django_release": {
                    "manifest": "{\"schema\": 1, \"version\": \"99.0.0\"}",
                    "signature": "untrusted comment: not the app's key\nRWQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
                }
            })
            .to_string()
        });
        let mut l = Launch::start(
            shell,
            LaunchOptions::default()
                .env("DESKTOP_DJANGO_UPDATE_URL", &feed.base)
                .env("DESKTOP_DJANGO_UPDATE_CONFIRM", "yes"),
        );
        let backend = l.ready();
        let refused = l.wait_event(EventKind::UpdateRefused, FAULT_WAIT);
        let Event::UpdateRefused { reason, code } = refused.event else {
            unreachable!("wait_event returns its kind")
        };
        assert_eq!(code, 10, "refused for the wrong reason: {reason}");
        let seen = feed.seen();
        assert!(
            seen.iter().any(|r| r.contains("latest.json")),
            "the feed was not asked: {seen:?}"
        );
        assert!(
            !seen.iter().any(|r| r.contains("app.deb")),
            "the unverified installer was downloaded: {seen:?}"
        );
        let events = l.events();
        assert!(
            !events
                .iter()
                .any(|e| e.event.kind() == EventKind::UpdateInstalling),
            "an unverified update was installed: {}",
            conformance::events::describe(&events)
        );
        let token = l.token();
        let health = backend
            .get("/health/", conformance::Auth::Header(&token))
            .unwrap();
        assert_eq!(
            health.status, 200,
            "the app stopped serving after a refusal"
        );
        l.quit(QUIT_TIMEOUT);
    });
}

crate::checks! {
    "C-PKG-1" => c_pkg_1_bundled_runtime,
    "C-PKG-1" => c_pkg_1_modified_program,
    "C-PKG-2" => c_pkg_2_offline_no_python,
    "C-PKG-3" => c_pkg_3_unverified_update_refused,
}
