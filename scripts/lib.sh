# Shared by scripts/demo.sh and scripts/test.sh: the virtual environment and
# the editable install. Source it after setting PYTHON and VENV and defining
# step() and die().

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
    step "Creating the virtual environment in $VENV"
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
# successful install, so a second run goes straight to the tests.
ensure_installed() {
    local spec="$1" stamp="$VENV/.linli-install-$2" want
    want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$VENV/bin/python" -c 'import linli' 2>/dev/null; then
        return
    fi
    step "Installing linli ($spec) into $VENV"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -e "$spec" || die "pip install failed."
    echo "$want" >"$stamp"
}
