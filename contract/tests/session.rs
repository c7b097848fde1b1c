//! The session driver with a recording shell and the fake backend.
#![cfg(unix)]

mod common;

use std::sync::{Arc, Mutex};

use common::{eventually, fixture, spec};
use contract::instance::{self, Claim};
use contract::navigation::Decision;
use contract::project::Project;
use contract::session::{Prepared, Session};
use contract::shell::{Shell, UiRequest};

#[derive(Default, Clone)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Recorder {
    fn calls(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

impl Shell for Recorder {
    fn request(&self, r: UiRequest) {
        let call = match r {
            UiRequest::Navigate(url) => format!("navigate {url}"),
            UiRequest::ShowHtml(html) => format!("html {html}"),
            UiRequest::Focus => "focus".into(),
            UiRequest::Exit(code) => format!("exit {code}"),
        };
        self.0.lock().unwrap().push(call);
    }
}

fn prepared(fx: &common::Fixture, python: &str) -> Prepared {
    let toml = "app_id = \"t.app\"\nproduct_name = \"Test <App>\"\n[settings]\ndev = \"d\"\npackaged = \"p\"\n";
    let mut spec = spec();
    spec.manage[0] = python.into();
    Prepared {
        project: Project::parse(toml, &common::fixtures_dir()).unwrap(),
        spec,
        paths: fx.paths.clone(),
        log: fx.log.clone(),
        instance: None,
    }
}

/// A session over the fake backend in its default ("ok") mode.
fn session(fx: &common::Fixture, python: &str) -> (Session, Recorder) {
    let shell = Recorder::default();
    (Session::new(prepared(fx, python), shell.clone()), shell)
}

/// C-PROC-7: a second launch on the same app-data dir is refused the instance, and the first
/// session's shell is asked to focus its window; once the first has quit, a launch gets it.
#[test]
fn a_second_launch_focuses_the_first() {
    let fx = fixture();
    let mut first = prepared(&fx, "python3");
    match instance::claim(&fx.paths.root) {
        Claim::Held {
            lock,
            unreachable: None,
        } => first.instance = Some(lock),
        other => panic!("the first launch did not claim the instance: {other:?}"),
    }
    let shell = Recorder::default();
    let session = Session::new(first, shell.clone());
    session.start();
    match instance::claim(&fx.paths.root) {
        Claim::Elsewhere { focus: Ok(()) } => {}
        other => panic!("a second launch was not sent to the first: {other:?}"),
    }
    assert!(
        shell.calls().contains(&"focus".to_string()),
        "{:?}",
        shell.calls()
    );
    session.request_quit();
    assert!(eventually(10_000, || shell.calls().last().unwrap() == "exit 0"));
    session.release_instance();
    assert!(
        matches!(instance::claim(&fx.paths.root), Claim::Held { .. }),
        "released after quit"
    );
}

#[test]
fn ready_bootstrap_load_and_quit() {
    let fx = fixture();
    let (session, shell) = session(&fx, "python3");
    session.start();
    assert!(eventually(15_000, || !shell.calls().is_empty()));
    let origin = session.origin().expect("ready");
    assert_eq!(
        shell.calls()[0],
        format!("navigate {origin}/desktop-auth/bootstrap/?ticket=fake-ticket&next=/")
    );
    assert_eq!(session.classify(&format!("{origin}/x")), Decision::Allow);
    assert!(!session.allow_navigation("javascript:alert(1)"));
    assert!(!session.handle_ipc("about:blank", "open-app-data-folder"));
    assert!(!session.handle_ipc(&format!("{origin}/"), "something-else"));

    session.page_loaded(&format!("{origin}/ponies/?x=1"));
    session.request_quit();
    session.request_quit(); // idempotent
    assert!(eventually(10_000, || shell.calls().last().unwrap() == "exit 0"));
    assert_eq!(
        shell
            .calls()
            .iter()
            .filter(|c| c.starts_with("exit"))
            .count(),
        1
    );
}

#[test]
fn startup_failure_shows_the_error_page_and_exits_1() {
    let fx = fixture();
    let (session, shell) = session(&fx, "/bin/false");
    session.start();
    assert!(eventually(15_000, || !shell.calls().is_empty()));
    let page = &shell.calls()[0];
    assert!(page.starts_with("html "), "{page}");
    assert!(page.contains("Test &lt;App&gt; could not start"));
    assert!(page.contains("exited early"));
    assert!(page.contains(&fx.paths.shell_log().display().to_string()));
    session.request_quit();
    assert!(eventually(10_000, || shell.calls().last().unwrap() == "exit 1"));
}
