"""A show's config: ``DATA/shows/<id>/show.yaml`` plus the form, badge profile and roster beside
it. Written by hand or pulled from central (``write_show``); the last good copy stays on disk so a
kiosk that loses the network keeps working with what it had."""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator, Mapping

import yaml

from kiosk.config.problems import SHOW_ID_RE, Problems, config_error, is_number
from sync.atomicfile import PRIVATE, atomic_write, fsync_dir
from kiosk.errors import ConfigError

log = logging.getLogger(__name__)

DEMO_SHOW_ID = "demo"
DEMO_DIR = Path(__file__).resolve().parent / "demo"
SHOW_FILE, FORM_FILE, BADGE_FILE, ROSTER_FILE = "show.yaml", "form.yaml", "badge.yaml", "roster.csv"
TOP_KEYS = ("id", "name", "branding", "form", "badge_profile", "roster", "retention_days", "destinations", "staff",
            "timezone")
BRANDING_KEYS = ("title", "color", "logo")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_RETENTION_DAYS = 30
DEFAULT_COLOR = "#1565c0"


@dataclass(frozen=True)
class Branding:
    title: str = ""
    color: str = DEFAULT_COLOR
    logo: Path | None = None
    titles: dict[str, str] = field(default_factory=dict)  # per language; ``title`` is the fallback

    def title_in(self, language: str) -> str:
        """The banner in the kiosk's language: visitors at an international show read their own."""
        return self.titles.get(language) or self.title

    def get(self, key: str, default: Any = None) -> Any:  # dict-style access for older callers
        return getattr(self, key, default)


@dataclass(frozen=True)
class ShowConfig:
    """A validated show. ``form_path`` is always set (the show's form or forms/bant.yaml);
    ``destinations`` stay raw dicts because ``sync.config`` owns their schema."""

    id: str
    name: str
    directory: Path
    form_path: Path
    badge_profile_path: Path | None = None
    roster_path: Path | None = None
    retention_days: int = DEFAULT_RETENTION_DAYS
    destinations: list[dict[str, Any]] = field(default_factory=list)
    branding: Branding = field(default_factory=Branding)
    staff: tuple[str, ...] = ()  # the show's booth staff: the kiosk's quick pick for "who is on duty"
    source: Path | None = None
    embedded: bool = False      # the built-in demo show

    @cached_property
    def form(self) -> Any:
        """The show's Form, loaded once; a broken form file is a ConfigError like any other."""
        from forms import FormDefinitionError, load_form

        try:
            return load_form(self.form_path)
        except FormDefinitionError as exc:
            raise config_error(exc.source, list(exc.problems)) from None

    @cached_property
    def badge_profile(self) -> Any:
        """The show's BadgeProfile (the scan package's default when the show has none), with the
        show's roster attached when the profile names none itself."""
        from kiosk.scan import default_badge_profile, load_badge_profile, load_roster

        profile = load_badge_profile(self.badge_profile_path) if self.badge_profile_path else default_badge_profile()
        if self.roster_path is not None and getattr(profile, "roster", None) is None:
            profile.roster = load_roster(self.roster_path, getattr(profile, "roster_id_column", None))
        return profile


def show_dir(data_dir: str | os.PathLike[str], show_id: str) -> Path:
    if not isinstance(show_id, str) or not SHOW_ID_RE.fullmatch(show_id):
        raise ConfigError(f"show id: expected letters, digits, . _ - (at most 64), got {show_id!r}")
    return Path(data_dir) / "shows" / show_id


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise config_error(str(path), [("(file)", f"expected a readable UTF-8 file: {exc}")]) from None
    return _parse_yaml(text, str(path))


def _parse_yaml(text: str, source: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise config_error(source, [("(file)", f"expected valid YAML; {getattr(exc, 'problem', None) or exc}{where}")]) from None


def show_from_dict(data: Any, directory: Path, source: str, expected_id: str | None = None,
                   embedded: bool = False) -> ShowConfig:
    """Validate a show.yaml mapping; paths are resolved against ``directory``."""
    from forms import default_form_path

    p = Problems(source)
    if not isinstance(data, Mapping):
        p.add("", "a mapping with id, name, branding, form, retention_days, destinations", data)
        p.raise_if_any()
    p.unknown_keys(dict(data), TOP_KEYS)
    sid = data.get("id", expected_id)
    if not isinstance(sid, str) or not SHOW_ID_RE.fullmatch(sid):
        p.add("id", "a show id of letters, digits, . _ - (at most 64)", sid)
    elif expected_id is not None and sid != expected_id:
        p.add("id", f"{expected_id!r} (the show's directory name)", sid)
    name = data.get("name", sid)
    if not isinstance(name, str) or not name.strip():
        p.add("name", "the show's name as text", name)

    def file_key(key: str, default_name: str) -> Path | None:
        if key not in data or data[key] is None:
            candidate = directory / default_name
            return candidate if candidate.is_file() else None
        v = data[key]
        if not isinstance(v, str) or not v.strip():
            p.add(key, f"a file name relative to {directory} (e.g. {default_name})", v)
            return None
        path = directory / v
        if not path.is_file():
            p.add(key, f"an existing file; {path} does not exist")
            return None
        return path

    form_path = file_key("form", FORM_FILE) or default_form_path()
    badge = file_key("badge_profile", BADGE_FILE)
    roster = file_key("roster", ROSTER_FILE)

    retention = data.get("retention_days", DEFAULT_RETENTION_DAYS)
    if not is_number(retention) or int(retention) != retention or not 1 <= retention <= 3650:
        p.add("retention_days", "whole days from 1 to 3650 after which synced leads' personal data is purged", retention)
        retention = DEFAULT_RETENTION_DAYS

    tz = data.get("timezone")
    if tz is not None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
        try:
            if not isinstance(tz, str) or not tz.strip():
                raise ValueError
            ZoneInfo(tz.strip())
        except (ZoneInfoNotFoundError, ValueError):
            p.add("timezone", "an IANA time zone name like \"Europe/Berlin\" (the show's local time)", tz)

    dests = data.get("destinations", [])
    if dests is None:
        dests = []
    if not isinstance(dests, list):
        p.add("destinations", "a list of destinations ({name: ..., kind: ...})", dests)
        dests = []
    seen: set[str] = set()
    for i, d in enumerate(dests):
        if not isinstance(d, Mapping):
            p.add(f"destinations[{i}]", "a mapping with at least name and kind", d)
            continue
        for key in ("name", "kind"):
            if not isinstance(d.get(key), str) or not d.get(key):
                p.add(f"destinations[{i}].{key}", "text", d.get(key))
        if isinstance(d.get("name"), str):
            if d["name"] in seen:
                p.add(f"destinations[{i}].name", f"a unique name ({d['name']!r} is used twice)")
            seen.add(d["name"])

    raw_staff = data.get("staff", []) or []
    staff: list[str] = []
    if not isinstance(raw_staff, list):
        p.add("staff", "a list of the booth staff's names, e.g. [Ana, Ben]", raw_staff)
    else:
        for i, person in enumerate(raw_staff):
            if not isinstance(person, str) or not person.strip() or len(person.strip()) > 60:
                p.add(f"staff[{i}]", "a name (1 to 60 characters)", person)
            elif person.strip() not in staff:
                staff.append(person.strip())

    branding = Branding(title=name if isinstance(name, str) else "")
    raw_b = data.get("branding", {}) or {}
    if not isinstance(raw_b, Mapping):
        p.add("branding", "a mapping with title, color, logo", raw_b)
    else:
        p.unknown_keys(dict(raw_b), BRANDING_KEYS, "branding.")
        title = raw_b.get("title", branding.title)
        color = raw_b.get("color", DEFAULT_COLOR)
        logo = raw_b.get("logo")
        titles: dict[str, str] = {}
        if isinstance(title, Mapping):
            from kiosk.config.settings import LANGUAGES
            bad = [k for k in title if k not in LANGUAGES]
            if bad:
                p.add("branding.title", f"languages among {', '.join(LANGUAGES)}, e.g. {{en: ..., de: ...}}",
                      ", ".join(map(str, bad)))
            for lang, text in title.items():
                if not isinstance(text, str) or not text.strip():
                    p.add(f"branding.title.{lang}", "text", text)
                elif lang in LANGUAGES:
                    titles[str(lang)] = text
            title = titles.get("en") or next(iter(titles.values()), branding.title)
        elif not isinstance(title, str):
            p.add("branding.title", "text, or a mapping per language like {en: ..., de: ...}", title)
            title = branding.title
        if not isinstance(color, str) or not COLOR_RE.fullmatch(color):
            p.add("branding.color", "a colour like \"#1565c0\"", color)
            color = DEFAULT_COLOR
        logo_path = None
        if logo is not None:
            if not isinstance(logo, str) or not logo.strip():
                p.add("branding.logo", "an image file name relative to the show directory, or null", logo)
            else:
                logo_path = directory / logo
                if not logo_path.is_file():
                    p.add("branding.logo", f"an existing image file; {logo_path} does not exist")
                    logo_path = None
        branding = Branding(title=title, color=color, logo=logo_path, titles=titles)
    p.raise_if_any()
    return ShowConfig(id=sid, name=name, directory=directory, form_path=Path(form_path),
                      badge_profile_path=badge, roster_path=roster, retention_days=int(retention),
                      destinations=[dict(d) for d in dests], branding=branding, staff=tuple(staff),
                      source=Path(source) if not embedded else DEMO_DIR / SHOW_FILE, embedded=embedded)


def load_show(data_dir: str | os.PathLike[str], show_id: str) -> ShowConfig:
    """The show ``show_id`` from ``DATA/shows/<id>/``; the demo show falls back to the embedded copy.
    Raises ConfigError naming the file, key path and expectation."""
    directory = show_dir(data_dir, show_id)
    with _reading(directory.parent, show_id):
        return _load_show(directory, show_id)


@contextlib.contextmanager
def _reading(root: Path, show_id: str) -> Iterator[None]:
    """Hold ``write_show``'s lock shared while reading: its swap renames the show directory
    aside for a moment, and a reader between the two renames (the kiosk while the sync worker
    pulls a new config) found ``show.yaml`` but not the ``form.yaml`` next to it. No lock file
    (a show written by hand, a read-only data directory): nothing to wait for."""
    try:
        fd = os.open(root / f".{show_id}.lock", os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def _load_show(directory: Path, show_id: str) -> ShowConfig:
    path = directory / SHOW_FILE
    if path.is_file():
        return show_from_dict(_read_yaml(path), directory, str(path), expected_id=show_id)
    previous = directory.parent / f".{show_id}.old"
    if (previous / SHOW_FILE).is_file():  # power cut in the middle of write_show's swap
        return show_from_dict(_read_yaml(previous / SHOW_FILE), previous, str(previous / SHOW_FILE),
                              expected_id=show_id)
    if show_id == DEMO_SHOW_ID:
        demo = DEMO_DIR / SHOW_FILE
        return show_from_dict(_read_yaml(demo), DEMO_DIR, str(demo), expected_id=DEMO_SHOW_ID, embedded=True)
    raise config_error(str(path), [("(file)", f"expected the config of show {show_id!r}: the file does not "
                                              "exist (enroll the kiosk with central, or write it by hand)")])


def list_shows(data_dir: str | os.PathLike[str]) -> list[ShowConfig]:
    """Every show the kiosk can switch to: the demo plus each valid ``shows/*/show.yaml``. Broken
    ones are logged and left out so one bad folder does not hide the rest."""
    out: dict[str, ShowConfig] = {}
    try:
        out[DEMO_SHOW_ID] = load_show(data_dir, DEMO_SHOW_ID)
    except ConfigError as exc:
        log.warning("demo show: %s", exc)
    root = Path(data_dir) / "shows"
    for path in sorted(root.glob(f"*/{SHOW_FILE}")) if root.is_dir() else []:
        sid = path.parent.name
        if sid in out or not SHOW_ID_RE.fullmatch(sid):
            continue
        try:
            out[sid] = load_show(data_dir, sid)
        except ConfigError as exc:
            log.warning("show %s left out: %s", sid, exc)
    return list(out.values())


def write_show(data_dir: str | os.PathLike[str], show_id: str, show_dict: Mapping[str, Any],
               form_yaml: str | None = None, badge_yaml: str | None = None,
               roster_csv: str | None = None) -> ShowConfig:
    """Store a show config pulled from central. Everything is validated first (a broken config
    from the network must not replace the last good copy), written to a fresh directory and
    swapped in with renames, so the kiosk always finds a complete show on disk."""
    from forms import FormDefinitionError, load_form_text

    final = show_dir(data_dir, show_id)
    source = f"central config for show {show_id!r}"
    if not isinstance(show_dict, Mapping):
        raise config_error(source, [("show", f"expected a mapping, got {type(show_dict).__name__}")])
    show = {k: v for k, v in show_dict.items() if k not in ("form", "badge_profile", "roster")}
    show.setdefault("id", show_id)
    logo = (show.get("branding") or {}).get("logo") if isinstance(show.get("branding"), Mapping) else None
    if logo is not None:
        # central cannot ship the image file itself; drop the reference rather than fail
        show["branding"] = {**show["branding"], "logo": None}
    files: dict[str, bytes] = {}
    problems: list[tuple[str, str]] = []
    if form_yaml is not None:
        try:
            load_form_text(form_yaml, source=f"{source}: form_yaml")
        except FormDefinitionError as exc:
            problems += [(f"form_yaml.{p}", m) for p, m in exc.problems]
        files[FORM_FILE] = form_yaml.encode("utf-8")
        show["form"] = FORM_FILE
    if badge_yaml is not None:
        try:
            from kiosk.scan import load_badge_profile_text

            load_badge_profile_text(badge_yaml, source=f"{source}: badge_yaml")
        except ConfigError as exc:
            problems.append(("badge_yaml", str(exc)))
        files[BADGE_FILE] = badge_yaml.encode("utf-8")
        show["badge_profile"] = BADGE_FILE
    if roster_csv is not None:
        if not isinstance(roster_csv, str):
            problems.append(("roster_csv", f"expected CSV text, got {type(roster_csv).__name__}"))
        else:
            files[ROSTER_FILE] = roster_csv.encode("utf-8")
            show["roster"] = ROSTER_FILE
    if problems:
        raise config_error(source, problems)
    files[SHOW_FILE] = yaml.safe_dump(show, sort_keys=False, allow_unicode=True).encode("utf-8")

    root = final.parent
    staging: Path | None = None
    lock_fd = -1
    try:
        root.mkdir(parents=True, exist_ok=True)
        # the sync worker's pull and `leadkiosk enroll` may write the same show at once
        lock_fd = os.open(root / f".{show_id}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        staging = Path(tempfile.mkdtemp(prefix=f".{show_id}.new-", dir=root))
        for name, data in files.items():
            # the roster holds visitors' names and addresses: never world-readable
            atomic_write(staging / name, data, mode=PRIVATE if name == ROSTER_FILE else 0o644)
        staging.chmod(0o755)
        # validate the staged copy exactly as load_show will read it
        show_from_dict(_read_yaml(staging / SHOW_FILE), staging, str(final / SHOW_FILE), expected_id=show_id)
        old = root / f".{show_id}.old"
        if old.exists():
            shutil.rmtree(old)
        if final.exists():
            os.replace(final, old)
        os.replace(staging, final)
        staging = None
        shutil.rmtree(old, ignore_errors=True)
        fsync_dir(root, strict=False)
    except OSError as exc:
        raise config_error(str(final), [("(directory)", f"expected a writable location: {exc.strerror or exc}")]) from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if lock_fd >= 0:
            os.close(lock_fd)  # releases the lock
    return load_show(data_dir, show_id)
