//! Results: the data model, the targets, the Markdown table, the JSON and the SVG chart.

mod markdown;
mod metric;
mod model;
mod panel;
mod sizes;
mod svg;
mod targets;

use std::path::Path;

pub use markdown::markdown;
pub use model::{Artifact, Results, Sample, Subject, SubjectKind, FLOOR, MIGRATE_POLL};
pub use svg::svg;

/// How the numbers were taken, for results.json's `method`.
pub const METHOD: &[&str] = &[
    "Each subject gets one warm-up launch (discarded), then N timed cold launches; the rounds are interleaved (every subject once per round) so drift in machine load hits all rows alike.",
    "Every launch gets a fresh temp app-data dir (DESKTOP_DJANGO_APP_DATA_DIR), so every launch migrates and seeds a new database.",
    "Shells: spawn = the instant before the bench spawns the descriptor's command. Event times come from DESKTOP_DJANGO_EVENTS: each event's t_ms is relative to the shell's own start, so the bench polls the file every 4 ms, takes offset = min(seen − t_ms) over all events (the spawn → shell-start delay, within one poll) and reports offset + t_ms.",
    "Memory: once window_loaded (shells) or the first health 200 (references) is seen, plus a settle delay, the bench sums Rss and Pss from /proc/<pid>/smaps_rollup over every live process carrying the launch's marker variable (DESKTOP_DJANGO_CONFORMANCE_MARKER, inherited by every descendant): the shell, its webview helper processes, desktop_serve and desktop_worker.",
    "Web processes by first paint (Linux): every WebKitWebProcess carrying the launch's marker that appears in /proc between the spawn and window_loaded, polled with the events file. 2 means WebKit swapped web processes on the way to the first page (for example for a Cross-Origin-Opener-Policy response reached from the splash).",
    "Quit: SIGTERM to the shell (floor: its lifeline stdin is closed; migrate-then-poll: SIGTERM to waitress). quit → shutdown_complete from the events file; quit → all gone is when every process of the launch is gone from /proc (zombies count as gone) and no process carries the marker, polled every 4 ms.",
    "floor: `python manage.py desktop_serve` alone with the same interpreter, settings and env as the shells' supervisor gives it (token, fresh app-data dir); time from spawn to the first 200 of GET /health/ (with the token) on the port from its handshake line, polled every 4 ms.",
    "migrate-then-poll: `python manage.py migrate --noinput` as its own process, then `python -m waitress --listen=127.0.0.1:<port chosen by the parent> flying_stable.wsgi:application` with the same settings and token, then GET /health/ every 250 ms until 200; time from the migrate spawn.",
    "Packaged apps: every .deb in <target>/package/ (`just package`) is unpacked once with `dpkg-deb -x` into a temp dir (nothing is installed into the system) and its usr/bin program is launched from there like a shell, with cwd in that temp dir and PATH set to an empty dir, so no Python is on PATH; the shell finds the runtime in its own bundle (Tauri: ../lib/<product>/runtime) and runs it in packaged mode. A run whose desktop_serve process does not run from the unpacked runtime fails. The .deb's shell build profile is the one of Tauri's bundle dir holding a byte-identical copy.",
    "Package sizes: the .deb's bytes; installed = its control file's Installed-Size (KiB) × 1024; runtime = the sum of desktop-runtime.json's file sizes, split by component from each file's path (shared libraries by name; under _internal/: base_library.zip and pythonX.Y/ are the stdlib, django/ and its dist-info Django, a folder with a matching *.dist-info third-party, any other folder the project's; the roles' program, which carries the PYZ bytecode archive of every module, on its own).",
    "Sizes: the release binary from `cargo build --release -p <pkg>` (the package named in the descriptor's build step); a package where one was built (Tauri's target/release/bundle, or a dist/ folder), else n/a.",
];

/// Writes results.md (the table, with the machine), results.json and chart.svg into `out`.
pub fn write_outputs(out: &Path, r: &Results, md: &str) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut machine = String::new();
    for (k, v) in &r.machine {
        machine.push_str(&format!("- {k}: {v}\n"));
    }
    let doc = format!(
        "# Benchmark results\n\nWritten by `just bench` (`bench/`); how to read them: [../performance.md](../performance.md).\n\n![chart](chart.svg)\n\n{md}\n## Machine\n\n{machine}"
    );
    let write = |name: &str, text: &str| {
        std::fs::write(out.join(name), text).map_err(|e| format!("{name}: {e}"))
    };
    write("results.md", &doc)?;
    write(
        "results.json",
        &(serde_json::to_string_pretty(r).map_err(|e| e.to_string())? + "\n"),
    )?;
    write("chart.svg", &svg(r))
}

#[cfg(test)]
pub(crate) mod fixture {
    use std::collections::BTreeMap;

    use super::*;

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

    pub(crate) fn results() -> Results {
        let mut floor = Subject::new(FLOOR, "floor", SubjectKind::Reference, "");
        floor.samples = vec![
            sample(400.0, None),
            sample(420.0, None),
            sample(380.0, None),
        ];
        let mut wry = Subject::new("wry", "wry", SubjectKind::Shell, "");
        wry.samples = vec![sample(450.0, Some(600.0)), sample(470.0, Some(640.0))];
        let mut mp = Subject::new(
            MIGRATE_POLL,
            "migrate-then-poll",
            SubjectKind::Reference,
            "",
        );
        mp.samples = vec![sample(900.0, None)];
        let mut gone = Subject::new("tauri", "Tauri", SubjectKind::Shell, "");
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
}
