"""The wheel ships the whole app: every file under src/desktop_django (templates,
migrations, management commands included) and the metadata the demo and the docs rely on
(name, version, core dependencies, the ``tasks`` and ``packaged`` extras).

Built with ``pip wheel --no-deps --no-build-isolation`` from a copy of the project, so no
network is needed (setuptools comes from the backend's lock) and a stale ``build/`` dir
in the checkout cannot hide a missing file.
"""

import email.parser
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
REPO = PROJECT.parents[1]
SKIP_PARTS = {"__pycache__", "build"}


def _ignore(_dir, names):
    return [n for n in names if n in SKIP_PARTS or n.endswith((".egg-info", ".pyc"))]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "desktop-django"
    shutil.copytree(PROJECT, src, ignore=_ignore)
    shutil.rmtree(src / "tests")
    out = tmp / "dist"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
        + ["--disable-pip-version-check", "-q", "-w", str(out), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, f"pip wheel failed:\n{proc.stdout}\n{proc.stderr}"
    wheels = list(out.glob("desktop_django-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def _metadata(wheel: Path):
    with zipfile.ZipFile(wheel) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(zf.read(name).decode("utf-8"))


@pytest.mark.parametrize(
    "member",
    [
        "desktop_django/templates/desktop_django/splash.html",
        "desktop_django/migrations/__init__.py",
        "desktop_django/migrations/0001_initial.py",
        "desktop_django/management/__init__.py",
        "desktop_django/management/commands/__init__.py",
        "desktop_django/management/commands/desktop_serve.py",
        "desktop_django/management/commands/desktop_worker.py",
        "desktop_django/apps.py",
    ],
)
def test_wheel_holds_the_named_files(wheel, member):
    assert member in _names(wheel)


def test_wheel_holds_every_source_file_and_nothing_else(wheel):
    root = PROJECT / "src"
    sources = {
        p.relative_to(root).as_posix()
        for p in (root / "desktop_django").rglob("*")
        if p.is_file() and not SKIP_PARTS.intersection(p.parts) and p.suffix != ".pyc"
    }
    shipped = {n for n in _names(wheel) if not n.split("/")[0].endswith(".dist-info")}
    assert sources - shipped == set(), "missing from the wheel"
    assert shipped - sources == set(), "in the wheel but not in src/"


def test_metadata_name_version_and_extras(wheel):
    meta = _metadata(wheel)
    assert meta["Name"] == "desktop-django"
    cargo = tomllib.loads((REPO / "Cargo.toml").read_text(encoding="utf-8"))
    assert meta["Version"] == cargo["workspace"]["package"]["version"]
    init = (PROJECT / "src" / "desktop_django" / "__init__.py").read_text(encoding="utf-8")
    assert f'__version__ = "{meta["Version"]}"' in init
    assert set(meta.get_all("Provides-Extra")) == {"tasks", "packaged"}
    requires = meta.get_all("Requires-Dist")

    def names(marker):
        return sorted(re.match(r"[\w.-]+", r).group().lower() for r in requires if marker(r))

    assert names(lambda r: "extra ==" not in r) == ["django", "platformdirs", "waitress"]
    by_extra = {e: names(lambda r, e=e: f'extra == "{e}"' in r) for e in ("tasks", "packaged")}
    assert by_extra == {"tasks": ["django-tasks", "django-tasks-db"], "packaged": ["whitenoise"]}


def test_tasks_extra_admits_the_django_tasks_db_of_every_supported_django(wheel):
    """django-tasks-db 0.13 requires Django >= 5.2 and 0.12 Django >= 4.2: the extra must admit
    both, so a project on 4.2-5.1 keeps its Django, and without 0.13's `compat` extra, which
    0.12 lacks. django-tasks is named directly (0.13 imports it on Django < 6)."""
    requirement = pytest.importorskip("packaging.requirements", reason="packaging").Requirement
    tasks = {
        r.name.lower(): r
        for r in map(requirement, _metadata(wheel).get_all("Requires-Dist"))
        if r.marker is not None and r.marker.evaluate({"extra": "tasks"})
    }
    assert set(tasks) == {"django-tasks", "django-tasks-db"}
    db = tasks["django-tasks-db"]
    assert db.extras == set(), db
    assert db.specifier.contains("0.12.0") and db.specifier.contains("0.13.0"), db
    assert "0.12.0" in tasks["django-tasks"].specifier, tasks["django-tasks"]
