//! Shell descriptors ([`harness::descriptor`]), with the clause ids they name checked against
//! the suite's clause list: `claims` lists SHOULD clauses only, `expected_failures` keys are
//! `C-X-N` or `C-X-N@scenario` of a known clause.

use std::path::Path;

pub use harness::descriptor::*;

/// Parses a descriptor's text ([`harness::descriptor::parse`]) and checks its clause ids.
pub fn parse(text: &str) -> Result<Descriptor, String> {
    let d = harness::descriptor::parse(text)?;
    check_clauses(&d)?;
    Ok(d)
}

/// Finds and expands every descriptor under `workspace` ([`harness::descriptor::discover`]),
/// with its clause ids checked.
pub fn discover(workspace: &Path, ph: &Placeholders) -> Result<Vec<ShellSpec>, String> {
    harness::descriptor::discover_checked(workspace, ph, check_clauses)
}

/// The clause ids a descriptor names exist, and the ones it claims are SHOULD clauses.
pub fn check_clauses(d: &Descriptor) -> Result<(), String> {
    for f in &d.claims {
        match crate::clauses::find(f) {
            Some(c) if c.level == crate::Level::Should => {}
            Some(_) => {
                return Err(format!(
                    "`claims` lists {f}, a MUST clause: only SHOULD clauses are claimed"
                ))
            }
            None => return Err(format!("`claims` lists {f}, which is no clause id")),
        }
    }
    for key in d.expected_failures.keys() {
        let id = key.split('@').next().unwrap_or_default();
        if crate::clauses::find(id).is_none() {
            return Err(format!(
                "`expected_failures` lists {key:?}: {id:?} is no clause id"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clause_ids_are_checked() {
        let base = "name = \"x\"\ncommand = [\"x\"]\ntransport = \"ticket\"\n";
        assert!(parse(&format!("{base}claims = [\"C-PROC-1\"]\n")).is_err());
        assert!(parse(&format!("{base}claims = [\"C-NOPE-9\"]\n")).is_err());
        assert!(parse(&format!("{base}claims = [\"C-READY-4\"]\n")).is_ok());
        assert!(parse(&format!(
            "{base}[expected_failures]\n\"C-NOPE-1\" = \"x\"\n"
        ))
        .is_err());
        assert!(parse(&format!(
            "{base}[expected_failures]\n\"C-PROC-5@grandchild\" = \"x\"\n"
        ))
        .is_ok());
    }

    #[test]
    fn discovery_checks_clause_ids() {
        let ws = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(ws.path().join("shells/a")).unwrap();
        std::fs::write(
            ws.path().join("shells/a/conformance.toml"),
            "name = \"a\"\ncommand = [\"x\"]\ntransport = \"ticket\"\nclaims = [\"C-PROC-1\"]\n",
        )
        .unwrap();
        let ph = Placeholders::for_workspace(ws.path());
        assert!(discover(ws.path(), &ph)
            .unwrap_err()
            .contains("MUST clause"));
    }
}
