"""Raspberry Pi deployment logic that is worth testing without a Pi: the boot-partition
provisioning file, the storage check for read-only roots, the Kivy display profiles and the
upgrade/rollback of venv generations. ``deploy/pi/install.sh`` and the systemd units call these
through ``leadkiosk provision`` and ``leadkiosk upgrade``."""
