//! The contract's clauses as data: the rows of the matrix, in the order of `docs/contract.md`.
//!
//! The list is pinned by an insta snapshot (`tests/clause_list.rs`) and cross-checked against the
//! tables of `docs/contract.md`, so adding, removing or re-levelling a clause is a reviewed change
//! in three places: the contract, this table and the snapshot.

use crate::Level;

/// One clause of the runtime contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clause {
    /// The clause id, e.g. `C-AUTH-6`.
    pub id: &'static str,
    pub level: Level,
    /// A few words for the matrix.
    pub title: &'static str,
    /// Which rows it binds.
    pub scope: Scope,
}

/// The rows a clause binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every shell, built or installed.
    Every,
    /// Installed packages only (descriptors with `packaged = true`); "n/a" on a build.
    Package,
}

const fn must(id: &'static str, title: &'static str) -> Clause {
    Clause {
        id,
        level: Level::Must,
        title,
        scope: Scope::Every,
    }
}

const fn should(id: &'static str, title: &'static str) -> Clause {
    Clause {
        id,
        level: Level::Should,
        title,
        scope: Scope::Every,
    }
}

const fn package(id: &'static str, title: &'static str) -> Clause {
    Clause {
        id,
        level: Level::Must,
        title,
        scope: Scope::Package,
    }
}

/// Every clause, in contract order.
pub const ALL: &[Clause] = &[
    must("C-PROC-1", "two roles: desktop_serve + desktop_worker"),
    must("C-PROC-2", "stdin lifeline"),
    must("C-PROC-3", "graceful quit"),
    must("C-PROC-4", "tree kill reaches grandchildren"),
    must("C-PROC-5", "orphan-proof"),
    should("C-PROC-6", "worker restart, web crash page"),
    should("C-PROC-7", "single instance"),
    must("C-PORT-1", "127.0.0.1 only"),
    must("C-PORT-2", "race-free handshake"),
    must("C-PORT-3", "port differs between launches"),
    must("C-AUTH-1", "per-session token, never leaked"),
    must("C-AUTH-2", "token enforced everywhere"),
    must("C-AUTH-3", "fail closed without a token"),
    must("C-AUTH-4", "token only to the exact origin"),
    must("C-AUTH-5", "one-time ticket bootstrap"),
    must("C-AUTH-6", "Host check"),
    must("C-AUTH-7", "CSRF stays on"),
    must("C-READY-1", "health"),
    must("C-READY-2", "splash, then gate"),
    must("C-READY-3", "startup failure"),
    should("C-READY-4", "health identity proof"),
    must("C-DATA-1", "one app-data dir"),
    must("C-DATA-2", "SQLite pragmas"),
    must("C-DATA-3", "first-run seeding"),
    must("C-DATA-4", "per-install secret"),
    should("C-DATA-5", "backup before migrate"),
    must("C-DATA-6", "logs and rotation"),
    must("C-DATA-7", "a migration never loses data"),
    must("C-DATA-8", "no silent downgrade"),
    must("C-SHELL-1", "navigation guard"),
    must("C-SHELL-2", "narrow bridge"),
    must("C-SHELL-3", "events file"),
    must("C-SHELL-4", "headless runs, autoquit"),
    must("C-SHELL-5", "generic host"),
    package("C-PKG-1", "bundled runtime, verified before spawn"),
    package("C-PKG-2", "offline, no Python on the machine"),
    package("C-PKG-3", "verified updates"),
];

/// Rows of the matrix that are not single clauses: suites that cut across several.
pub const SUITES: &[Clause] = &[must(
    "HOSTILE",
    "hostile-input corpus (tokens, Host, next, tickets, CSRF, CRUD)",
)];

/// What a check needs of the backend under test ([`crate::backend::under_test`]) beyond the
/// contract itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// The demo's own pages and data: the pony roster and its seeding, the CRUD forms, the
    /// routines page. Met only when the backend under test is the workspace's `backend/`.
    Demo,
    /// A worker role: met unless the project's `desktop.toml` says `worker = false`.
    Worker,
}

/// A check, or a group of the hostile corpus, that needs more of the backend than the contract:
/// on a backend without it, the check reads "n/a" on every row (nothing is launched) and the
/// corpus group is left out of its checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirement {
    /// `C-X-N` (every scenario), `C-X-N@scenario`, or `corpus:<group>`.
    pub check: &'static str,
    pub needs: Needs,
    /// Why, for the "n/a" line and the docs.
    pub why: &'static str,
}

/// The one table of checks that depend on the backend under test. Every other check runs on any
/// wrapped project, adapted to it (its `desktop.toml`, its own apps and pages); with the demo
/// as the backend, every check runs exactly as written.
pub const REQUIREMENTS: &[Requirement] = &[
    Requirement {
        check: "C-DATA-3",
        needs: Needs::Demo,
        why: "counts the demo's seeded pony roster (a project seeds only through its own DESKTOP_DJANGO_FIRST_RUN, which the suite cannot see)",
    },
    Requirement {
        check: "C-PROC-6@worker-restart",
        needs: Needs::Worker,
        why: "restarts the worker role, which a project with `worker = false` does not run",
    },
    Requirement {
        check: "corpus:CRUD input",
        needs: Needs::Demo,
        why: "bad values and unknown ids on the demo's pony and routine endpoints",
    },
    Requirement {
        check: "corpus:C-AUTH-7 CSRF (demo forms)",
        needs: Needs::Demo,
        why: "POSTs without CSRF to the demo's own create, edit, delete and routine endpoints",
    },
];

/// The requirement of one scenario of a check, if the table has one (`C-X-N` covers every
/// scenario of the clause).
pub fn requirement(clause: &str, scenario: &str) -> Option<&'static Requirement> {
    let with = format!("{clause}@{scenario}");
    REQUIREMENTS
        .iter()
        .find(|r| r.check.eq_ignore_ascii_case(clause) || r.check.eq_ignore_ascii_case(&with))
}

/// The requirement of a group of the hostile corpus, if the table has one.
pub fn corpus_requirement(group: &str) -> Option<&'static Requirement> {
    REQUIREMENTS
        .iter()
        .find(|r| r.check.strip_prefix("corpus:") == Some(group))
}

impl Requirement {
    /// Whether `project` has what it needs.
    pub fn met_by(&self, project: &crate::backend::Project) -> bool {
        match self.needs {
            Needs::Demo => project.is_demo,
            Needs::Worker => project.worker,
        }
    }
}

/// A clause or suite by id (case-insensitive).
pub fn find(id: &str) -> Option<&'static Clause> {
    ALL.iter()
        .chain(SUITES)
        .find(|c| c.id.eq_ignore_ascii_case(id))
}

/// The clause list as reviewed text: `id  LEVEL  title`, one per line.
pub fn listing() -> String {
    ALL.iter()
        .chain(SUITES)
        .map(|c| {
            let level = match c.level {
                Level::Must => "MUST",
                Level::Should => "SHOULD",
            };
            format!("{:<10} {:<6} {}\n", c.id, level, c.title)
        })
        .collect()
}

/// The `(id, level)` pairs of the clause tables in `docs/contract.md` (`| C-… | MUST | … |`).
pub fn parse_contract_tables(markdown: &str) -> Vec<(String, Level)> {
    markdown
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if cells.len() < 4 || !cells[1].starts_with("C-") {
                return None;
            }
            let level = match cells[2] {
                "MUST" => Level::Must,
                "SHOULD" => Level::Should,
                _ => return None,
            };
            Some((cells[1].to_string(), level))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_found() {
        let mut ids: Vec<&str> = ALL.iter().chain(SUITES).map(|c| c.id).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate clause ids");
        assert_eq!(find("c-auth-6").map(|c| c.id), Some("C-AUTH-6"));
        assert!(find("C-NOPE-1").is_none());
    }

    #[test]
    fn requirements_name_known_checks() {
        for r in REQUIREMENTS {
            match r.check.strip_prefix("corpus:") {
                Some(group) => assert!(
                    crate::corpus::cases().iter().any(|c| c.group == group),
                    "{}: no such corpus group",
                    r.check
                ),
                None => {
                    let id = r.check.split('@').next().unwrap_or_default();
                    assert!(find(id).is_some(), "{}: no such clause", r.check);
                }
            }
        }
        assert_eq!(
            requirement("C-DATA-3", "died-before-seeding").map(|r| r.needs),
            Some(Needs::Demo)
        );
        assert_eq!(
            requirement("C-PROC-6", "worker-restart").map(|r| r.needs),
            Some(Needs::Worker)
        );
        assert!(requirement("C-PROC-6", "web-crash").is_none());
        assert_eq!(
            corpus_requirement("CRUD input").map(|r| r.needs),
            Some(Needs::Demo)
        );
        assert!(corpus_requirement("C-AUTH-6 Host").is_none());
    }

    #[test]
    fn parses_contract_rows() {
        let md = "| id | level | rule |\n| --- | --- | --- |\n| C-PROC-1 | MUST | two |\n| C-PROC-6 | SHOULD | x |\ntext | C-X | y\n";
        assert_eq!(
            parse_contract_tables(md),
            vec![
                ("C-PROC-1".to_string(), Level::Must),
                ("C-PROC-6".to_string(), Level::Should)
            ]
        );
    }

    #[test]
    fn matches_docs_contract_md() {
        let path = crate::workspace().join("docs").join("contract.md");
        let text = std::fs::read_to_string(&path).unwrap();
        let docs = parse_contract_tables(&text);
        let ours: Vec<(String, Level)> = ALL.iter().map(|c| (c.id.to_string(), c.level)).collect();
        assert_eq!(
            ours,
            docs,
            "conformance::clauses::ALL must list the clauses of {} in order, with their levels",
            path.display()
        );
    }
}
