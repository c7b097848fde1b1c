use std::path::PathBuf;

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
claims = []
transport = "ticket"

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
    let d = parse("name = \"headless\"\ncommand = [\"{workspace}/x\"]\ntransport = \"ticket\"\n")
        .unwrap();
    assert_eq!(d.build, None);
    assert!(!d.display);
    assert!(d.claims.is_empty());
    let s = expand(&d, Path::new("/w/shells/headless"), &ph()).unwrap();
    assert_eq!(s.label, "headless");
    assert_eq!(s.program, PathBuf::from("/w/x"));
}

#[test]
fn claims_clauses_case_insensitively() {
    let d = parse(
        "name = \"x\"\ncommand = [\"x\"]\ntransport = \"ticket\"\nclaims = [\"C-READY-4\"]\n",
    )
    .unwrap();
    let s = expand(&d, Path::new("/"), &ph()).unwrap();
    assert!(s.claims("c-ready-4"));
    assert!(!s.claims("C-PROC-7"));
}

#[test]
fn rejects_bad_descriptors() {
    assert!(parse("name = \"x\"\ncommand = []\ntransport = \"ticket\"\n").is_err());
    assert!(parse("name = \"\"\ncommand = [\"x\"]\ntransport = \"ticket\"\n").is_err());
    assert!(parse("command = [\"x\"]\ntransport = \"ticket\"\n").is_err());
    assert!(
        parse("name = \"x\"\ncommand = [\"x\"]\ntransport = \"ticket\"\nbuild = []\n").is_err()
    );
    assert!(parse("name = \"x\"\ncommand = [\"x\"]\ntransport = \"ticket\"\ntypo = 1\n").is_err());
    // The transport is declared, never guessed.
    assert!(parse("name = \"x\"\ncommand = [\"x\"]\n").is_err());
    assert!(parse("name = \"x\"\ncommand = [\"x\"]\ntransport = \"query\"\n").is_err());
    let header = parse("name = \"x\"\ncommand = [\"x\"]\ntransport = \"header\"\n").unwrap();
    assert_eq!(header.transport, Transport::Header);
}

#[test]
fn discover_checked_reports_the_check_with_the_path() {
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("shells/a")).unwrap();
    std::fs::write(
        ws.path().join("shells/a/conformance.toml"),
        "name = \"a\"\ncommand = [\"x\"]\ntransport = \"ticket\"\nclaims = [\"C-NOPE-1\"]\n",
    )
    .unwrap();
    assert!(discover(ws.path(), &ph()).is_ok());
    let e = discover_checked(ws.path(), &ph(), |d| Err(format!("{:?}", d.claims))).unwrap_err();
    assert!(
        e.contains("conformance.toml") && e.contains("C-NOPE-1"),
        "{e}"
    );
}

#[test]
fn availability_and_artifacts() {
    let d = parse(
        "name = \"x\"\ncommand = [\"sh\"]\ntransport = \"ticket\"\navailable_if = [\"sh\", \"-c\", \"echo no runtime >&2; exit 3\"]\nartifacts = [\"{target_dir}/libx.so\"]\n",
    )
    .unwrap();
    let s = expand(&d, Path::new("/"), &ph()).unwrap();
    assert_eq!(s.artifacts, [PathBuf::from("/t/libx.so")]);
    #[cfg(unix)]
    {
        let e = probe_availability(&s).unwrap_err();
        assert!(e.contains("no runtime"), "{e}");
        let ok = parse(
            "name = \"x\"\ncommand = [\"sh\"]\ntransport = \"ticket\"\navailable_if = [\"true\"]\n",
        )
        .unwrap();
        let ok = expand(&ok, Path::new("/"), &ph()).unwrap();
        assert!(probe_availability(&ok).is_ok());
        assert!(
            ok.artifacts[0].is_absolute(),
            "sh resolved on PATH: {:?}",
            ok.artifacts
        );
    }
    assert!(
        parse("name = \"x\"\ncommand = [\"x\"]\ntransport = \"ticket\"\navailable_if = []\n")
            .is_err()
    );
}

#[test]
fn expected_failures_by_clause_or_scenario() {
    let d = parse(
        "name = \"x\"\ncommand = [\"{target_dir}/x\", \"--project\", \"{backend}\"]\ntransport = \"ticket\"\n[expected_failures]\n\"C-SHELL-1\" = \"no js\"\n\"C-PROC-5@grandchild\" = \"leak\"\n",
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
transport = "ticket"
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
    let plain = parse("name = 'x'\ncommand = ['/usr/bin/app']\ntransport = \"ticket\"\n").unwrap();
    let plain = expand(&plain, Path::new("/"), &ph()).unwrap();
    assert!(plain.command_for(Hosted::Dev(None)).is_err());
    assert!(
        parse("name = 'x'\ncommand = ['a']\ntransport = \"ticket\"\nhost_command = ['a']\n")
            .is_err()
    );
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
        (
            "zeta",
            "name = \"zeta\"\ncommand = [\"{workspace}/z\"]\ntransport = \"ticket\"\n",
        ),
        (
            "alpha",
            "name = \"alpha\"\ncommand = [\"a\"]\ntransport = \"ticket\"\n",
        ),
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
        let body = format!("name = \"{name}\"\ncommand = [\"x\"]\ntransport = \"ticket\"\n");
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
            "name = \"same\"\ncommand = [\"x\"]\ntransport = \"ticket\"\n",
        )
        .unwrap();
    }
    assert!(discover(ws.path(), &ph()).unwrap_err().contains("same"));
}
