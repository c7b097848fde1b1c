use super::*;

fn rec(clause: &str, scenario: &str, run: &str, res: &[(&str, &str, Option<&str>)]) -> CheckRecord {
    CheckRecord {
        clause: clause.into(),
        scenario: scenario.into(),
        run: run.into(),
        finished: if run == "new" { 2.0 } else { 1.0 },
        results: res
            .iter()
            .map(|(s, o, d)| ShellResult {
                shell: s.to_string(),
                outcome: o.to_string(),
                detail: d.map(str::to_string),
                seconds: 1.0,
            })
            .collect(),
    }
}

#[test]
fn an_os_limited_scenario_gets_a_note_and_does_not_mark_the_shell_absent() {
    let why = "unavailable on windows: no sh";
    let records = [
        rec("C-PROC-5", "main", "new", &[("wry", "pass", None)]),
        rec(
            "C-PROC-5",
            "grandchild",
            "new",
            &[("wry", "unavailable", Some(why))],
        ),
    ];
    let m = Matrix::from_records(&["wry".to_string()], &records);
    let cell = &m.rows.iter().find(|r| r.id == "C-PROC-5").unwrap().cells["wry"];
    assert_eq!(cell.outcome, "pass");
    assert!(cell.is_os_limit());
    assert!(m.unavailable().is_empty(), "{:?}", m.unavailable());
    let md = m.markdown();
    assert!(md.contains("| pass [1] |"), "{md}");
    assert!(
        md.contains("1. C-PROC-5 on wry: [grandchild] unavailable on windows: no sh"),
        "{md}"
    );
}

#[test]
fn cells_take_the_worst_scenario_and_mark_stale_runs() {
    let dir = tempfile::tempdir().unwrap();
    for r in [
        rec(
            "C-PROC-5",
            "main",
            "new",
            &[("wry", "pass", None), ("h", "pass", None)],
        ),
        rec(
            "C-PROC-5",
            "before-handshake",
            "new",
            &[("wry", "fail", Some("orphan")), ("h", "pass", None)],
        ),
        rec(
            "C-PROC-7",
            "main",
            "new",
            &[
                ("wry", "not claimed", None),
                ("h", "expected failure", Some("why")),
            ],
        ),
        rec("C-PORT-1", "main", "old", &[("wry", "pass", None)]),
    ] {
        std::fs::write(
            dir.path().join(format!("{}@{}.json", r.clause, r.scenario)),
            serde_json::to_string(&r).unwrap(),
        )
        .unwrap();
    }
    let shells = vec!["wry".to_string(), "h".to_string()];
    let m = Matrix::build(&shells, dir.path()).unwrap();
    let row = |id: &str| m.rows.iter().find(|r| r.id == id).unwrap();
    assert_eq!(row("C-PROC-5").cells["wry"].outcome, "fail");
    assert_eq!(
        row("C-PROC-5").cells["wry"].details,
        ["[before-handshake] orphan"]
    );
    assert_eq!(row("C-PROC-5").cells["h"].outcome, "pass");
    assert_eq!(row("C-PROC-7").cells["wry"].outcome, "not claimed");
    assert_eq!(row("C-PROC-7").cells["h"].outcome, "expected failure");
    assert!(row("C-PORT-1").cells["wry"].stale);
    assert_eq!(row("C-PORT-1").cells["h"].outcome, "not run");
    assert_eq!(row("C-AUTH-1").cells["wry"].outcome, "not run");
    let md = m.markdown();
    assert!(
        md.contains("| C-PROC-5 | MUST | orphan-proof | **FAIL** [1] | pass |"),
        "{md}"
    );
    assert!(
        md.contains("1. C-PROC-5 on wry: [before-handshake] orphan"),
        "{md}"
    );
    assert!(m.text().contains("C-PROC-7"));
    let out = tempfile::tempdir().unwrap();
    m.write(out.path()).unwrap();
    let back: Matrix =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("matrix.json")).unwrap())
            .unwrap();
    assert_eq!(back.rows.len(), m.rows.len());
}

#[test]
fn a_row_run_alone_joins_the_matrix_without_staling_the_others() {
    // The full run checked wry; a later run checked only the installed package's row.
    let records = vec![
        rec("C-PROC-5", "main", "old", &[("wry", "pass", None)]),
        rec("C-PORT-1", "main", "old", &[("wry", "pass", None)]),
        rec("C-PROC-5", "main", "new", &[("deb", "pass", None)]),
        rec(
            "C-PORT-1",
            "main",
            "new",
            &[("deb", "fail", Some("bound 0.0.0.0"))],
        ),
    ];
    let shells = ["wry".to_string(), "deb".to_string()];
    let m = Matrix::from_records(&shells, &records);
    let row = |id: &str| m.rows.iter().find(|r| r.id == id).unwrap();
    assert_eq!(row("C-PROC-5").cells["wry"].outcome, "pass");
    assert!(
        !row("C-PROC-5").cells["wry"].stale,
        "wry's own newest run is 'old'"
    );
    assert_eq!(row("C-PORT-1").cells["deb"].outcome, "fail");
    assert!(!row("C-PORT-1").cells["deb"].stale);
    // A shell checked in two runs: the older run's cells are marked.
    let mixed = vec![
        rec("C-PROC-5", "main", "old", &[("wry", "pass", None)]),
        rec("C-PORT-1", "main", "new", &[("wry", "pass", None)]),
    ];
    let m = Matrix::from_records(&["wry".to_string()], &mixed);
    let row = |id: &str| m.rows.iter().find(|r| r.id == id).unwrap();
    assert!(row("C-PROC-5").cells["wry"].stale);
    assert!(!row("C-PORT-1").cells["wry"].stale);
}
