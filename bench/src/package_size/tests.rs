//! The component classification and the size parsing, on real manifest path shapes.

use super::*;

/// Paths as `packaging/runtime/stage.py` writes them (a PyInstaller 6 one-folder build of
/// the demo), with their real sizes.
const FILES: &[(&str, u64)] = &[
    ("desktop-backend/desktop-backend", 6986904),
    ("desktop-backend/_internal/libpython3.11.so.1.0", 5728384),
    ("desktop-backend/_internal/libssl.so.3", 688160),
    (
        "desktop-backend/_internal/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so",
        220864,
    ),
    ("desktop-backend/_internal/base_library.zip", 1442277),
    (
        "desktop-backend/_internal/django/contrib/admin/static/admin/css/base.css",
        22120,
    ),
    (
        "desktop-backend/_internal/django/conf/locale/de/LC_MESSAGES/django.mo",
        31254,
    ),
    (
        "desktop-backend/_internal/django-5.2.19.dist-info/RECORD",
        450755,
    ),
    (
        "desktop-backend/_internal/django_tasks_db-0.13.0.dist-info/RECORD",
        6951,
    ),
    (
        "desktop-backend/_internal/platformdirs-4.14.7.dist-info/sboms/platformdirs.cdx.json",
        496035,
    ),
    ("desktop-backend/_internal/platformdirs/py.typed", 0),
    ("desktop-backend/_internal/django_tasks_db/py.typed", 0),
    (
        "desktop-backend/_internal/ponies/templates/ponies/list.html",
        3785,
    ),
    (
        "desktop-backend/_internal/flying_stable/static/flying_stable/app.css",
        11273,
    ),
    (
        "desktop-backend/_internal/staticfiles/flying_stable/app.63b7aee491ee.css.gz",
        3166,
    ),
    (
        "desktop-backend/_internal/desktop_django/templates/desktop_django/splash.html",
        1194,
    ),
    ("desktop-backend/_internal/desktop.toml", 278),
    ("desktop.toml", 333),
    ("icon.png", 32365),
];

fn run() -> (Vec<ComponentSize>, Vec<FileSize>) {
    breakdown(FILES, &BTreeSet::from(["desktop-backend/desktop-backend"]))
}

fn of(components: &[ComponentSize], c: Component) -> (usize, u64) {
    components
        .iter()
        .find(|x| x.component == c)
        .map_or((0, 0), |x| (x.files, x.bytes))
}

#[test]
fn classifies_every_kind_of_runtime_file() {
    let (components, _) = run();
    assert_eq!(of(&components, Component::Program), (1, 6986904));
    assert_eq!(
        of(&components, Component::SharedLibraries),
        (3, 5728384 + 688160 + 220864)
    );
    assert_eq!(of(&components, Component::Stdlib), (1, 1442277));
    assert_eq!(
        of(&components, Component::Django),
        (3, 22120 + 31254 + 450755)
    );
    assert_eq!(
        of(&components, Component::ThirdParty),
        (4, 6951 + 496035),
        "dist-infos and the folders they name; django_tasks_db is not Django"
    );
    assert_eq!(
        of(&components, Component::Project),
        (5, 3785 + 11273 + 3166 + 1194 + 278),
        "folders without a dist-info are the project's"
    );
    assert_eq!(of(&components, Component::Other), (2, 333 + 32365));
    let total: u64 = components.iter().map(|c| c.bytes).sum();
    assert_eq!(total, FILES.iter().map(|(_, b)| b).sum::<u64>());
    let order: Vec<Component> = components.iter().map(|c| c.component).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "table order");
}

#[test]
fn largest_files_first() {
    let (_, largest) = run();
    assert_eq!(largest.len(), LARGEST);
    assert_eq!(largest[0].path, "desktop-backend/desktop-backend");
    assert_eq!(largest[1].bytes, 5728384);
    assert!(largest.windows(2).all(|w| w[0].bytes >= w[1].bytes));
}

#[test]
fn shared_library_names() {
    for yes in [
        "libz.so.1",
        "libpython3.11.so.1.0",
        "_json.cpython-311-x86_64-linux-gnu.so",
        "x.dylib",
        "python311.dll",
        "_ssl.pyd",
    ] {
        assert!(is_shared_library(yes), "{yes}");
    }
    for no in [
        "so",
        "base_library.zip",
        "notes.so.txt",
        "x.so.",
        "also.py",
        "django.mo",
    ] {
        assert!(!is_shared_library(no), "{no}");
    }
}

#[test]
fn installed_size_is_kib() {
    assert_eq!(parse_installed_size("139938\n"), Ok(139938 * 1024));
    assert_eq!(parse_installed_size(" 0 "), Ok(0));
    assert!(parse_installed_size("").is_err());
    assert!(parse_installed_size("139938 KiB").is_err());
    assert!(parse_installed_size("-1").is_err());
}
