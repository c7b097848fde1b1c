"""Sphinx configuration for the Desktop Django Starter docs (Markdown pages via MyST).

Build locally with `just docs` (warnings are errors, so a broken local link or anchor fails
the build); Read the Docs builds it from .readthedocs.yaml.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms import SphinxTransform

project = "Desktop Django Starter"
author = "Desktop Django Starter contributors"
copyright = "Desktop Django Starter contributors; Apache-2.0 OR MIT"

extensions = ["myst_parser"]

# Markdown only: every page is a .md file under docs/.
source_suffix = {".md": "markdown"}
root_doc = "index"

# Headings down to ### get anchors, so links such as [x](release.md#the-runtime-manifest)
# resolve, and a wrong anchor is a warning (an error under -W).
myst_heading_anchors = 3

# Not pages: build output, the docs venv, the requirements files. The benchmark JSON and SVG
# are not sources either (only .md is); the pages link to them or show them as images.
exclude_patterns = ["_build", ".venv", "requirements.in", "requirements.txt"]

# Some code blocks are plain text (wire formats, trees); never guess a lexer for them.
highlight_language = "none"
# Example payloads elide values with "…" (release.md's runtime manifest), which the JSON lexer
# rejects before Pygments retries in relaxed mode and highlights it anyway: not a page error.
suppress_warnings = ["misc.highlighting_failure"]

html_theme = "alabaster"
html_title = "Desktop Django Starter"

# --- Links from a page to a file or folder of the repository outside docs/ ------------------
# The pages link to repository files the way GitHub renders them ([shells/wry](../shells/wry)).
# Sphinx only knows docs/, so such a link becomes a link to the file on GitHub when the
# repository's address is known (Read the Docs' clone URL and commit, or DOCS_REPO_URL and
# DOCS_REPO_REF), and plain text otherwise. A link to a path that does not exist is left to
# MyST, which reports it: broken links still fail the build.

DOCS_DIR = Path(__file__).resolve().parent
REPO_ROOT = DOCS_DIR.parent


def _repo_web_base() -> str | None:
    url = os.environ.get("DOCS_REPO_URL") or os.environ.get("READTHEDOCS_GIT_CLONE_URL", "")
    ref = os.environ.get("DOCS_REPO_REF") or os.environ.get("READTHEDOCS_GIT_COMMIT_HASH", "")
    match = re.match(r"^(?:https://|git@)github\.com[/:]([^/]+/[^/]+?)(?:\.git)?/?$", url)
    if not match or not ref:
        return None
    return f"https://github.com/{match.group(1)}/{{kind}}/{ref}/{{path}}"


class RepositoryLinks(SphinxTransform):
    """Turn links to repository paths outside docs/ into GitHub links or plain text."""

    default_priority = 100

    def apply(self, **kwargs) -> None:
        base = _repo_web_base()
        here = Path(self.env.doc2path(self.env.docname)).parent
        for node in list(self.document.findall(addnodes.pending_xref)) + list(
            self.document.findall(addnodes.download_reference)
        ):
            if node.get("reftype") != "myst":
                continue
            target = str(node.get("reftarget", "")).split("#", 1)[0]
            if node.get("refdomain") == "doc" and os.path.isabs(target):
                target = target + ".md"  # a .md file outside docs/, as MyST reports it
            if not target:
                continue
            path = (here / target).resolve()
            if not path.exists() or path.is_relative_to(DOCS_DIR):
                continue  # MyST resolves it, or reports it as broken
            if not path.is_relative_to(REPO_ROOT):
                continue
            rel = path.relative_to(REPO_ROOT).as_posix()
            if base:
                kind = "tree" if path.is_dir() else "blob"
                new = nodes.reference("", "", refuri=base.format(kind=kind, path=rel))
                new += node.children
            else:
                new = nodes.inline("", "")
                new += node.children
            node.replace_self(new)


def setup(app):
    app.add_transform(RepositoryLinks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
