#!/usr/bin/env bash
# Run linli's checks: ruff, then the test suite on SQLite and on PostgreSQL.
#
#   bash scripts/test.sh [extra pytest arguments]
#
# - Creates .venv and installs linli with its test extras when needed.
# - Installs the Debian packages the tests need (chromium for the browser
#   test, fonts-noto-cjk for Chinese text, gettext for the i18n check) when
#   missing, with sudo if not root.
# - The PostgreSQL pass uses DATABASE_URL_PG (default
#   postgres://postgres@127.0.0.1:5432/linli; pytest creates test_linli).
#   Outside CI an unreachable PostgreSQL skips that pass with a warning; with
#   CI=true the script tries to start the local cluster and fails otherwise.
# - SKIP_BROWSER=1 deselects the browser test (for machines without chromium
#   and without sudo); the summary says so.
#
# Exits non-zero if any step fails. Every step runs even after a failure, so
# one run shows everything that is wrong.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-python3}"
VENV=.venv
PG_URL="${DATABASE_URL_PG:-postgres://postgres@127.0.0.1:5432/linli}"
# gettext: the i18n test runs makemessages on a copy of the code to find untranslated strings.
# pango + harfbuzz-subset: WeasyPrint's PDFs (notices, certificates).
APT_PACKAGES=(chromium fonts-noto-cjk gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)

RED=$'\033[1;31m' YELLOW=$'\033[1;33m' GREEN=$'\033[1;32m' RESET=$'\033[0m'
FAILED=()
WARNINGS=()

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\n%sERROR:%s %s\n' "$RED" "$RESET" "$*" >&2; exit 1; }
warn() {
    printf '\n%s!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' "$YELLOW"
    printf '!!! WARNING: %s\n' "$*"
    printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!%s\n' "$RESET"
    WARNINGS+=("$*")
}

# ensure_venv and ensure_installed
source scripts/lib.sh

is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

ensure_apt_packages() {
    local missing=() pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        if [ "$pkg" = chromium ] && [ "${SKIP_BROWSER:-}" = 1 ]; then continue; fi
        is_installed "$pkg" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return
    command -v apt-get >/dev/null || die "Missing system packages: ${missing[*]}. This script installs them with apt-get (Debian/Ubuntu); install them yourself on other systems, or set SKIP_BROWSER=1."
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
            sudo=(sudo)
        elif command -v sudo >/dev/null && [ -t 0 ]; then
            sudo=(sudo)  # asks for the password on this terminal
        else
            die "Missing system packages: ${missing[*]}. Install them as root:
    apt-get update && apt-get install -y ${missing[*]}
or run with SKIP_BROWSER=1 to leave out the browser test."
        fi
    fi
    step "Installing system packages: ${missing[*]}"
    # Lock::Timeout waits for another apt (an unattended upgrade) instead of failing at once.
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q \
        && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}" \
        || die "apt-get could not install: ${missing[*]}"
}

pg_reachable() {
    # The maintenance database, not linli's: pytest creates test_linli itself,
    # and linli need not exist.
    "$VENV/bin/python" - "$PG_URL" <<'EOF' >/dev/null 2>&1
import sys
from urllib.parse import urlsplit, urlunsplit
import psycopg
parts = urlsplit(sys.argv[1])
psycopg.connect(urlunsplit(parts._replace(path="/postgres")), connect_timeout=3).close()
EOF
}

start_local_postgres() {
    command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ] || return 1
    local version
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    [ -n "$version" ] || return 1
    step "Starting PostgreSQL $version/main"
    local sudo=()
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo=(sudo -n)
    "${sudo[@]}" pg_ctlcluster --skip-systemctl-redirect "$version" main start || return 1
    for _ in $(seq 1 30); do
        pg_reachable && return 0
        sleep 1
    done
    return 1
}

# pytest exits 5 when it collected no tests: a broken collection or a
# mistyped marker must not pass as green.
run_pytest() {
    local label="$1"
    shift
    step "pytest on $label"
    "$@"
    local rc=$?
    if [ $rc -eq 5 ]; then
        printf '%sNo tests ran on %s (pytest exit code 5): treated as a failure.%s\n' "$RED" "$label" "$RESET"
        FAILED+=("pytest on $label: no tests collected")
    elif [ $rc -ne 0 ]; then
        FAILED+=("pytest on $label (exit code $rc)")
    fi
}

ensure_venv
ensure_installed '.[test]' test
ensure_apt_packages

step "ruff check ."
"$VENV/bin/ruff" check . || FAILED+=("ruff check")

step "mypy linli"
"$VENV/bin/mypy" linli || FAILED+=("mypy")

sqlite_markers=()
if [ "${SKIP_BROWSER:-}" = 1 ]; then
    warn "SKIP_BROWSER=1: the browser test is not run."
    sqlite_markers=(-m "not browser")
fi
# DATABASE_URL is cleared so this pass is SQLite even when the shell exports one.
run_pytest SQLite env -u DATABASE_URL "$VENV/bin/pytest" "${sqlite_markers[@]}" "$@"

if ! pg_reachable && [ "${CI:-}" = true ]; then
    start_local_postgres
fi
if pg_reachable; then
    # The browser test drives the same pages on SQLite; once is enough.
    run_pytest PostgreSQL env DATABASE_URL="$PG_URL" "$VENV/bin/pytest" -m "not browser" "$@"
elif [ "${CI:-}" = true ]; then
    printf '%sPostgreSQL is not reachable at %s, and CI=true.%s\n' "$RED" "$PG_URL" "$RESET"
    FAILED+=("PostgreSQL unreachable at $PG_URL (CI)")
else
    warn "PostgreSQL is not reachable at $PG_URL: the PostgreSQL test pass was SKIPPED.
!!! Production runs on PostgreSQL; start it (or set DATABASE_URL_PG) and run again before you push."
fi

echo
for w in "${WARNINGS[@]}"; do printf '%sskipped:%s %s\n' "$YELLOW" "$RESET" "${w%%$'\n'*}"; done
if [ ${#FAILED[@]} -gt 0 ]; then
    printf '%sFAILED:%s\n' "$RED" "$RESET"
    for f in "${FAILED[@]}"; do printf '  - %s\n' "$f"; done
    exit 1
fi
printf '%sAll checks passed.%s\n' "$GREEN" "$RESET"
