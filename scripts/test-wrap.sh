#!/usr/bin/env bash
# `just test-wrap`: a Django project this repository did not write, wrapped with no edits to its
# files (issue 12's proof, docs/wrapping.md followed by a machine).
#
#   1. a new project in a temp dir: `django-admin startproject shop` + `startapp catalog`, a model
#      in the admin, a login-protected page, a template with a stylesheet from a CDN, its own
#      tests; committed to a throwaway git repository; desktop-django installed into its .venv
#      from this checkout (pip)
#   2. `desktop-django init`, then `desktop-django doctor`, which must pass and name the CDN
#      stylesheet
#   3. the project's own tests pass, unchanged, under its own settings
#   4. the headless shell loads its pages (`desktop-django run --shell headless`)
#   5. through the ticket-bootstrapped cookie: a login, and an item added in the admin
#      (conformance/tests/wrapped.rs); then the whole clause suite on the headless row with this
#      project as the backend under test (DESKTOP_DJANGO_CONFORMANCE_BACKEND), summarised as
#      pass / n/a / expected failure; any failure fails the script
#   6. `git status`: the project's files are untouched; only init's three files are new
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
step() { printf '\033[1;36m==>\033[0m %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
fail() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

target_dir="${CARGO_TARGET_DIR:-$root/target}"
exe=""; case "$(uname -s)" in MINGW* | MSYS* | CYGWIN*) exe=".exe" ;; esac
cli="$target_dir/debug/desktop-django$exe"
(cd "$root" && cargo build -q -p cli -p headless-shell -p harness --bin desktop-django --bin desktop-django-headless --bin events-file)
# The events file through contract's own event list (testing/harness: events-file), never grep.
events() { "$target_dir/debug/events-file$exe" "$@"; }

work="$(mktemp -d "${TMPDIR:-/tmp}/test-wrap.XXXXXX")"
trap '[ -n "${TEST_WRAP_KEEP:-}" ] || rm -rf "$work"' EXIT
project="$work/shop"
mkdir -p "$project"
cd "$project"

# --- 1. A project nobody here wrote ---------------------------------------------------------
step "A new Django project (startproject + startapp) with desktop-django from this checkout"
base_python="$("$root/backend/.venv/bin/python" -c 'import sys; print(sys._base_executable)' 2>/dev/null \
  || "$root/backend/.venv/Scripts/python.exe" -c 'import sys; print(sys._base_executable)')"
"$base_python" -m venv .venv
py="$project/.venv/bin/python"; [ -x "$py" ] || py="$project/.venv/Scripts/python.exe"
"$py" -m pip install -q --disable-pip-version-check "Django>=5.2,<5.3" "$root/python/desktop-django[packaged]"
"$project/.venv/bin/django-admin" startproject shop .
"$py" manage.py startapp catalog
cat > catalog/models.py <<'PY'
from django.db import models


class Item(models.Model):
    name = models.CharField(max_length=80)
    price = models.DecimalField(max_digits=8, decimal_places=2)

    def __str__(self):
        return self.name
PY
cat > catalog/admin.py <<'PY'
from django.contrib import admin

from .models import Item

admin.site.register(Item)
PY
cat > catalog/views.py <<'PY'
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .models import Item


@login_required
def index(request):
    return render(request, "catalog/index.html", {"items": Item.objects.order_by("name")})
PY
cat > catalog/urls.py <<'PY'
from django.urls import path

from . import views

urlpatterns = [path("", views.index, name="index")]
PY
mkdir -p catalog/templates/catalog catalog/templates/registration
cat > catalog/templates/catalog/base.html <<'HTML'
<!doctype html>
<html><head><title>Shop</title>
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/dist/css/bootstrap.min.css">
</head><body>{% block content %}{% endblock %}</body></html>
HTML
cat > catalog/templates/catalog/index.html <<'HTML'
{% extends "catalog/base.html" %}
{% block content %}<h1>Catalogue</h1><ul>{% for item in items %}<li>{{ item.name }}: {{ item.price }}</li>{% endfor %}</ul>{% endblock %}
HTML
cat > catalog/templates/registration/login.html <<'HTML'
{% extends "catalog/base.html" %}
{% block content %}<form method="post">{% csrf_token %}{{ form.as_p }}<button>Log in</button></form>{% endblock %}
HTML
cat > catalog/tests.py <<'PY'
from django.contrib.auth.models import User
from django.test import TestCase

from .models import Item


class CatalogTests(TestCase):
    def test_anonymous_users_are_sent_to_log_in(self):
        response = self.client.get("/")
        self.assertRedirects(response, "/accounts/login/?next=/")

    def test_the_catalogue_lists_items(self):
        Item.objects.create(name="Saddle", price="120.00")
        self.client.force_login(User.objects.create_user("ann", password="pw-1234-long"))
        self.assertContains(self.client.get("/"), "Saddle")

    def test_the_admin_adds_items(self):
        self.client.force_login(User.objects.create_superuser("root", password="pw-1234-long"))
        response = self.client.post("/admin/catalog/item/add/", {"name": "Bridle", "price": "35"})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Item.objects.filter(name="Bridle").exists())
PY
"$py" - <<'PY'
import re
from pathlib import Path
settings = Path("shop/settings.py")
text = settings.read_text()
text = re.sub(r"(['\"]django\.contrib\.staticfiles['\"],)", r"\1\n    'catalog',", text, count=1)
settings.write_text(text)
urls = Path("shop/urls.py")
text = urls.read_text()
text = text.replace("from django.urls import path", "from django.urls import include, path")
text, n = re.subn(
    r"(path\(['\"]admin/['\"], admin\.site\.urls\),)",
    r"\1\n    path('accounts/', include('django.contrib.auth.urls')),\n    path('', include('catalog.urls')),",
    text,
)
assert n == 1, text
urls.write_text(text)
PY
"$py" manage.py makemigrations catalog -v 0
printf '.venv/\n__pycache__/\ndb.sqlite3\n' > .gitignore
git init -q && git add -A && git -c user.name=test -c user.email=test@localhost commit -qm "the project as its team wrote it"
note "$project: $(git ls-files | wc -l) files committed"

# --- 2. init + doctor -----------------------------------------------------------------------
step "desktop-django init, then doctor"
"$cli" init . --product-name "Shop" >"$work/init.out" || { cat "$work/init.out"; fail "init failed"; }
sed 's/^/    /' "$work/init.out"
# The pip line keeps the project's Django (an extra may not upgrade it).
grep -q "\"Django==$("$py" -c 'import django; print(django.get_version())')\"" "$work/init.out" \
  || fail "init's pip line does not pin the project's Django"
doctor="$("$cli" doctor . 2>&1)" || { echo "$doctor"; fail "doctor found problems"; }
echo "$doctor" | sed 's/^/    /'
grep -q 'cdn.jsdelivr.net' <<<"$doctor" || fail "doctor did not report the other-origin stylesheet"

# --- 3. The project's own tests -------------------------------------------------------------
step "The project's own tests, under its own settings"
"$py" manage.py test -v 1 >"$work/tests.out" 2>&1 || { cat "$work/tests.out"; fail "the project's own tests fail"; }
tail -n 3 "$work/tests.out" | sed 's/^/    /'

# --- 4. The headless shell loads its pages ----------------------------------------------------
step "desktop-django run --shell headless"
export DESKTOP_DJANGO_APP_DATA_DIR="$work/app-data" DESKTOP_DJANGO_EVENTS="$work/events.jsonl"
DESKTOP_DJANGO_AUTOQUIT_MS=300 "$cli" run --shell headless . >"$work/run.out" 2>&1 \
  || { cat "$work/run.out"; fail "the headless shell exited with an error"; }
events find "$work/events.jsonl" window_loaded >/dev/null || fail "no window_loaded: $(cat "$work/events.jsonl" "$work/run.out")"
! events find "$work/events.jsonl" backend_spawned --where role=worker >/dev/null || fail "a worker ran for a project without the task queue"
grep -q 'not loaded: https://cdn.jsdelivr.net' "$work/run.out" || fail "the shell did not say it skipped the CDN stylesheet"
note "window_loaded; the CDN stylesheet named as not loaded; no worker role"
unset DESKTOP_DJANGO_EVENTS

# --- 5. Login and admin through the desktop cookie; the backend clauses -----------------------
step "Login and an admin add through the ticket-bootstrapped cookie (conformance/tests/wrapped.rs)"
DJANGO_SUPERUSER_PASSWORD="wrap-test-password-1" "$cli" manage --project . -- \
  createsuperuser --noinput --username admin --email admin@localhost >/dev/null 2>&1
(cd "$root" && DESKTOP_DJANGO_WRAPPED_PROJECT="$project" DESKTOP_DJANGO_WRAPPED_PASSWORD="wrap-test-password-1" \
  DESKTOP_DJANGO_CONFORMANCE_SHELLS=headless cargo test -q -p conformance --test wrapped -- --ignored) \
  >"$work/wrapped.out" 2>&1 || { cat "$work/wrapped.out"; fail "the wrapped project's login or admin add failed"; }
grep -q 'test result: ok. 1 passed' "$work/wrapped.out" || fail "the wrapped test did not run: $(cat "$work/wrapped.out")"
note "logged in with the desktop token cookie, added an item in the admin, quit cleanly"

step "The conformance suite's clauses on the headless row, this project as the backend"
# Every check runs against this project through the descriptor's {backend}; the checks that need
# the demo's own pages or a worker role read n/a (conformance::clauses::REQUIREMENTS). Its matrix
# goes to <target>/conformance/backend-<app id>/, apart from the demo's.
suite_start=$SECONDS
suite_ok=1
(cd "$root" && DESKTOP_DJANGO_CONFORMANCE_BACKEND="$project" DESKTOP_DJANGO_CONFORMANCE_SHELLS=headless \
  cargo test -q -p conformance --test clauses) >"$work/suite.out" 2>&1 || suite_ok=0
# One line per check and row: `conformance: <clause>[@scenario] headless: <outcome> (<secs> s)`
# (the lines may share a terminal line with libtest's progress dots, so match inside lines).
outcomes="$(grep -oE 'conformance: [^ ]+ headless: (pass|fail|n/a|expected failure|not claimed|unavailable) \(' "$work/suite.out" \
  | sed -E 's/^conformance: ([^ ]+) headless: (.*) \($/\1\t\2/' || true)"
count() { awk -F'\t' -v o="$1" '$2 == o' <<<"$outcomes" | wc -l | tr -d ' '; }
pkg_na="$(awk -F'\t' '$2 == "n/a" && $1 ~ /^C-PKG-/' <<<"$outcomes" | wc -l | tr -d ' ')"
backend_na="$(awk -F'\t' '$2 == "n/a" && $1 !~ /^C-PKG-/ {print $1}' <<<"$outcomes" | tr '\n' ' ')"
hostile="$(grep -oE 'HOSTILE headless: [0-9]+ of [0-9]+ cases passed, [0-9]+ n/a' "$work/suite.out" | head -n 1 || true)"
note "$(count pass) pass, $(count 'expected failure') expected failure (the descriptor's), $(count fail) fail; n/a: ${backend_na:-none}(needs the demo or a worker) and $pkg_na package clause(s)"
[ -z "$hostile" ] || note "$hostile (the demo's CRUD endpoints)"
note "$((SECONDS - suite_start)) s"
if [ "$suite_ok" != 1 ] || [ "$(count fail)" != 0 ] || [ "$(count pass)" = 0 ]; then
  grep -E 'panicked|failed on|FAIL' "$work/suite.out" | head -n 40 >&2 || true
  fail "the conformance suite failed on the wrapped project (full output: TEST_WRAP_KEEP=1, $work/suite.out)"
fi

# --- 6. Nothing of the project was edited -----------------------------------------------------
step "The project's own files are untouched"
git diff --exit-code --stat || fail "init or a run changed the project's files"
new="$(git status --porcelain --untracked-files=all | sed 's/^?? //' | sort | tr '\n' ' ')"
[ "$new" = "desktop.toml shop/desktop_settings.py shop/desktop_urls.py " ] || fail "unexpected new files: $new"
note "git diff: empty; new: $new"
