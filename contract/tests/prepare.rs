//! `prepare` with another instance running (C-PROC-7, C-DATA-6): the second launch is refused
//! the session, appends its line to `shell.log` and never rotates it away from the instance
//! that is writing to it.
//! Its own test binary: it sets process-wide environment variables.
#![cfg(unix)]

use contract::instance;
use contract::logs::ROTATE_BYTES;
use contract::session::{prepare, SessionError};

#[test]
fn a_second_launch_leaves_the_running_instances_log_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("desktop.toml"),
        "app_id = \"t.prepare\"\nproduct_name = \"T\"\n[settings]\ndev = \"d\"\npackaged = \"p\"\n",
    )
    .unwrap();
    std::fs::write(project.join("manage.py"), "").unwrap();
    let app_data = dir.path().join("app-data");
    std::env::set_var("DESKTOP_DJANGO_APP_DATA_DIR", &app_data);
    std::env::set_var(contract::launch::PYTHON_ENV, "python3");
    let args = || ["--project".into(), project.clone().into_os_string()];
    let log = app_data.join("logs").join("shell.log");
    let rotated = app_data.join("logs").join("shell.log.1");

    drop(prepare(args()).expect("a first prepare"));
    let big = vec![b'x'; ROTATE_BYTES as usize + 1];
    std::fs::write(&log, &big).unwrap();
    let running = instance::try_lock(&app_data)
        .unwrap()
        .expect("the running instance's lock");
    match prepare(args()) {
        Err(SessionError::AlreadyRunning { focus, .. }) => {
            // This stand-in holder never listens, so there is nobody to focus.
            assert!(focus.is_some(), "a focus without a listener")
        }
        Err(e) => panic!("the second launch failed otherwise: {e}"),
        Ok(_) => panic!("the second launch prepared a session beside the running one"),
    }
    let text = std::fs::read(&log).unwrap();
    assert!(
        String::from_utf8_lossy(&text[ROTATE_BYTES as usize..]).contains("already running"),
        "the second launch left no line in shell.log"
    );
    assert!(
        !rotated.exists(),
        "the second launch rotated the running instance's log"
    );
    assert!(std::fs::metadata(&log).unwrap().len() > ROTATE_BYTES);

    drop(running);
    drop(prepare(args()).expect("a launch that runs alone"));
    assert!(rotated.exists(), "a launch alone rotates a big log");
}
