"""Stage the backend as a self-contained runtime: ``just package-runtime``.

Run it with the backend's interpreter, from backend/:
``.venv/bin/python ../packaging/runtime/stage.py``.
Builds ``${CARGO_TARGET_DIR:-<repo>/target}/package/runtime/`` (wiped first):

    desktop-backend/            PyInstaller one-folder output; the executable is
                                desktop-backend/desktop-backend(.exe)
    desktop.toml, icon.png      the identity file, its icon copied beside it
    desktop-runtime.json        the manifest, written last (stagelib.build_manifest)

then ``package/desktop-backend-<version>-<os>-<arch>.tar.gz`` and ``package/SHA256SUMS``.
The build fails when the stage holds a database, a secret key, a log, a dev-env file, a
``.py`` file or a build-machine path, or when the frozen app, run with a minimal
environment from outside the checkout, fails any smoke check (see ``verify``).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib
import importlib.metadata
import json
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "signing"))
import codesign  # noqa: E402
import stagelib  # noqa: E402

ROOT = HERE.parent.parent
BACKEND = ROOT / "backend"
SPEC = HERE / "desktop-backend.spec"
IS_WINDOWS = os.name == "nt"
EXE_SUFFIX = ".exe" if IS_WINDOWS else ""
EXE_RELPATH = f"{stagelib.EXE_NAME}/{stagelib.EXE_NAME}{EXE_SUFFIX}"
HANDSHAKE = "DESKTOP_DJANGO_READY "
TOKEN_HEADER = "X-Desktop-Django-Token"  # noqa: S105 (a header name)
READY_TIMEOUT_S = 60
EXIT_TIMEOUT_S = 5


class StageError(RuntimeError):
    """The build or one of its checks failed; the message says which and why."""


_COLOR = sys.stdout.isatty()


def step(message: str) -> None:
    arrow = "\033[1;36m==>\033[0m" if _COLOR else "==>"
    print(f"{arrow} {message}", flush=True)


def note(message: str) -> None:
    print(f"    {message}", flush=True)


class Timer:
    """Wall time per named step, for the summary: ``with timer("name"): ...``."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.steps: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.steps[name] = time.perf_counter() - t0

    def total(self) -> float:
        return time.perf_counter() - self.start


def run(cmd, *, env, cwd, timeout: float = 300, check: bool = True):
    """Run ``cmd`` (stdin: /dev/null), capturing output; raise StageError on failure."""
    try:
        proc = subprocess.run(  # noqa: S603 (fixed argv, no shell)
            [str(c) for c in cmd],
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise StageError(
            f"`{' '.join(str(c) for c in cmd)}` still running after {timeout} s"
        ) from exc
    if check and proc.returncode != 0:
        raise StageError(
            f"`{' '.join(str(c) for c in cmd)}` exited {proc.returncode}\n"
            f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}"
        )
    return proc


# --- Inputs ---------------------------------------------------------------------------------


def target_dir() -> Path:
    raw = os.environ.get("CARGO_TARGET_DIR", "").strip()
    path = Path(raw) if raw else ROOT / "target"
    return (path if path.is_absolute() else ROOT / path).resolve()


def read_identity() -> dict:
    toml_path = BACKEND / "desktop.toml"
    desktop = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    project = tomllib.loads((BACKEND / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pin = None
    for req in project.get("optional-dependencies", {}).get("dev", []):
        match = re.fullmatch(r"\s*pyinstaller\s*==\s*([\w.]+)\s*", req, re.IGNORECASE)
        if match:
            pin = match.group(1)
    if not pin:
        raise StageError("backend/pyproject.toml's dev extra pins no pyinstaller==X.Y.Z")
    return {
        "app_id": desktop["app_id"],
        "icon": desktop.get("icon"),
        "settings": desktop.get("settings", {}).get("packaged", "flying_stable.settings.packaged"),
        "app_version": project["version"],
        "pyinstaller": pin,
        "toml_text": toml_path.read_text(encoding="utf-8"),
    }


def ensure_pyinstaller(pin: str) -> None:
    """PyInstaller ``pin`` in this interpreter's env; installed from the hashed lock if not."""
    try:
        have = importlib.metadata.version("pyinstaller")
    except importlib.metadata.PackageNotFoundError:
        have = None
    if have == pin:
        note(f"PyInstaller {pin}: present")
        return
    step(f"Installing PyInstaller {pin} into the backend env (from requirements.lock, hashed)")
    run(
        [sys.executable, "-m", "pip", "install", "-q", "--require-hashes"]
        + ["-r", BACKEND / "requirements.lock"],
        env=os.environ.copy(),
        cwd=BACKEND,
        timeout=900,
    )
    importlib.invalidate_caches()
    have = importlib.metadata.version("pyinstaller")
    if have != pin:
        raise StageError(f"PyInstaller {have} installed, {pin} pinned: regenerate the lock")


def build_env(work: Path, settings: str, **extra: str) -> dict[str, str]:
    """The environment of build-time Python (collectstatic, PyInstaller's analysis).

    App data is a throwaway dir: importing the settings creates a secret key and a
    logs dir there, never in the developer's real app-data dir.
    """
    env = os.environ.copy()
    for name in ("DESKTOP_DJANGO_AUTH_TOKEN", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"):
        env.pop(name, None)
    env["DESKTOP_DJANGO_APP_DATA_DIR"] = str(work / "build-app-data")
    env["DJANGO_SETTINGS_MODULE"] = settings
    env.update(extra)
    return env


def minimal_env(home: Path, app_data: Path, settings: str, **extra: str) -> dict[str, str]:
    """What the frozen app gets in the smoke checks: `env -i PATH=/usr/bin:/bin HOME=...`.
    No venv, no PYTHONPATH, no PYTHONUNBUFFERED (the bundle must not need them)."""
    env = {
        "PATH": os.pathsep.join(["/usr/bin", "/bin"]) if not IS_WINDOWS else os.environ["PATH"],
        "HOME": str(home),
        "DESKTOP_DJANGO_APP_DATA_DIR": str(app_data),
        "DJANGO_SETTINGS_MODULE": settings,
    }
    if IS_WINDOWS:  # Windows needs these to start any process
        for name in ("SYSTEMROOT", "SYSTEMDRIVE", "TEMP", "TMP", "USERPROFILE", "APPDATA"):
            if name in os.environ:
                env[name] = os.environ[name]
    env.update(extra)
    return env


# --- Build steps ------------------------------------------------------------------------------


def collect_static(work: Path, settings: str) -> Path:
    """``collectstatic`` with the packaged settings, into ``work/static`` (not the
    checkout's STATIC_ROOT, which would flip packaged runs from the checkout to the
    collected files). The spec puts it at ``_internal/staticfiles``, the bundle's
    STATIC_ROOT (BASE_DIR/staticfiles)."""
    static = work / "static"
    shim = work / "settings_shim"
    shim.mkdir()
    (shim / "stage_static_settings.py").write_text(
        f"import os\nfrom pathlib import Path\n\nfrom {settings} import *  # noqa: F403\n\n"
        'STATIC_ROOT = Path(os.environ["DESKTOP_STAGE_STATIC"])\n',
        encoding="utf-8",
    )
    env = build_env(work, "stage_static_settings", DESKTOP_STAGE_STATIC=str(static))
    env["PYTHONPATH"] = str(shim)
    proc = run([sys.executable, "manage.py", "collectstatic", "--noinput"], env=env, cwd=BACKEND)
    note(proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "collected")
    if not (static / "staticfiles.json").is_file():
        raise StageError("collectstatic wrote no staticfiles.json (is the storage a manifest one?)")
    return static


def freeze(work: Path, runtime: Path, static: Path, bundle_toml: Path, settings: str) -> None:
    env = build_env(
        work,
        settings,
        DESKTOP_STAGE_BACKEND=str(BACKEND),
        DESKTOP_STAGE_STATIC=str(static),
        DESKTOP_STAGE_TOML=str(bundle_toml),
        # A fixed hash seed makes PyInstaller's set-ordered outputs (base_library.zip's
        # member order) the same on every run: two builds of one tree are byte-identical.
        PYTHONHASHSEED="0",
    )
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN"]
    cmd += ["--distpath", runtime, "--workpath", work / "pyinstaller", SPEC]
    proc = run(cmd, env=env, cwd=work, timeout=1800, check=False)
    log = work / "pyinstaller.log"
    log.write_text(proc.stdout + proc.stderr, encoding="utf-8")
    warnings = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "WARNING" in ln]
    for line in warnings:
        note(f"pyinstaller: {line.split('WARNING:', 1)[-1].strip()}")
    if proc.returncode != 0:
        raise StageError(f"PyInstaller failed ({proc.returncode}):\n{proc.stderr[-6000:]}")


def place_identity(runtime: Path, identity: dict) -> None:
    """desktop.toml beside the manifest, its icon copied in and the line repointed."""
    icon = identity["icon"]
    icon_name = None
    if icon:
        src = (BACKEND / icon).resolve()
        if src.is_file():
            icon_name = src.name
            shutil.copy2(src, runtime / icon_name)
        else:
            note(f"icon {icon} not found; dropping the icon line")
    text = stagelib.rewrite_icon(identity["toml_text"], icon_name)
    (runtime / "desktop.toml").write_text(text, encoding="utf-8")


# --- Static checks ------------------------------------------------------------------------


def source_templates() -> list[str]:
    """Template names (loader-relative) of every ``templates/`` dir of the project."""
    names = []
    for root, package in stagelib.source_packages(BACKEND):
        for tdir in sorted((root / package).rglob("templates")):
            if tdir.is_dir():
                names += [
                    stagelib.posix(p.relative_to(tdir))
                    for p in sorted(tdir.rglob("*"))
                    if p.is_file()
                ]
    return sorted(set(names))


def source_static() -> list[str]:
    """Static names (finder-relative) of every ``static/`` dir of the project."""
    names = []
    for root, package in stagelib.source_packages(BACKEND):
        for sdir in sorted((root / package).rglob("static")):
            if sdir.is_dir():
                names += [
                    stagelib.posix(p.relative_to(sdir)) for p in sdir.rglob("*") if p.is_file()
                ]
    return sorted(set(names))


def expand_pyinstaller(path: Path, head: bytes):
    """Scanner expander: the PKG archive PyInstaller appends to the executable, and
    the PYZ inside it (every frozen module, zlib-compressed), decompressed."""
    if not head.startswith((b"\x7fELF", b"MZ", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")):
        return
    from PyInstaller.archive.readers import CArchiveReader

    try:
        pkg = CArchiveReader(str(path))
    except Exception:  # noqa: BLE001 (not a PyInstaller executable: a plain shared lib)
        return
    for name, entry in pkg.toc.items():
        if entry[-1] == "z":
            pyz = pkg.open_embedded_archive(name)
            for module in pyz.toc:
                data = pyz.extract(module, raw=True)
                if data:
                    yield f"{name}!{module}", data
        else:
            yield name, pkg.extract(name)


def static_checks(runtime: Path, work: Path) -> dict:
    bundle = runtime / stagelib.EXE_NAME / "_internal"
    exe = runtime / EXE_RELPATH
    if not exe.is_file() or not os.access(exe, os.X_OK):
        raise StageError(f"{exe} is missing or not executable")
    if not bundle.is_dir():
        raise StageError(f"{bundle} is missing: not a one-folder build?")

    bad = stagelib.forbidden_files(runtime)
    if bad:
        raise StageError(
            "forbidden files in the stage:\n" + "\n".join(f"  {p}: {r}" for p, r in bad)
        )
    sources = [stagelib.posix(p.relative_to(runtime)) for p in runtime.rglob("*.py")]
    if sources:
        raise StageError(f"Python sources shipped as data (modules must be frozen): {sources[:10]}")
    note("no database, secret key, log, dev-env file or .py source in the stage")

    # Templates: every template file of the project, at its path under _internal.
    missing = []
    for root, package in stagelib.source_packages(BACKEND):
        for path in (root / package).rglob("*"):
            rel = path.relative_to(root)
            if path.is_file() and "templates" in rel.parts and not (bundle / rel).is_file():
                missing.append(stagelib.posix(rel))
    if missing:
        raise StageError(f"templates missing from the bundle: {missing}")

    # Static: staticfiles.json lists every source static file; each hashed file exists.
    manifest_path = bundle / "staticfiles" / "staticfiles.json"
    if not manifest_path.is_file():
        raise StageError(
            "_internal/staticfiles/staticfiles.json is missing (WhiteNoise would use finders)"
        )
    paths = json.loads(manifest_path.read_text(encoding="utf-8"))["paths"]
    wanted = source_static()
    unlisted = [name for name in wanted if name not in paths]
    absent = [h for h in paths.values() if not (bundle / "staticfiles" / h).is_file()]
    if unlisted or absent or not wanted:
        raise StageError(
            f"static files: not in staticfiles.json {unlisted}, hashed file missing {absent}"
        )
    note(f"{len(source_templates())} templates and {len(wanted)} static files in the bundle")

    # Build-machine paths: anywhere (archives decompressed) for the checkout, the venv
    # and the build dirs; in text files for the interpreter prefix and the home dir.
    venv = Path(sys.prefix)
    needles = sorted({str(ROOT), str(ROOT.resolve()), str(venv), str(venv.resolve()), str(work)})
    if not runtime.is_relative_to(ROOT):
        needles.append(str(runtime.parent))
    expanders = (stagelib.expand_zip, expand_pyinstaller)
    control = [
        m for m, d in expand_pyinstaller(exe, exe.read_bytes()[:16]) if HANDSHAKE.encode() in d
    ]
    if not control:
        raise StageError("leak scan self-test: the frozen desktop_serve module was not readable")
    leaks = stagelib.scan_for_paths(runtime, needles, expanders=expanders)
    text_needles = [sys.base_prefix, str(Path.home()) + os.sep]
    leaks += stagelib.scan_text_files(runtime, text_needles)
    if leaks:
        listing = "\n".join(f"  {where}: {needle}" for where, needle in leaks[:40])
        raise StageError(f"build-machine paths in the stage ({len(leaks)}):\n{listing}")
    note(
        f"no build-machine path in the stage (searched for {len(needles)} paths; "
        "frozen modules decompressed)"
    )
    return {"templates": source_templates(), "static": wanted}


# --- Smoke checks with the frozen app ---------------------------------------------------------

PROBE = r"""
import json, os, sys
import django
from django.conf import settings
from django.template.loader import get_template
bundle = os.path.realpath(sys._MEIPASS)
outside = sorted(
    name for name, mod in list(sys.modules.items())
    if isinstance(getattr(mod, "__file__", None), str)
    and os.path.isabs(mod.__file__)  # bootstrap modules from the executable's PKG: relative
    and not os.path.realpath(mod.__file__).startswith(bundle + os.sep)
)
for name in json.loads(os.environ["STAGE_TEMPLATES"]):
    get_template(name)
print("STAGE_PROBE " + json.dumps({
    "python": ".".join(map(str, sys.version_info[:3])),
    "django": django.get_version(),
    "frozen": bool(getattr(sys, "frozen", False)),
    "sys_path_outside": [p for p in sys.path if not os.path.realpath(p).startswith(bundle)],
    "modules_outside": outside,
    "base_dir": os.path.realpath(settings.BASE_DIR) == bundle,
    "use_finders": settings.WHITENOISE_USE_FINDERS,
    "stdout_write_through": sys.stdout.write_through or sys.stdout.line_buffering,
    "templates": len(json.loads(os.environ["STAGE_TEMPLATES"])),
}))
"""


def http_get(port: int, path: str, token: str | None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": f"127.0.0.1:{port}"}
    if token:
        headers[TOKEN_HEADER] = token
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    except OSError as exc:
        raise StageError(f"GET {path} on 127.0.0.1:{port} failed: {exc}") from exc
    finally:
        conn.close()


# The role name the shell's supervisor passes in DESKTOP_DJANGO_ROLE for each command
# (contract::launch::ROLE_ENV, Role::name); the backend picks its log file by it.
SHELL_ROLES = {"desktop_serve": "web", "desktop_worker": "worker"}


def spawn(exe: Path, role: str, env: dict, cwd: Path) -> subprocess.Popen:
    """Start ``exe role`` as the shell does: stdin and stdout pipes (the lifeline and the
    handshake), ``DESKTOP_DJANGO_ROLE`` set. stderr goes to a file in ``cwd`` so a chatty
    child can never block."""
    err = open(cwd / f"{role}.stderr", "ab")  # noqa: SIM115 (closed by the caller's wait)
    try:
        return subprocess.Popen(  # noqa: S603 (fixed argv)
            [str(exe), role],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            env={**env, "DESKTOP_DJANGO_ROLE": SHELL_ROLES[role]},
            cwd=cwd,
        )
    finally:
        err.close()  # the child holds its own copy


def stderr_of(cwd: Path, role: str) -> str:
    path = cwd / f"{role}.stderr"
    return path.read_text(encoding="utf-8", errors="replace")[-4000:] if path.exists() else ""


def start_serve(exe: Path, env: dict, cwd: Path) -> tuple[subprocess.Popen, dict, float]:
    """Spawn ``desktop_serve``; return (process, handshake, seconds to the READY line)."""
    t0 = time.perf_counter()
    proc = spawn(exe, "desktop_serve", env, cwd)
    box: dict[str, bytes] = {}
    reader = threading.Thread(target=lambda: box.update(line=proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(READY_TIMEOUT_S)  # a block-buffered stdout would stall here
    elapsed = time.perf_counter() - t0
    line = box.get("line", b"").decode("utf-8", "replace")
    if not line.startswith(HANDSHAKE):
        proc.kill()
        proc.wait()
        raise StageError(
            f"desktop_serve printed {line!r} instead of the handshake "
            f"(waited {elapsed:.1f} s)\n{stderr_of(cwd, 'desktop_serve')}"
        )
    handshake = json.loads(line[len(HANDSHAKE) :])
    if handshake.get("pid") != proc.pid:
        proc.kill()
        proc.wait()
        raise StageError(f"handshake pid {handshake.get('pid')} is not the spawned pid {proc.pid}")
    return proc, handshake, elapsed


def stop_via_lifeline(proc: subprocess.Popen, role: str, cwd: Path) -> float:
    """Close stdin (the lifeline) and expect exit code 0 within EXIT_TIMEOUT_S."""
    t0 = time.perf_counter()
    proc.stdin.close()
    try:
        proc.wait(timeout=EXIT_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        proc.kill()
        proc.wait()
        raise StageError(f"{role} still running {EXIT_TIMEOUT_S} s after stdin EOF") from exc
    finally:
        proc.stdout.close()
    if proc.returncode != 0:
        raise StageError(f"{role} exited {proc.returncode} after stdin EOF\n{stderr_of(cwd, role)}")
    return time.perf_counter() - t0


def verify(runtime: Path, work: Path, settings: str, found: dict) -> dict:
    """Run the frozen app with a minimal environment, from a dir outside the checkout."""
    exe = runtime / EXE_RELPATH
    smoke = work / "smoke"
    home, cwd, data = smoke / "home", smoke / "cwd", smoke / "app-data"
    for d in (home, cwd):
        d.mkdir(parents=True)
    env = minimal_env(home, data, settings)
    results: dict = {}

    def frozen(*args, check=True, extra=None, timeout=120):
        return run(
            [exe, *args], env={**env, **(extra or {})}, cwd=cwd, check=check, timeout=timeout
        )

    def dev(*args):
        denv = build_env(work, settings)
        denv["DESKTOP_DJANGO_APP_DATA_DIR"] = str(data)
        return run([sys.executable, "manage.py", *args], env=denv, cwd=BACKEND)

    frozen("version")
    checked = frozen("check")
    if "no issues" not in checked.stdout:
        raise StageError(
            f"`desktop-backend check` reported issues:\n{checked.stdout}{checked.stderr}"
        )
    deploy = frozen("check", "--deploy")
    results["deploy_warnings"] = re.findall(r"\(security\.\w+\)", deploy.stdout + deploy.stderr)
    note(f"check: no issues; check --deploy: exit 0 ({len(results['deploy_warnings'])} warnings)")

    probe = frozen("shell", "-c", PROBE, extra={"STAGE_TEMPLATES": json.dumps(found["templates"])})
    line = next((ln for ln in probe.stdout.splitlines() if ln.startswith("STAGE_PROBE ")), None)
    if line is None:
        raise StageError(f"probe printed nothing:\n{probe.stdout}{probe.stderr}")
    facts = json.loads(line.split(" ", 1)[1])
    problems = []
    if not facts["frozen"]:
        problems.append("not frozen")
    if facts["sys_path_outside"] or facts["modules_outside"]:
        problems.append(
            "imports from outside the bundle: "
            f"{facts['sys_path_outside']} {facts['modules_outside'][:10]}"
        )
    if not facts["base_dir"]:
        problems.append("settings.BASE_DIR is not the bundle dir")
    if facts["use_finders"]:
        problems.append(
            "WHITENOISE_USE_FINDERS is True (staticfiles.json not found at STATIC_ROOT)"
        )
    if not facts["stdout_write_through"]:
        problems.append("stdout is block-buffered")
    if facts["python"] != platform.python_version():
        problems.append(
            f"Python {facts['python']} frozen, {platform.python_version()} in the build env"
        )
    if facts["django"] != importlib.metadata.version("django"):
        problems.append(
            f"Django {facts['django']} frozen, "
            f"{importlib.metadata.version('django')} in the build env"
        )
    if problems:
        raise StageError("probe: " + "; ".join(problems))
    results.update(python=facts["python"], django=facts["django"])
    note(
        f"probe: Python {facts['python']}, Django {facts['django']}, all {facts['templates']} "
        "templates load, nothing imported from outside the bundle, stdout unbuffered"
    )

    commands = frozen("help", "--commands").stdout.split()
    expected = dev("help", "--commands").stdout.split()
    if commands != expected:
        raise StageError(f"management commands differ: frozen {commands}, dev env {expected}")
    for name in ("desktop_serve", "desktop_worker"):
        frozen("help", name)
    note(
        f"{len(commands)} management commands, the same as the dev env's "
        "(help desktop_serve, help desktop_worker: ok)"
    )

    frozen("migrate", "--noinput")
    frozen("migrate", "--check")
    shown = frozen("showmigrations").stdout
    if shown != dev("showmigrations").stdout or "[ ]" in shown or "[X]" not in shown:
        raise StageError(f"showmigrations differs from the dev env's, or is incomplete:\n{shown}")
    results["migrations"] = shown.count("[X]")
    note(
        "migrate into a temp app-data dir, then migrate --check: "
        f"{results['migrations']} migrations, "
        "the same as the dev env's"
    )
    for name in found["static"]:
        frozen("findstatic", name)
    note(f"findstatic finds all {len(found['static'])} static files")

    token = secrets.token_hex(32)
    refused = frozen(
        "desktop_serve", check=False, extra={"DESKTOP_DJANGO_AUTH_TOKEN": ""}, timeout=30
    )
    if refused.returncode == 0 or "DESKTOP_DJANGO_AUTH_TOKEN" not in refused.stderr:
        raise StageError(
            f"desktop_serve without a token did not fail closed: {refused.stderr[-2000:]}"
        )
    note("desktop_serve without a token refuses to start")

    # Web role, cold: a fresh app-data dir (migrate + seed inside the serving process).
    fresh_env = minimal_env(
        home, smoke / "fresh-app-data", settings, DESKTOP_DJANGO_AUTH_TOKEN=token
    )
    proc, hello, first_s = start_serve(exe, fresh_env, cwd)
    try:
        port = hello["port"]
        status, body = http_get(port, "/health/", token)
        if status != 200 or json.loads(body).get("status") != "ok":
            raise StageError(f"/health/ answered {status}: {body[:500]!r}")
        status, page = http_get(port, "/ponies/", token)
        if status != 200:
            raise StageError(f"/ponies/ answered {status}")
        assets = sorted(set(re.findall(rb'/static/[^"\']+', page)))
        if not assets:
            raise StageError("/ponies/ links no static file")
        for asset in assets:
            if http_get(port, asset.decode(), token)[0] != 200:
                raise StageError(f"{asset.decode()} answered non-200")
        if http_get(port, "/health/", None)[0] != 403:
            raise StageError("/health/ without the token did not answer 403")
    finally:
        results["stop_s"] = stop_via_lifeline(proc, "desktop_serve", cwd)
    note(
        f"desktop_serve: READY in {first_s:.2f} s on a new app-data dir, /health/ 200 ok, /ponies/ "
        f"and {len(assets)} hashed static files 200, 403 without the token, "
        f"exit 0 {results['stop_s']:.2f} s after stdin EOF"
    )

    warm = []
    for _ in range(5):
        proc, _hello, seconds = start_serve(exe, fresh_env, cwd)
        stop_via_lifeline(proc, "desktop_serve", cwd)
        warm.append(seconds)
    results.update(ready_first_s=first_s, ready_warm_s=warm)
    note(
        f"desktop_serve cold start to READY, migrated DB: median {statistics.median(warm):.3f} s "
        f"(runs: {', '.join(f'{s:.3f}' for s in warm)})"
    )

    # Worker role: starts, logs, and stops on stdin EOF.
    worker = spawn(exe, "desktop_worker", fresh_env, cwd)
    log = smoke / "fresh-app-data" / "logs" / "worker.log"
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline and worker.poll() is None:
        if log.is_file() and "Starting worker" in log.read_text(encoding="utf-8", errors="replace"):
            break
        time.sleep(0.05)
    else:
        worker.kill()
        worker.wait()
        raise StageError(
            f"desktop_worker did not start (exit {worker.returncode}):\n"
            f"{stderr_of(cwd, 'desktop_worker')}"
        )
    stop_via_lifeline(worker, "desktop_worker", cwd)
    note("desktop_worker: started (worker.log), exit 0 after stdin EOF")

    written = sorted(p.name for p in (smoke / "fresh-app-data").iterdir())
    if not {"app.sqlite3", "secret_key", "logs"} <= set(written):
        raise StageError(f"the app-data dir holds {written}: where did the database/key/logs go?")
    return results


# --- Sizes ------------------------------------------------------------------------------------


def size_report(runtime: Path) -> list[tuple[str, int]]:
    """Bytes on disk by component; the frozen modules inside the executable are split
    by top-level package (their compressed size)."""
    from PyInstaller.archive.readers import CArchiveReader

    project = {package for _root, package in stagelib.source_packages(BACKEND)}
    sizes: dict[str, int] = defaultdict(int)

    def by_top(top: str) -> str:
        if top == "django":
            return "Django"
        if top in project or top in ("staticfiles", "desktop.toml"):
            return "the project (code, templates, static)"
        if top.startswith(("pyimod", "pyi_")):
            return "PyInstaller bootloader + PKG overhead"
        if top in sys.stdlib_module_names or top.startswith("_") or top == "python3":
            return "Python stdlib"
        return "other Python packages (tasks, waitress, whitenoise, ...)"

    exe = runtime / EXE_RELPATH
    pkg = CArchiveReader(str(exe))
    archived = 0
    for name, (_off, length, _ulen, _flag, typecode) in pkg.toc.items():
        archived += length
        if typecode == "z":
            pyz = pkg.open_embedded_archive(name)
            for module, (_t, _o, mlen) in pyz.toc.items():
                sizes[by_top(module.split(".")[0])] += mlen
            sizes["PyInstaller bootloader + PKG overhead"] += length - sum(
                e[2] for e in pyz.toc.values()
            )
        else:
            sizes["PyInstaller bootloader + PKG overhead"] += length
    sizes["PyInstaller bootloader + PKG overhead"] += exe.stat().st_size - archived

    bundle = runtime / stagelib.EXE_NAME / "_internal"
    for path in runtime.rglob("*"):
        if not path.is_file() or path == exe or path.name == stagelib.MANIFEST_NAME:
            continue
        size = path.stat().st_size
        if not path.is_relative_to(bundle):
            sizes["the project (code, templates, static)"] += size
            continue
        rel = path.relative_to(bundle)
        top = rel.parts[0]
        if re.fullmatch(r"(lib)?python3[\d.]*\.(so[\d.]*|dll|dylib)", top):
            sizes["Python interpreter (libpython)"] += size
        elif top == "base_library.zip" or top.startswith("python3"):
            sizes["Python stdlib"] += size  # incl. lib-dynload's extension modules
        elif len(rel.parts) == 1 and (".so" in top or top.endswith((".dll", ".dylib"))):
            sizes["shared libraries (OpenSSL, SQLite, zlib, ...)"] += size
        elif top.endswith(".dist-info"):
            sizes[by_top(top.rsplit("-", 1)[0].lower())] += size
        else:
            sizes[by_top(top)] += size
    return sorted(sizes.items(), key=lambda kv: -kv[1])


# --- Main -------------------------------------------------------------------------------------


def archive_name(version: str) -> str:
    system = {"linux": "linux", "darwin": "macos", "win32": "windows"}.get(
        sys.platform, sys.platform
    )
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    return f"{stagelib.EXE_NAME}-{version}-{system}-{machine}.tar.gz"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-archive", action="store_true", help="skip the .tar.gz and SHA256SUMS")
    parser.add_argument("--keep-work", action="store_true", help="keep the temp build dir")
    args = parser.parse_args(argv)

    timer = Timer()
    identity = read_identity()
    package = target_dir() / "package"
    runtime = package / "runtime"
    settings = identity["settings"]
    step(
        f"Staging the backend runtime ({identity['app_id']} {identity['app_version']}) "
        f"into {runtime}"
    )
    ensure_pyinstaller(identity["pyinstaller"])

    work = Path(tempfile.mkdtemp(prefix="desktop-runtime-"))
    try:
        with timer("wipe"):
            if runtime.exists():
                shutil.rmtree(runtime)
            runtime.mkdir(parents=True)
        step("collectstatic (packaged settings, into the bundle's STATIC_ROOT)")
        with timer("collectstatic"):
            static = collect_static(work, settings)
        bundle_toml = work / "bundle" / "desktop.toml"
        bundle_toml.parent.mkdir()
        # The bundle's copy is what settings read (BASE_DIR/desktop.toml); no icon there.
        bundle_toml.write_text(stagelib.rewrite_icon(identity["toml_text"], None), encoding="utf-8")
        step(
            f"PyInstaller {identity['pyinstaller']}: one-folder build of {EXE_RELPATH} (about 30 s)"
        )
        with timer("pyinstaller"):
            freeze(work, runtime, static, bundle_toml, settings)
        place_identity(runtime, identity)
        # Before the smoke tests (they run the signed binaries, so a signature the hardened
        # runtime refuses fails the build here) and before the manifest (its SHA-256s are the
        # signed files').
        step("Code signing the runtime (inputs from the environment only)")
        try:
            note(codesign.sign_runtime(runtime, codesign.host_os()))
        except codesign.SigningError as exc:
            raise StageError(str(exc)) from None

        step("Checking the stage: forbidden files, templates, static files, build-machine paths")
        with timer("static checks"):
            found = static_checks(runtime, work)
        before = stagelib.file_entries(runtime)
        step(
            "Smoke-testing the frozen app "
            "(minimal env, app data in a temp dir, cwd outside the checkout)"
        )
        with timer("smoke"):
            results = verify(runtime, work, settings, found)
        if stagelib.file_entries(runtime) != before:
            raise StageError(
                "running the frozen app changed files in the stage (it must be read-only)"
            )
        note("the stage is unchanged by the runs (installable read-only)")

        step(f"Writing {stagelib.MANIFEST_NAME}")
        manifest = stagelib.build_manifest(
            runtime,
            app_id=identity["app_id"],
            app_version=identity["app_version"],
            python_version=results["python"],
            django_version=results["django"],
            exe_relpath=EXE_RELPATH,
        )
        stagelib.write_manifest(runtime, manifest)
        total = sum(entry["size"] for entry in manifest["files"])
        note(f"{len(manifest['files'])} files, {stagelib.human(total)}")

        archive = None
        if not args.no_archive:
            step("Archiving the runtime and writing SHA256SUMS")
            with timer("archive"):
                for stale in package.glob(f"{stagelib.EXE_NAME}-*.tar.gz"):
                    stale.unlink()
                archive = package / archive_name(identity["app_version"])
                stagelib.write_tar_gz(runtime, archive, archive.name.removesuffix(".tar.gz"))
                (package / "SHA256SUMS").write_text(
                    stagelib.sha256sums_line(archive), encoding="utf-8"
                )
            note(f"{archive.name}: {stagelib.human(archive.stat().st_size)}")

        step("Summary")
        for name, size in size_report(runtime):
            note(f"{stagelib.human(size):>10}  {name}")
        note(f"{stagelib.human(total):>10}  total ({len(manifest['files'])} files)")
        for name, seconds in timer.steps.items():
            note(f"{seconds:7.1f} s  {name}")
        note(f"{timer.total():7.1f} s  total build wall time")
        note(
            f"cold start to READY: {results['ready_first_s']:.3f} s on a new app-data dir "
            f"(migrate + seed), median {statistics.median(results['ready_warm_s']):.3f} s after"
        )
        note(f"runtime: {runtime}")
        if archive:
            note(f"archive: {archive}")
    except StageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if not args.keep_work:
            note(f"(rerun with --keep-work to keep {work})")
        return 1
    finally:
        if args.keep_work:
            note(f"work dir kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
