#!/usr/bin/env bash
# leadkiosk installer for Raspberry Pi OS Bookworm 64-bit (Pi 4, Pi 5), also plain Debian 12.
#
#   sudo ./deploy/pi/install.sh              install or repair; a second run changes nothing
#   ./deploy/pi/install.sh --dry-run         print every change it would make, change nothing
#
# Idempotent: every step compares what is there with what should be, and changes only what
# differs; the last line says how many changes were made (or "nothing to change").
set -euo pipefail
shopt -s lastpipe  # `producer | install_content` must count its change in this shell

usage() {
    cat <<'EOF'
Usage: install.sh [--dry-run] [--root DIR] [--wheel PATH] [--display NAME] [--no-apt] [--no-enable]

  --dry-run        print every change, change nothing
  --root DIR       install into a target root file system (e.g. a debootstrap chroot)
  --wheel PATH     install this leadkiosk wheel instead of the checkout around this script
  --display NAME   official-7 | touch-display-2 | hdmi (default: display in leadkiosk.toml, else hdmi)
  --no-apt         do not install Debian packages
  --no-enable      install the systemd units but do not enable them

Environment overrides (paths are inside the target root):
  LEADKIOSK_ROOT, LEADKIOSK_PREFIX (/opt/leadkiosk), LEADKIOSK_DATA_DIR (/var/lib/leadkiosk),
  LEADKIOSK_BOOT_CONFIG (/boot/firmware/leadkiosk.toml), LEADKIOSK_CMDLINE (/boot/firmware/cmdline.txt),
  LEADKIOSK_PYTHON (/usr/bin/python3), LEADKIOSK_PROC_MOUNTS (mount table to check; default
  /proc/mounts when installing into /), LEADKIOSK_PIP_ARGS (extra pip options, e.g.
  "--no-index --find-links /media/usb/wheels"), LEADKIOSK_APT=0, LEADKIOSK_WHEEL, LEADKIOSK_DISPLAY,
  LEADKIOSK_ROOT_RUNNER (command prefix that runs a command inside --root instead of chroot, for a
  root of another architecture: "proot -0 -q qemu-aarch64-static -r DIR -b /proc -b /dev -b /sys").
EOF
}

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"

DRY_RUN=0
ENABLE=1
ROOT="${LEADKIOSK_ROOT:-/}"
WHEEL="${LEADKIOSK_WHEEL:-}"
DISPLAY_NAME="${LEADKIOSK_DISPLAY:-}"
APT="${LEADKIOSK_APT:-1}"
PREFIX="${LEADKIOSK_PREFIX:-/opt/leadkiosk}"
DATA_DIR="${LEADKIOSK_DATA_DIR:-/var/lib/leadkiosk}"
BOOT_CONFIG="${LEADKIOSK_BOOT_CONFIG:-/boot/firmware/leadkiosk.toml}"
CMDLINE="${LEADKIOSK_CMDLINE:-/boot/firmware/cmdline.txt}"
PYTHON="${LEADKIOSK_PYTHON:-/usr/bin/python3}"
MOUNTS="${LEADKIOSK_PROC_MOUNTS:-}"
read -r -a PIP_ARGS <<<"${LEADKIOSK_PIP_ARGS:-}"
KIVY_HOME_DIR=/etc/leadkiosk/kivy
UNIT_DIR=/etc/systemd/system
UNITS=(leadkiosk-kiosk.service leadkiosk-firstboot.service leadkiosk-enroll.service)
KIOSK_USER=leadkiosk
KIOSK_GROUPS=(video input render audio)
CMDLINE_ARGS=(consoleblank=0 vt.global_cursor_default=0)
# Debian package names. Kivy's wheel brings its own SDL2 (built with KMS/DRM) which loads EGL,
# GLES, GBM and DRM from the system; mtdev is Kivy's multitouch reader; zbar decodes barcodes;
# v4l-utils gives v4l2-ctl, which lists a USB webcam's modes so the kiosk can pick the best one.
APT_PACKAGES=(python3 python3-venv ca-certificates libzbar0 libmtdev1 libegl1 libgles2 libgbm1 libdrm2
              libgl1-mesa-dri libudev1 fonts-dejavu-core util-linux v4l-utils)
APT_PI_PACKAGES=(python3-picamera2)   # only in Raspberry Pi OS's archive

while [ $# -gt 0 ]; do
    case "$1" in
        --dry-run) DRY_RUN=1 ;;
        --root) ROOT="${2:?--root needs a directory}"; shift ;;
        --root=*) ROOT="${1#--root=}" ;;
        --wheel) WHEEL="${2:?--wheel needs a file}"; shift ;;
        --wheel=*) WHEEL="${1#--wheel=}" ;;
        --display) DISPLAY_NAME="${2:?--display needs a name}"; shift ;;
        --display=*) DISPLAY_NAME="${1#--display=}" ;;
        --no-apt) APT=0 ;;
        --no-enable) ENABLE=0 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

CHANGES=0
log() { printf '[install] %s\n' "$*"; }
die() { printf '[install] error: %s\n' "$*" >&2; exit "${2:-1}"; }
# One line per change; in a dry run the line is all that happens.
change() {
    CHANGES=$((CHANGES + 1))
    if [ "$DRY_RUN" = 1 ]; then printf '[install] would: %s\n' "$*"; else printf '[install] change: %s\n' "$*"; fi
}
doit() { [ "$DRY_RUN" = 1 ] || "$@"; }
# A path inside the target root.
R() { printf '%s%s' "${ROOT%/}" "$1"; }
in_root() {
    if [ "$USE_CHROOT" = 1 ]; then "${ROOT_RUNNER[@]}" "$@"; else "$@"; fi
}
# A path as the commands run by in_root see it.
X() { if [ "$USE_CHROOT" = 1 ]; then printf '%s' "$1"; else R "$1"; fi; }
# The checkout's pure Python helpers, run with the host's python3 (no venv needed yet).
helper() { PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}" python3 -m kiosk.deploy.installhelper "$@"; }

# install_content DEST MODE < content: write DEST (inside the root) if its content or mode differ.
install_content() {
    local dest mode tmp
    dest="$(R "$1")"; mode="$2"
    tmp="$(mktemp)"
    cat >"$tmp"
    if [ -f "$dest" ] && cmp -s "$tmp" "$dest" && [ "$(stat -c %a "$dest")" = "$mode" ]; then
        rm -f "$tmp"; return 0
    fi
    if [ -f "$dest" ]; then change "update $1"; else change "install $1"; fi
    if [ "$DRY_RUN" = 1 ]; then rm -f "$tmp"; return 0; fi
    mkdir -p "$(dirname "$dest")"
    chmod "$mode" "$tmp"
    mv -f "$tmp" "$dest"
}
install_file() { install_content "$2" "$3" <"$1"; }

ensure_symlink() {  # ensure_symlink LINK TARGET (LINK inside the root, TARGET as written)
    local link; link="$(R "$1")"
    [ -L "$link" ] && [ "$(readlink "$link")" = "$2" ] && return 0
    [ -e "$link" ] && [ ! -L "$link" ] && die "$1 exists and is not a symlink; move it away first"
    change "link $1 -> $2"
    if [ "$DRY_RUN" = 0 ]; then
        mkdir -p "$(dirname "$link")"
        ln -s "$2" "$link.new.$$"
        mv -T -f "$link.new.$$" "$link"   # rename(2): the link is never missing
    fi
}

# ---------------------------------------------------------------- preflight
[ "$(id -u)" = 0 ] || [ "$DRY_RUN" = 1 ] || die "run as root: sudo $0 $*"
[ -d "$ROOT" ] || die "--root $ROOT: no such directory"
ROOT="$(cd "$ROOT" && pwd)"
# Commands such as python3 -m venv run inside the target root (chroot), unless LEADKIOSK_CHROOT=0:
# then they run on this machine against the paths under --root (a staging tree for tests).
USE_CHROOT="${LEADKIOSK_CHROOT:-1}"
[ "$ROOT" = / ] && USE_CHROOT=0
# How a command runs inside the target root: chroot, or (a root of another architecture, e.g. an
# arm64 Pi image prepared on a PC) LEADKIOSK_ROOT_RUNNER, a command prefix such as
# "proot -0 -q qemu-aarch64-static -r ROOT". The systemd tools (sysusers, tmpfiles, systemctl) always
# run on this machine with --root, so they never need to execute the target's binaries.
if [ -n "${LEADKIOSK_ROOT_RUNNER:-}" ]; then
    read -r -a ROOT_RUNNER <<<"$LEADKIOSK_ROOT_RUNNER"
    log "running commands inside $ROOT with: ${ROOT_RUNNER[*]}"
else
    ROOT_RUNNER=(chroot "$ROOT")
fi
if [ -r "$(R /etc/os-release)" ]; then
    codename="$(sed -nE 's/^VERSION_CODENAME="?([^"]*)"?$/\1/p' "$(R /etc/os-release)")"
    [ "$codename" = bookworm ] || log "note: made for Debian 12 / Raspberry Pi OS bookworm, this is '${codename:-unknown}'"
fi
command -v python3 >/dev/null || die "python3 is needed to run the installer (sudo apt-get install python3)"
if [ -n "$WHEEL" ]; then
    [ -f "$WHEEL" ] || die "--wheel $WHEEL: no such file"
    WHEEL="$(cd "$(dirname "$WHEEL")" && pwd)/$(basename "$WHEEL")"
    VERSION="$(basename "$WHEEL" | sed -nE 's/^leadkiosk-([^-]+)-.*\.whl$/\1/p')"
    [ -n "$VERSION" ] || die "--wheel $WHEEL: expected leadkiosk-<version>-py3-none-any.whl"
else
    [ -f "$REPO/pyproject.toml" ] || die "no checkout around $HERE and no --wheel given"
    VERSION="$(sed -nE 's/^version = "([^"]+)"/\1/p' "$REPO/pyproject.toml" | head -n1)"
fi
GEN="$PREFIX/venvs/$VERSION"

# The provisioning file decides the display and where the leads live; a broken file stops here
# with the same message first boot would give.
BOOT_DISPLAY=hdmi BOOT_ROTATION=0 BOOT_DATA_DIR=""
if [ -f "$(R "$BOOT_CONFIG")" ]; then
    settings="$(helper boot-settings "$(R "$BOOT_CONFIG")")" || die "fix $BOOT_CONFIG first (see above)" 2
    eval "$settings"
    log "provisioning file $BOOT_CONFIG: display $BOOT_DISPLAY, rotation $BOOT_ROTATION${BOOT_DATA_DIR:+, data_dir $BOOT_DATA_DIR}"
fi
DISPLAY_NAME="${DISPLAY_NAME:-$BOOT_DISPLAY}"
case "$DISPLAY_NAME" in
    official-7|touch-display-2|hdmi) ;;
    *) die "--display: expected official-7, touch-display-2 or hdmi, got '$DISPLAY_NAME'" 2 ;;
esac

# ---------------------------------------------------------------- storage (refuse leads in RAM)
if [ -z "$MOUNTS" ] && [ "$ROOT" = / ]; then MOUNTS=/proc/mounts; fi
if [ -n "$MOUNTS" ]; then
    if [ -n "$BOOT_DATA_DIR" ]; then
        where="$(helper check-storage "$BOOT_DATA_DIR" "$MOUNTS" own)" || die "refusing to install (see above)" 3
        log "leads will live in $BOOT_DATA_DIR on $where"
    else
        where="$(helper check-storage "$DATA_DIR" "$MOUNTS")" || die "refusing to install (see above)" 3
        log "leads will live in $DATA_DIR on $where"
    fi
else
    log "storage check skipped: installing into $ROOT (set LEADKIOSK_PROC_MOUNTS to check a mount table)"
fi

# ---------------------------------------------------------------- Debian packages
if [ "$APT" = 1 ]; then
    [ -f "$(R /var/lib/dpkg/status)" ] || die "no dpkg database in $ROOT (use --no-apt for a bare root)"
    wanted=("${APT_PACKAGES[@]}")
    for p in "${APT_PI_PACKAGES[@]}"; do
        if in_root apt-cache show "$p" >/dev/null 2>&1; then
            wanted+=("$p")
        elif grep -qs "Raspberry Pi" "$(R /proc/device-tree/model)"; then
            die "$p is not available: is the Raspberry Pi OS apt source (archive.raspberrypi.com) configured?"
        else
            log "skipping $p: not in this system's apt sources (Raspberry Pi OS has it; the camera needs it)"
        fi
    done
    missing=()
    for p in "${wanted[@]}"; do
        dpkg-query --admindir="$(R /var/lib/dpkg)" -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$p")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        change "apt-get install ${missing[*]}"
        if [ "$DRY_RUN" = 0 ]; then
            export DEBIAN_FRONTEND=noninteractive
            if ! in_root apt-get install -y -q --no-install-recommends "${missing[@]}"; then
                in_root apt-get update -q
                in_root apt-get install -y -q --no-install-recommends "${missing[@]}"
            fi
        fi
    fi
fi

# ---------------------------------------------------------------- user and data directory
install_file "$HERE/sysusers.d/leadkiosk.conf" /etc/sysusers.d/leadkiosk.conf 644
user_ok=1
grep -q "^$KIOSK_USER:" "$(R /etc/passwd)" 2>/dev/null || user_ok=0
for g in "${KIOSK_GROUPS[@]}"; do
    grep -Eq "^$g:[^:]*:[0-9]*:(.*,)?$KIOSK_USER(,|\$)" "$(R /etc/group)" 2>/dev/null || user_ok=0
done
if [ "$user_ok" = 0 ]; then
    change "create system user $KIOSK_USER (groups ${KIOSK_GROUPS[*]}) with systemd-sysusers"
    doit systemd-sysusers --root="$ROOT" "$(R /etc/sysusers.d/leadkiosk.conf)"
fi

if [ -n "$BOOT_DATA_DIR" ]; then
    tmpfiles="$(printf '# The lead data directory lives on persistent storage (data_dir in leadkiosk.toml).\nL %s - - - - %s\nd %s 0750 %s %s -\n' \
        "$DATA_DIR" "$BOOT_DATA_DIR" "$BOOT_DATA_DIR" "$KIOSK_USER" "$KIOSK_USER")"
else
    tmpfiles="$(sed "s#/var/lib/leadkiosk#$DATA_DIR#" "$HERE/tmpfiles.d/leadkiosk.conf")"
fi
printf '%s\n' "$tmpfiles" | install_content /etc/tmpfiles.d/leadkiosk.conf 644
uid="$(awk -F: -v u="$KIOSK_USER" '$1 == u { print $3 }' "$(R /etc/passwd)" 2>/dev/null || true)"
data_ok=1
if [ -n "$BOOT_DATA_DIR" ]; then
    [ -L "$(R "$DATA_DIR")" ] && [ "$(readlink "$(R "$DATA_DIR")")" = "$BOOT_DATA_DIR" ] || data_ok=0
    data_real="$(R "$BOOT_DATA_DIR")"
else
    data_real="$(R "$DATA_DIR")"
fi
if [ -L "$(R "$DATA_DIR")" ] && [ -z "$BOOT_DATA_DIR" ]; then
    data_ok=0  # a link left from an earlier data_dir: tmpfiles will not replace it, say so below
fi
{ [ -d "$data_real" ] && [ -n "$uid" ] && [ "$(stat -c %u:%a "$data_real")" = "$uid:750" ]; } || data_ok=0
if [ "$data_ok" = 0 ]; then
    if [ -L "$(R "$DATA_DIR")" ] && [ -z "$BOOT_DATA_DIR" ]; then
        die "$DATA_DIR is a symlink to $(readlink "$(R "$DATA_DIR")") but leadkiosk.toml sets no data_dir: move the leads back or set data_dir"
    fi
    if [ -n "$BOOT_DATA_DIR" ] && [ -d "$(R "$DATA_DIR")" ] && [ ! -L "$(R "$DATA_DIR")" ]; then
        [ -z "$(ls -A "$(R "$DATA_DIR")")" ] || die "$DATA_DIR holds leads; move them to $BOOT_DATA_DIR first, then remove $DATA_DIR"
        change "remove the empty $DATA_DIR (it becomes a link to $BOOT_DATA_DIR)"
        doit rmdir "$(R "$DATA_DIR")"
    fi
    change "create the data directory ${BOOT_DATA_DIR:-$DATA_DIR} (0750 $KIOSK_USER) with systemd-tmpfiles"
    doit systemd-tmpfiles --root="$ROOT" --create "$(R /etc/tmpfiles.d/leadkiosk.conf)"
fi

# ---------------------------------------------------------------- display profile (Kivy)
kivy_cfg="$(helper kivy-config "$DISPLAY_NAME" "$BOOT_ROTATION")" || die "cannot render the Kivy profile (see above)"
printf '%s\n' "$kivy_cfg" | install_content "$KIVY_HOME_DIR/config.ini" 644
for d in "$KIVY_HOME_DIR/mods" "$KIVY_HOME_DIR/icon"; do
    if [ ! -d "$(R "$d")" ]; then change "create $d"; doit mkdir -p "$(R "$d")"; fi
done

# ---------------------------------------------------------------- venv generation and leadkiosk
if [ -n "$WHEEL" ]; then
    stamp="wheel $(sha256sum "$WHEEL" | cut -c1-64)"
else
    stamp="checkout $(cd "$REPO" && find pyproject.toml README.md kiosk forms sync central -type f \
        ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 2>/dev/null | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64)"
fi
if [ ! -x "$(R "$GEN/bin/leadkiosk")" ] || [ "$(cat "$(R "$GEN/.leadkiosk-source")" 2>/dev/null)" != "$stamp" ]; then
    change "build $GEN (python3 -m venv --system-site-packages) and install leadkiosk $VERSION from ${WHEEL:-$REPO}"
    if [ "$DRY_RUN" = 0 ]; then
        rm -rf "$(R "$GEN")"
        mkdir -p "$(R "$PREFIX/venvs")"
        [ "$USE_CHROOT" = 0 ] || [ -x "$(R "$PYTHON")" ] \
            || die "no $PYTHON in $ROOT: install python3 and python3-venv there (or LEADKIOSK_CHROOT=0 for a staging tree)"
        in_root "$PYTHON" -m venv --system-site-packages "$(X "$GEN")"
        if [ -n "$WHEEL" ]; then
            mkdir -p "$(R "$PREFIX/wheels")"
            cp -f "$WHEEL" "$(R "$PREFIX/wheels/")"
            src="$PREFIX/wheels/$(basename "$WHEEL")"
        else
            rm -rf "$(R "$PREFIX/src")"; mkdir -p "$(R "$PREFIX/src")"
            tar -C "$REPO" --exclude=__pycache__ --exclude='*.pyc' -cf - pyproject.toml README.md kiosk forms sync central \
                | tar -C "$(R "$PREFIX/src")" -xf -
            src="$PREFIX/src"
        fi
        # [kiosk]: the kiosk's own packages (Kivy, OpenCV, decoders, OCR), none of the server stack
        in_root "$(X "$GEN")/bin/python" -m pip install --disable-pip-version-check -q "${PIP_ARGS[@]}" "$(X "$src")[kiosk]"
        printf '%s\n' "$stamp" >"$(R "$GEN/.leadkiosk-source")"
    fi
fi
ensure_symlink "$PREFIX/current" "venvs/$VERSION"
ensure_symlink /usr/local/bin/leadkiosk "$PREFIX/current/bin/leadkiosk"
install_file "$REPO/README.md" "$PREFIX/README.md" 644

# ---------------------------------------------------------------- systemd units, journald, console
units_changed=$CHANGES
for u in "${UNITS[@]}"; do
    install_file "$HERE/systemd/$u" "$UNIT_DIR/$u" 644
done
if [ -n "$BOOT_DATA_DIR" ]; then
    printf '[Unit]\n# The leads live on %s: wait for it to be mounted.\nRequiresMountsFor=%s\n' "$BOOT_DATA_DIR" "$BOOT_DATA_DIR" \
        | install_content "$UNIT_DIR/leadkiosk-kiosk.service.d/50-data-dir.conf" 644
fi
install_file "$HERE/journald.conf.d/50-leadkiosk.conf" /etc/systemd/journald.conf.d/50-leadkiosk.conf 644
# USB sticks for exports: mounted at /media/<label> for the kiosk user (no automounter on Lite).
install_file "$HERE/usb-mount.sh" /usr/local/lib/leadkiosk/usb-mount.sh 755
install_file "$HERE/systemd/leadkiosk-usb-mount@.service" "$UNIT_DIR/leadkiosk-usb-mount@.service" 644
udev_changed=$CHANGES
install_file "$HERE/udev/99-leadkiosk-usb.rules" /etc/udev/rules.d/99-leadkiosk-usb.rules 644
udev_changed=$((CHANGES - udev_changed))
units_changed=$((CHANGES - units_changed))

if [ "$ENABLE" = 1 ]; then
    for u in "${UNITS[@]}"; do
        state="$(systemctl --root="$ROOT" is-enabled "$u" 2>/dev/null || true)"
        if [ "$state" != enabled ]; then
            change "enable $u"
            doit systemctl --root="$ROOT" --quiet enable "$u"
        fi
    done
fi

# No console blanking and no text cursor from the kernel's first second on (takes effect at the
# next boot; the kiosk unit also switches both off on tty1 right away).
if [ -f "$(R "$CMDLINE")" ]; then
    line="$(head -n1 "$(R "$CMDLINE")")"
    new="$line"
    for a in "${CMDLINE_ARGS[@]}"; do
        case " $new " in *" ${a%%=*}="*) new="$(printf '%s' "$new" | sed -E "s/(^| )${a%%=*}=[^ ]*/\\1$a/")" ;; *) new="$new $a" ;; esac
    done
    if [ "$new" != "$line" ]; then
        change "set ${CMDLINE_ARGS[*]} in $CMDLINE (next boot)"
        if [ "$DRY_RUN" = 0 ]; then
            printf '%s\n' "$new" >"$(R "$CMDLINE").new.$$"
            mv -f "$(R "$CMDLINE").new.$$" "$(R "$CMDLINE")"
        fi
    fi
fi

# ---------------------------------------------------------------- done
if [ "$ROOT" = / ] && [ -d /run/systemd/system ] && [ "$DRY_RUN" = 0 ] && [ "$units_changed" -gt 0 ]; then
    systemctl daemon-reload
    if [ "$udev_changed" -gt 0 ] && command -v udevadm >/dev/null; then udevadm control --reload || true; fi
fi
if [ "$CHANGES" = 0 ]; then
    log "nothing to change"
elif [ "$DRY_RUN" = 1 ]; then
    log "$CHANGES changes would be made (dry run: nothing was changed)"
else
    log "$CHANGES changes made"
    if [ "$ROOT" = / ] && [ -d /run/systemd/system ]; then
        log "start the kiosk now with: sudo systemctl restart leadkiosk-kiosk (it also starts at every boot)"
    fi
fi
