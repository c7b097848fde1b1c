"""The pure parts of `just package-runtime` (packaging/runtime/stagelib.py): the manifest
writer, the path-leak scanner, the forbidden-file rules, desktop.toml's icon rewrite and
the module walk the spec freezes. No PyInstaller run here; `just package-runtime` is the
end-to-end test (it fails the build on any check)."""

import gzip
import hashlib
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest

from .repo_modules import REPO, load

stagelib = load("packaging/runtime/stagelib.py", "desktop_stagelib")
EXE = "desktop-backend/desktop-backend"


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def stage(tmp_path) -> Path:
    root = tmp_path / "runtime"
    write(root / EXE, b"\x7fELF fake executable")
    write(root / "desktop-backend/_internal/b/z.txt", b"zzz")
    write(root / "desktop-backend/_internal/a.bin", bytes(range(256)))
    write(root / "desktop-backend/_internal/B/upper.txt", b"upper")
    write(root / "desktop.toml", b'app_id = "x"\n')
    write(root / stagelib.MANIFEST_NAME, b'{"stale": true}')  # a previous manifest
    return root


def make_manifest(root: Path) -> dict:
    return stagelib.build_manifest(
        root,
        app_id="dev.example.app",
        app_version="1.2.3",
        python_version="3.11.7",
        django_version="5.2.19",
        exe_relpath=EXE,
    )


def test_manifest_lists_every_file_sorted_with_hashes_and_sizes(stage):
    manifest = make_manifest(stage)
    paths = [entry["path"] for entry in manifest["files"]]
    assert paths == sorted(paths)
    on_disk = sorted(
        p.relative_to(stage).as_posix()
        for p in stage.rglob("*")
        if p.is_file() and p.name != stagelib.MANIFEST_NAME
    )
    assert paths == on_disk
    for entry in manifest["files"]:
        data = (stage / entry["path"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["size"] == len(data)
        assert "\\" not in entry["path"] and not entry["path"].startswith("/")


def test_manifest_has_no_self_entry_and_the_contract_fields(stage):
    manifest = make_manifest(stage)
    assert stagelib.MANIFEST_NAME not in [e["path"] for e in manifest["files"]]
    assert manifest["schema"] == 1
    assert manifest["project_dir"] == "."
    assert manifest["roles"] == {"web": [EXE, "desktop_serve"], "worker": [EXE, "desktop_worker"]}
    assert (manifest["app_id"], manifest["app_version"]) == ("dev.example.app", "1.2.3")
    assert (manifest["python_version"], manifest["django_version"]) == ("3.11.7", "5.2.19")


def test_write_manifest_round_trips_and_is_not_listed_next_time(stage):
    manifest = make_manifest(stage)
    path = stagelib.write_manifest(stage, manifest)
    text = path.read_text(encoding="utf-8")
    assert json.loads(text) == manifest
    assert text.endswith("}\n") and "\r" not in text
    assert list(json.loads(text)) == ["schema", *[k for k in manifest if k != "schema"]]
    assert make_manifest(stage)["files"] == manifest["files"]  # rewriting it changes nothing


def test_manifest_requires_the_executable(stage):
    (stage / EXE).unlink()
    with pytest.raises(FileNotFoundError):
        make_manifest(stage)


def test_scanner_finds_a_planted_path_in_text_binary_and_zip(tmp_path):
    root = tmp_path / "stage"
    planted = "/home/builder/src/desktop-django"
    write(root / "clean.txt", b"nothing to see")
    write(root / "conf/settings.txt", f"ROOT = '{planted}/backend'\n".encode())
    write(root / "lib/blob.so", b"\0\1\2" + planted.encode() + b"\0")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mod.pyc", b"\0" * 64 + planted.encode() * 10)  # compressed: no raw match
    write(root / "base_library.zip", buffer.getvalue())
    assert planted.encode() not in (root / "base_library.zip").read_bytes()

    found = stagelib.scan_for_paths(root, [planted, "/nowhere/else"])
    assert found == [
        ("base_library.zip!mod.pyc", planted),
        ("conf/settings.txt", planted),
        ("lib/blob.so", planted),
    ]
    assert stagelib.scan_for_paths(root, ["/nowhere/else"]) == []


def test_scanner_finds_windows_paths_with_either_separator(tmp_path):
    write(tmp_path / "s/a.txt", b"C:/Users/dev/src/app/x")
    found = stagelib.scan_for_paths(tmp_path / "s", ["C:\\Users\\dev\\src\\app"])
    assert found == [("a.txt", "C:/Users/dev/src/app")]


def test_scanner_uses_extra_expanders(tmp_path):
    planted = "/opt/build/checkout"
    write(tmp_path / "s/exe", b"\x7fELF" + gzip.compress(planted.encode()))

    def expand_gzip_tail(path, head):
        if head.startswith(b"\x7fELF"):
            yield "tail", gzip.decompress(path.read_bytes()[4:])

    assert stagelib.scan_for_paths(tmp_path / "s", [planted]) == []
    found = stagelib.scan_for_paths(tmp_path / "s", [planted], expanders=[expand_gzip_tail])
    assert found == [("exe!tail", planted)]


def test_text_scan_skips_binaries(tmp_path):
    prefix = "/usr/local/python3.11"
    write(tmp_path / "s/libpython.so", b"\0ELF" + prefix.encode())
    write(tmp_path / "s/notes.txt", f"built with {prefix}\n".encode())
    assert stagelib.scan_text_files(tmp_path / "s", [prefix]) == [("notes.txt", prefix)]


@pytest.mark.parametrize(
    "path",
    [
        "desktop-backend/_internal/db.sqlite3",
        "desktop-backend/_internal/app.sqlite3-wal",
        "desktop-backend/_internal/secret_key",
        "logs/backend.log",
        "desktop-backend/_internal/logs",
        "x/.venv/lib/site.py",
        "x/__pycache__/m.cpython-311.pyc",
        "desktop-backend/_internal/backend.log.1",
        "pyvenv.cfg",
    ],
)
def test_forbidden_files(path):
    assert stagelib.forbidden_reason(path)


@pytest.mark.parametrize(
    "path",
    [
        "desktop-backend/_internal/staticfiles/staticfiles.json",
        "desktop-backend/_internal/ponies/templates/ponies/list.html",
        "desktop-backend/_internal/django/contrib/admin/static/admin/js/core.js",
        "desktop-backend/_internal/libsqlite3.so.0",
        "desktop.toml",
    ],
)
def test_allowed_files(path):
    assert stagelib.forbidden_reason(path) is None


def test_forbidden_files_walks_the_stage(stage):
    assert stagelib.forbidden_files(stage) == []
    write(stage / "desktop-backend/_internal/db.sqlite3", b"SQLite format 3\0")
    assert [p for p, _ in stagelib.forbidden_files(stage)] == [
        "desktop-backend/_internal/db.sqlite3"
    ]


TOML = """app_id = "dev.example.app"  # names the app-data dir
icon = "../assets/brand/icon.png"            # relative to this file

[settings]
packaged = "x.settings.packaged"
icon = "not-the-top-level-one"
"""


def test_rewrite_icon_repoints_or_drops_the_top_level_line():
    import tomllib

    repointed = tomllib.loads(stagelib.rewrite_icon(TOML, "icon.png"))
    assert repointed["icon"] == "icon.png"
    assert repointed["settings"]["icon"] == "not-the-top-level-one"
    dropped = stagelib.rewrite_icon(TOML, None)
    assert "icon" not in tomllib.loads(dropped)
    assert tomllib.loads(dropped)["settings"]["packaged"] == "x.settings.packaged"
    assert "# names the app-data dir" in dropped


def test_package_walk_includes_migrations_and_namespace_subpackages(tmp_path):
    for rel in (
        "app/__init__.py",
        "app/models.py",
        "app/migrations/__init__.py",
        "app/migrations/0001_initial.py",
        "app/management/commands/do_it.py",  # no __init__.py: a namespace package
        "app/templates/app/page.html",
        "app/static/app/site.css",
        "app/locale/fr/LC_MESSAGES/django.po",
        "app/__pycache__/models.cpython-311.pyc",
        "app/db.sqlite3",
        "tests/__init__.py",
    ):
        write(tmp_path / rel, b"")
    assert stagelib.project_packages(tmp_path) == ["app"]
    assert stagelib.package_modules(tmp_path, "app") == [
        "app",
        "app.management.commands.do_it",
        "app.migrations",
        "app.migrations.0001_initial",
        "app.models",
    ]
    datas = sorted(
        (Path(src).relative_to(tmp_path).as_posix(), dest)
        for src, dest in stagelib.package_data(tmp_path, "app")
    )
    assert datas == [
        ("app/static/app/site.css", str(Path("app/static/app"))),
        ("app/templates/app/page.html", str(Path("app/templates/app"))),
    ]


def test_source_packages_add_the_installed_apps_at_their_install_dir(tmp_path, monkeypatch):
    backend, site = tmp_path / "backend", tmp_path / "site"
    for rel in ("backend/app/__init__.py", "backend/manage.py", "site/installed_app/__init__.py"):
        write(tmp_path / rel, b"")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(stagelib, "SOURCE_APPS", ["installed_app"])
    assert stagelib.source_packages(backend) == [(backend, "app"), (site, "installed_app")]
    monkeypatch.setattr(stagelib, "SOURCE_APPS", ["no_such_app_installed"])
    with pytest.raises(LookupError, match="no_such_app_installed"):
        stagelib.source_packages(backend)


def test_desktop_django_is_frozen_from_its_install_not_from_backend():
    backend = REPO / "backend"
    found = {package: root for root, package in stagelib.source_packages(backend)}
    assert "desktop_django" not in stagelib.project_packages(backend)
    assert (found["desktop_django"] / "desktop_django" / "templates").is_dir()
    assert (found["desktop_django"] / "desktop_django" / "migrations" / "0001_initial.py").is_file()


def test_sha256sums_line_checks_with_sha256sum_format(tmp_path):
    path = write(tmp_path / "desktop-backend-1.0-linux-x86_64.tar.gz", b"archive")
    digest = hashlib.sha256(b"archive").hexdigest()
    assert stagelib.sha256sums_line(path) == f"{digest} *desktop-backend-1.0-linux-x86_64.tar.gz\n"


def test_tar_gz_is_reproducible(stage, tmp_path):
    one = stagelib.write_tar_gz(stage, tmp_path / "one.tar.gz", "runtime")
    two = stagelib.write_tar_gz(stage, tmp_path / "two.tar.gz", "runtime")
    assert one.read_bytes() == two.read_bytes()
    with tarfile.open(one) as tf:
        names = tf.getnames()
        assert names[0] == "runtime"
        assert f"runtime/{EXE}" in names
        assert {m.mtime for m in tf.getmembers()} == {0}
