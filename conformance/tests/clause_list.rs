//! The clause list is a reviewed artefact: adding, removing or re-levelling a clause changes this
//! snapshot (`cargo insta review`), `conformance::clauses::ALL`, and `docs/contract.md` together.
//! That every clause has a check is the `clauses` test binary's own data (`CHECKS` in
//! `tests/clauses/main.rs`).

#[test]
fn clause_list_snapshot() {
    insta::assert_snapshot!("clause_list", conformance::clauses::listing());
}
