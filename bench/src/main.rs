//! `just bench`: cold launches of every shell with a descriptor (`shells/*/conformance.toml`),
//! against two references measured in the same run, written to `docs/benchmarks/`.
//! Method and how to read the numbers: `docs/performance.md`.

mod births;
mod cli;
mod machine;
mod mem;
mod package_size;
mod packaged;
mod references;
mod report;
mod rounds;
mod shells;
mod stats;
mod subjects;
mod timing;

use std::time::Duration;

use contract::launch::LaunchSpec;
use harness::descriptor::{self, Placeholders};

fn main() {
    let ws = harness::workspace();
    let args = cli::parse_args(&ws).unwrap_or_else(|e| exit(2, &e));
    let specs = descriptor::discover(&ws, &Placeholders::for_workspace(&ws))
        .unwrap_or_else(|e| exit(1, &e));
    let project = contract::project::Project::load(&ws.join("backend"))
        .unwrap_or_else(|e| exit(1, &format!("backend/desktop.toml: {e}")));
    let backend = LaunchSpec::dev(&project, None)
        .unwrap_or_else(|e| exit(1, &format!("{e} (run `just setup`)")));

    // Subjects: every shell with a descriptor, each with its packaged app, then the references.
    let (mut subjects, to_launch) = subjects::prepare(&ws, specs, &args);
    let mut machine = machine::machine(backend.program());
    let settle = Duration::from_millis(args.settle_ms);
    rounds::run(&mut subjects, &to_launch, &backend, args.runs, settle);
    machine.insert("loadavg_at_end".into(), machine::loadavg());

    let profile = if args.release { "release" } else { "debug" };
    let mut results = report::Results::new(args.runs, args.settle_ms, profile, machine, subjects);
    results.redact_paths(&ws, &descriptor::target_dir(&ws), &std::env::temp_dir());
    results.derive();
    let md = report::markdown(&results);
    println!("\n{md}");
    if let Err(e) = report::write_outputs(&args.out, &results, &md) {
        exit(1, &e);
    }
    say(&format!(
        "wrote {0}/results.md, {0}/results.json, {0}/chart.svg",
        args.out.display()
    ));
}

/// Ends the program with `bench: <why>` on stderr.
fn exit(code: i32, why: &str) -> ! {
    eprintln!("bench: {why}");
    std::process::exit(code);
}

fn say(line: &str) {
    eprintln!("bench: {line}");
}

/// The first line of a long harness message, for one-line reports.
fn first_lines(s: &str, n: usize) -> String {
    s.lines().take(n).collect::<Vec<_>>().join(" / ")
}
