//! The headline ratios and the targets (reported, never asserted), from the summaries.
//! The targets are data: [`TARGETS`] (issue 6's, with the webview shells' set by issue 14).

use super::metric::Metric;
use super::model::{Results, SubjectKind, Target, MIGRATE_POLL};

/// What a target bounds: a subject's median over the floor's, or the median itself.
#[derive(Debug, Clone, Copy)]
enum Bound {
    /// `metric / floor ready` at most this.
    FloorRatio(f64),
    /// `metric / <shell>'s median of the same metric` at most this.
    ShellRatio(&'static str, f64),
    /// The median at most this, in the metric's unit.
    Median(f64),
}

/// One target: which shells it applies to (`None`: every shell), the metric and its bound.
struct Rule {
    shells: Option<&'static [&'static str]>,
    what: &'static str,
    limit: &'static str,
    metric: Metric,
    bound: Bound,
}

/// The targets, in report order per shell.
const TARGETS: &[Rule] = &[
    Rule {
        shells: Some(&["wry", "tauri"]),
        what: "first paint / floor",
        limit: "≤ 2.0×",
        metric: Metric::Paint,
        bound: Bound::FloorRatio(2.0),
    },
    Rule {
        shells: Some(&["wry", "tauri"]),
        what: "spawn → backend ready / headless's",
        limit: "≤ 1.2×",
        metric: Metric::Ready,
        bound: Bound::ShellRatio("headless", 1.2),
    },
    Rule {
        shells: Some(&["wry", "tauri"]),
        what: "whole tree PSS after load",
        limit: "≤ 300 MB",
        metric: Metric::Pss,
        bound: Bound::Median(300.0),
    },
    Rule {
        shells: Some(&["headless", "electron-node"]),
        what: "whole tree PSS after load",
        limit: "≤ 150 MB",
        metric: Metric::Pss,
        bound: Bound::Median(150.0),
    },
    Rule {
        shells: None,
        what: "quit → all gone (idle)",
        limit: "≤ 300 ms",
        metric: Metric::QuitGone,
        bound: Bound::Median(300.0),
    },
];

impl Rule {
    /// The target's row for a shell with this median, or `None` when it does not apply.
    /// `of(shell, metric)` is another shell's median, for [`Bound::ShellRatio`].
    fn judge(
        &self,
        shell: &str,
        median: Option<f64>,
        floor: Option<f64>,
        of: impl Fn(&str, Metric) -> Option<f64>,
    ) -> Option<Target> {
        if self.shells.is_some_and(|names| !names.contains(&shell)) {
            return None;
        }
        let v = median?;
        let (measured, met) = match self.bound {
            Bound::FloorRatio(max) => {
                let ratio = v / floor?;
                (format!("{ratio:.2}×"), ratio <= max)
            }
            Bound::ShellRatio(other, max) => {
                let ratio = v / of(other, self.metric)?;
                (format!("{ratio:.2}×"), ratio <= max)
            }
            Bound::Median(max) => {
                let shown = match self.metric.unit() {
                    "MB" => format!("{v:.1} MB"),
                    unit => format!("{} {unit}", v.round()),
                };
                (shown, v <= max)
            }
        };
        Some(Target {
            subject: shell.to_string(),
            what: self.what.into(),
            limit: self.limit.into(),
            measured,
            met,
        })
    }
}

impl Results {
    /// The headline ratios and the targets, from the summaries.
    pub fn derive(&mut self) {
        let floor = self.floor_ms();
        let mut headline = Vec::new();
        let mut targets = Vec::new();
        let of = |name: &str, metric: Metric| self.subject(name).and_then(|s| s.median(metric));
        for s in self
            .subjects
            .iter()
            .filter(|s| s.kind.is_app() && s.skipped.is_none())
        {
            if let (Some(p), Some(f)) = (s.median(Metric::Paint), floor) {
                headline.push(format!(
                    "{}: first paint / floor = {:.2}× ({} ms vs {} ms)",
                    s.label,
                    p / f,
                    p.round(),
                    f.round()
                ));
            }
            if let Some(dev) = s
                .packages
                .as_deref()
                .filter(|_| s.kind == SubjectKind::Packaged)
                .and_then(|d| self.subject(d))
            {
                let vs = |m: Metric| {
                    let (p, d) = (s.median(m)?, dev.median(m)?);
                    Some(format!(
                        "{} {:.2}× ({} ms vs {} ms)",
                        m.header().trim_start_matches("spawn → "),
                        p / d,
                        p.round(),
                        d.round()
                    ))
                };
                let parts: Vec<String> = [Metric::Ready, Metric::Paint]
                    .into_iter()
                    .filter_map(vs)
                    .collect();
                if !parts.is_empty() {
                    headline.push(format!("{} ÷ {}: {}", s.label, dev.label, parts.join(", ")));
                }
            }
            targets.extend(
                TARGETS
                    .iter()
                    .filter_map(|t| t.judge(&s.name, s.median(t.metric), floor, of)),
            );
        }
        if let (Some(m), Some(f)) = (
            self.subject(MIGRATE_POLL)
                .and_then(|s| s.median(Metric::Ready)),
            floor,
        ) {
            headline.push(format!(
                "migrate-then-poll / floor = {:.2}× ({} ms vs {} ms to the first health 200)",
                m / f,
                m.round(),
                f.round()
            ));
            for s in self
                .subjects
                .iter()
                .filter(|s| s.kind.is_app() && s.skipped.is_none())
            {
                if let Some(r) = s.median(Metric::Ready) {
                    headline.push(format!(
                        "migrate-then-poll / {} backend ready = {:.2}× ({} ms vs {} ms)",
                        s.label,
                        m / r,
                        m.round(),
                        r.round()
                    ));
                }
            }
        }
        self.headline = headline;
        self.targets = targets;
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::results;

    #[test]
    fn ratios_and_targets() {
        let r = results();
        assert!(
            r.headline[0].starts_with("wry: first paint / floor = 1.55×"),
            "{:?}",
            r.headline
        );
        assert!(r
            .headline
            .iter()
            .any(|h| h.starts_with("migrate-then-poll / floor = 2.25×")));
        let paint = r.targets.iter().find(|t| t.what.contains("paint")).unwrap();
        assert!(paint.met, "1.55× ≤ 2.0×");
        assert!(r
            .targets
            .iter()
            .filter(|t| t.what.contains("PSS"))
            .all(|t| t.met));
        assert!(
            !r.targets.iter().any(|t| t.what.contains("headless")),
            "no headless row, no ratio to it"
        );
    }

    #[test]
    fn backend_ready_is_judged_against_the_headless_shells() {
        use super::super::model::{Sample, Subject, SubjectKind};
        let mut r = results();
        let mut headless = Subject::new("headless", "headless", SubjectKind::Shell, "");
        headless.samples = vec![Sample {
            ready_ms: Some(400.0),
            paint_ms: Some(420.0),
            pss_mb: Some(160.0),
            ..Default::default()
        }];
        headless.summarize();
        r.subjects.push(headless);
        r.derive();
        let ready = r
            .targets
            .iter()
            .find(|t| t.what.starts_with("spawn → backend ready"))
            .unwrap();
        assert_eq!(
            (ready.subject.as_str(), ready.measured.as_str()),
            ("wry", "1.15×")
        );
        assert!(ready.met, "460 / 400 ≤ 1.2");
        let pss = r
            .targets
            .iter()
            .find(|t| t.subject == "headless" && t.what.contains("PSS"))
            .unwrap();
        assert!(!pss.met, "160 MB > 150 MB");
    }

    #[test]
    fn a_packaged_row_is_compared_with_its_dev_row() {
        use super::super::model::{Sample, Subject, SubjectKind};
        let mut r = results();
        let mut p = Subject::new("packaged-wry", "wry (packaged)", SubjectKind::Packaged, "");
        p.packages = Some("wry".into());
        p.samples = vec![Sample {
            ready_ms: Some(506.0),
            paint_ms: Some(930.0),
            ..Default::default()
        }];
        p.summarize();
        r.subjects.push(p);
        r.derive();
        assert!(
            r.headline.iter().any(|h| h
                == "wry (packaged) ÷ wry: backend ready 1.10× (506 ms vs 460 ms), first paint 1.50× (930 ms vs 620 ms)"),
            "{:#?}",
            r.headline
        );
        assert!(
            !r.targets
                .iter()
                .any(|t| t.subject == "packaged-wry" && t.what.contains("PSS")),
            "the shells' targets name dev rows only"
        );
    }
}
