"""The one place that wires real adapters into the app: settings and show config, the durable lead
store, the badge parser, the camera (or the demo video), the decoder and the sync worker.

Everything else takes these as arguments, which is why tests and ``leadkiosk screenshots`` can run
the real app on a temporary data directory, a test video, or no camera at all.
"""
from __future__ import annotations

import glob
import importlib
import logging
import os
import socket
import tomllib
from pathlib import Path
from typing import Any, Callable

from kiosk.errors import CameraError, ConfigError, KioskError

log = logging.getLogger(__name__)

DEMO_PIN = "1234"
DEFAULT_SHOW = {"id": "demo", "name": "Demo Show 2026",
                "branding": {"title": "Welcome to our booth", "color": "#1565c0", "logo": None}}


def _optional(module: str) -> Any:
    """Import another area's module if it has landed; None while it is still being built."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise


# --- settings and show -------------------------------------------------------------------------
def load_settings(data_dir: Path) -> dict[str, Any]:
    """``kiosk.toml`` as a dict with defaults filled in; validation is kiosk.config's job when present."""
    cfg = _optional("kiosk.config.settings")
    if cfg is not None and hasattr(cfg, "load_kiosk_settings"):
        return _settings_to_dict(cfg.load_kiosk_settings(data_dir))
    path = Path(data_dir) / "kiosk.toml"
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from exc
    return {
        "kiosk_id": str(raw.get("kiosk_id") or socket.gethostname()),
        "mode": str(raw.get("mode") or "staffed"),
        "language": str(raw.get("language") or "en"),
        "show": str(raw.get("show") or "demo"),
        "staff_pin_hash": raw.get("staff_pin_hash"),
        "staff": str(raw.get("staff") or ""),
        "idle_timeout_s": float(raw.get("idle_timeout_s") or 60),
        "camera": {"source": str((raw.get("camera") or {}).get("source") or "auto")},
    }


def _settings_to_dict(settings: Any) -> dict[str, Any]:
    if hasattr(settings, "to_dict"):
        return settings.to_dict()
    from dataclasses import asdict, is_dataclass
    if is_dataclass(settings):
        return asdict(settings)
    return dict(vars(settings))


def load_show(data_dir: Path, show_id: str) -> tuple[Any, Any, Any]:
    """(ShowInfo, form, badge profile) for ``show_id``; the demo show is embedded."""
    from forms import default_form_path, load_form

    from kiosk.app.context import ShowInfo
    cfg = _optional("kiosk.config")
    if cfg is not None and hasattr(cfg, "load_show"):
        show = cfg.load_show(data_dir, show_id)
        branding = _get(show, "branding") or {}
        info = ShowInfo(id=str(_get(show, "id")), name=str(_get(show, "name") or show_id),
                        title=str(_get(branding, "title") or ""), color=str(_get(branding, "color") or "#1565c0"),
                        logo=_get(branding, "logo"))
        form = _get(show, "form") if not isinstance(_get(show, "form"), (str, Path, type(None))) else None
        if form is None:
            form_path = _get(show, "form_path")
            form = load_form(form_path) if form_path else load_form(default_form_path())
        return info, form, _get(show, "badge_profile")
    if show_id != "demo":
        show_dir = Path(data_dir) / "shows" / show_id
        if not (show_dir / "show.yaml").exists():
            raise ConfigError(f"{show_dir / 'show.yaml'}: show {show_id!r} not found")
    branding = DEFAULT_SHOW["branding"]
    info = ShowInfo(id="demo", name=DEFAULT_SHOW["name"], title=branding["title"], color=branding["color"])
    return info, load_form(default_form_path()), None


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(key)
    return getattr(obj, key, None)


def list_shows(data_dir: Path) -> list[Any]:
    from kiosk.app.context import ShowInfo
    shows = [ShowInfo(id="demo", name=DEFAULT_SHOW["name"])]
    cfg = _optional("kiosk.config")
    if cfg is not None and hasattr(cfg, "list_shows"):
        try:
            return [ShowInfo(id=str(_get(s, "id")), name=str(_get(s, "name") or _get(s, "id")))
                    for s in cfg.list_shows(data_dir)]
        except KioskError:
            log.exception("listing shows")
    for path in sorted(glob.glob(str(Path(data_dir) / "shows" / "*" / "show.yaml"))):
        sid = Path(path).parent.name
        if sid != "demo":
            shows.append(ShowInfo(id=sid, name=sid))
    return shows


def pin_checker(pin_hash: str | None) -> Callable[[str], bool]:
    """Hashed PIN check from kiosk.config.pin; with no hash configured the demo PIN applies."""
    pin_mod = _optional("kiosk.config.pin")
    if pin_mod is not None and pin_hash:
        verify = getattr(pin_mod, "verify_pin")
        return lambda pin: bool(verify(pin, pin_hash))
    if pin_mod is not None and hasattr(pin_mod, "hash_pin"):
        demo_hash = pin_mod.hash_pin(DEMO_PIN)
        verify = getattr(pin_mod, "verify_pin")
        return lambda pin: bool(verify(pin, demo_hash))
    import hmac
    return lambda pin: hmac.compare_digest(pin.encode(), DEMO_PIN.encode())


def persist_settings(data_dir: Path, changes: dict[str, Any]) -> None:
    """Write staff changes (language, staff, show, mode) back to kiosk.toml."""
    cfg = _optional("kiosk.config.settings")
    if cfg is not None and hasattr(cfg, "update_settings"):
        cfg.update_settings(data_dir, changes)
        return
    log.info("settings changed for this session (kiosk.config cannot persist yet): %s", changes)


# --- camera ------------------------------------------------------------------------------------
class _AutoSource:
    """``auto``: a real camera when there is one, else the demo video, so the README's run command
    shows a working scan on any laptop."""

    def __init__(self, open_spec: Callable[[str], Any], demo: Callable[[], Path]) -> None:
        self._open_spec = open_spec
        self._demo = demo
        self.inner: Any = None
        self.spec = "auto"

    def open(self) -> None:
        errors = []
        for spec in ("auto", None):
            try:
                if spec is None:
                    spec = f"video:{self._demo()}"
                source = self._open_spec(spec)
                source.open()
                self.inner, self.spec = source, spec
                log.info("camera: %s", spec)
                return
            except (CameraError, OSError) as exc:
                errors.append(f"{spec}: {exc}")
        raise CameraError("; ".join(errors))

    def read(self) -> Any:
        return self.inner.read() if self.inner is not None else None

    def close(self) -> None:
        if self.inner is not None:
            self.inner.close()
            self.inner = None


def open_spec(spec: str) -> Any:
    scan = _optional("kiosk.scan.sources")
    if scan is not None:
        return scan.open_frame_source(spec)
    from kiosk.app.fallback_sources import open_fallback_source
    return open_fallback_source(spec)


def demo_video() -> Path:
    mod = _optional("kiosk.scan.demo_video")
    if mod is None:
        raise CameraError("the demo video is not available yet (kiosk.scan.demo_video)")
    return Path(mod.demo_video_path())


def camera_opener(spec: str | None) -> Callable[[], Any] | None:
    """A factory the camera thread calls (and calls again after a failure). ``none`` = no camera."""
    spec = (spec or "auto").strip()
    if spec in ("none", "off", ""):
        return None
    if spec == "auto":
        return lambda: _AutoSource(open_spec, demo_video)
    if spec == "demo":
        return lambda: open_spec(f"video:{demo_video()}")
    return lambda: open_spec(spec)


def make_decoder() -> Callable[[Any], list[str]]:
    """Decoder + repeat filter: the same badge in view is reported once per window."""
    from kiosk.scan.decoder import Decoder
    scanner_mod = _optional("kiosk.scan.scanner")
    if scanner_mod is not None:
        scanner = scanner_mod.Scanner(Decoder(), repeat_window_s=3.0)
        return lambda frame: [c.text for c in scanner.scan(frame)]
    decoder = Decoder()
    return lambda frame: [c.text for c in decoder.decode(frame)]


def make_parser(profile: Any) -> Callable[[str], dict[str, Any]]:
    from kiosk.scan import BadgeParser, default_badge_profile
    parser = BadgeParser(profile or default_badge_profile())
    return lambda payload: parser.parse(payload).to_dict()


# --- sync --------------------------------------------------------------------------------------
def make_sync(data_dir: Path, store: Any) -> Any:
    """The outbox worker when this kiosk has destinations (enrolled with central, or CRMs in the
    show config); None otherwise, and the staff area says sync is not set up."""
    factory = _optional("sync.kiosk")
    if factory is not None and hasattr(factory, "build_worker"):
        try:
            return factory.build_worker(data_dir, store)
        except KioskError:
            raise
        except Exception as exc:  # sync.errors.SyncError and friends: the kiosk captures offline anyway
            log.warning("sync disabled: %s", exc)
            return None
    return None


# --- everything ----------------------------------------------------------------------------------
def build_services(data_dir: str | os.PathLike[str], *, camera: str | None = None, mode: str | None = None,
                   language: str | None = None, store: Any = None, with_sync: bool = True,
                   sounds: bool = True) -> Any:
    """Wire the real kiosk. Raises ConfigError / StoreError with messages naming what is wrong."""
    from forms import score

    from kiosk.app.context import KioskContext
    from kiosk.app.flow import CaptureFlow
    from kiosk.app.services import KioskServices
    from kiosk.app.staff import StaffService
    from kiosk.store import new_lead, open_store

    data = Path(data_dir)
    settings = load_settings(data)
    show, form, profile = load_show(data, str(settings.get("show") or "demo"))
    if mode is not None:
        settings["mode"] = mode
    if language is not None:
        settings["language"] = language
    context = KioskContext(
        kiosk_id=str(settings.get("kiosk_id") or socket.gethostname()),
        show=show, form=form, mode=str(settings.get("mode") or "staffed"),
        language=str(settings.get("language") or "en"), staff=str(settings.get("staff") or ""),
        idle_timeout_s=float(settings.get("idle_timeout_s") or 60),
        camera_spec=camera or str((settings.get("camera") or {}).get("source") or "auto"),
        check_pin=pin_checker(settings.get("staff_pin_hash")),
        list_shows=lambda: list_shows(data),
        load_show=lambda sid: load_show(data, sid)[:2],
        persist=lambda changes: persist_settings(data, changes),
    )
    closers: list[Callable[[], None]] = []
    if store is None:
        store = open_store(data)
        closers.append(store.close)
    sync = make_sync(data, store) if with_sync else None
    flow = CaptureFlow(context, store, make_parser(profile), score=score, new_lead=new_lead)
    if sync is not None:
        sync.start()
        flow.on_saved.append(lambda _lead: sync.trigger())
        closers.append(lambda: sync.stop(timeout=3.0))
    export_mod = _optional("kiosk.store.export")
    export = None
    if export_mod is not None and hasattr(export_mod, "export_leads"):
        export = lambda st, fmt, path: export_mod.export_leads(st, fmt, path, show_id=context.show.id)  # noqa: E731
    staff = StaffService(context, store, sync=sync, export=export)
    return KioskServices(context=context, flow=flow, staff=staff, open_camera=camera_opener(context.camera_spec),
                         decode=make_decoder(), sounds=sounds, closers=closers)
