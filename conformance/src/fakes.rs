//! Fault injection through the shells' real configuration surface: a generated stand-in for the
//! backend's interpreter (`DESKTOP_DJANGO_PYTHON`, read by every shell in dev mode), and a
//! stand-in `xdg-open` put first on `PATH` (how a shell hands links to the system browser).
//!
//! The fake interpreter is a POSIX `sh` script. The shell runs it as
//! `<interpreter> <project>/manage.py <desktop_serve|desktop_worker>`; the script logs the
//! invocation, then does what the scenario says for that role: exit during startup, print a
//! malformed handshake, hang, plant a grandchild, answer as an impostor, or `exec` the real
//! interpreter (with environment changes or extra arguments). Nothing in a shell knows about it.

use std::path::{Path, PathBuf};

pub use harness::opener::{sh_quote, FakeOpener};

/// The real interpreter of the backend under test ([`crate::backend::under_test`]):
/// `$DESKTOP_DJANGO_PYTHON` in the harness's own environment if set, else the project's
/// (`desktop.toml`'s `python`, else `<project>/.venv/bin/python`, `Scripts\python.exe` on
/// Windows).
pub fn real_python() -> PathBuf {
    crate::backend::under_test().python.clone()
}

/// What the fake interpreter does for one role.
#[derive(Debug, Clone, Default)]
pub enum Action {
    /// `exec` the real interpreter with the same arguments.
    #[default]
    Real,
    /// `exec` the real interpreter with these arguments appended (e.g. `--no-lifeline`).
    RealWithArgs(Vec<String>),
    /// Print `message` on stderr and exit with `code` before any handshake.
    ExitEarly { code: i32, message: String },
    /// Print a malformed handshake line, then hang (the shell must stop it).
    Malformed,
    /// Never print a handshake: hang (`exec sleep`).
    Hang,
    /// Start a sleeping grandchild (its pid in `grandchild-<role command>.pid`), then `exec`
    /// the real interpreter: the grandchild survives the lifeline, only a tree kill reaches it.
    Grandchild,
    /// Run this `sh` snippet (it sees `$real` and the arguments); if it does not exit, the real
    /// interpreter runs next.
    Sh(String),
    /// `exec` the real interpreter on this Python source instead of `manage.py` (an impostor).
    PythonSource(String),
}

/// A fake interpreter: the script, its invocation log and its scratch files.
pub struct FakePython {
    dir: tempfile::TempDir,
    pub path: PathBuf,
}

/// How to build a [`FakePython`].
#[derive(Debug, Clone, Default)]
pub struct FakeSpec {
    pub web: Action,
    pub worker: Action,
    /// Environment changes before the role runs: `Some(v)` exports, `None` unsets.
    pub env: Vec<(String, Option<String>)>,
}

impl FakeSpec {
    pub fn web(action: Action) -> FakeSpec {
        FakeSpec {
            web: action,
            ..FakeSpec::default()
        }
    }

    pub fn export(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), Some(value.into())));
        self
    }

    pub fn unset(mut self, key: &str) -> Self {
        self.env.push((key.into(), None));
        self
    }
}

impl FakePython {
    /// Writes the script for `spec` into a fresh temp dir.
    #[cfg(unix)]
    pub fn new(spec: &FakeSpec) -> FakePython {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::Builder::new()
            .prefix("conformance-python-")
            .tempdir()
            .expect("temp dir");
        let path = dir.path().join("python");
        let real = real_python();
        let d = dir.path();
        let mut s =
            String::from("#!/bin/sh\n# A stand-in interpreter written by the conformance suite.\n");
        s.push_str(&format!("real={}\n", sh_quote(&real.to_string_lossy())));
        s.push_str(&format!(
            "printf '%s\\n' \"$*\" >> {}\n",
            sh_quote(&d.join("invocations.log").to_string_lossy())
        ));
        for (k, v) in &spec.env {
            match v {
                Some(v) => s.push_str(&format!("export {k}={}\n", sh_quote(v))),
                None => s.push_str(&format!("unset {k}\n")),
            }
        }
        s.push_str("case \"$2\" in\n");
        for (role, action) in [
            ("desktop_serve", &spec.web),
            ("desktop_worker", &spec.worker),
        ] {
            s.push_str(&format!("  {role})\n{}    ;;\n", action_sh(action, d)));
        }
        s.push_str("esac\nexec \"$real\" \"$@\"\n");
        std::fs::write(&path, s).expect("write the fake interpreter");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .expect("chmod the fake interpreter");
        FakePython { dir, path }
    }

    #[cfg(not(unix))]
    pub fn new(_spec: &FakeSpec) -> FakePython {
        panic!("fault injection uses a POSIX sh stand-in interpreter; its checks are listed in conformance::platform::LIMITS for this OS")
    }

    /// The scratch dir (invocation log, grandchild pid, impostor's request log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Every invocation so far: the arguments after the interpreter, one line each.
    pub fn invocations(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("invocations.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// The grandchild planted for `role_command` (`desktop_serve`, `desktop_worker`), once written.
    pub fn grandchild_pid(&self, role_command: &str) -> Option<u32> {
        std::fs::read_to_string(
            self.dir
                .path()
                .join(format!("grandchild-{role_command}.pid")),
        )
        .ok()?
        .trim()
        .parse()
        .ok()
    }

    /// What the impostor recorded (see [`impostor_source`]).
    pub fn impostor_requests(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("impostor.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

#[cfg(unix)]
fn action_sh(action: &Action, dir: &Path) -> String {
    match action {
        Action::Real => String::new(),
        Action::RealWithArgs(extra) => {
            let extra: Vec<String> = extra.iter().map(|a| sh_quote(a)).collect();
            format!("    exec \"$real\" \"$@\" {}\n", extra.join(" "))
        }
        Action::ExitEarly { code, message } => {
            format!("    echo {} >&2\n    exit {code}\n", sh_quote(message))
        }
        Action::Malformed => "    printf '%s\\n' 'DESKTOP_DJANGO_READY {\"host\": \"127.0.0.1\", \"port\": '\n    exec sleep 300\n".into(),
        Action::Hang => "    exec sleep 300\n".into(),
        Action::Grandchild => format!(
            "    sleep 300 </dev/null >/dev/null 2>&1 &\n    echo $! > {}/grandchild-\"$2\".pid\n    exec \"$real\" \"$@\"\n",
            sh_quote(&dir.to_string_lossy())
        ),
        Action::Sh(snippet) => format!("    {snippet}\n"),
        Action::PythonSource(src) => {
            let file = dir.join("impostor.py");
            std::fs::write(&file, src).expect("write the impostor");
            format!(
                "    exec \"$real\" {} {}\n",
                sh_quote(&file.to_string_lossy()),
                sh_quote(&dir.join("impostor.log").to_string_lossy())
            )
        }
    }
}

/// An impostor `desktop_serve`: binds 127.0.0.1:0, prints a valid handshake, answers every
/// request 200 with a health body whose proof is wrong, and logs each request line to the file
/// named by its first argument. A shell that checks the proof (C-READY-4) never navigates to it.
pub const IMPOSTOR: &str = r#"import http.server, json, os, sys
LOG = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(LOG, "a") as f:
            f.write(self.command + " " + self.path.split("?")[0] + "\n")
        body = json.dumps({"status": "ok", "version": "0.1.0", "sqlite": {}, "proof": "0" * 64}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_POST = do_GET
    def log_message(self, *args):
        pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
hs = {"host": "127.0.0.1", "port": srv.server_address[1], "pid": os.getpid(), "version": "0.1.0"}
print("DESKTOP_DJANGO_READY " + json.dumps(hs), flush=True)
srv.serve_forever()
"#;

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn fake_python_logs_and_exits_early() {
        let f = FakePython::new(&FakeSpec::web(Action::ExitEarly {
            code: 3,
            message: "boom".into(),
        }));
        let out = std::process::Command::new(&f.path)
            .args(["manage.py", "desktop_serve"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3));
        assert_eq!(String::from_utf8_lossy(&out.stderr).trim(), "boom");
        assert_eq!(f.invocations(), ["manage.py desktop_serve"]);
    }

    #[test]
    fn fake_python_exports_and_runs_the_real_one_for_other_roles() {
        let f = FakePython::new(
            &FakeSpec::web(Action::Hang)
                .export("CONFORMANCE_X", "it's")
                .unset("HOME"),
        );
        // The worker role falls through to the real interpreter: give it a script.
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("s.py");
        std::fs::write(
            &script,
            "import os, sys\nprint(os.environ.get('CONFORMANCE_X'), os.environ.get('HOME'), sys.argv[1:])\n",
        )
        .unwrap();
        if !real_python().exists() {
            eprintln!("no backend venv; skipping the exec half");
            return;
        }
        let out = std::process::Command::new(&f.path)
            .arg(&script)
            .arg("desktop_worker")
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "it's None ['desktop_worker']"
        );
    }
}
