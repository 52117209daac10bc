"""Clock correction for kiosks whose wall clock was not synchronised (a Pi without network or RTC
boots in the past).

Why monotonic time: the kiosk's monotonic clock runs steadily from boot even when its wall clock
is wrong or jumps. Each signed request may carry the device's clock sample; the server notes, per
boot, the server time at which that boot's monotonic clock read 0 (``boot_epoch = server_now -
monotonic_s``, keeping the smallest estimate because network delay only ever makes it later). A
lead's ``captured_at_corrected`` is then ``boot_epoch + lead.clock.monotonic_s``. Without a sample
from the lead's boot, the device's last wall-clock offset (``server_now - device_time``) is applied.

Clock sample (heartbeat ``clock``, optional ``clock`` in a leads:batch body)::

    {"synchronised": false, "source": "unsynchronised", "device_time": "2020-01-01T00:05:00Z",
     "monotonic_s": 300.2, "boot_id": "6f1c..."}
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, insert, select, update

from central.errors import BadRequest
from central.models import Device, DeviceClock
from central.timeutil import parse_iso


@dataclass
class ClockSample:
    synchronised: bool | None
    source: str | None
    device_time: datetime | None
    monotonic_s: float | None
    boot_id: str | None

    def to_json(self) -> dict:
        return {"synchronised": self.synchronised, "source": self.source,
                "device_time": self.device_time.isoformat() if self.device_time else None,
                "monotonic_s": self.monotonic_s, "boot_id": self.boot_id}


def parse_sample(raw: Any) -> ClockSample | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise BadRequest("clock: expected an object")
    sync = raw.get("synchronised")
    if sync is not None and not isinstance(sync, bool):
        raise BadRequest("clock.synchronised: expected true, false or null")
    source = raw.get("source")
    if source is not None and (not isinstance(source, str) or len(source) > 40):
        raise BadRequest("clock.source: expected a short string or null")
    device_time = None
    if raw.get("device_time") is not None:
        try:
            device_time = parse_iso(raw["device_time"])
        except ValueError as exc:
            raise BadRequest(f"clock.device_time: {exc}") from None
    mono = raw.get("monotonic_s")
    if mono is not None and (isinstance(mono, bool) or not isinstance(mono, (int, float)) or not 0 <= mono < 1e10):
        raise BadRequest("clock.monotonic_s: expected a number of seconds >= 0 or null")
    boot = raw.get("boot_id")
    if boot is not None and (not isinstance(boot, str) or not 0 < len(boot) <= 100 or "\x00" in boot):
        raise BadRequest("clock.boot_id: expected a string of 1 to 100 characters or null")
    return ClockSample(sync, source, device_time, float(mono) if mono is not None else None, boot)


def load_anchors(conn: Connection, device_id: str) -> dict[str, float]:
    rows = conn.execute(select(DeviceClock.boot_id, DeviceClock.boot_epoch).where(DeviceClock.device_id == device_id))
    return {boot: epoch for boot, epoch in rows}


def record_sample(conn: Connection, device_id: str, sample: ClockSample, server_now: datetime,
                  anchors: dict[str, float]) -> float | None:
    """Store the sample's anchor and offset; update ``anchors`` in place; return the offset."""
    offset = None
    values: dict[str, Any] = {"clock_json": sample.to_json()}
    if sample.device_time is not None:
        offset = (server_now - sample.device_time).total_seconds()
        values["clock_offset_s"] = offset
    conn.execute(update(Device).where(Device.id == device_id).values(**values))
    if sample.boot_id and sample.monotonic_s is not None:
        epoch = server_now.timestamp() - sample.monotonic_s
        old = anchors.get(sample.boot_id)
        if old is None:
            conn.execute(insert(DeviceClock).values(device_id=device_id, boot_id=sample.boot_id,
                                                    boot_epoch=epoch, observed_at=server_now))
        elif epoch < old:
            conn.execute(update(DeviceClock).where(DeviceClock.device_id == device_id,
                                                   DeviceClock.boot_id == sample.boot_id)
                         .values(boot_epoch=epoch, observed_at=server_now))
        anchors[sample.boot_id] = min(epoch, old) if old is not None else epoch
    return offset


def correct(captured_at: datetime, lead_clock: dict, anchors: dict[str, float],
            offset_s: float | None) -> tuple[datetime, str]:
    """``(captured_at_corrected, method)``; method is synchronised | monotonic | offset | none."""
    if lead_clock.get("synchronised", True):
        return captured_at, "synchronised"
    boot, mono = lead_clock.get("boot_id"), lead_clock.get("monotonic_s")
    if boot and mono is not None and boot in anchors:
        try:
            return datetime.fromtimestamp(anchors[boot] + mono, tz=timezone.utc), "monotonic"
        except (OverflowError, OSError, ValueError):
            pass
    if offset_s is not None:
        try:
            return captured_at + timedelta(seconds=offset_s), "offset"
        except OverflowError:
            pass
    return captured_at, "none"
