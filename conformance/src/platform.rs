//! Checks that cannot run on an OS, as data: each entry names a check (`C-X-N` for every scenario
//! of a clause, or `C-X-N@scenario`), the OS it cannot run on (`std::env::consts::OS`), and why.
//! [`crate::check_scenario`] reports such a check as `unavailable on <os>: <why>` for every shell,
//! launching nothing, so a gap shows in the matrix instead of a panic or a silent pass.
//!
//! Remove an entry when its check is ported; the unit tests keep the table consistent.

/// One check that cannot run on one OS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// `C-X-N` (every scenario) or `C-X-N@scenario`.
    pub check: &'static str,
    /// `std::env::consts::OS`: `windows`, `macos`, `linux`.
    pub os: &'static str,
    pub why: &'static str,
}

const FAKE_PYTHON: &str = "fault injection uses a POSIX sh stand-in for the interpreter \
(conformance::fakes), which Windows cannot execute; the Windows process tree is proven by the \
Wine lane (`just test-wine`)";
const FAKE_OPENER: &str = "the stand-in system opener is found through PATH, but on Windows the \
shells open links with ShellExecuteW, which PATH does not redirect";

const fn windows(check: &'static str, why: &'static str) -> Limit {
    Limit {
        check,
        os: "windows",
        why,
    }
}

/// Every known limit.
pub const LIMITS: &[Limit] = &[
    windows("C-PROC-1", FAKE_PYTHON),
    windows("C-PROC-3@grace-then-kill", FAKE_PYTHON),
    windows("C-PROC-4", FAKE_PYTHON),
    windows("C-PROC-5@before-handshake", FAKE_PYTHON),
    windows("C-PROC-5@grandchild", FAKE_PYTHON),
    windows("C-AUTH-3@short", FAKE_PYTHON),
    windows("C-AUTH-4", FAKE_OPENER),
    windows("C-READY-3@exits-early", FAKE_PYTHON),
    windows("C-READY-3@malformed-handshake", FAKE_PYTHON),
    windows("C-READY-3@never-ready", FAKE_PYTHON),
    windows("C-READY-4@impostor", FAKE_PYTHON),
    windows("C-DATA-3@died-before-seeding", FAKE_PYTHON),
    windows("C-DATA-4", FAKE_PYTHON),
    windows("C-SHELL-1", FAKE_OPENER),
    windows("C-SHELL-2", FAKE_OPENER),
    windows("C-SHELL-5", FAKE_OPENER),
];

/// `unavailable on <os>: <why>` if `clause`'s `scenario` (`main` for a clause's only check)
/// cannot run on `os`.
pub fn limit_on(os: &str, clause: &str, scenario: &str) -> Option<String> {
    let label = format!("{clause}@{scenario}");
    LIMITS
        .iter()
        .find(|l| l.os == os && (l.check == clause || l.check == label))
        .map(|l| format!("unavailable on {os}: {}", l.why))
}

/// [`limit_on`] for the OS this harness runs on.
pub fn limit(clause: &str, scenario: &str) -> Option<String> {
    limit_on(std::env::consts::OS, clause, scenario)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_limit_names_a_known_clause_and_os() {
        for l in LIMITS {
            let clause = l.check.split('@').next().unwrap_or_default();
            assert!(
                crate::clauses::find(clause).is_some(),
                "{} names no clause",
                l.check
            );
            assert!(["windows", "macos", "linux"].contains(&l.os), "{l:?}");
        }
    }

    #[test]
    fn matches_a_whole_clause_or_one_scenario() {
        assert!(limit_on("windows", "C-PROC-4", "main").is_some());
        assert!(limit_on("windows", "C-PROC-5", "grandchild").is_some());
        assert!(limit_on("windows", "C-PROC-5", "main").is_none());
        assert!(limit_on("linux", "C-PROC-4", "main").is_none());
        let why = limit_on("windows", "C-SHELL-2", "main").unwrap();
        assert!(why.starts_with("unavailable on windows: "), "{why}");
    }
}
