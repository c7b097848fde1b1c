//! `LaunchSpec` in dev and packaged mode, and how the interpreter and the runtime manifest
//! are found.

const VENV_PYTHON: &str = if cfg!(windows) {
    "Scripts/python.exe"
} else {
    "bin/python"
};

#[test]
fn python_is_looked_for_in_order_and_the_first_found_wins() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("desktop.toml"),
        format!("python = \"tools/py\"\n{TOML}"),
    )
    .unwrap();
    let project = Project::load(dir).unwrap();
    let active = dir.join("active-env");
    let tried = python_candidates(&project, Some(active.clone()));
    assert_eq!(
        tried,
        [
            dir.join("tools/py"),
            dir.join(".venv").join(VENV_PYTHON),
            dir.join("venv").join(VENV_PYTHON),
            active.join(VENV_PYTHON),
        ]
    );
    // Only `venv/` exists: it is chosen over the missing ones before it.
    let venv_python = dir.join("venv").join(VENV_PYTHON);
    std::fs::create_dir_all(venv_python.parent().unwrap()).unwrap();
    std::fs::write(&venv_python, "").unwrap();
    let spec = LaunchSpec::dev(&project, None).unwrap();
    assert_eq!(spec.program(), venv_python);
}

use super::*;

const TOML: &str = "app_id = \"t.app\"\nproduct_name = \"T\"\n[settings]\ndev = \"s.dev\"\npackaged = \"s.packaged\"\n";

/// A staged runtime in `runtime_dir`: `desktop.toml`, a stand-in
/// `desktop-backend/desktop-backend` and the manifest naming it.
fn stage(runtime_dir: &Path) -> PathBuf {
    let program = runtime_dir.join("desktop-backend/desktop-backend");
    std::fs::create_dir_all(program.parent().unwrap()).unwrap();
    std::fs::write(&program, b"#!frozen").unwrap();
    std::fs::write(runtime_dir.join("desktop.toml"), TOML).unwrap();
    let manifest = runtime_dir.join(MANIFEST_NAME);
    let json = serde_json::json!({
        "schema": 1, "app_id": "t.app", "app_version": "1.0.0", "project_dir": ".",
        "roles": {
            "web": ["desktop-backend/desktop-backend", "desktop_serve"],
            "worker": ["desktop-backend/desktop-backend", "desktop_worker"],
        },
        "files": [{
            "path": "desktop-backend/desktop-backend",
            "sha256": crate::manifest::sha256_file(&program).unwrap(),
            "size": 8,
        }],
    });
    std::fs::write(&manifest, json.to_string()).unwrap();
    manifest
}

fn found(exe: &Path) -> PathBuf {
    std::fs::canonicalize(find_manifest(exe, None, None).expect("manifest found")).unwrap()
}

#[test]
fn packaged_spec_runs_the_frozen_program_per_role() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = stage(&tmp.path().join("runtime"));
    let (project, spec) = LaunchSpec::packaged(&manifest).unwrap();
    assert_eq!(project.app_id, "t.app");
    assert_eq!(spec.mode, Mode::Packaged);
    assert_eq!(spec.settings_module, "s.packaged");
    assert!(spec.program().ends_with("desktop-backend/desktop-backend"));
    assert!(spec.program().is_absolute());
    let argv = spec.argv(Role::Worker);
    assert_eq!(argv.len(), 2);
    assert_eq!(argv[1], "desktop_worker");
    // The frozen backend learns the app version from the manifest, not a pyproject.toml.
    let cmd = spec.command(Role::Web);
    let version = cmd
        .get_envs()
        .find(|(k, _)| *k == APP_VERSION_ENV)
        .and_then(|(_, v)| v);
    assert_eq!(version, Some("1.0.0".as_ref()));
    assert!(spec.verify().is_ok());
    std::fs::write(spec.program(), b"#!tamper").unwrap();
    assert!(matches!(spec.verify(), Err(LaunchError::Modified { .. })));
}

#[test]
fn manifest_in_every_bundle_layout() {
    // (where the runtime folder is, where the shell binary is)
    for (runtime, exe) in [
        ("app/runtime", "app/shell.exe"),
        ("Contents/Resources/runtime", "Contents/MacOS/shell"),
        ("electron/resources/runtime", "electron/electron"),
        // cargo-packager's .deb: /usr/bin/<bin> → /usr/lib/<bin>/runtime.
        (
            "usr/lib/desktop-django-wry/runtime",
            "usr/bin/desktop-django-wry",
        ),
        // The same rule for a binary with an extension (the stem names the dir).
        ("opt/lib/shell/runtime", "opt/bin/shell.exe"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let m = stage(&tmp.path().join(runtime));
        let exe = tmp.path().join(exe);
        std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
        assert_eq!(found(&exe), std::fs::canonicalize(&m).unwrap(), "{runtime}");
        assert!(LaunchSpec::packaged(&m).is_ok(), "{runtime}");
    }
}

#[test]
fn manifest_override_and_absence() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = tmp.path().join("bin/shell");
    assert_eq!(find_manifest(&exe, None, None), None);
    let m = stage(&tmp.path().join("elsewhere"));
    assert_eq!(find_manifest(&exe, None, Some(m.clone())), Some(m));
    assert_eq!(
        find_manifest(&exe, None, Some(tmp.path().join("nope.json"))),
        None
    );
    // Tauri's Linux packages: the shell passes /usr/lib/<product name>.
    let lib = tmp.path().join("usr/lib/Some Product");
    let m = stage(&lib.join("runtime"));
    let exe = tmp.path().join("usr/bin/shell");
    assert_eq!(find_manifest(&exe, Some(&lib), None), Some(m));
}

#[test]
fn lib_runtime_dir_is_named_after_the_binary() {
    assert_eq!(
        lib_runtime_dir(Path::new("/usr/bin/desktop-django-wry")),
        Some(PathBuf::from("/usr/lib/desktop-django-wry/runtime"))
    );
    assert_eq!(lib_runtime_dir(Path::new("")), None);
    assert_eq!(lib_runtime_dir(Path::new("/shell")), None);
    // Another binary's runtime in lib/ is not taken: the name must match.
    let tmp = tempfile::tempdir().unwrap();
    stage(&tmp.path().join("usr/lib/desktop-django-tauri/runtime"));
    let exe = tmp.path().join("usr/bin/desktop-django-wry");
    assert_eq!(find_manifest(&exe, None, None), None);
}

#[test]
fn broken_manifest_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join(MANIFEST_NAME);
    std::fs::write(&m, "{not json").unwrap();
    assert!(matches!(
        LaunchSpec::packaged(&m),
        Err(LaunchError::Manifest(_))
    ));
    let m = stage(&tmp.path().join("runtime"));
    std::fs::remove_file(tmp.path().join("runtime/desktop-backend/desktop-backend")).unwrap();
    assert!(matches!(
        LaunchSpec::packaged(&m),
        Err(LaunchError::NoInterpreter(_))
    ));
}

#[test]
fn dev_spec_uses_venv_or_override() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("desktop.toml"), TOML).unwrap();
    let project = Project::load(tmp.path()).unwrap();
    match LaunchSpec::dev(&project, None) {
        Err(LaunchError::NoPython { tried }) => {
            assert!(tried[0].ends_with(Path::new(".venv").join(VENV_PYTHON)));
            assert!(tried[1].ends_with(Path::new("venv").join(VENV_PYTHON)));
        }
        other => panic!("{other:?}"),
    }
    let spec = LaunchSpec::dev(&project, Some("python3".into())).unwrap();
    assert_eq!(spec.program(), Path::new("python3"));
    assert_eq!(spec.settings_module, "s.dev");
    assert!(spec.verify().is_ok(), "dev mode has nothing to verify");
    let cmd = spec.command(Role::Web);
    let args: Vec<_> = cmd.get_args().collect();
    assert!(Path::new(args[0]).ends_with("manage.py"));
    assert_eq!(args[1], "desktop_serve");
    let envs: Vec<_> = cmd.get_envs().collect();
    assert!(envs.contains(&("DESKTOP_DJANGO_MODE".as_ref(), Some("dev".as_ref()))));
}

/// The value `cmd` sets for `key`, if it sets one.
fn env_of(cmd: &Command, key: &str) -> Option<String> {
    cmd.get_envs()
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v)
        .map(|v| v.to_string_lossy().into_owned())
}

#[test]
fn each_role_command_carries_its_role() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("desktop.toml"), TOML).unwrap();
    let project = Project::load(tmp.path()).unwrap();
    let dev = LaunchSpec::dev(&project, Some("python3".into())).unwrap();
    let (_, packaged) = LaunchSpec::packaged(&stage(&tmp.path().join("runtime"))).unwrap();
    for spec in [&dev, &packaged] {
        // The backend reads this name (desktop_django.wire.ROLE_ENV) to pick its log file.
        assert_eq!(ROLE_ENV, "DESKTOP_DJANGO_ROLE");
        let web = spec.command(Role::Web);
        assert_eq!(env_of(&web, ROLE_ENV).as_deref(), Some("web"));
        assert_eq!(web.get_args().last(), Some("desktop_serve".as_ref()));
        let worker = spec.command(Role::Worker);
        assert_eq!(env_of(&worker, ROLE_ENV).as_deref(), Some("worker"));
        assert_eq!(worker.get_args().last(), Some("desktop_worker".as_ref()));
        assert_eq!(
            env_of(&worker, MODE_ENV).as_deref(),
            Some(spec.mode.as_str())
        );
    }
    // A plain management command is no role: the backend falls back to backend.log.
    assert_eq!(
        env_of(&dev.manage_command(&["migrate", "--check"]), ROLE_ENV),
        None
    );
}
