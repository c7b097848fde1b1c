use super::*;

#[cfg(target_os = "linux")]
#[test]
fn sees_a_pipe_end() {
    let mut child = std::process::Command::new("sleep")
        .arg("30")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let theirs = open_fds(child.id()).unwrap();
    let stdin = theirs.iter().find(|f| f.fd == 0).unwrap();
    assert!(stdin.target.starts_with("pipe:["), "{stdin:?}");
    assert_eq!(stdin.access, 0);
    let mine = open_fds(std::process::id()).unwrap();
    assert!(
        mine.iter()
            .any(|f| f.target == stdin.target && f.access == 1),
        "this process holds the write end"
    );
    assert!(alive(child.id()));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!alive(child.id()));
}

#[test]
fn finds_this_process_listener_and_not_a_closed_one() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let mine = listening_sockets(std::process::id()).unwrap();
    assert!(mine.contains(&addr), "{mine:?} lacks {addr}");
    drop(l);
    let mine = listening_sockets(std::process::id()).unwrap();
    assert!(!mine.contains(&addr), "{mine:?} still has {addr}");
}

#[test]
fn reads_a_childs_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(if cfg!(windows) { "cmd" } else { "sleep" })
        .args(if cfg!(windows) {
            vec!["/c", "pause"]
        } else {
            vec!["30"]
        })
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let seen = cwd(child.id()).and_then(|c| std::fs::canonicalize(c).ok());
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(seen, std::fs::canonicalize(dir.path()).ok());
}

#[test]
fn finds_a_marked_child_and_sees_it_go() {
    let marker = format!("unit-{}", std::process::id());
    let mut child = std::process::Command::new(if cfg!(windows) { "cmd" } else { "sleep" })
        .args(if cfg!(windows) {
            vec!["/C", "ping -n 30 127.0.0.1 >NUL"]
        } else {
            vec!["30"]
        })
        .env(MARKER_VAR, &marker)
        .spawn()
        .unwrap();
    let found = marked(&marker);
    assert!(found.iter().any(|p| p.pid == child.id()), "{found:?}");
    assert_eq!(
        found
            .iter()
            .find(|p| p.pid == child.id())
            .unwrap()
            .env(MARKER_VAR),
        Some(marker.as_str())
    );
    assert!(marked("some-other-marker")
        .iter()
        .all(|p| p.pid != child.id()));
    kill_marked(&marker, Duration::from_secs(5));
    child.wait().unwrap();
    none_marked_within(&marker, Duration::from_secs(3), "unit").unwrap();
}
