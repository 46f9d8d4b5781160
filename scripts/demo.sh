#!/usr/bin/env bash
# Run the linli demo: a virtual environment in .venv, the package installed
# into it, then `linli demo` (migrate, seed the Huamu demo data, serve at
# http://127.0.0.1:8000 and print the demo logins).
#
#   bash scripts/demo.sh
#
# Needs only Python 3.11+ with its venv module. PYTHON=/path/to/python3.x
# picks another interpreter.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-python3}"
VENV=.venv

die() { printf '\n\033[1;31mERROR:\033[0m %s\n' "$*" >&2; exit 1; }

ensure_venv() {
    command -v "$PYTHON" >/dev/null || die "$PYTHON not found. Install Python 3.11 or newer (Debian: apt-get install python3)."
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || die "linli needs Python 3.11 or newer; $PYTHON is $("$PYTHON" -V 2>&1)."
    if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
        return
    fi
    # A half-made .venv (venv without ensurepip leaves one behind) would make
    # every later run fail the same way; start it again from nothing.
    rm -rf "$VENV"
    echo "==> Creating the virtual environment in $VENV"
    if ! "$PYTHON" -m venv "$VENV"; then
        rm -rf "$VENV"
        local pyver sudo=""
        pyver="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        [ "$(id -u)" -ne 0 ] && sudo="sudo "
        die "Python's venv module is not available. On Debian/Ubuntu install it with:
    ${sudo}apt-get install python${pyver}-venv
then run this script again."
    fi
}

# Installing is skipped when pyproject.toml has not changed since the last
# successful install, so a second run starts in a second or two.
ensure_installed() {
    local spec="$1" stamp="$VENV/.linli-install-$2" want
    want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$VENV/bin/python" -c 'import linli' 2>/dev/null; then
        return
    fi
    echo "==> Installing linli ($spec) into $VENV"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -e "$spec"
    echo "$want" >"$stamp"
}

ensure_venv
ensure_installed . demo

exec "$VENV/bin/linli" demo
