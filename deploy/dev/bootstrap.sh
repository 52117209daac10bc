#!/usr/bin/env bash
# Shared by run-kiosk and run-tests: makes .venv/ and installs what the profile needs.
# A second run only checks (dpkg-query and a stamp of pyproject.toml), so it takes about a second.
# Usage (sourced): leadkiosk_bootstrap run|test
set -euo pipefail

LEADKIOSK_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export LEADKIOSK_REPO

# Debian / Raspberry Pi OS package names. Runtime: what pyzbar and the Kivy wheel load at run time,
# software GL (llvmpipe) for machines without a GPU driver, Xvfb for a screen-less machine.
LEADKIOSK_APT_RUN=(python3 python3-venv python3-pip libzbar0 libmtdev1 libgl1 libegl1 libgles2
                   libgl1-mesa-dri xvfb xauth fonts-dejavu-core)
# Tests: a real PostgreSQL server, Debian's Chromium for the browser tests, shellcheck and
# systemd-analyze for the Pi deployment files, tesseract (the OCR bench's named baseline).
LEADKIOSK_APT_TEST=(postgresql chromium shellcheck systemd openssl dosfstools tesseract-ocr)

_lk_log() { printf '[bootstrap] %s\n' "$*" >&2; }

_lk_missing_apt() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || printf '%s\n' "$p"
    done
}

_lk_apt() {
    command -v dpkg-query >/dev/null 2>&1 || { _lk_log "not a Debian system: install the equivalents of: $*"; return 0; }
    local missing
    mapfile -t missing < <(_lk_missing_apt "$@")
    [ "${#missing[@]}" -eq 0 ] && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sudo=(sudo)
        else
            _lk_log "missing system packages; please run:"
            _lk_log "  sudo apt-get update && sudo apt-get install --no-install-recommends ${missing[*]}"
            return 1
        fi
    fi
    _lk_log "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Refresh the lists first: a container image has none ("Unable to locate package") and a Pi
    # image flashed months ago has stale ones (superseded security updates, 404s). Their mtimes
    # come from the mirror, so age is no guide; this is reached only when something is missing.
    "${sudo[@]}" apt-get update -q >/dev/null
    "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

_lk_python() {
    # Debian's own python3 first: on a Pi its dist-packages hold picamera2 (apt only).
    local c
    for c in /usr/bin/python3 python3.13 python3.12 python3.11 python3; do
        command -v "$c" >/dev/null 2>&1 || continue
        if "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
            command -v "$c"; return 0
        fi
    done
    _lk_log "leadkiosk needs Python 3.11 or newer (Debian 12: sudo apt-get install python3 python3-venv)"
    return 1
}

leadkiosk_bootstrap() {
    local profile="${1:-run}"
    local pkgs=("${LEADKIOSK_APT_RUN[@]}")
    [ "$profile" = test ] && pkgs+=("${LEADKIOSK_APT_TEST[@]}")
    _lk_apt "${pkgs[@]}"

    local venv="$LEADKIOSK_REPO/.venv"
    if [ ! -x "$venv/bin/python" ]; then
        local py; py="$(_lk_python)"
        _lk_log "creating $venv with $py (system site packages visible, for picamera2)"
        "$py" -m venv --system-site-packages "$venv"
    fi
    # run-kiosk: the kiosk's extra, plus central's so that the README's walk-through (central serve,
    # enroll, sync) works from the same .venv; run-tests: everything, with the test tools.
    local extra="[kiosk,central]" stamp
    [ "$profile" = test ] && extra="[kiosk,central,test]"
    stamp="$(sha256sum <"$LEADKIOSK_REPO/pyproject.toml" | cut -c1-16)-$profile"
    if [ "$(cat "$venv/.leadkiosk-stamp-$profile" 2>/dev/null)" != "$stamp" ]; then
        _lk_log "installing Python packages into $venv (profile $profile)"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
        "$venv/bin/python" -m pip install -q --disable-pip-version-check -e "$LEADKIOSK_REPO$extra"
        echo "$stamp" >"$venv/.leadkiosk-stamp-$profile"
        [ "$profile" = test ] && echo "${stamp%-test}-run" >"$venv/.leadkiosk-stamp-run"
    fi
    return 0
}
