"""Every name the Python half shares with the Rust half (``contract/src``), defined once.

Environment variables the shell's supervisor sets on the backend's children, the token
header and cookie, the URL paths the shell requests, the handshake prefix, and the file
the supervisor writes into app data. Each constant names its Rust twin; the values must
match byte for byte. ``tests/test_wire.py`` reads ``contract/src/*.rs`` and fails when a
value here is missing there, or when the contract sets a ``DESKTOP_DJANGO_*`` variable
that is neither listed here nor in ``SHELL_ONLY_ENV``.

Plain constants: importing this module reads no file and needs no Django settings.
"""

from __future__ import annotations

# Environment: set by the supervisor on both roles --------------------------------------

# The per-user, per-app data dir (C-DATA-1); `contract::paths::APP_DATA_ENV`. Also read by
# `conf.app_data_path` as a developer's override.
APP_DATA_ENV = "DESKTOP_DJANGO_APP_DATA_DIR"
# The session token, 64 lowercase hex chars (C-AUTH-1); `contract::supervisor::TOKEN_ENV`.
TOKEN_ENV = "DESKTOP_DJANGO_AUTH_TOKEN"  # noqa: S105 (a variable name, not a secret)
# "dev" or "packaged" (`MODES`); `contract::launch::MODE_ENV`, `Mode::as_str`.
MODE_ENV = "DESKTOP_DJANGO_MODE"
MODE_DEV = "dev"
MODE_PACKAGED = "packaged"
MODES = (MODE_DEV, MODE_PACKAGED)
# "web" or "worker" (`ROLES`): which supervised role this process is (C-PROC-1);
# `contract::launch::ROLE_ENV`, `Role::name`. Unset on a developer's own `manage.py` call.
ROLE_ENV = "DESKTOP_DJANGO_ROLE"
ROLE_WEB = "web"
ROLE_WORKER = "worker"
ROLES = (ROLE_WEB, ROLE_WORKER)
# Packaged mode: the runtime manifest's app_version; `contract::launch::APP_VERSION_ENV`.
APP_VERSION_ENV = "DESKTOP_DJANGO_APP_VERSION"
# The shell's stop grace period in ms (default 5000; C-PROC-2), inherited from the shell's
# environment; `contract::supervisor::GRACE_ENV`, `DEFAULT_GRACE_MS`.
GRACE_ENV = "DESKTOP_DJANGO_GRACE_MS"
DEFAULT_GRACE_MS = 5000

# Variables only the shell reads (never the backend). Listed so that the mirror test can
# tell a new backend-facing variable in the contract from a shell-only one.
SHELL_ONLY_ENV = frozenset(
    {
        "DESKTOP_DJANGO_READY_TIMEOUT_MS",  # contract::supervisor::READY_TIMEOUT_ENV
        "DESKTOP_DJANGO_AUTOQUIT_MS",  # contract::session::AUTOQUIT_ENV
        "DESKTOP_DJANGO_EVENTS",  # contract::events::EVENTS_ENV
        "DESKTOP_DJANGO_UPDATE_URL",  # contract::update::URL_ENV
        "DESKTOP_DJANGO_UPDATE_CONFIRM",  # contract::update::CONFIRM_ENV
        "DESKTOP_DJANGO_RUNTIME_MANIFEST",  # contract::launch::MANIFEST_ENV
        "DESKTOP_DJANGO_PYTHON",  # contract::launch::PYTHON_ENV
    }
)

# Handshake (C-PORT-2) ------------------------------------------------------------------

# `desktop_serve`'s first stdout line: this prefix, then one JSON object, then "\n";
# `contract::port::READY_PREFIX` (without the space, which the parser requires).
READY_PREFIX = "DESKTOP_DJANGO_READY "

# HTTP (C-AUTH-2, -5, C-READY-1) --------------------------------------------------------

# The token header the shell sends; `contract::health::TOKEN_HEADER`.
TOKEN_HEADER = "X-Desktop-Django-Token"  # noqa: S105 (a header name, not a secret)
# The same header as a WSGI environ / `request.META` key.
TOKEN_HEADER_META = "HTTP_" + TOKEN_HEADER.upper().replace("-", "_")
# The HttpOnly session cookie set by the bootstrap URL. The shells never read it (the
# conformance suite checks it from outside, `conformance/src/http.rs`), so `contract/src`
# does not spell it (nor `CSP_REPORT_PATH` below).
TOKEN_COOKIE = "desktop_django_auth_token"  # noqa: S105 (a cookie name, not a secret)
# Readiness probe, `GET /health/[?nonce=N]`; `contract::health`.
HEALTH_PATH = "/health/"
# `POST` with the token header: a one-time ticket; `contract::ticket::mint`.
TICKET_PATH = "/desktop-auth/ticket/"
# `GET ?ticket=T&next=/`: 302 + the cookie; `contract::ticket::bootstrap_url`.
BOOTSTRAP_PATH = "/desktop-auth/bootstrap/"
# `POST` Content-Security-Policy violation reports: the default CSP's `report-uri`
# (`app_settings.DEFAULT_CSP`), routed by `desktop_django.urls`. Shared with the webview,
# which posts to it, not with the Rust half: `contract/src` does not spell it either.
CSP_REPORT_PATH = "/desktop-django/csp-report/"

# App data ------------------------------------------------------------------------------

# Written by the supervisor when it gives up restarting the worker (C-PROC-6); it holds
# the shell log's path. `contract::paths::WORKER_DOWN_FILE`.
WORKER_DOWN_FILE = "worker-down"

# Management commands per role (C-PROC-1); `contract::launch::Role::command`.
ROLE_COMMANDS = {ROLE_WEB: "desktop_serve", ROLE_WORKER: "desktop_worker"}
