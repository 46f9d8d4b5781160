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

step() { printf '==> %s\n' "$*"; }
# ensure_venv and ensure_installed
source scripts/lib.sh

ensure_venv
ensure_installed . demo

exec "$VENV/bin/linli" demo
