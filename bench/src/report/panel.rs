//! One panel of the chart: a title, an axis with round ticks, one row of bars per subject,
//! whiskers, reference lines and a legend.

use std::fmt::Write as _;

use super::markdown::fmt_num;

pub(super) fn esc(s: &str) -> String {
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

pub(super) struct Bar {
    pub start: f64,
    pub end: f64,
    pub color: &'static str,
}

pub(super) struct Row {
    pub label: String,
    pub bars: Vec<Bar>,
    pub whisker: Option<(f64, f64)>,
    pub tick: Option<f64>,
    pub text: String,
}

pub(super) struct Panel {
    pub title: String,
    pub unit: &'static str,
    pub rows: Vec<Row>,
    pub lines: Vec<(f64, &'static str, String)>,
    pub legend: Vec<(&'static str, &'static str)>,
}

const LABEL_W: f64 = 190.0;
const PLOT_W: f64 = 560.0;
const TEXT_W: f64 = 210.0;
const ROW_H: f64 = 26.0;
pub(super) const WIDTH: f64 = LABEL_W + PLOT_W + TEXT_W + 20.0;

pub(super) fn panel_svg(out: &mut String, p: &Panel, top: f64) -> f64 {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis() {
        assert_eq!(nice_axis(930.0), (1000.0, 200.0));
        assert_eq!(nice_axis(140.0), (150.0, 50.0));
        assert_eq!(nice_axis(0.0), (1.0, 0.2));
    }
}
