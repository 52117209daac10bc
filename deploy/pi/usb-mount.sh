#!/usr/bin/env bash
# Mounts a USB stick for the kiosk's exports at /media/<label> (writable by the kiosk user), or
# unmounts it. Raspberry Pi OS Lite has no desktop automounter; udev starts
# leadkiosk-usb-mount@<kernel name>.service when a stick is plugged in, and stops it (ExecStop:
# remove) when the stick is pulled. Sticks listed in /etc/fstab (data_dir = "/mnt/leads") are left
# alone: those hold the leads and are mounted by fstab.
#
#   usb-mount.sh add sda1 | usb-mount.sh remove sda1
set -euo pipefail

ACTION="${1:?usage: usb-mount.sh add|remove <kernel name, e.g. sda1>}"
NAME="${2:?usage: usb-mount.sh add|remove <kernel name, e.g. sda1>}"
DEV="${LEADKIOSK_DEV_DIR:-/dev}/$NAME"
KIOSK_USER="${LEADKIOSK_USER:-leadkiosk}"
MEDIA="${LEADKIOSK_MEDIA:-/media}"
FSTAB="${LEADKIOSK_FSTAB:-/etc/fstab}"
STATE="${LEADKIOSK_USB_STATE:-/run/leadkiosk/usb}"   # which mount point add made, for remove

log() { printf 'usb-mount: %s\n' "$*"; }

case "$ACTION" in
add)
    if findmnt -rn --source "$DEV" >/dev/null 2>&1; then
        log "$DEV is already mounted"; exit 0
    fi
    fstype="$(blkid -o value -s TYPE "$DEV" || true)"
    [ -n "$fstype" ] || { log "$DEV has no file system, not mounting"; exit 0; }
    uuid="$(blkid -o value -s UUID "$DEV" || true)"
    label="$(blkid -o value -s LABEL "$DEV" || true)"
    if [ -f "$FSTAB" ] && awk -v dev="$DEV" -v uuid="${uuid:-//}" -v label="${label:-//}" \
        '$1 !~ /^#/ && ($1 == dev || $1 == "UUID=" uuid || $1 == "LABEL=" label) { found = 1 } END { exit !found }' "$FSTAB"; then
        log "$DEV is in $FSTAB (lead storage?), leaving it to fstab"; exit 0
    fi
    # /media/<label>: letters, digits, . _ - only; the kernel name when there is no label
    dir_name="$(printf '%s' "${label:-$NAME}" | tr -c 'A-Za-z0-9._-' '_')"
    dir="$MEDIA/$dir_name"
    if findmnt -rn --mountpoint "$dir" >/dev/null 2>&1; then dir="$MEDIA/${dir_name}_$NAME"; fi
    uid="$(id -u "$KIOSK_USER")"; gid="$(id -g "$KIOSK_USER")"
    opts="nosuid,nodev,noexec"
    case "$fstype" in
        vfat) opts="$opts,uid=$uid,gid=$gid,umask=0027,flush" ;;
        exfat|ntfs|ntfs3) opts="$opts,uid=$uid,gid=$gid,umask=0027" ;;
        ext2|ext3|ext4|btrfs|xfs|f2fs) ;;
        *) log "$DEV: file system $fstype not supported for exports"; exit 0 ;;
    esac
    mkdir -p "$dir"
    mount -t "$fstype" -o "$opts" "$DEV" "$dir"
    mkdir -p "$STATE"
    printf '%s\n' "$dir" >"$STATE/$NAME"
    log "mounted $DEV ($fstype${label:+, $label}) at $dir"
    ;;
remove)
    # The stick may already be gone (pulled without unmounting): work from what add recorded.
    record="$STATE/$NAME"
    [ -f "$record" ] || { log "$DEV was not mounted by us"; exit 0; }
    target="$(cat "$record")"
    if findmnt -rn --mountpoint "$target" >/dev/null 2>&1; then
        umount -l "$target"
    fi
    rmdir "$target" 2>/dev/null || true   # only if empty: never deletes files
    rm -f "$record"
    log "unmounted $DEV from $target"
    ;;
*) echo "usb-mount.sh: unknown action $ACTION (add|remove)" >&2; exit 2 ;;
esac
