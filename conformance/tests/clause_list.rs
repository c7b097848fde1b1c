//! The clause list is a reviewed artefact: adding, removing or re-levelling a clause changes this
//! snapshot (`cargo insta review`), `conformance::clauses::ALL`, and `docs/contract.md` together.
//! Every clause has at least one check in the `clauses` test (`tests/clauses/`, one module per
//! clause family).

use std::path::{Path, PathBuf};

#[test]
fn clause_list_snapshot() {
    insta::assert_snapshot!("clause_list", conformance::clauses::listing());
}

/// Every `.rs` file under `dir`, in subdirectories too.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

#[test]
fn every_clause_has_a_check() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("clauses");
    let files = rust_files(&dir);
    assert!(
        files.iter().any(|p| p.ends_with("main.rs")),
        "no main.rs in {}: {files:?}",
        dir.display()
    );
    let src: String = files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect::<Vec<_>>()
        .join("\n");
    for c in conformance::clauses::ALL
        .iter()
        .chain(conformance::clauses::SUITES)
    {
        let called = src.contains(&format!("check(\"{}\"", c.id))
            || src.contains(&format!("check_scenario(\"{}\"", c.id))
            || src.contains(&format!("check_scenario(\n        \"{}\"", c.id));
        assert!(called, "{} has no check in tests/clauses/", c.id);
        let test_prefix = format!("fn {}", c.id.to_lowercase().replace('-', "_"));
        assert!(
            c.id == "HOSTILE" || src.contains(&test_prefix),
            "no test named after {} ({test_prefix}…)",
            c.id
        );
    }
}
