//! The clause list is a reviewed artefact: adding, removing or re-levelling a clause changes this
//! snapshot (`cargo insta review`), `conformance::clauses::ALL`, and `docs/contract.md` together.
//! Every clause has at least one check in `tests/clauses.rs`.

#[test]
fn clause_list_snapshot() {
    insta::assert_snapshot!("clause_list", conformance::clauses::listing());
}

#[test]
fn every_clause_has_a_check() {
    let src = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests")
            .join("clauses")
            .join("main.rs"),
    )
    .unwrap();
    for c in conformance::clauses::ALL
        .iter()
        .chain(conformance::clauses::SUITES)
    {
        let called = src.contains(&format!("check(\"{}\"", c.id))
            || src.contains(&format!("check_scenario(\"{}\"", c.id))
            || src.contains(&format!("check_scenario(\n        \"{}\"", c.id));
        assert!(called, "{} has no check in tests/clauses.rs", c.id);
        let test_prefix = format!("fn {}", c.id.to_lowercase().replace('-', "_"));
        assert!(
            c.id == "HOSTILE" || src.contains(&test_prefix),
            "no test named after {} ({test_prefix}…)",
            c.id
        );
    }
}
