//! Shell descriptors: `shells/<name>/conformance.toml`, the conformance plug-in surface.
//!
//! A shell joins the suite by adding a folder with a descriptor; the tests are never edited.
//! See `docs/architecture.md` ("Conformance descriptor") for the format.
//!
//! Clause ids (`features`, `expected_failures`) are plain strings here: the harness knows no
//! clauses. The conformance suite checks them against its clause list
//! ([`discover_checked`] with its own check).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Runs the suite on another Django project (a dir with `desktop.toml`) instead of the demo:
/// the clauses that do not need the demo's pages apply to any wrapped project.
pub const BACKEND_ENV: &str = "DESKTOP_DJANGO_CONFORMANCE_BACKEND";

/// What a launch hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hosted<'a> {
    /// The descriptor's own backend: `command` as written (the demo, or a package's runtime).
    Own,
    /// A dev-mode project: this dir (with a `desktop.toml`, C-SHELL-5) in place of `{backend}`,
    /// or the default `{backend}` (the demo, e.g. run by a stand-in interpreter).
    Dev(Option<&'a Path>),
}

/// One shell's descriptor, as written in its `conformance.toml` (placeholders not yet expanded).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Descriptor {
    /// Row id in the matrix, e.g. `wry`.
    pub name: String,
    /// Row label shown in the matrix; defaults to `name`.
    #[serde(default)]
    pub label: Option<String>,
    /// Build step, run from the workspace root once per test process. Optional.
    #[serde(default)]
    pub build: Option<Vec<String>>,
    /// The command that launches the shell: program followed by its arguments.
    pub command: Vec<String>,
    /// Whether the shell needs a display (the harness starts Xvfb on Linux when `DISPLAY` is unset).
    #[serde(default)]
    pub display: bool,
    /// SHOULD clauses this shell claims, e.g. `["C-READY-4"]`.
    #[serde(default)]
    pub features: Vec<String>,
    /// Clause id -> reason. Reported as expected failures, never skipped.
    #[serde(default)]
    pub expected_failures: BTreeMap<String, String>,
    /// A probe command (run from the descriptor's folder, placeholders expanded): exit 0 means
    /// the shell can run on this machine. Otherwise every check reports it as "unavailable"
    /// with the probe's output, neither pass nor fail (e.g. a shell needing a downloaded runtime).
    #[serde(default)]
    pub available_if: Option<Vec<String>>,
    /// The files holding the shell's compiled code, scanned by C-SHELL-5 for the demo's
    /// identity; default: the program (resolved on `PATH` when it is a bare name).
    #[serde(default)]
    pub artifacts: Vec<String>,
    /// `command` runs an installed package: its bundled runtime, found through the package's
    /// runtime manifest (C-PKG-1, C-PKG-2 apply to this row only).
    #[serde(default)]
    pub packaged: bool,
    /// How the same binary hosts another Django project (`{backend}`) when `command` hosts a
    /// bundled one: a launch with another project or a stand-in interpreter (fault injection,
    /// `DESKTOP_DJANGO_PYTHON`) runs this instead. Default: `command` (which must then name
    /// `{backend}` for such launches).
    #[serde(default)]
    pub host_command: Option<Vec<String>>,
}

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

/// A descriptor with its placeholders expanded, ready to launch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellSpec {
    pub name: String,
    pub label: String,
    /// The folder holding the descriptor.
    pub dir: PathBuf,
    pub build: Option<Vec<String>>,
    pub program: PathBuf,
    pub args: Vec<String>,
    pub display: bool,
    pub features: Vec<String>,
    pub expected_failures: BTreeMap<String, String>,
    /// The command as written (placeholders unexpanded), to launch with another `{backend}`.
    pub command_template: Vec<String>,
    pub placeholders: Placeholders,
    pub available_if: Option<Vec<String>>,
    /// Files to scan for compiled-in demo constants (C-SHELL-5).
    pub artifacts: Vec<PathBuf>,
    /// See [`Descriptor::packaged`].
    pub packaged: bool,
    /// [`Descriptor::host_command`] as written (placeholders unexpanded).
    pub host_template: Option<Vec<String>>,
}

impl ShellSpec {
    /// Whether the shell claims a SHOULD clause (e.g. `C-READY-4`).
    pub fn claims(&self, clause: &str) -> bool {
        self.features.iter().any(|f| f.eq_ignore_ascii_case(clause))
    }

    /// The descriptor's reason when `clause` (or `clause@scenario`) is an expected failure.
    /// A `C-X-N@scenario` key matches that scenario only; a bare `C-X-N` key matches every
    /// scenario of the clause.
    pub fn expected_failure(&self, clause: &str, scenario: &str) -> Option<String> {
        let scoped = format!("{clause}@{scenario}");
        let find = |key: &str| {
            self.expected_failures
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.clone())
        };
        find(&scoped).or_else(|| find(clause))
    }

    /// Program and arguments of a launch hosting `hosted`; a dev-mode launch uses
    /// `host_command` when the descriptor has one.
    ///
    /// Errors: the command to use names no `{backend}`, or a placeholder is unknown.
    pub fn command_for(&self, hosted: Hosted) -> Result<(PathBuf, Vec<String>), String> {
        let mut ph = self.placeholders.clone();
        let template = match hosted {
            Hosted::Own => &self.command_template,
            Hosted::Dev(project) => {
                if let Some(p) = project {
                    ph.backend = p.to_path_buf();
                }
                let template = self
                    .host_template
                    .as_ref()
                    .unwrap_or(&self.command_template);
                if !template.iter().any(|a| a.contains("{backend}")) {
                    return Err(format!(
                        "the {} descriptor's command has no {{backend}} placeholder, so it cannot host another project",
                        self.name
                    ));
                }
                template
            }
        };
        let mut all = template
            .iter()
            .map(|s| ph.expand(s))
            .collect::<Result<Vec<_>, _>>()?;
        let program = PathBuf::from(all.remove(0));
        Ok((program, all))
    }
}

/// Parses a descriptor's text and checks its shape (the clause ids it names are not checked:
/// see [`discover_checked`]).
pub fn parse(text: &str) -> Result<Descriptor, String> {
    let d: Descriptor = toml::from_str(text).map_err(|e| e.to_string())?;
    if d.name.trim().is_empty() {
        return Err("`name` is empty".into());
    }
    if d.command.is_empty() {
        return Err("`command` is empty".into());
    }
    if matches!(&d.build, Some(b) if b.is_empty()) {
        return Err("`build` is empty (leave it out instead)".into());
    }
    if matches!(&d.available_if, Some(b) if b.is_empty()) {
        return Err("`available_if` is empty (leave it out instead)".into());
    }
    if matches!(&d.host_command, Some(h) if !h.iter().any(|a| a.contains("{backend}"))) {
        return Err("`host_command` must name `{backend}` (the project it hosts)".into());
    }
    Ok(d)
}

/// Expands a parsed descriptor found in `dir`.
pub fn expand(d: &Descriptor, dir: &Path, ph: &Placeholders) -> Result<ShellSpec, String> {
    let all = |v: &[String]| {
        v.iter()
            .map(|s| ph.expand(s))
            .collect::<Result<Vec<_>, _>>()
    };
    let mut command = all(&d.command)?;
    let program = PathBuf::from(command.remove(0));
    let artifacts = if d.artifacts.is_empty() {
        vec![resolve_program(&program)]
    } else {
        all(&d.artifacts)?.into_iter().map(PathBuf::from).collect()
    };
    Ok(ShellSpec {
        name: d.name.clone(),
        label: d.label.clone().unwrap_or_else(|| d.name.clone()),
        dir: dir.to_path_buf(),
        build: d.build.as_deref().map(all).transpose()?,
        program,
        args: command,
        display: d.display,
        features: d.features.clone(),
        expected_failures: d.expected_failures.clone(),
        command_template: d.command.clone(),
        placeholders: ph.clone(),
        available_if: d.available_if.as_deref().map(all).transpose()?,
        artifacts,
        packaged: d.packaged,
        host_template: d.host_command.clone(),
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn ph() -> Placeholders {
        Placeholders {
            target_dir: PathBuf::from("/t"),
            backend: PathBuf::from("/w/backend"),
            workspace: PathBuf::from("/w"),
            exe: ".exe".into(),
        }
    }

    const WRY: &str = r#"
name = "wry"
label = "wry"
build = ["cargo", "build", "-p", "wry-shell"]
command = ["{target_dir}/debug/desktop-django-wry{exe}", "--project", "{backend}"]
display = true
features = []

[expected_failures]
"C-PROC-1" = "not yet"
"#;

    #[test]
    fn parses_and_expands_the_documented_format() {
        let d = parse(WRY).unwrap();
        assert_eq!(d.name, "wry");
        assert_eq!(d.expected_failures["C-PROC-1"], "not yet");
        let s = expand(&d, Path::new("/w/shells/wry"), &ph()).unwrap();
        assert_eq!(s.program, PathBuf::from("/t/debug/desktop-django-wry.exe"));
        assert_eq!(s.args, vec!["--project", "/w/backend"]);
        assert_eq!(
            s.build.clone().unwrap(),
            vec!["cargo", "build", "-p", "wry-shell"]
        );
        assert!(s.display);
        assert!(!s.claims("C-READY-4"));
    }

    #[test]
    fn optional_fields_default() {
        let d = parse("name = \"headless\"\ncommand = [\"{workspace}/x\"]\n").unwrap();
        assert_eq!(d.build, None);
        assert!(!d.display);
        assert!(d.features.is_empty());
        let s = expand(&d, Path::new("/w/shells/headless"), &ph()).unwrap();
        assert_eq!(s.label, "headless");
        assert_eq!(s.program, PathBuf::from("/w/x"));
    }

    #[test]
    fn claims_features_case_insensitively() {
        let d = parse("name = \"x\"\ncommand = [\"x\"]\nfeatures = [\"C-READY-4\"]\n").unwrap();
        let s = expand(&d, Path::new("/"), &ph()).unwrap();
        assert!(s.claims("c-ready-4"));
        assert!(!s.claims("C-PROC-7"));
    }

    #[test]
    fn rejects_bad_descriptors() {
        assert!(parse("name = \"x\"\ncommand = []\n").is_err());
        assert!(parse("name = \"\"\ncommand = [\"x\"]\n").is_err());
        assert!(parse("command = [\"x\"]\n").is_err());
        assert!(parse("name = \"x\"\ncommand = [\"x\"]\nbuild = []\n").is_err());
        assert!(parse("name = \"x\"\ncommand = [\"x\"]\ntypo = 1\n").is_err());
    }

    #[test]
    fn discover_checked_reports_the_check_with_the_path() {
        let ws = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(ws.path().join("shells/a")).unwrap();
        std::fs::write(
            ws.path().join("shells/a/conformance.toml"),
            "name = \"a\"\ncommand = [\"x\"]\nfeatures = [\"C-NOPE-1\"]\n",
        )
        .unwrap();
        assert!(discover(ws.path(), &ph()).is_ok());
        let e =
            discover_checked(ws.path(), &ph(), |d| Err(format!("{:?}", d.features))).unwrap_err();
        assert!(
            e.contains("conformance.toml") && e.contains("C-NOPE-1"),
            "{e}"
        );
    }

    #[test]
    fn availability_and_artifacts() {
        let d = parse(
            "name = \"x\"\ncommand = [\"sh\"]\navailable_if = [\"sh\", \"-c\", \"echo no runtime >&2; exit 3\"]\nartifacts = [\"{target_dir}/libx.so\"]\n",
        )
        .unwrap();
        let s = expand(&d, Path::new("/"), &ph()).unwrap();
        assert_eq!(s.artifacts, [PathBuf::from("/t/libx.so")]);
        #[cfg(unix)]
        {
            let e = probe_availability(&s).unwrap_err();
            assert!(e.contains("no runtime"), "{e}");
            let ok =
                parse("name = \"x\"\ncommand = [\"sh\"]\navailable_if = [\"true\"]\n").unwrap();
            let ok = expand(&ok, Path::new("/"), &ph()).unwrap();
            assert!(probe_availability(&ok).is_ok());
            assert!(
                ok.artifacts[0].is_absolute(),
                "sh resolved on PATH: {:?}",
                ok.artifacts
            );
        }
        assert!(parse("name = \"x\"\ncommand = [\"x\"]\navailable_if = []\n").is_err());
    }

    #[test]
    fn expected_failures_by_clause_or_scenario() {
        let d = parse(
            "name = \"x\"\ncommand = [\"{target_dir}/x\", \"--project\", \"{backend}\"]\n[expected_failures]\n\"C-SHELL-1\" = \"no js\"\n\"C-PROC-5@grandchild\" = \"leak\"\n",
        )
        .unwrap();
        let s = expand(&d, Path::new("/w/shells/x"), &ph()).unwrap();
        assert_eq!(
            s.expected_failure("C-SHELL-1", "main").as_deref(),
            Some("no js")
        );
        assert_eq!(
            s.expected_failure("C-PROC-5", "grandchild").as_deref(),
            Some("leak")
        );
        assert_eq!(s.expected_failure("C-PROC-5", "main"), None);
        let (prog, args) = s.command_for(Hosted::Dev(Some(Path::new("/p")))).unwrap();
        assert_eq!(prog, PathBuf::from("/t/x"));
        assert_eq!(args, ["--project", "/p"]);
        assert_eq!(
            s.command_for(Hosted::Own).unwrap().1,
            ["--project", "/w/backend"]
        );
    }

    #[test]
    fn a_packaged_row_hosts_other_projects_through_host_command() {
        let d = parse(
            r#"name = "deb"
command = ["/usr/bin/app"]
packaged = true
host_command = ["/usr/bin/app", "--project", "{backend}"]
"#,
        )
        .unwrap();
        let s = expand(&d, Path::new("/w/shells/x"), &ph()).unwrap();
        assert!(s.packaged);
        let own = s.command_for(Hosted::Own).unwrap();
        assert_eq!(own, (PathBuf::from("/usr/bin/app"), vec![]));
        let (prog, args) = s.command_for(Hosted::Dev(None)).unwrap();
        assert_eq!(prog, PathBuf::from("/usr/bin/app"));
        assert_eq!(args, ["--project", "/w/backend"]);
        assert_eq!(
            s.command_for(Hosted::Dev(Some(Path::new("/p")))).unwrap().1,
            ["--project", "/p"]
        );
        // Without host_command, a command with no {backend} cannot host another project.
        let plain = parse("name = 'x'\ncommand = ['/usr/bin/app']\n").unwrap();
        let plain = expand(&plain, Path::new("/"), &ph()).unwrap();
        assert!(plain.command_for(Hosted::Dev(None)).is_err());
        assert!(parse("name = 'x'\ncommand = ['a']\nhost_command = ['a']\n").is_err());
    }

    #[test]
    fn placeholder_expansion() {
        let p = ph();
        assert_eq!(p.expand("plain").unwrap(), "plain");
        assert_eq!(p.expand("{workspace}/a/{exe}").unwrap(), "/w/a/.exe");
        assert_eq!(p.expand("{target_dir}{backend}").unwrap(), "/t/w/backend");
        assert!(p.expand("{nope}").is_err());
        assert!(p.expand("{target_dir").is_err());
    }

    #[test]
    fn discovers_shell_folders_sorted() {
        let ws = tempfile::tempdir().unwrap();
        for (n, body) in [
            ("zeta", "name = \"zeta\"\ncommand = [\"{workspace}/z\"]\n"),
            ("alpha", "name = \"alpha\"\ncommand = [\"a\"]\n"),
        ] {
            std::fs::create_dir_all(ws.path().join("shells").join(n)).unwrap();
            std::fs::write(
                ws.path().join("shells").join(n).join("conformance.toml"),
                body,
            )
            .unwrap();
        }
        std::fs::create_dir_all(ws.path().join("shells/no-descriptor")).unwrap();
        let specs = discover(ws.path(), &ph()).unwrap();
        let names: Vec<_> = specs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["alpha", "zeta"]);
        assert_eq!(specs[1].program, PathBuf::from("/w/z"));
    }

    #[test]
    fn a_folder_may_hold_several_rows() {
        let ws = tempfile::tempdir().unwrap();
        let dir = ws.path().join("shells/two");
        std::fs::create_dir_all(&dir).unwrap();
        for (file, name) in [
            ("conformance.toml", "host"),
            ("conformance-real.toml", "real"),
            ("conformance-.toml", "empty-suffix"),
            ("conformance.toml.bak", "backup"),
        ] {
            let body = format!("name = \"{name}\"\ncommand = [\"x\"]\n");
            std::fs::write(dir.join(file), body).unwrap();
        }
        let specs = discover(ws.path(), &ph()).unwrap();
        let names: Vec<_> = specs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["real", "host"]);
        assert!(specs.iter().all(|s| s.dir == dir));
    }

    #[test]
    fn duplicate_names_are_rejected() {
        let ws = tempfile::tempdir().unwrap();
        for n in ["a", "b"] {
            std::fs::create_dir_all(ws.path().join("shells").join(n)).unwrap();
            std::fs::write(
                ws.path().join("shells").join(n).join("conformance.toml"),
                "name = \"same\"\ncommand = [\"x\"]\n",
            )
            .unwrap();
        }
        assert!(discover(ws.path(), &ph()).unwrap_err().contains("same"));
    }
}
