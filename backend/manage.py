#!/usr/bin/env python
"""Django's command-line utility for the Flying Stable demo."""

import os
import sys


def main() -> None:
    """Run a management command; dev settings unless DJANGO_SETTINGS_MODULE says otherwise."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flying_stable.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
