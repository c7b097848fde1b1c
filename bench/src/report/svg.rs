//! The SVG chart: start-up, memory and quit panels ([`super::panel`]), one bar per subject,
//! against the floor.

use std::fmt::Write as _;

use super::metric::Metric;
use super::model::{Results, Subject};
use super::panel::{esc, panel_svg, Bar, Panel, Row, WIDTH};

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
    let sum = |s: &Subject, m: Metric| s.summary.get(m.key()).copied();
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
        let ready = sum(s, Metric::Ready);
        let paint = sum(s, Metric::Paint);
        let mut bars = Vec::new();
        let (end, whisker) = if s.kind.is_app() {
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
            tick: sum(s, Metric::Splash).map(|x| x.median),
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
        let (rss, pss) = (sum(s, Metric::Rss), sum(s, Metric::Pss));
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
        let procs = sum(s, Metric::Processes)
            .map_or(String::new(), |p| format!(", {} proc", p.median.round()));
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
        let (shut, gone) = (sum(s, Metric::QuitShutdown), sum(s, Metric::QuitGone));
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
    use super::super::fixture::results;
    use super::*;

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
