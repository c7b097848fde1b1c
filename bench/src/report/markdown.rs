//! The Markdown table of medians (min–max), the ratios, the targets and the process breakdown.

use std::fmt::Write as _;

use super::metric::Metric;
use super::model::{Artifact, Results};
use crate::stats::Summary;

pub(super) fn fmt_num(v: f64, unit: &str) -> String {
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
    header.extend(Metric::ALL.iter().take(3).map(|m| m.header().to_string()));
    header.push("× floor".into());
    header.extend(Metric::ALL.iter().skip(3).map(|m| {
        if m.unit().is_empty() {
            m.header().to_string()
        } else {
            format!("{} ({})", m.header(), m.unit())
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
        for m in Metric::ALL.iter().take(3) {
            row.push(cell(s.summary.get(m.key()), m.unit()));
        }
        row.push(match (s.headline_ms(), floor) {
            (Some(h), Some(f)) => format!("{:.2}", h / f),
            _ => "—".into(),
        });
        for m in Metric::ALL.iter().skip(3) {
            row.push(cell(s.summary.get(m.key()), m.unit()));
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
        "\n× floor: the row's first paint (shells, packaged apps) or first health 200 (references) over the floor's median first health 200."
    );
    super::sizes::sizes_markdown(&mut out, r);
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

#[cfg(test)]
mod tests {
    use super::super::fixture::results;
    use super::*;
    use crate::stats::summarize;

    #[test]
    fn cells() {
        let s = summarize(&[1.0, 2.0, 4.0]).unwrap();
        assert_eq!(cell(Some(&s), "ms"), "2 (1–4)");
        assert_eq!(cell(Some(&s), "MB"), "2.0 (1.0–4.0)");
        assert_eq!(cell(None, "ms"), "—");
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
}
