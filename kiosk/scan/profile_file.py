"""Loading a show's ``badge.yaml`` (and the roster it names) from disk."""
from __future__ import annotations

import os
from pathlib import Path

import yaml

from kiosk.errors import ConfigError
from kiosk.scan.badge.profile import BadgeProfile, profile_from_data
from kiosk.scan.roster_file import load_roster


def load_badge_profile_text(text: str, source: str = "<badge profile>",
                            base_dir: str | os.PathLike[str] | None = None) -> BadgeProfile:
    """For profiles that arrive as text (central's ``badge_yaml``); a roster path is resolved
    against ``base_dir`` and loaded when given."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(document)"
        raise ConfigError(f"{source}: {where}: expected valid YAML "
                          f"({getattr(exc, 'problem', None) or exc})") from None
    profile = profile_from_data(data, source)
    if profile.roster_file and base_dir is not None:
        roster_path = Path(base_dir) / profile.roster_file
        if not roster_path.is_file():
            raise ConfigError(f"{source}: roster: expected an existing CSV file, "
                              f"{roster_path} does not exist")
        profile.roster = load_roster(roster_path, profile.roster_id_column)
    return profile


def load_badge_profile(path: str | os.PathLike[str]) -> BadgeProfile:
    """Load and validate ``badge.yaml``; the roster it names is read relative to it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read badge profile ({exc})") from None
    return load_badge_profile_text(text, source=str(path), base_dir=path.parent)
