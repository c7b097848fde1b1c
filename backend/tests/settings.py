"""Test settings: dev settings on a throwaway app-data dir and a fixed session token."""

import atexit
import os
import shutil
import tempfile

if "DESKTOP_DJANGO_APP_DATA_DIR" not in os.environ:
    _tmp = tempfile.mkdtemp(prefix="flying-stable-test-")
    atexit.register(shutil.rmtree, _tmp, ignore_errors=True)
    os.environ["DESKTOP_DJANGO_APP_DATA_DIR"] = _tmp
os.environ.setdefault("DESKTOP_DJANGO_AUTH_TOKEN", "0123456789abcdef" * 4)

from flying_stable.settings.dev import *  # noqa: E402, F403
from flying_stable.settings.dev import DATABASES, DESKTOP_DJANGO_APP_DATA_DIR  # noqa: E402

# A file, not :memory:, so WAL and the other pragmas are real (C-DATA-2).
DATABASES["default"]["TEST"] = {"NAME": str(DESKTOP_DJANGO_APP_DATA_DIR / "test.sqlite3")}
