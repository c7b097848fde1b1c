//! The results' data: samples, subjects and their summaries, the run's results (results.json).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::metric::Metric;
use crate::package_size::PackageSizes;
use crate::stats::{summarize, Summary};

/// One run of one subject. Times in ms from the spawn (or from the quit request), memory in MB
/// (10^6 bytes).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Sample {
    pub splash_ms: Option<f64>,
    pub ready_ms: Option<f64>,
    pub paint_ms: Option<f64>,
    pub quit_shutdown_ms: Option<f64>,
    pub quit_gone_ms: Option<f64>,
    pub rss_mb: Option<f64>,
    pub pss_mb: Option<f64>,
    pub processes: Option<f64>,
    /// WebKitGTK web processes started between the spawn and the first paint (Linux): 2 means
    /// a process swap on the way to the first page.
    pub web_processes: Option<f64>,
    /// ms from the spawn to the first sighting of each of those web processes.
    pub web_process_ms: Vec<f64>,
    /// e.g. `1 shell, 2 python, 3 other` (webview helpers).
    pub breakdown: Option<String>,
    /// Estimated delay from the spawn to the shell's own `t_ms = 0` (events are relative to it).
    pub start_offset_ms: Option<f64>,
}

/// A file on disk and its size.
#[derive(Debug, Clone, Serialize)]
pub struct Artifact {
    pub path: String,
    pub bytes: u64,
}

/// What a row measures (results.json's `kind`: `shell`, `packaged` or `reference`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SubjectKind {
    /// A shell from its descriptor, in dev mode (the project's venv).
    Shell,
    /// An installer, unpacked and launched as installed: the shell with its bundled runtime.
    Packaged,
    /// The floor or migrate-then-poll: the backend alone.
    Reference,
}

impl SubjectKind {
    /// Whether the row opens a window (it has splash, backend ready and first paint).
    pub fn is_app(self) -> bool {
        matches!(self, SubjectKind::Shell | SubjectKind::Packaged)
    }
}

/// One row of the results: a shell, a packaged app or a reference.
#[derive(Debug, Clone, Serialize)]
pub struct Subject {
    pub name: String,
    pub label: String,
    pub kind: SubjectKind,
    pub description: String,
    /// Why the subject was not measured at all.
    pub skipped: Option<String>,
    /// Runs that failed (not counted).
    pub failures: Vec<String>,
    pub samples: Vec<Sample>,
    pub summary: BTreeMap<String, Summary>,
    pub binary: Option<Artifact>,
    pub package: Option<Artifact>,
    /// What the size columns mean for this subject ("not built", "debug binary", ...).
    pub size_note: Option<String>,
    /// A packaged subject: the descriptor name of the shell it packages (its dev-mode row).
    pub packages: Option<String>,
    /// A packaged subject: the installer's, the installed and the runtime's sizes.
    pub package_sizes: Option<PackageSizes>,
}

impl Subject {
    pub fn new(name: &str, label: &str, kind: SubjectKind, description: &str) -> Self {
        Subject {
            name: name.into(),
            label: label.into(),
            kind,
            description: description.into(),
            skipped: None,
            failures: Vec::new(),
            samples: Vec::new(),
            summary: BTreeMap::new(),
            binary: None,
            package: None,
            size_note: None,
            packages: None,
            package_sizes: None,
        }
    }

    /// Fills `summary` from `samples`.
    pub fn summarize(&mut self) {
        self.summary.clear();
        for metric in Metric::ALL {
            let values: Vec<f64> = self.samples.iter().filter_map(|s| s.get(metric)).collect();
            if let Some(s) = summarize(&values) {
                self.summary.insert(metric.key().to_string(), s);
            }
        }
    }

    pub fn median(&self, metric: Metric) -> Option<f64> {
        self.summary.get(metric.key()).map(|s| s.median)
    }

    /// The subject's "app is usable" time: first paint for a shell, first health 200 otherwise.
    pub fn headline_ms(&self) -> Option<f64> {
        self.median(Metric::Paint)
            .or_else(|| self.median(Metric::Ready))
    }
}

/// Everything one `bench` run produced.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub generated_unix: u64,
    pub runs: usize,
    pub settle_ms: u64,
    pub profile: String,
    pub machine: BTreeMap<String, String>,
    pub method: Vec<String>,
    pub subjects: Vec<Subject>,
    pub headline: Vec<String>,
    pub targets: Vec<Target>,
}

/// A target from issue 6: reported, never asserted.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub subject: String,
    pub what: String,
    pub limit: String,
    pub measured: String,
    pub met: bool,
}

pub const FLOOR: &str = "floor";
pub const MIGRATE_POLL: &str = "migrate-then-poll";

impl Results {
    /// The results of a run whose subjects have their samples: summarized, now, with the method.
    pub fn new(
        runs: usize,
        settle_ms: u64,
        profile: &str,
        machine: BTreeMap<String, String>,
        mut subjects: Vec<Subject>,
    ) -> Self {
        for s in &mut subjects {
            s.summarize();
        }
        Results {
            generated_unix: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            runs,
            settle_ms,
            profile: profile.into(),
            machine,
            method: super::METHOD.iter().map(|s| s.to_string()).collect(),
            subjects,
            headline: Vec::new(),
            targets: Vec::new(),
        }
    }

    /// Replaces the machine's own paths in every subject's text and artifact paths: the cargo
    /// target dir by `<target>`, then the workspace by `<workspace>`, then the temp dir (where
    /// launches and unpacked packages live) by `<tmp>` (committed results carry no path of the
    /// machine that produced them).
    pub fn redact_paths(&mut self, workspace: &Path, target: &Path, tmp: &Path) {
        let (target, workspace) = (target.to_string_lossy(), workspace.to_string_lossy());
        let tmp = format!("{}/", tmp.to_string_lossy().trim_end_matches('/'));
        let redact = |s: &mut String| {
            *s = s
                .replace(&*target, "<target>")
                .replace(&*workspace, "<workspace>")
                .replace(&tmp, "<tmp>/")
        };
        for subject in &mut self.subjects {
            redact(&mut subject.description);
            subject.skipped.iter_mut().for_each(redact);
            subject.failures.iter_mut().for_each(redact);
            for artifact in [&mut subject.binary, &mut subject.package]
                .into_iter()
                .flatten()
            {
                redact(&mut artifact.path);
            }
        }
    }

    pub fn subject(&self, name: &str) -> Option<&Subject> {
        self.subjects
            .iter()
            .find(|s| s.name == name && s.skipped.is_none())
    }

    pub fn floor_ms(&self) -> Option<f64> {
        self.subject(FLOOR).and_then(|s| s.median(Metric::Ready))
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::results;
    use super::*;

    #[test]
    fn redacted_results_name_no_path_of_the_machine() {
        let mut r = results();
        r.subjects[1].description =
            "/home/ci/ws/target/release/wry --project /home/ci/ws/backend".into();
        r.subjects[1].binary = Some(Artifact {
            path: "/home/ci/ws/target/release/wry".into(),
            bytes: 1,
        });
        r.subjects[1].failures = vec!["/opt/t/x failed in /home/ci/ws/backend".into()];
        r.subjects[1].skipped = Some("ran /var/tmp/bench-packaged-x/root/usr/bin/a".into());
        r.redact_paths(
            Path::new("/home/ci/ws"),
            Path::new("/opt/t"),
            Path::new("/var/tmp"),
        );
        let json = serde_json::to_string(&r).unwrap();
        assert!(
            !json.contains("/home/ci") && !json.contains("/opt/t") && !json.contains("/var/tmp"),
            "{json}"
        );
        assert_eq!(
            r.subjects[1].skipped.as_deref(),
            Some("ran <tmp>/bench-packaged-x/root/usr/bin/a")
        );
        assert_eq!(
            r.subjects[1].description,
            "<workspace>/target/release/wry --project <workspace>/backend"
        );
        assert_eq!(
            r.subjects[1].failures[0],
            "<target>/x failed in <workspace>/backend"
        );
    }
}
