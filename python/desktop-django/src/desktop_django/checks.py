"""System checks for a project wrapped with desktop_django (``manage.py check``).

Registered by ``DesktopDjangoConfig.ready()`` under the tag ``desktop_django``, so they run
only where the app is installed: the desktop settings, not the project's own. Silence one
with ``SILENCED_SYSTEM_CHECKS = ["desktop_django.W001"]``.

| id | what | rule |
| --- | --- | --- |
| E001 | ``DesktopAuthMiddleware`` is not first in MIDDLEWARE | C-AUTH-2 |
| E002 | ``CsrfViewMiddleware`` is missing | C-AUTH-7 |
| E003 | ALLOWED_HOSTS lacks ``127.0.0.1`` or ``localhost`` | C-AUTH-6 |
| E004 | the app-data dir is missing or not writable | C-DATA-1 |
| E005 | ``/health/`` does not reach desktop_django's view | C-READY-1 |
| W001 | a template loads a script or stylesheet from another origin | CSP, C-PKG-2 |
| W002 | a template has an inline ``<script>`` block, which ``script-src 'self'`` blocks | CSP |
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.urls import Resolver404, resolve

from . import app_settings, wire
from .settings import AUTH_MIDDLEWARE, CSRF_MIDDLEWARE, DJANGO_TEMPLATES, LOOPBACK_HOSTS

TAG = "desktop_django"
MAX_TEMPLATE_BYTES = 1_000_000  # larger files are not page templates; skip, keep check fast

# Comments load nothing: HTML, {# ... #} and {% comment %} ... {% endcomment %}.
_COMMENTS = re.compile(
    r"<!--.*?-->|\{#.*?#\}|\{%\s*comment\b.*?%\}.*?\{%\s*endcomment\s*%\}", re.S | re.I
)
_TAG = re.compile(r"<(script|link)\b([^>]*)>", re.I)
_ATTR = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
# Absolute (http:, https:) or scheme-relative (//host): not the backend's origin.
_OFF_ORIGIN = re.compile(r"^\s*(?:https?:)?//", re.I)
_SCRIPT_BLOCK = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
# The `type` values a browser executes, which CSP's inline check therefore applies to
# (HTML § 4.12.1.1 "prepare the script element": the JavaScript MIME type essences, "module",
# "importmap", "speculationrules"; a missing or empty type is JavaScript). Any other type,
# e.g. application/json (Django's json_script) or text/template, is data and never run.
_EXECUTABLE_TYPES = frozenset(
    {
        "",
        "module",
        "importmap",
        "speculationrules",
        *(
            f"{kind}/{sub}"
            for kind in ("application", "text")
            for sub in ("javascript", "ecmascript", "x-javascript", "x-ecmascript")
        ),
        *(f"text/javascript1.{n}" for n in range(6)),
        "text/jscript",
        "text/livescript",
    }
)


def check_middleware(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """E001: our middleware must run first, so every response, ``/static/`` included, is
    gated (C-AUTH-2). E002: CSRF stays on behind the token (C-AUTH-7)."""
    middleware = list(settings.MIDDLEWARE)
    errors = []
    if not middleware or middleware[0] != AUTH_MIDDLEWARE:
        where = "missing from" if AUTH_MIDDLEWARE not in middleware else "not first in"
        errors.append(
            checks.Error(
                f"'{AUTH_MIDDLEWARE}' is {where} MIDDLEWARE.",
                hint=(
                    "Put it first, before WhiteNoise and SecurityMiddleware, so that every "
                    "request needs the shell's token (C-AUTH-2); "
                    "desktop_django.settings.configure() does this."
                ),
                id="desktop_django.E001",
            )
        )
    if CSRF_MIDDLEWARE not in middleware:
        errors.append(
            checks.Error(
                f"'{CSRF_MIDDLEWARE}' is missing from MIDDLEWARE.",
                hint=(
                    "The contract keeps CSRF on: a POST without a CSRF token is 403 even "
                    "with the shell's token (C-AUTH-7). Add it after CommonMiddleware."
                ),
                id="desktop_django.E002",
            )
        )
    return errors


def check_allowed_hosts(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """E003: Django must accept the two loopback names the shell uses (C-AUTH-6).
    ``["*"]`` accepts them; the middleware still enforces the exact ``name:port``."""
    hosts = list(settings.ALLOWED_HOSTS)
    if "*" in hosts:
        return []
    missing = [host for host in LOOPBACK_HOSTS if host not in hosts]
    if not missing:
        return []
    return [
        checks.Error(
            f"ALLOWED_HOSTS lacks {', '.join(repr(h) for h in missing)}.",
            hint=(
                "The shell requests http://127.0.0.1:<port>/ and the webview may use "
                "localhost (C-AUTH-6); without them Django answers 400. "
                'Add "127.0.0.1" and "localhost".'
            ),
            id="desktop_django.E003",
        )
    ]


def check_app_data_dir(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """E004: ``settings.DESKTOP_DJANGO_APP_DATA_DIR`` (when set) must be a writable dir:
    the database, the logs and the secret key live there (C-DATA-1, -2, -4, -6)."""
    path = app_settings.app_data_dir()
    if path is None:
        return []
    if not path.is_dir():
        problem = "does not exist" if not path.exists() else "is not a directory"
    elif not os.access(path, os.W_OK | os.X_OK):
        problem = "is not writable"
    else:
        return []
    return [
        checks.Error(
            f"The app-data dir {path} {problem}.",
            hint=(
                "desktop_django.settings.configure() creates it (C-DATA-1). If "
                "DESKTOP_DJANGO_APP_DATA_DIR is set in the environment, point it at a "
                "directory this user can write."
            ),
            obj=str(path),
            id="desktop_django.E004",
        )
    ]


def check_health_url(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """E005: the shell waits for ``GET /health/`` (C-READY-1); ROOT_URLCONF must route it
    to ``desktop_django.views.health``."""
    from . import views

    try:
        match = resolve(wire.HEALTH_PATH)
    except Resolver404:
        match = None
    if match is not None and match.func is views.health:
        return []
    return [
        checks.Error(
            f"'/health/' in ROOT_URLCONF {settings.ROOT_URLCONF!r} does not reach "
            "desktop_django's health view, so no shell ever sees the backend ready.",
            hint=(
                'Include path("", include("desktop_django.urls")) before the project\'s '
                "patterns, e.g. in a desktop_urls.py named by configure(urlconf=...)."
            ),
            id="desktop_django.E005",
        )
    ]


def check_templates(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """W001: ``<script src>`` or ``<link rel="stylesheet" href>`` pointing at another origin.
    W002: an inline ``<script>`` block that a browser would run.

    The desktop Content-Security-Policy allows scripts and styles from the backend's own
    origin only (``script-src 'self'``, ``app_settings.DEFAULT_CSP``), so it blocks both,
    and a packaged app must work offline (C-PKG-2). W001: one warning per template and URL;
    W002: one per template, with the line of its first inline script. A regex over the
    files of the DjangoTemplates backends' DIRS and, where they use app dirs, each app's
    ``templates/``; nothing is rendered, so a URL built from a variable is not seen.
    """
    warnings = []
    for path in _template_files(_template_dirs(app_configs)):
        text = _read(path)
        for url in off_origin_assets(text):
            warnings.append(
                checks.Warning(
                    f"{path} loads {url} from another origin.",
                    hint=(
                        "The desktop Content-Security-Policy blocks it and it fails offline. "
                        "Copy the file into a static/ dir and use {% static %}."
                    ),
                    obj=str(path),
                    id="desktop_django.W001",
                )
            )
        lines = inline_scripts(text)
        if lines:
            count = (
                f"{len(lines)} inline <script> blocks" if len(lines) > 1 else "an inline <script>"
            )
            warnings.append(
                checks.Warning(
                    f"{path} has {count} (line {lines[0]}), which the desktop "
                    "Content-Security-Policy blocks (script-src 'self').",
                    hint=(
                        'Move the code into a static .js file loaded with <script src="{% '
                        'static ... %}">, pass data with json_script, or allow inline '
                        "scripts in DESKTOP_DJANGO_CSP: see docs/wrapping.md, "
                        "Content-Security-Policy."
                    ),
                    obj=str(path),
                    id="desktop_django.W002",
                )
            )
    return warnings


def inline_scripts(text: str) -> list[int]:
    """The 1-based line numbers of the ``<script>`` blocks in ``text`` (template source)
    that a browser would run inline: no ``src``, an executable ``type`` (``_EXECUTABLE_TYPES``)
    and some code between the tags. Comments are ignored; ``{{ x|json_script:"id" }}``
    renders ``type="application/json"`` and is not a ``<script>`` in the source anyway."""
    # Blank comments out character for character, so offsets still give line numbers.
    text = _COMMENTS.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    found = []
    for match in _SCRIPT_BLOCK.finditer(text):
        attrs = _attrs(match.group(1))
        script_type = attrs.get("type", "").split(";")[0].strip().lower()
        if "src" in attrs or script_type not in _EXECUTABLE_TYPES or not match.group(2).strip():
            continue
        found.append(text.count("\n", 0, match.start()) + 1)
    return found


def _attrs(source: str) -> dict[str, str]:
    # One of the three value groups matched; findall gives "" for the others. A bare
    # attribute (`<script async src=x>`) has no value; only valued ones matter here.
    return {key.lower(): "".join(values) for key, *values in _ATTR.findall(source)}


def off_origin_assets(text: str) -> list[str]:
    """The off-origin URLs of ``<script src>`` and ``<link rel=stylesheet href>`` in
    ``text`` (template source), in order, comments ignored."""
    found = []
    for match in _TAG.finditer(_COMMENTS.sub("", text)):
        name = match.group(1).lower()
        attrs = _attrs(match.group(2))
        if name == "script":
            url = attrs.get("src")
        elif "stylesheet" in attrs.get("rel", "").lower().split():
            url = attrs.get("href")
        else:
            continue
        if url and _OFF_ORIGIN.match(url):
            found.append(url.strip())
    return found


def _template_dirs(app_configs) -> list[Path]:
    dirs: list[Path] = []
    for backend in settings.TEMPLATES:
        if backend.get("BACKEND") != DJANGO_TEMPLATES:
            continue
        dirs += [Path(d) for d in backend.get("DIRS", [])]
        loaders = backend.get("OPTIONS", {}).get("loaders")
        if backend.get("APP_DIRS") or any("app_directories" in n for n in _flatten(loaders)):
            configs = app_configs if app_configs is not None else apps.get_app_configs()
            dirs += [Path(config.path) / "templates" for config in configs]
    unique = dict.fromkeys(d.resolve() for d in dirs if d.is_dir())
    return list(unique)


def _flatten(loaders) -> Iterator[str]:
    # OPTIONS["loaders"] nests: ("django.template.loaders.cached.Loader", [...]).
    for item in loaders or ():
        if isinstance(item, str):
            yield item
        elif isinstance(item, Iterable):
            yield from _flatten(item)


def _template_files(dirs: list[Path]) -> Iterator[Path]:
    for root in dirs:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for filename in sorted(filenames):
                path = Path(dirpath) / filename
                try:
                    if path.stat().st_size <= MAX_TEMPLATE_BYTES:
                        yield path
                except OSError:
                    continue


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
