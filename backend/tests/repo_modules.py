"""Python modules of the repository's build tooling, loaded by path: the repo's `packaging/` dir
is not the PyPI `packaging` package, so it cannot be imported by name."""

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def load(relpath: str, name: str):
    """The module at ``REPO / relpath``, registered as ``name`` (not in ``sys.modules``)."""
    spec = importlib.util.spec_from_file_location(name, REPO / relpath)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
