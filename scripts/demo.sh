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

# Printouts (notices, certificates, acknowledgements) are PDFs made by
# WeasyPrint, which needs Pango and HarfBuzz, and Chinese needs a CJK font.
# Installed when missing and possible (root or password-less sudo); otherwise
# the demo runs and says which packages its printouts need.
PDF_PACKAGES=(fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
ensure_pdf_packages() {
    local missing=() pkg sudo=()
    command -v dpkg-query >/dev/null || return 0
    for pkg in "${PDF_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo=(sudo); else
            printf '\033[1;33mNote:\033[0m PDF printouts need: %s (apt-get install -y %s); the rest of the demo works without them.\n' "${missing[*]}" "${missing[*]}"
            return 0
        fi
    fi
    step "Installing packages for PDF printouts: ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null \
        && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}" >/dev/null \
        || printf '\033[1;33mNote:\033[0m could not install %s; PDF printouts will not work.\n' "${missing[*]}"
}

ensure_venv
ensure_installed . demo
ensure_pdf_packages

exec "$VENV/bin/linli" demo
