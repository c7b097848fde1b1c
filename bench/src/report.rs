//! Results: the data model, the markdown table, the JSON and the SVG chart.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

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

/// The metrics, in table order: key, column header, unit.
pub const METRICS: &[(&str, &str, &str)] = &[
    ("splash_ms", "spawn → splash", "ms"),
    ("ready_ms", "spawn → backend ready", "ms"),
    ("paint_ms", "spawn → first paint", "ms"),
    ("quit_shutdown_ms", "quit → shutdown_complete", "ms"),
    ("quit_gone_ms", "quit → all gone", "ms"),
    ("rss_mb", "tree RSS", "MB"),
    ("pss_mb", "tree PSS", "MB"),
    ("processes", "processes", ""),
    ("web_processes", "web processes by first paint", ""),
];

impl Sample {
    pub fn get(&self, key: &str) -> Option<f64> {
        match key {
            "splash_ms" => self.splash_ms,
            "ready_ms" => self.ready_ms,
            "paint_ms" => self.paint_ms,
            "quit_shutdown_ms" => self.quit_shutdown_ms,
            "quit_gone_ms" => self.quit_gone_ms,
            "rss_mb" => self.rss_mb,
            "pss_mb" => self.pss_mb,
            "processes" => self.processes,
            "web_processes" => self.web_processes,
            _ => None,
        }
    }
}

/// A file on disk and its size.
#[derive(Debug, Clone, Serialize)]
pub struct Artifact {
    pub path: String,
    pub bytes: u64,
}

/// One row of the results: a shell or a reference.
#[derive(Debug, Clone, Serialize)]
pub struct Subject {
    pub name: String,
    pub label: String,
    /// `shell` or `reference`.
    pub kind: String,
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
}

impl Subject {
    pub fn new(name: &str, label: &str, kind: &str, description: &str) -> Self {
        Subject {
            name: name.into(),
            label: label.into(),
            kind: kind.into(),
            description: description.into(),
            skipped: None,
            failures: Vec::new(),
            samples: Vec::new(),
            summary: BTreeMap::new(),
            binary: None,
            package: None,
            size_note: None,
        }
    }

    /// Fills `summary` from `samples`.
    pub fn summarize(&mut self) {
        self.summary.clear();
        for (key, _, _) in METRICS {
            let values: Vec<f64> = self.samples.iter().filter_map(|s| s.get(key)).collect();
            if let Some(s) = summarize(&values) {
                self.summary.insert((*key).to_string(), s);
            }
        }
    }

    pub fn median(&self, key: &str) -> Option<f64> {
        self.summary.get(key).map(|s| s.median)
    }

    /// The subject's "app is usable" time: first paint for a shell, first health 200 otherwise.
    pub fn headline_ms(&self) -> Option<f64> {
        self.median("paint_ms").or_else(|| self.median("ready_ms"))
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
    /// Replaces the machine's own paths in every subject's text and artifact paths: the cargo
    /// target dir by `<target>`, then the workspace by `<workspace>` (committed results carry
    /// no path of the machine that produced them).
    pub fn redact_paths(&mut self, workspace: &Path, target: &Path) {
        let (target, workspace) = (target.to_string_lossy(), workspace.to_string_lossy());
        let redact = |s: &mut String| {
            *s = s
                .replace(&*target, "<target>")
                .replace(&*workspace, "<workspace>")
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

    fn floor_ms(&self) -> Option<f64> {
        self.subject(FLOOR).and_then(|s| s.median("ready_ms"))
    }

    /// The headline ratios and the targets, from the summaries.
    pub fn derive(&mut self) {
        let floor = self.floor_ms();
        let mut headline = Vec::new();
        let mut targets = Vec::new();
        for s in self.subjects.iter().filter(|s| s.skipped.is_none()) {
            if s.kind == "shell" {
                if let (Some(p), Some(f)) = (s.median("paint_ms"), floor) {
                    headline.push(format!(
                        "{}: first paint / floor = {:.2}× ({} ms vs {} ms)",
                        s.label,
                        p / f,
                        p.round(),
                        f.round()
                    ));
                    if matches!(s.name.as_str(), "wry" | "tauri") {
                        targets.push(Target {
                            subject: s.name.clone(),
                            what: "first paint / floor".into(),
                            limit: "≤ 1.25×".into(),
                            measured: format!("{:.2}×", p / f),
                            met: p / f <= 1.25,
                        });
                    }
                }
                if let Some(pss) = s.median("pss_mb") {
                    targets.push(Target {
                        subject: s.name.clone(),
                        what: "whole tree PSS after load".into(),
                        limit: "≤ 150 MB".into(),
                        measured: format!("{pss:.1} MB"),
                        met: pss <= 150.0,
                    });
                }
                if let Some(g) = s.median("quit_gone_ms") {
                    targets.push(Target {
                        subject: s.name.clone(),
                        what: "quit → all gone (idle)".into(),
                        limit: "≤ 300 ms".into(),
                        measured: format!("{} ms", g.round()),
                        met: g <= 300.0,
                    });
                }
            }
        }
        if let (Some(m), Some(f)) = (
            self.subject(MIGRATE_POLL)
                .and_then(|s| s.median("ready_ms")),
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
                .filter(|s| s.kind == "shell" && s.skipped.is_none())
            {
                if let Some(r) = s.median("ready_ms") {
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

fn fmt_num(v: f64, unit: &str) -> String {
    match unit {
        "MB" => format!("{v:.1}"),
        _ => format!("{}", v.round() as i64),
    }
}

/// `median (min–max)`, or `—` when there is no value.
pub fn cell(s: Option<&Summary>, unit: &str) -> String {
    match s {
        None => "—".into(),
        Some(s) if s.n == 1 || s.min == s.max => fmt_num(s.median, unit),
        Some(s) => format!(
            "{} ({}–{})",
            fmt_num(s.median, unit),
            fmt_num(s.min, unit),
            fmt_num(s.max, unit)
        ),
    }
}

/// A size in MB with one decimal, or the note.
pub fn size_cell(a: Option<&Artifact>) -> String {
    match a {
        Some(a) => format!("{:.1} MB", a.bytes as f64 / 1e6),
        None => "n/a".into(),
    }
}

/// The markdown table of medians (min–max), then the ratios and targets.
pub fn markdown(r: &Results) -> String {
    let mut out = String::new();
    let floor = r.floor_ms();
    let _ = writeln!(
        out,
        "Median (min–max) of {} cold launch(es) per row, after one warm-up; times in ms, memory in MB (10^6 bytes). Profile: {}.\n",
        r.runs, r.profile
    );
    let mut header = vec!["subject".to_string()];
    header.extend(METRICS.iter().take(3).map(|(_, h, _)| h.to_string()));
    header.push("× floor".into());
    header.extend(METRICS.iter().skip(3).map(|(_, h, u)| {
        if u.is_empty() {
            h.to_string()
        } else {
            format!("{h} ({u})")
        }
    }));
    header[1] = format!("{} (ms)", header[1]);
    header[2] = format!("{} (ms)", header[2]);
    header[3] = format!("{} (ms)", header[3]);
    header.push("release binary".into());
    header.push("package".into());
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(
        out,
        "|{}",
        header
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { " --- |" } else { " ---: |" })
            .collect::<String>()
    );
    for s in &r.subjects {
        if let Some(why) = &s.skipped {
            let _ = writeln!(
                out,
                "| {} | skipped: {} |{}",
                s.label,
                why.replace('|', "\\|").replace('\n', " "),
                " |".repeat(header.len() - 2)
            );
            continue;
        }
        let mut row = vec![s.label.clone()];
        for (key, _, unit) in METRICS.iter().take(3) {
            row.push(cell(s.summary.get(*key), unit));
        }
        row.push(match (s.headline_ms(), floor) {
            (Some(h), Some(f)) => format!("{:.2}", h / f),
            _ => "—".into(),
        });
        for (key, _, unit) in METRICS.iter().skip(3) {
            row.push(cell(s.summary.get(*key), unit));
        }
        let mut bin = size_cell(s.binary.as_ref());
        if let Some(n) = &s.size_note {
            bin = if s.binary.is_some() {
                format!("{bin} ({n})")
            } else {
                n.clone()
            };
        }
        row.push(bin);
        row.push(size_cell(s.package.as_ref()));
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    let _ = writeln!(
        out,
        "\n× floor: the row's first paint (shells) or first health 200 (references) over the floor's median first health 200."
    );
    for s in r.subjects.iter().filter(|s| !s.failures.is_empty()) {
        let _ = writeln!(
            out,
            "\n{}: {} run(s) failed and are not counted: {}",
            s.label,
            s.failures.len(),
            s.failures.join("; ")
        );
    }
    if !r.headline.is_empty() {
        let _ = writeln!(out, "\n**Ratios (same run):**\n");
        for h in &r.headline {
            let _ = writeln!(out, "- {h}");
        }
    }
    if !r.targets.is_empty() {
        let _ = writeln!(
            out,
            "\n**Targets (reported, never asserted):**\n\n| subject | target | limit | measured (median) | |\n| --- | --- | --- | ---: | --- |"
        );
        for t in &r.targets {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                t.subject,
                t.what,
                t.limit,
                t.measured,
                if t.met { "met" } else { "missed" }
            );
        }
    }
    let breakdowns: Vec<String> = r
        .subjects
        .iter()
        .filter_map(|s| {
            let b = s.samples.iter().rev().find_map(|x| x.breakdown.clone())?;
            Some(format!("{}: {b}", s.label))
        })
        .collect();
    if !breakdowns.is_empty() {
        let _ = writeln!(
            out,
            "\n**Processes counted for memory, with their PSS (last run):** {}",
            breakdowns.join("; ")
        );
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A round axis maximum and tick step for values up to `max`.
pub fn nice_axis(max: f64) -> (f64, f64) {
    if max <= 0.0 || max.is_nan() {
        return (1.0, 0.2);
    }
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    ((max / step).ceil() * step, step)
}

struct Bar {
    start: f64,
    end: f64,
    color: &'static str,
}

struct Row {
    label: String,
    bars: Vec<Bar>,
    whisker: Option<(f64, f64)>,
    tick: Option<f64>,
    text: String,
}

struct Panel {
    title: String,
    unit: &'static str,
    rows: Vec<Row>,
    lines: Vec<(f64, &'static str, String)>,
    legend: Vec<(&'static str, &'static str)>,
}

const LABEL_W: f64 = 190.0;
const PLOT_W: f64 = 560.0;
const TEXT_W: f64 = 210.0;
const ROW_H: f64 = 26.0;
const WIDTH: f64 = LABEL_W + PLOT_W + TEXT_W + 20.0;

fn panel_svg(out: &mut String, p: &Panel, top: f64) -> f64 {
    let max = p
        .rows
        .iter()
        .flat_map(|r| {
            r.bars
                .iter()
                .map(|b| b.end)
                .chain(r.whisker.map(|w| w.1))
                .chain(r.tick)
        })
        .chain(p.lines.iter().map(|l| l.0))
        .fold(0.0, f64::max);
    let (axis_max, step) = nice_axis(max * 1.02);
    let x = |v: f64| LABEL_W + v / axis_max * PLOT_W;
    let mut y = top;
    let _ = writeln!(
        out,
        r#"<text x="10" y="{:.1}" font-size="15" font-weight="bold">{} ({})</text>"#,
        y + 16.0,
        esc(&p.title),
        p.unit
    );
    // Legend on the title line.
    let mut lx = LABEL_W + PLOT_W + TEXT_W - 10.0;
    for (color, name) in p.legend.iter().rev() {
        let w = 7.0 * name.chars().count() as f64 + 24.0;
        lx -= w;
        let _ = writeln!(
            out,
            r#"<rect x="{lx:.1}" y="{:.1}" width="12" height="12" fill="{color}"/><text x="{:.1}" y="{:.1}" font-size="12">{}</text>"#,
            y + 5.0,
            lx + 16.0,
            y + 15.0,
            esc(name)
        );
    }
    y += 30.0 + 12.0 * p.lines.len() as f64;
    let plot_top = y;
    let plot_h = ROW_H * p.rows.len() as f64;
    // Grid and axis labels.
    let mut v = 0.0;
    while v <= axis_max + step / 2.0 {
        let gx = x(v);
        let _ = writeln!(
            out,
            r##"<line x1="{gx:.1}" y1="{plot_top:.1}" x2="{gx:.1}" y2="{:.1}" stroke="#e3e3e3"/><text x="{gx:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#555">{}</text>"##,
            plot_top + plot_h,
            plot_top + plot_h + 14.0,
            fmt_num(v, if step < 1.0 { "MB" } else { "" })
        );
        v += step;
    }
    for (i, r) in p.rows.iter().enumerate() {
        let ry = plot_top + ROW_H * i as f64;
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" font-size="13" text-anchor="end">{}</text>"#,
            LABEL_W - 8.0,
            ry + 17.0,
            esc(&r.label)
        );
        for b in &r.bars {
            let _ = writeln!(
                out,
                r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="16" fill="{}"/>"#,
                x(b.start),
                ry + 5.0,
                (x(b.end) - x(b.start)).max(0.5),
                b.color
            );
        }
        if let Some(t) = r.tick {
            let _ = writeln!(
                out,
                r##"<line x1="{0:.1}" y1="{1:.1}" x2="{0:.1}" y2="{2:.1}" stroke="#222" stroke-width="2"/>"##,
                x(t),
                ry + 2.0,
                ry + 24.0
            );
        }
        if let Some((lo, hi)) = r.whisker {
            let cy = ry + 13.0;
            let _ = writeln!(
                out,
                r##"<path d="M{0:.1} {2:.1}H{1:.1}M{0:.1} {3:.1}V{4:.1}M{1:.1} {3:.1}V{4:.1}" stroke="#222" fill="none"/>"##,
                x(lo),
                x(hi),
                cy,
                cy - 5.0,
                cy + 5.0
            );
        }
        let _ = writeln!(
            out,
            r##"<text x="{:.1}" y="{:.1}" font-size="12" fill="#333">{}</text>"##,
            LABEL_W + PLOT_W + 14.0,
            ry + 17.0,
            esc(&r.text)
        );
    }
    for (i, (v, color, name)) in p.lines.iter().enumerate() {
        let lx = x(*v);
        let label_y = plot_top - 4.0 - 12.0 * i as f64;
        let _ = writeln!(
            out,
            r#"<line x1="{lx:.1}" y1="{:.1}" x2="{lx:.1}" y2="{:.1}" stroke="{color}" stroke-width="1.5" stroke-dasharray="5 3"/><text x="{:.1}" y="{:.1}" font-size="11" fill="{color}">{}</text>"#,
            label_y,
            plot_top + plot_h,
            lx + 3.0,
            label_y - 2.0,
            esc(name)
        );
    }
    plot_top + plot_h + 34.0
}

const C_READY: &str = "#7fa7d9";
const C_PAINT: &str = "#2f5f9e";
const C_REF: &str = "#9c9c9c";
const C_PSS: &str = "#3d8c5c";
const C_RSS: &str = "#b9dcc6";
const C_SHUT: &str = "#e0a458";
const C_GONE: &str = "#b5651d";
const C_TARGET: &str = "#c0392b";
const C_FLOOR: &str = "#555555";

/// The chart: start-up timeline, tree memory, quit time; one row per measured subject.
pub fn svg(r: &Results) -> String {
    let measured: Vec<&Subject> = r.subjects.iter().filter(|s| s.skipped.is_none()).collect();
    let floor = r.floor_ms();
    let sum = |s: &Subject, k: &str| s.summary.get(k).copied();
    let mut startup = Panel {
        title: "Start-up: spawn → splash → ready → first paint".into(),
        unit: "ms",
        rows: Vec::new(),
        lines: Vec::new(),
        legend: vec![
            ("#222", "splash"),
            (C_READY, "backend ready"),
            (C_PAINT, "first paint"),
            (C_REF, "first health 200"),
        ],
    };
    if let Some(f) = floor {
        startup.lines.push((f, C_FLOOR, "floor".into()));
        startup
            .lines
            .push((1.25 * f, C_TARGET, "1.25× floor (target)".into()));
    }
    for s in &measured {
        let ready = sum(s, "ready_ms");
        let paint = sum(s, "paint_ms");
        let mut bars = Vec::new();
        let (end, whisker) = if s.kind == "shell" {
            if let Some(rd) = ready {
                bars.push(Bar {
                    start: 0.0,
                    end: rd.median,
                    color: C_READY,
                });
            }
            if let Some(p) = paint {
                bars.push(Bar {
                    start: ready.map_or(0.0, |r| r.median.min(p.median)),
                    end: p.median,
                    color: C_PAINT,
                });
            }
            (paint.or(ready), paint.or(ready).map(|x| (x.min, x.max)))
        } else {
            if let Some(rd) = ready {
                bars.push(Bar {
                    start: 0.0,
                    end: rd.median,
                    color: C_REF,
                });
            }
            (ready, ready.map(|x| (x.min, x.max)))
        };
        let text = match (end, floor) {
            (Some(e), Some(f)) => format!("{} ms  ({:.2}× floor)", e.median.round(), e.median / f),
            (Some(e), None) => format!("{} ms", e.median.round()),
            _ => "no data".into(),
        };
        startup.rows.push(Row {
            label: s.label.clone(),
            bars,
            whisker,
            tick: sum(s, "splash_ms").map(|x| x.median),
            text,
        });
    }
    let mut memory = Panel {
        title: "Memory after load, whole process tree".into(),
        unit: "MB",
        rows: Vec::new(),
        lines: vec![(150.0, C_TARGET, "150 MB PSS (target)".into())],
        legend: vec![(C_RSS, "sum of RSS"), (C_PSS, "sum of PSS")],
    };
    for s in &measured {
        let (rss, pss) = (sum(s, "rss_mb"), sum(s, "pss_mb"));
        let mut bars = Vec::new();
        if let Some(x) = rss {
            bars.push(Bar {
                start: 0.0,
                end: x.median,
                color: C_RSS,
            });
        }
        if let Some(x) = pss {
            bars.push(Bar {
                start: 0.0,
                end: x.median,
                color: C_PSS,
            });
        }
        let procs =
            sum(s, "processes").map_or(String::new(), |p| format!(", {} proc", p.median.round()));
        memory.rows.push(Row {
            label: s.label.clone(),
            bars,
            whisker: pss.map(|x| (x.min, x.max)),
            tick: None,
            text: match (pss, rss) {
                (Some(p), Some(r)) => {
                    format!("PSS {:.0} / RSS {:.0} MB{procs}", p.median, r.median)
                }
                _ => "no data".into(),
            },
        });
    }
    let mut quit = Panel {
        title: "Quit → shutdown_complete → every process gone".into(),
        unit: "ms",
        rows: Vec::new(),
        lines: vec![(300.0, C_TARGET, "300 ms (target)".into())],
        legend: vec![
            (C_SHUT, "shutdown_complete"),
            (C_GONE, "all processes gone"),
        ],
    };
    for s in &measured {
        let (shut, gone) = (sum(s, "quit_shutdown_ms"), sum(s, "quit_gone_ms"));
        let mut bars = Vec::new();
        if let Some(g) = gone {
            bars.push(Bar {
                start: 0.0,
                end: g.median,
                color: C_GONE,
            });
        }
        if let Some(x) = shut {
            bars.push(Bar {
                start: 0.0,
                end: x.median.min(gone.map_or(f64::MAX, |g| g.median)),
                color: C_SHUT,
            });
        }
        quit.rows.push(Row {
            label: s.label.clone(),
            bars,
            whisker: gone.map(|x| (x.min, x.max)),
            tick: None,
            text: gone.map_or("no data".into(), |g| format!("{} ms", g.median.round())),
        });
    }
    let mut body = String::new();
    let mut y = 58.0;
    for p in [&startup, &memory, &quit] {
        y = panel_svg(&mut body, p, y);
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH:.0}" height="{:.0}" viewBox="0 0 {WIDTH:.0} {:.0}" font-family="Helvetica, Arial, sans-serif">"#,
        y + 10.0,
        y + 10.0
    );
    let _ = writeln!(
        out,
        r##"<rect width="100%" height="100%" fill="white"/><text x="10" y="24" font-size="18" font-weight="bold">Desktop Django Starter: shells against the floor</text><text x="10" y="42" font-size="12" fill="#555">median of {} cold launches each (whisker: min–max), {} profile; {} cores, {}</text>"##,
        r.runs,
        esc(&r.profile),
        esc(r.machine.get("cores").map_or("?", String::as_str)),
        esc(r.machine.get("cpu").map_or("", String::as_str))
    );
    out.push_str(&body);
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
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
        r.redact_paths(Path::new("/home/ci/ws"), Path::new("/opt/t"));
        let json = serde_json::to_string(&r).unwrap();
        assert!(
            !json.contains("/home/ci") && !json.contains("/opt/t"),
            "{json}"
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

    fn sample(ready: f64, paint: Option<f64>) -> Sample {
        Sample {
            ready_ms: Some(ready),
            paint_ms: paint,
            splash_ms: paint.map(|_| 40.0),
            quit_gone_ms: Some(120.0),
            pss_mb: Some(100.0),
            rss_mb: Some(200.0),
            processes: Some(5.0),
            ..Default::default()
        }
    }

    fn results() -> Results {
        let mut floor = Subject::new(FLOOR, "floor", "reference", "");
        floor.samples = vec![
            sample(400.0, None),
            sample(420.0, None),
            sample(380.0, None),
        ];
        let mut wry = Subject::new("wry", "wry", "shell", "");
        wry.samples = vec![sample(450.0, Some(600.0)), sample(470.0, Some(640.0))];
        let mut mp = Subject::new(MIGRATE_POLL, "migrate-then-poll", "reference", "");
        mp.samples = vec![sample(900.0, None)];
        let mut gone = Subject::new("tauri", "Tauri", "shell", "");
        gone.skipped = Some("build failed | see log".into());
        let mut r = Results {
            generated_unix: 0,
            runs: 3,
            settle_ms: 1500,
            profile: "release".into(),
            machine: BTreeMap::new(),
            method: vec![],
            subjects: vec![wry, gone, floor, mp],
            headline: vec![],
            targets: vec![],
        };
        for s in &mut r.subjects {
            s.summarize();
        }
        r.derive();
        r
    }

    #[test]
    fn cells_and_axis() {
        let s = summarize(&[1.0, 2.0, 4.0]).unwrap();
        assert_eq!(cell(Some(&s), "ms"), "2 (1–4)");
        assert_eq!(cell(Some(&s), "MB"), "2.0 (1.0–4.0)");
        assert_eq!(cell(None, "ms"), "—");
        assert_eq!(nice_axis(930.0), (1000.0, 200.0));
        assert_eq!(nice_axis(140.0), (150.0, 50.0));
        assert_eq!(nice_axis(0.0), (1.0, 0.2));
    }

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
        assert!(!paint.met);
        assert!(r
            .targets
            .iter()
            .filter(|t| t.what.contains("PSS"))
            .all(|t| t.met));
    }

    #[test]
    fn markdown_table_shape() {
        let md = markdown(&results());
        let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| ")).collect();
        let pipes = |row: &str| row.matches('|').count() - row.matches("\\|").count();
        assert!(rows[0].contains("spawn → first paint (ms)"));
        // header, wry, tauri (skipped), floor, migrate-then-poll: same column count
        for row in &rows[..5] {
            assert_eq!(pipes(row), pipes(rows[0]), "{row}");
        }
        assert!(
            md.contains("| wry | 40 | 460 (450–470) | 620 (600–640) | 1.55 |"),
            "{md}"
        );
        assert!(md.contains("skipped: build failed \\| see log"));
        assert!(
            md.contains("| floor | — | 400 (380–420) | — | 1.00 |"),
            "{md}"
        );
    }

    #[test]
    fn svg_is_well_formed_enough() {
        let svg = svg(&results());
        assert!(svg.starts_with("<svg ") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
        assert!(svg.contains("1.25× floor (target)"));
        assert!(svg.contains(">wry<") && svg.contains(">floor<"));
        assert!(!svg.contains(">Tauri<"), "skipped subjects are not drawn");
        assert!(!svg.contains("NaN"));
    }
}
