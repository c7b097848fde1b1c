"""The pure parts of staging the bundled runtime (no PyInstaller, no Django imports).

Used by ``stage.py`` (the build), ``desktop-backend.spec`` (what to collect) and the
unit tests in ``backend/tests/test_packaging.py``.
"""

from __future__ import annotations

import fnmatch
import gzip
import hashlib
import importlib.util
import json
import os
import re
import tarfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath

MANIFEST_NAME = "desktop-runtime.json"
MANIFEST_SCHEMA = 1
EXE_NAME = "desktop-backend"

# Third-party packages the settings name by dotted string (apps, backends, middleware,
# storage) or the commands import, with their distribution names: some read their own
# version with importlib.metadata, so their .dist-info ships too. Django itself comes
# from PyInstaller's Django hook (which also copies its metadata).
THIRD_PARTY = {
    "django_tasks": "django-tasks",
    "django_tasks_db": "django-tasks-db",
    "django_stubs_ext": "django-stubs-ext",
    "waitress": "waitress",
    "whitenoise": "whitenoise",
    "platformdirs": "platformdirs",
    "asgiref": "asgiref",
    "sqlparse": "sqlparse",
}

# Installed apps frozen from their source tree like the packages beside manage.py
# (modules from the file tree, every other file as data), not through PyInstaller's hooks:
# copy_metadata would ship their .dist-info, whose direct_url.json holds the absolute
# path of an editable or local install (a build-machine path in the stage).
SOURCE_APPS = ["desktop_django"]

# Never frozen: dev tools, the builder itself, GUI toolkits nothing here uses.
EXCLUDED_MODULES = [
    "tkinter",
    "_tkinter",
    "pytest",
    "_pytest",
    "pytest_django",
    "PyInstaller",
    "pip",
    "setuptools",
    "pkg_resources",
    "IPython",
    "pygments",
    "tests",
]

# Not data: bytecode is frozen into the executable, and gettext reads only the compiled
# .mo catalogues, never the .po sources (11 MB of Django's).
DATA_EXCLUDES = ["**/__pycache__", "**/*.pyc", "**/*.pyo", "**/*.po"]
# Suffixes dropped from every collected data file (the Django hook collects Django's .py).
DATA_DROP_SUFFIXES = (".py", ".pyc", ".pyo", ".po")

# File names that must never be in the stage (C-DATA: the database, the secret key and
# the logs live in the per-user app-data dir, never in the install dir).
FORBIDDEN_NAMES = [
    "*.sqlite3",
    "*.sqlite3-*",
    "*.sqlite",
    "*.db",
    "db.*",
    "secret_key",
    ".secret_key*",
    "*.log",
    "*.log.*",
    "pyvenv.cfg",
    ".lock-sha256",
]
# Directory names that must never be in the stage.
FORBIDDEN_DIRS = ["logs", "backups", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache"]


def posix(path: str | os.PathLike[str]) -> str:
    """``path`` with '/' separators (the manifest's form on every OS)."""
    return PurePosixPath(*Path(path).parts).as_posix()


# --- What to collect ----------------------------------------------------------------------


def project_packages(backend: Path) -> list[str]:
    """Top-level packages beside manage.py (dirs with ``__init__.py``), ``tests`` excluded."""
    return sorted(
        p.name
        for p in backend.iterdir()
        if p.is_dir() and (p / "__init__.py").is_file() and p.name not in ("tests", ".venv")
    )


def source_packages(backend: Path) -> list[tuple[Path, str]]:
    """``(root, package)`` for every package frozen from source: those beside manage.py
    (root ``backend``), then each of ``SOURCE_APPS`` at the dir that holds it in this
    interpreter's env (found with ``importlib.util.find_spec``: located, not imported).
    Raises ``LookupError`` when one of ``SOURCE_APPS`` is not installed."""
    found = [(backend, package) for package in project_packages(backend)]
    for package in SOURCE_APPS:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise LookupError(f"{package} is not installed in this env (scripts/setup.sh)")
        found.append((Path(spec.submodule_search_locations[0]).parent, package))
    return found


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in FORBIDDEN_DIRS)
        for name in sorted(filenames):
            yield Path(dirpath) / name


_MODULE_PART = re.compile(r"[A-Za-z0-9_]+")


def package_modules(root: Path, package: str) -> list[str]:
    """Dotted names of every module and subpackage of ``root/package``, from the file tree."""
    modules = []
    for path in _walk(root / package):
        if path.suffix != ".py":
            continue
        rel = path.relative_to(root).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        # Not isidentifier(): migrations (0001_initial) are importable by name too.
        if all(_MODULE_PART.fullmatch(part) for part in parts):
            modules.append(".".join(parts))
    return sorted(modules)


def package_data(root: Path, package: str) -> list[tuple[str, str]]:
    """PyInstaller ``datas`` for ``root/package``: every file that is not Python source or
    bytecode (templates, static sources, ...), minus anything forbidden in the stage; each
    goes to its path relative to ``root``."""
    datas = []
    for path in _walk(root / package):
        if path.name.endswith(DATA_DROP_SUFFIXES) or forbidden_reason(path.name):
            continue
        datas.append((str(path), str(path.parent.relative_to(root))))
    return datas


def forbidden_reason(relpath: str) -> str | None:
    """Why ``relpath`` (a stage-relative path) must not ship, or None when it may."""
    parts = PurePosixPath(posix(relpath)).parts
    for part in parts[:-1]:
        if part in FORBIDDEN_DIRS:
            return f"inside a {part!r} directory"
    name = parts[-1] if parts else ""
    if name in FORBIDDEN_DIRS:
        return f"a {name!r} directory"
    for pattern in FORBIDDEN_NAMES:
        if fnmatch.fnmatchcase(name.lower(), pattern):
            return f"matches {pattern!r} (database, secret, log or dev env)"
    return None


def forbidden_files(root: Path) -> list[tuple[str, str]]:
    """``(relpath, reason)`` for every file or dir under ``root`` that must not ship."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames) + sorted(filenames):
            rel = posix(Path(dirpath, name).relative_to(root))
            reason = forbidden_reason(rel)
            if reason:
                found.append((rel, reason))
    return found


# --- desktop.toml -------------------------------------------------------------------------

_ICON_LINE = re.compile(r"^(\s*icon\s*=\s*)(\"[^\"]*\"|'[^']*')(.*)$")


def rewrite_icon(toml_text: str, icon: str | None) -> str:
    """Return ``toml_text`` with its top-level ``icon = "..."`` line pointing at ``icon``
    (a path relative to the file), or removed when ``icon`` is None. Other lines,
    comments included, are kept as they are."""
    out = []
    in_table = False
    for line in toml_text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("["):
            in_table = True
        match = None if in_table else _ICON_LINE.match(line.rstrip("\r\n"))
        if match is None:
            out.append(line)
        elif icon is not None:
            ending = line[len(line.rstrip("\r\n")) :]
            rest = re.sub(r"#.*$", "# copied beside this file", match.group(3))
            out.append(f"{match.group(1)}{json.dumps(icon)}{rest}{ending}")
    return "".join(out)


# --- The manifest -------------------------------------------------------------------------


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def file_entries(root: Path, skip: Iterable[str] = (MANIFEST_NAME,)) -> list[dict]:
    """``{"path", "sha256", "size"}`` for every regular file under ``root`` (symlinks
    followed, so a link is listed with its target's bytes), sorted by path, '/'
    separators; ``skip`` holds root-relative paths left out (the manifest itself)."""
    skipped = set(skip)
    entries = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in filenames:
            path = Path(dirpath) / name
            rel = posix(path.relative_to(root))
            if rel in skipped or not path.is_file():
                continue
            entries.append({"path": rel, "sha256": sha256_file(path), "size": path.stat().st_size})
    entries.sort(key=lambda e: e["path"])
    return entries


def build_manifest(
    root: Path,
    *,
    app_id: str,
    app_version: str,
    python_version: str,
    django_version: str,
    exe_relpath: str,
    project_dir: str = ".",
) -> dict:
    """The runtime manifest (``desktop-runtime.json``) for the stage at ``root``."""
    exe = posix(exe_relpath)
    if not (root / exe).is_file():
        raise FileNotFoundError(f"{root / exe}: the role executable is missing")
    return {
        "schema": MANIFEST_SCHEMA,
        "app_id": app_id,
        "app_version": app_version,
        "python_version": python_version,
        "django_version": django_version,
        "project_dir": posix(project_dir),
        "roles": {"web": [exe, "desktop_serve"], "worker": [exe, "desktop_worker"]},
        "files": file_entries(root),
    }


def write_manifest(root: Path, manifest: dict) -> Path:
    """Write ``manifest`` as ``root/desktop-runtime.json``: UTF-8, LF, keys in order, one
    ``files`` entry and one role per line (diffable, a third of the size of full indent)."""

    def block(items: list[str], opener: str, closer: str) -> str:
        if not items:
            return opener + closer
        return opener + "\n" + ",\n".join(items) + "\n  " + closer

    fields = []
    for key, value in manifest.items():
        if key == "files":
            rendered = block([f"    {json.dumps(e, ensure_ascii=False)}" for e in value], "[", "]")
        elif isinstance(value, dict):
            items = [
                f"    {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
                for k, v in value.items()
            ]
            rendered = block(items, "{", "}")
        else:
            rendered = json.dumps(value, ensure_ascii=False)
        fields.append(f"  {json.dumps(key)}: {rendered}")
    path = root / MANIFEST_NAME
    path.write_bytes(("{\n" + ",\n".join(fields) + "\n}\n").encode("utf-8"))
    return path


def sha256sums_line(path: Path) -> str:
    """One ``sha256sum -c`` line (binary mode marker) for ``path``, by its base name."""
    return f"{sha256_file(path)} *{path.name}\n"


# --- Path-leak scanning ---------------------------------------------------------------------

Expander = Callable[[Path, bytes], Iterator[tuple[str, bytes]]]


def expand_zip(path: Path, head: bytes) -> Iterator[tuple[str, bytes]]:
    """Members of a zip file (base_library.zip, wheels...), decompressed."""
    if not head.startswith(b"PK\x03\x04"):
        return
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                yield info.filename, zf.read(info)
    except zipfile.BadZipFile:
        return


def expand_tar(path: Path, head: bytes) -> Iterator[tuple[str, bytes]]:
    if not (head.startswith(b"\x1f\x8b") and path.name.endswith((".tar.gz", ".tgz"))):
        return
    with tarfile.open(path) as tf:
        for member in tf.getmembers():
            fh = tf.extractfile(member)
            if fh is not None:
                yield member.name, fh.read()


def find_needles(data: bytes, needles: Iterable[bytes]) -> list[bytes]:
    return [n for n in needles if n and n in data]


def scan_for_paths(
    root: Path,
    needles: Iterable[str],
    *,
    expanders: Iterable[Expander] = (expand_zip, expand_tar),
) -> list[tuple[str, str]]:
    """Search every file under ``root`` for each of ``needles`` (absolute paths of the
    build machine). Files are searched byte for byte, and so are the decompressed
    members that ``expanders`` find inside them (zip members, PyInstaller's compressed
    archives). Returns ``(where, needle)`` pairs, ``where`` like ``a/b.zip!member``."""
    raw = sorted({n.encode("utf-8") for n in needles if n}, key=len, reverse=True)
    # Windows paths may appear with either separator; search both forms.
    variants = set(raw)
    for n in raw:
        variants.add(n.replace(b"\\", b"/"))
        variants.add(n.replace(b"/", b"\\"))
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if not path.is_file():
                continue
            rel = posix(path.relative_to(root))
            data = path.read_bytes()
            found += [(rel, n.decode("utf-8", "replace")) for n in find_needles(data, variants)]
            for expand in expanders:
                for member, content in expand(path, data[:16]):
                    for n in find_needles(content, variants):
                        found.append((f"{rel}!{member}", n.decode("utf-8", "replace")))
    return sorted(set(found))


def is_text(data: bytes) -> bool:
    """A file is text when its first 8 KiB hold no NUL byte and decode as UTF-8."""
    head = data[:8192]
    if b"\0" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4  # a multi-byte character cut at the boundary
    return True


def scan_text_files(root: Path, needles: Iterable[str]) -> list[tuple[str, str]]:
    """Like ``scan_for_paths`` but only text files, no expansion: for paths that may
    legitimately sit inside binaries (the interpreter's compiled-in install prefix)."""
    raw = [n.encode("utf-8") for n in needles if n]
    found = []
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            path = Path(dirpath) / name
            if not path.is_file():
                continue
            data = path.read_bytes()
            if is_text(data):
                rel = posix(path.relative_to(root))
                found += [(rel, n.decode("utf-8")) for n in find_needles(data, raw)]
    return sorted(set(found))


# --- Reproducible archive ---------------------------------------------------------------------


def write_tar_gz(src: Path, dest: Path, arcname: str, mtime: int = 0) -> Path:
    """A deterministic .tar.gz of ``src`` (sorted entries, fixed owner and mtime)."""

    def clean(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = mtime
        return info

    with (
        open(dest, "wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=mtime) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tf,
    ):
        tf.add(src, arcname=arcname, recursive=False, filter=clean)
        for dirpath, dirnames, filenames in os.walk(src):
            dirnames.sort()
            for name in sorted(dirnames) + sorted(filenames):
                path = Path(dirpath) / name
                rel = posix(path.relative_to(src))
                tf.add(path, arcname=f"{arcname}/{rel}", recursive=False, filter=clean)
    return dest


def human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} GB"
