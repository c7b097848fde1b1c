//! `cargo run -p conformance --bin conformance-matrix [-- --docs]`
//!
//! Prints the shell × clause matrix of the last `cargo test -p conformance` run (from
//! `<target>/conformance/results/`) and rewrites `<target>/conformance/matrix.{json,md}`.
//! With `--docs`, also renders it into `docs/conformance-matrix.md`.

use conformance::matrix::{self, Matrix};

fn main() {
    let docs = std::env::args().skip(1).any(|a| a == "--docs");
    let shells = conformance::shell_names();
    let m = match Matrix::build(&shells, &matrix::results_dir()) {
        Ok(m) => m.with_labels(&conformance::shell_labels()),
        Err(e) => {
            eprintln!("conformance-matrix: {e}");
            std::process::exit(1);
        }
    };
    if m.rows
        .iter()
        .all(|r| r.cells.values().all(|c| c.outcome == "not run"))
    {
        eprintln!(
            "conformance-matrix: no results under {}; run `cargo test -p conformance` first",
            matrix::results_dir().display()
        );
        std::process::exit(1);
    }
    print!("{}", m.text());
    if let Err(e) = m.write(&matrix::root()) {
        eprintln!(
            "conformance-matrix: cannot write {}: {e}",
            matrix::root().display()
        );
        std::process::exit(1);
    }
    if docs {
        let path = conformance::workspace()
            .join("docs")
            .join("conformance-matrix.md");
        let text = format!(
            "# Conformance matrix\n\n\
             Every clause of the [runtime contract](contract.md) on every shell, as checked from \
             outside the shell by `cargo test -p conformance` (Linux, under Xvfb). \
             *pass*: the clause holds; *FAIL*: it does not; *not claimed*: a SHOULD clause the \
             shell's descriptor does not declare; *expected failure*: listed in the shell's \
             descriptor with the reason below, and still run; *unavailable*: the shell's \
             descriptor (`available_if`) says it cannot run on the machine that ran the suite; \
             *n/a*: a C-PKG clause, which binds installed packages only, on a build. `HOSTILE` is \
             the hostile-input corpus (tokens, Host, `next`, tickets, CSRF, CRUD input, any path, HTTP \
             framing).\n\n\
             The installed-package rows (Tauri and wry `.deb`) run while `just test-package` \
             has each `.deb` installed; elsewhere they read *unavailable*. Results are kept per \
             shell, so the matrix joins the rows of the full run and of those runs.\n\n\
             Regenerate after `just test` (or a full run):\n\n\
             ```sh\ncargo build --workspace --bins\ncargo test -p conformance\n\
             cargo run -p conformance --bin conformance-matrix -- --docs\n```\n\n\
             How a shell joins the matrix: [adding-a-shell.md](adding-a-shell.md).\n\n{}",
            m.markdown()
        );
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("conformance-matrix: cannot write {}: {e}", path.display());
            std::process::exit(1);
        }
        eprintln!("wrote {}", path.display());
    }
}
