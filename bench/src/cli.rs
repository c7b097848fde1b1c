//! The command line: `bench [--runs N] [--settle-ms MS] [--only NAME[,NAME…]] [--profile
//! release|debug] [--no-build] [--package] [--out DIR]`.

use std::path::{Path, PathBuf};

pub struct Args {
    pub runs: usize,
    pub settle_ms: u64,
    pub only: Option<Vec<String>>,
    pub build: bool,
    pub release: bool,
    /// Build the installer first (`scripts/package.sh`, the bench's profile).
    pub package: bool,
    pub out: PathBuf,
}

fn usage() -> &'static str {
    "usage: bench [--runs N] [--settle-ms MS] [--only NAME[,NAME…]] [--profile release|debug] [--no-build] [--package] [--out DIR]

  --runs N         timed cold launches per subject, after one warm-up (default 10)
  --settle-ms MS   wait after first paint / first health 200 before reading memory (default 2000)
  --only NAMES     only these shells (descriptor names), packaged apps (packaged: all of them, or
                   packaged-<shell>) and references (floor, migrate-then-poll)
  --profile P      time the shells' release binaries (default; built with `cargo build --release -p <pkg>`)
                   or the debug binaries the descriptors name
  --no-build       build nothing; use the binaries that exist
  --package        build the .deb first (scripts/package.sh, --debug with --profile debug; 2-4 min);
                   without it the packaged rows use the .deb `just package` left, or are skipped
  --out DIR        where results.md, results.json and chart.svg go (default docs/benchmarks)"
}

pub fn parse_args(ws: &Path) -> Result<Args, String> {
    let mut a = Args {
        runs: 10,
        settle_ms: 2000,
        only: None,
        build: true,
        release: true,
        package: false,
        out: ws.join("docs").join("benchmarks"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--runs" => {
                a.runs = value("--runs")?
                    .parse()
                    .map_err(|e| format!("--runs: {e}"))?;
                if a.runs == 0 {
                    return Err("--runs must be at least 1".into());
                }
            }
            "--settle-ms" => {
                a.settle_ms = value("--settle-ms")?
                    .parse()
                    .map_err(|e| format!("--settle-ms: {e}"))?
            }
            "--only" => {
                a.only = Some(
                    value("--only")?
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .collect(),
                )
            }
            "--profile" => match value("--profile")?.as_str() {
                "release" => a.release = true,
                "debug" => a.release = false,
                other => return Err(format!("--profile {other}: use release or debug")),
            },
            "--no-build" => a.build = false,
            "--package" => a.package = true,
            "--out" => a.out = PathBuf::from(value("--out")?),
            "-h" | "--help" => {
                println!("{}", usage());
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}\n{}", usage())),
        }
    }
    Ok(a)
}
