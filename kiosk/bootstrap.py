"""The one place that wires real adapters into the app: settings and show config, the durable lead
store, the badge parser, the camera (or the demo video), the decoder and the sync worker.

Everything else takes these as arguments, which is why tests and ``leadkiosk screenshots`` can run
the real app on a temporary data directory, a test video, or no camera at all.
"""
from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any, Callable


log = logging.getLogger(__name__)


# --- settings and show -------------------------------------------------------------------------
def show_info(show: Any) -> Any:
    """The little the screens need from a ``kiosk.config.ShowConfig``."""
    from kiosk.app.context import ShowInfo
    branding = show.branding
    logo = getattr(branding, "logo", None)
    return ShowInfo(id=show.id, name=show.name, title=branding.title or show.name,
                    titles=dict(getattr(branding, "titles", {}) or {}),
                    color=branding.color, logo=str(logo) if logo else None,
                    staff=tuple(getattr(show, "staff", ()) or ()))


def load_show(data_dir: Path, show_id: str) -> tuple[Any, Any, Any]:
    """(ShowInfo, form, badge profile) for ``show_id``; ConfigError names the bad file and key."""
    from kiosk.config import load_show as load_show_config
    show = load_show_config(data_dir, show_id)
    return show_info(show), show.form, show.badge_profile


def list_shows(data_dir: Path) -> list[Any]:
    from kiosk.config import list_shows as list_show_configs
    return [show_info(s) for s in list_show_configs(data_dir)]


# --- camera ------------------------------------------------------------------------------------
def open_spec(spec: str) -> Any:
    """An opened frame source; ``auto`` falls back from the Pi camera to a webcam to the demo video."""
    from kiosk.scan import open_frame_source
    return open_frame_source(spec)


def demo_video() -> Path:
    from kiosk.scan import demo_video_path
    return Path(demo_video_path())


def camera_opener(spec: str | None) -> Callable[[], Any] | None:
    """A factory the camera thread calls (and calls again after a failure). ``none`` = no camera."""
    spec = (spec or "auto").strip()
    if spec.lower() in ("none", "off", ""):
        return None
    return lambda: open_spec(spec)


def make_decoder(profile: Any = None, heavy: bool = True) -> Any:
    """Decoder for the kiosk: every sighting is reported (no repeat window), because the app's
    ``kiosk.scan.handled`` rule must see a just-handled badge in every frame to tell whether it has
    left the view; the app acts on a code only in the scan state anyway. Only the
    symbologies the show's badge profile lists are decoded: fewer make idle frames cheaper, and a
    PDF417 show then straightens skewed codes first (measured in bench/scan_bench.py). Frames
    the cheap pipeline misses go to the heavy multi-frame path in its own low-priority child
    process (``kiosk.scan.live``, ``kiosk.scan.heavy_process``; ``heavy=False`` leaves it out).
    The result is a callable ``frame -> texts`` with ``close()`` (stops that process)."""
    from kiosk.scan import default_badge_profile
    from kiosk.scan.decoder import Decoder
    from kiosk.scan.live import LiveDecoder
    symbologies = (profile or default_badge_profile()).symbologies
    return LiveDecoder(Decoder(symbologies), heavy=heavy, process=True)


class OcrCardReader:
    """The kiosk's card reader: RapidOCR (models inside its wheel: nothing downloads) and the card
    parser with the show's default region for phones printed without +CC."""

    def __init__(self, region: str | None) -> None:
        from kiosk.scan.card.engine import RapidOcrReader
        self._ocr = RapidOcrReader()
        self._region = region

    def start(self) -> None:
        self._ocr.start()

    def read(self, frame: Any) -> dict[str, Any]:
        """Only the guide frame's area is read (where the card is; the booth around it is only
        time and memory for the detector, and stray text such as a visitor's T-shirt)."""
        from kiosk.scan.card.engine import read_upright
        from kiosk.scan.card.fields import parse_card
        from kiosk.scan.card.still import guide_crop
        reading = parse_card(read_upright(self._ocr, guide_crop(frame)), self._region)
        return {"contact": dict(reading.contact), "confidence": dict(reading.confidence),
                "text": list(reading.text)}


def export_leads(store: Any, fmt: str, path: Path, show_id: str | None = None) -> int:
    """This show's leads as CSV or XLSX, written beside the target and renamed into place with an
    fsync, so pulling the stick right after "saved" leaves a whole file or none."""
    from kiosk.store.export import write_csv, write_xlsx
    writer = {"csv": write_csv, "xlsx": write_xlsx}[fmt]
    leads = store.find(show_id=show_id)
    if any(isinstance(lead.get("sealed"), dict) for lead in leads):
        from kiosk.errors import LockedError
        raise LockedError("visitors' personal data is sealed: unlock the kiosk to export")
    tmp = path.with_name(path.name + ".part")
    from sync.atomicfile import open_private
    with open_private(tmp) as fh:  # visitors' data: 0640 whatever the umask
        count = writer(leads, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return int(count)


def make_parser(profile: Any) -> Callable[[str], dict[str, Any]]:
    from kiosk.scan import BadgeParser, default_badge_profile
    parser = BadgeParser(profile or default_badge_profile())
    return lambda payload: parser.parse(payload).to_dict()


# --- sync --------------------------------------------------------------------------------------
def make_sync(data_dir: Path, store: Any, clock: Callable[[], datetime] | None = None) -> Any:
    """The outbox worker when this kiosk has destinations (enrolled with central, or CRMs in the
    show config); None otherwise, and the staff area says sync is not set up."""
    from sync.errors import SyncError
    from kiosk.sync_wiring import build_worker
    try:
        if clock is None:
            return build_worker(data_dir, store)
        return build_worker(data_dir, store, clock=lambda: clock().timestamp())
    except SyncError as exc:  # a bad destination must not stop capture: leads wait in the store
        log.warning("sync disabled: %s", exc)
        return None


# --- sealed personal data -------------------------------------------------------------------------
def start_keys(data_dir: Path, store: Any, sync: Any, closers: list[Callable[[], None]]) -> Any:
    """For a kiosk with keys: the unlock/lock handler the staff screen uses, served on
    ``DATA/run/control.sock`` for ``leadkiosk unlock``/``lock`` too; an unlock wakes the sync
    worker (CRM destinations wait for clear contact data). None for a kiosk without keys."""
    from kiosk.seal import KeySealer
    from kiosk.seal.control import ControlServer, make_handler

    sealer = getattr(store, "sealer", None)
    if not isinstance(sealer, KeySealer):
        return None
    handler = make_handler(data_dir, sealer)
    if sync is not None:
        sealer.on_change.append(lambda locked: None if locked else sync.trigger())
    try:
        server = ControlServer(data_dir, handler)
        server.start()
        closers.append(server.stop)
    except OSError as exc:  # the screen still unlocks; only the command line cannot
        log.warning("unlock socket not available: %s", exc)
    return KeysAccess(sealer, handler)


class KeysAccess:
    """What the staff area needs of the keys: is it locked, unlock (passphrase or central), lock."""

    def __init__(self, sealer: Any, handler: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        self._sealer = sealer
        self._handler = handler

    @property
    def locked(self) -> bool:
        return bool(self._sealer.locked)

    def unlock(self, passphrase: str | None = None) -> dict[str, Any]:
        req: dict[str, Any] = {"op": "unlock"}
        if passphrase:
            req["passphrase"] = passphrase
        return self._handler(req)

    def lock(self) -> dict[str, Any]:
        return self._handler({"op": "lock"})


# --- everything ----------------------------------------------------------------------------------
def build_services(data_dir: str | os.PathLike[str], *, camera: str | None = None, mode: str | None = None,
                   language: str | None = None, store: Any = None, with_sync: bool = True,
                   sounds: bool = True, clock: Callable[[], datetime] | None = None) -> Any:
    """Wire the real kiosk. Raises ConfigError / StoreError with messages naming what is wrong.
    ``clock`` (aware wall time, default the real one) reaches the store, the capture flow, the
    staff area ("today") and sync, so a test can run the whole kiosk on another date."""
    from forms import score

    from kiosk.app.context import KioskContext
    from kiosk.app.flow import CaptureFlow
    from kiosk.app.services import KioskServices
    from kiosk.app.staff import StaffService
    from kiosk.store import new_lead, open_store
    from kiosk.store.record import utc_now

    from kiosk.config import load_kiosk_settings, update_settings
    from kiosk.config.pinguard import GUARD_FILE, PinGuard
    from kiosk.config.settings import take_new_pin

    data = Path(data_dir)
    settings = load_kiosk_settings(data)
    show, form, profile = load_show(data, settings.show)
    context = KioskContext(
        kiosk_id=settings.kiosk_id, show=show, form=form, mode=mode or settings.mode,
        language=language or settings.language, staff=settings.staff,
        idle_timeout_s=float(settings.idle_timeout_s),
        camera_spec=camera or settings.camera_source,
        default_region=getattr(profile, "default_country", None),
        check_pin=lambda pin: load_kiosk_settings(data).check_pin(pin),  # a PIN set meanwhile counts
        list_shows=lambda: list_shows(data),
        load_show=lambda sid: load_show(data, sid)[:2],
        persist=lambda changes: update_settings(data, changes),
    )
    closers: list[Callable[[], None]] = []
    if store is None:
        store = open_store(data, clock=clock or utc_now)  # with keys on the card: sealed, locked until unlocked
        closers.append(store.close)
    sync = make_sync(data, store, clock) if with_sync else None
    keys = start_keys(data, store, sync, closers)
    flow = CaptureFlow(context, store, make_parser(profile), score=score, new_lead=new_lead, now=clock or utc_now)
    if sync is not None:
        sync.start()
        flow.on_saved.append(lambda _lead: sync.trigger())
        closers.append(lambda: sync.stop(timeout=3.0))
    staff = StaffService(context, store, sync=sync,
                         export=lambda st, fmt, path: export_leads(st, fmt, path, context.show.id),
                         keys=keys, **({"now": clock} if clock else {}),
                         pin_guard=PinGuard(data / GUARD_FILE, **({"clock": lambda: clock().timestamp()} if clock else {})),
                         demo_pin_refused=lambda: (data / "central.json").exists()
                         and load_kiosk_settings(data).uses_demo_pin,
                         new_pin=lambda: take_new_pin(data))
    decode = make_decoder(profile)
    closers.append(decode.close)
    return KioskServices(context=context, flow=flow, staff=staff, open_camera=camera_opener(context.camera_spec),
                         decode=decode, sounds=sounds, closers=closers,
                         card_reader=OcrCardReader(context.default_region))
