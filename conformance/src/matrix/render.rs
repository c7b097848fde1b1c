//! The matrix as Markdown, as terminal text, and as the `matrix.json` / `matrix.md` files.

use std::path::Path;

use super::Matrix;

impl Matrix {
    /// The matrix as Markdown: one row per clause, one column per shell, then the reasons.
    pub fn markdown(&self) -> String {
        let mut notes: Vec<String> = Vec::new();
        let mut out = String::new();
        out.push_str("| clause | level | what |");
        for s in &self.shells {
            out.push_str(&format!(" {} |", self.label(s)));
        }
        out.push_str("\n| --- | --- | --- |");
        for _ in &self.shells {
            out.push_str(" --- |");
        }
        out.push('\n');
        for row in &self.rows {
            out.push_str(&format!("| {} | {} | {} |", row.id, row.level, row.title));
            for s in &self.shells {
                let cell = &row.cells[s];
                let mut text = match cell.outcome.as_str() {
                    "pass" => "pass".to_string(),
                    "fail" => "**FAIL**".to_string(),
                    other => other.to_string(),
                };
                if matches!(cell.outcome.as_str(), "fail" | "expected failure")
                    || cell.is_os_limit()
                {
                    notes.push(format!(
                        "{} on {s}: {}",
                        row.id,
                        one_line(&cell.details.join(" / "))
                    ));
                    text.push_str(&format!(" [{}]", notes.len()));
                }
                if cell.stale {
                    text.push_str(" (earlier run)");
                }
                out.push_str(&format!(" {text} |"));
            }
            out.push('\n');
        }
        out.push_str(&format!("\nTotals: {}.\n", self.totals_line()));
        for (shell, why) in self.unavailable() {
            out.push_str(&format!(
                "\n{shell} is unavailable on the machine that ran this: {why}\n"
            ));
        }
        if !notes.is_empty() {
            out.push('\n');
            for (i, n) in notes.iter().enumerate() {
                out.push_str(&format!("{}. {}\n", i + 1, n));
            }
        }
        out
    }

    /// Each outcome's count, e.g. `3 expected failure, 127 pass`.
    fn totals_line(&self) -> String {
        let totals: Vec<String> = self
            .totals()
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect();
        totals.join(", ")
    }

    /// A compact fixed-width table for the terminal.
    pub fn text(&self) -> String {
        let w = self
            .shells
            .iter()
            .map(|s| s.len().max(16))
            .collect::<Vec<_>>();
        let mut out = format!("{:<10} {:<6} ", "clause", "level");
        for (s, w) in self.shells.iter().zip(&w) {
            out.push_str(&format!("{s:<w$} "));
        }
        out.push('\n');
        let mut notes = Vec::new();
        for row in &self.rows {
            out.push_str(&format!("{:<10} {:<6} ", row.id, row.level));
            for (s, w) in self.shells.iter().zip(&w) {
                let cell = &row.cells[s];
                let mut t = match cell.outcome.as_str() {
                    "fail" => "FAIL".to_string(),
                    "expected failure" => "expected fail".to_string(),
                    o => o.to_string(),
                };
                if matches!(cell.outcome.as_str(), "fail" | "expected failure") {
                    notes.push(format!(
                        "{} {s}: {}",
                        row.id,
                        truncate(&one_line(&cell.details.join(" / ")), 300)
                    ));
                    t.push_str(&format!(" [{}]", notes.len()));
                }
                if cell.stale {
                    t.push('*');
                }
                out.push_str(&format!("{t:<w$} "));
            }
            out.push('\n');
        }
        out.push_str(&format!("totals: {}", self.totals_line()));
        for (shell, why) in self.unavailable() {
            out.push_str(&format!("\n{shell} unavailable: {}", truncate(&why, 300)));
        }
        if self.rows.iter().any(|r| r.cells.values().any(|c| c.stale)) {
            out.push_str("  (* = result from an earlier run)");
        }
        out.push('\n');
        for (i, n) in notes.iter().enumerate() {
            out.push_str(&format!("[{}] {n}\n", i + 1));
        }
        out
    }

    /// Writes `matrix.json` and `matrix.md` into `dir`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        write_atomic(&dir.join("matrix.json"), json.as_bytes())?;
        let md = format!(
            "# Conformance matrix\n\nShell × clause, from `cargo test -p conformance`.\n\n{}",
            self.markdown()
        );
        write_atomic(&dir.join("matrix.md"), md.as_bytes())
    }
}
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

pub(super) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}
