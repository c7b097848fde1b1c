//! The packaged apps' sizes in results.md: the installer, what it installs, the shell binary
//! and the runtime, then the runtime by component with its largest files (what to prune).

use std::fmt::Write as _;

use super::model::Results;

fn mb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1e6)
}

/// Appends the size tables of every subject with package sizes (measured or not: the sizes do
/// not depend on a launch). Nothing when there is none.
pub(super) fn sizes_markdown(out: &mut String, r: &Results) {
    let packaged: Vec<_> = r
        .subjects
        .iter()
        .filter_map(|s| Some((s, s.package_sizes.as_ref()?)))
        .collect();
    if packaged.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n**Packaged app sizes** (MB = 10^6 bytes; exact bytes in results.json):\n\n| subject | installer (.deb) | installed (Installed-Size) | shell binary | runtime (manifest sum) | runtime files |\n| --- | ---: | ---: | ---: | ---: | ---: |"
    );
    for (s, p) in &packaged {
        let opt = |b: Option<u64>| b.map_or("n/a".into(), |b| format!("{} MB", mb(b)));
        let _ = writeln!(
            out,
            "| {} | {} MB | {} | {} | {} | {} |",
            s.label,
            mb(p.artifact_bytes),
            opt(p.installed_bytes),
            opt(p.shell_binary_bytes),
            opt(p.runtime.as_ref().map(|r| r.bytes)),
            p.runtime
                .as_ref()
                .map_or("n/a".into(), |r| r.files.to_string())
        );
    }
    for (s, p) in &packaged {
        let Some(rt) = &p.runtime else {
            continue;
        };
        let _ = writeln!(
            out,
            "\n**{} runtime by component** (Python {}, Django {}; from desktop-runtime.json):\n\n| component | files | MB | share |\n| --- | ---: | ---: | ---: |",
            s.label, rt.python_version, rt.django_version
        );
        let share = |b: u64| 100.0 * b as f64 / rt.bytes.max(1) as f64;
        for c in &rt.components {
            let _ = writeln!(
                out,
                "| {} | {} | {:.2} | {:.1} % |",
                c.component.label(),
                c.files,
                c.bytes as f64 / 1e6,
                share(c.bytes)
            );
        }
        let _ = writeln!(
            out,
            "| **total** | {} | {:.2} | 100 % |",
            rt.files,
            rt.bytes as f64 / 1e6
        );
        let largest: Vec<String> = rt
            .largest
            .iter()
            .map(|f| format!("`{}` {} MB", f.path, mb(f.bytes)))
            .collect();
        let _ = writeln!(out, "\nLargest runtime files: {}.", largest.join(", "));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::results;
    use super::*;
    use crate::package_size::{Component, ComponentSize, FileSize, PackageSizes, RuntimeSizes};

    #[test]
    fn size_tables() {
        let mut r = results();
        let mut none = String::new();
        sizes_markdown(&mut none, &r);
        assert_eq!(none, "", "no packaged subject, no table");
        r.subjects[1].package_sizes = Some(PackageSizes {
            artifact_bytes: 39_666_412,
            installed_bytes: Some(139_938 * 1024),
            shell_binary_bytes: None,
            build_profile: Some("debug".into()),
            runtime: Some(RuntimeSizes {
                bytes: 4_000_000,
                files: 3,
                python_version: "3.11.7".into(),
                django_version: "5.2.19".into(),
                components: vec![
                    ComponentSize {
                        component: Component::Program,
                        files: 1,
                        bytes: 3_000_000,
                    },
                    ComponentSize {
                        component: Component::Project,
                        files: 2,
                        bytes: 1_000_000,
                    },
                ],
                largest: vec![FileSize {
                    path: "desktop-backend/desktop-backend".into(),
                    bytes: 3_000_000,
                }],
            }),
        });
        let mut md = String::new();
        sizes_markdown(&mut md, &r);
        assert!(
            md.contains("| Tauri | 39.7 MB | 143.3 MB | n/a | 4.0 MB | 3 |"),
            "{md}"
        );
        assert!(md.contains("| 1 | 3.00 | 75.0 % |"), "{md}");
        assert!(md.contains("| **total** | 3 | 4.00 | 100 % |"), "{md}");
        assert!(
            md.contains("`desktop-backend/desktop-backend` 3.0 MB"),
            "{md}"
        );
    }
}
