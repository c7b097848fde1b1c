//! The timed rounds: one warm-up (discarded; a subject that fails it is skipped), then `runs`
//! rounds, every subject once per round, so drift in machine load hits all rows alike.

use std::time::Duration;

use contract::launch::LaunchSpec;

use crate::report::{Subject, FLOOR, MIGRATE_POLL};
use crate::shells::ToLaunch;
use crate::{first_lines, references, say, shells};

/// Runs every subject not skipped, paired with its shell in `to_launch` (`None` for a reference).
pub fn run(
    subjects: &mut [Subject],
    to_launch: &[Option<ToLaunch>],
    backend: &LaunchSpec,
    runs: usize,
    settle: Duration,
) {
    for round in 0..=runs {
        let warm = round == 0;
        for (subject, shell) in subjects.iter_mut().zip(to_launch) {
            if subject.skipped.is_some() {
                continue;
            }
            let result = match subject.name.as_str() {
                FLOOR => references::run_floor(backend, settle),
                MIGRATE_POLL => references::run_migrate_then_poll(backend, settle),
                _ => shells::run_shell(
                    shell.as_ref().expect("a shell subject has what to launch"),
                    settle,
                ),
            };
            let what = if warm {
                "warm-up".to_string()
            } else {
                format!("run {round}/{runs}")
            };
            match result {
                Ok(s) => {
                    let f = |v: Option<f64>| v.map_or("—".into(), |v| format!("{v:.0}"));
                    say(&format!(
                        "{} {what}: splash {} ready {} paint {} ms; quit→shutdown {} gone {} ms; PSS {} RSS {} MB ({} procs)",
                        subject.name,
                        f(s.splash_ms),
                        f(s.ready_ms),
                        f(s.paint_ms),
                        f(s.quit_shutdown_ms),
                        f(s.quit_gone_ms),
                        f(s.pss_mb),
                        f(s.rss_mb),
                        f(s.processes)
                    ));
                    if !warm {
                        subject.samples.push(s);
                    }
                }
                Err(e) => {
                    say(&format!("{} {what} failed: {e}", subject.name));
                    if warm {
                        subject.skipped = Some(format!("failed to launch: {}", first_lines(&e, 1)));
                    } else {
                        subject.failures.push(first_lines(&e, 1));
                    }
                }
            }
        }
    }
}
