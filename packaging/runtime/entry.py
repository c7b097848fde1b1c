"""The script PyInstaller freezes into ``desktop-backend``: a ``manage.py`` without the file.

``desktop-backend desktop_serve``, ``desktop-backend desktop_worker``,
``desktop-backend migrate --check``, ... run the management command of that name.
``DJANGO_SETTINGS_MODULE`` comes from the environment (the shell sets it from
``desktop.toml``'s ``settings.packaged``); when it is unset, the bundled ``desktop.toml``
names the default, so smoke commands need no environment.
"""

import os
import sys
import tomllib

FALLBACK_SETTINGS = "flying_stable.settings.packaged"


def default_settings() -> str:
    """``[settings].packaged`` of the bundled desktop.toml, else ``FALLBACK_SETTINGS``."""
    bundle = getattr(sys, "_MEIPASS", os.path.dirname(os.path.abspath(__file__)))
    try:
        with open(os.path.join(bundle, "desktop.toml"), "rb") as fh:
            packaged = tomllib.load(fh).get("settings", {}).get("packaged")
    except (OSError, tomllib.TOMLDecodeError):
        packaged = None
    return packaged if isinstance(packaged, str) and packaged else FALLBACK_SETTINGS


def main() -> None:
    # The shell reads the handshake line from stdout as soon as it is written. The spec
    # also passes Python's -u option; line buffering here holds even without it.
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(line_buffering=True)
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        os.environ["DJANGO_SETTINGS_MODULE"] = default_settings()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["desktop-backend", *sys.argv[1:]])


if __name__ == "__main__":
    main()
