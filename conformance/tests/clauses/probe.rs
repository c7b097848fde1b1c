//! The probe site (`conformance/fixtures/probe_site`), a second project that installs
//! desktop_django, and a run of its probe page in a shell: C-SHELL-1, C-SHELL-2 and C-AUTH-4
//! observe the shell through the page, C-SHELL-5 hosts the site.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use conformance::fakes::FakeOpener;
use conformance::listener::Listener;
use conformance::{EventKind, Launch, LaunchOptions, Shell, READY_TIMEOUT};

use crate::helpers::{query, token_of};

/// A copy of `conformance/fixtures/probe_site` in a temp dir, with `.venv` linked from the demo
/// backend: a second project that installs desktop_django (C-SHELL-5).
pub(crate) fn probe_project() -> tempfile::TempDir {
    let src = conformance::workspace()
        .join("conformance")
        .join("fixtures")
        .join("probe_site");
    let dst = tempfile::Builder::new()
        .prefix("conformance-probe-site-")
        .tempdir()
        .expect("temp dir");
    copy_dir(&src, dst.path());
    let backend = conformance::workspace().join("backend");
    #[cfg(unix)]
    use std::os::unix::fs::symlink as link_dir;
    #[cfg(windows)]
    use std::os::windows::fs::symlink_dir as link_dir;
    // Only the env: desktop_django is installed in it (python/desktop-django, editable).
    link_dir(backend.join(".venv"), dst.path().join(".venv"))
        .unwrap_or_else(|e| panic!("link .venv: {e}"));
    dst
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for e in std::fs::read_dir(src).expect("read fixture").flatten() {
        let p = e.path();
        if e.file_name() == "__pycache__" {
            continue;
        }
        if p.is_dir() {
            copy_dir(&p, &dst.join(e.file_name()));
        } else {
            std::fs::copy(&p, dst.join(e.file_name())).expect("copy fixture file");
        }
    }
}

/// The probe page run in a shell (C-SHELL-1, C-SHELL-2, C-AUTH-4): the page tries other
/// origins, schemes, `window.open` and the bridge, and reports each step to `/probe/<step>/`.
pub(crate) struct ProbeRun {
    pub(crate) l: Launch,
    opener: FakeOpener,
    pub(crate) listener: Listener,
    pub(crate) port: u16,
    pub(crate) token: String,
    _project: tempfile::TempDir,
}

impl ProbeRun {
    pub(crate) fn start(shell: &Shell) -> ProbeRun {
        let project = probe_project();
        let opener = FakeOpener::new();
        let listener = Listener::start();
        let mut l = Launch::start(
            shell,
            LaunchOptions::default()
                .project(project.path())
                .path_prepend(&opener.bin())
                .env("CONFORMANCE_EXTERNAL_ORIGIN", listener.origin()),
        );
        let port = l.port();
        l.wait_event(EventKind::WindowLoaded, READY_TIMEOUT);
        let token = token_of(&l);
        l.wait_access_log(
            Duration::from_secs(15),
            "the probe page's script starting (GET /probe/start/); a shell without page JavaScript never gets there",
            |lines| lines.iter().any(|a| a.route() == "/probe/start/"),
        );
        l.wait_access_log(
            Duration::from_secs(40),
            "the probe page finishing (GET /probe/done/)",
            |lines| lines.iter().any(|a| a.route() == "/probe/done/"),
        );
        ProbeRun {
            l,
            opener,
            listener,
            port,
            token,
            _project: project,
        }
    }

    /// The probe's reports: `(step, params)` in order.
    pub(crate) fn reports(&self) -> Vec<(String, BTreeMap<String, String>)> {
        self.l
            .access_log()
            .iter()
            .filter(|a| a.route().starts_with("/probe/") && !a.is_conformance())
            .map(|a| {
                let step = a
                    .route()
                    .trim_start_matches("/probe/")
                    .trim_end_matches('/');
                (step.to_string(), query(&a.path))
            })
            .collect()
    }

    pub(crate) fn report(&self, step: &str) -> BTreeMap<String, String> {
        self.reports()
            .into_iter()
            .find(|(s, _)| s == step)
            .map(|(_, q)| q)
            .unwrap_or_else(|| {
                panic!(
                    "the probe never reported {step:?}; reports: {:?}\n{}",
                    self.reports(),
                    self.l.diagnostics()
                )
            })
    }

    /// Waits until the stand-in opener has been asked for every one of `wanted` (substrings).
    pub(crate) fn opened_eventually(&self, wanted: &[String]) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let opened = self.opener.opened();
            let missing: Vec<&String> = wanted
                .iter()
                .filter(|w| !opened.iter().any(|o| o.contains(w.as_str())))
                .collect();
            if missing.is_empty() {
                return opened;
            }
            assert!(
                Instant::now() < deadline,
                "the system browser was never asked to open {missing:?}; it was asked for {opened:?}\n{}",
                self.l.diagnostics()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
