"""Lead store damage as booth staff see it: the banner over every screen and the card on the
sync screen. Pure wording over what the store reports (``damage``, ``lost_ids``, ``preserved``,
``location``), so both places say the same thing and a test can read it without a window.

Why only file names, counts and lead ids (never a name or company): the banner shows on the
visitor-facing screens too, and what staff need there is "something is lost, it is kept, tell
someone", not whose lead it was.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Callable

_DIRS = re.compile(r"(?:/[^\s/:;()]+)+/(?=[^\s/])")   # the folders of an absolute path


@dataclass(frozen=True)
class StoreDamage:
    problems: tuple[str, ...]      # the store's own sentences
    lost_ids: tuple[str, ...]      # lead ids the damage named
    kept: tuple[str, ...]          # full paths of the preserved damaged files
    folder: str | None             # the store's folder (recovery.log lives there)

    @property
    def what(self) -> list[str]:
        """One short phrase per problem: "journal store.journal is empty"."""
        out = []
        for problem in self.problems:
            head = _DIRS.sub("", problem).split(": ", 1)[0].strip()
            out.append(head if len(head) <= 90 else head[:89] + "…")
        return out

    @property
    def kept_names(self) -> list[str]:
        return [os.path.basename(p) for p in self.kept]

    @property
    def log(self) -> str | None:
        return None if self.folder is None else os.path.join(self.folder, "recovery.log")


def read_damage(store: Any) -> StoreDamage | None:
    """What the store found lost and staff have not acknowledged yet (this run's damage, or files
    kept by an earlier start), or None."""
    problems = tuple(store.unacknowledged_damage)
    if not problems:
        return None
    current = len(store.damage) > 0 and problems[0] in store.damage
    return StoreDamage(problems=problems, lost_ids=tuple(store.lost_ids) if current else (),
                       kept=tuple((store.preserved if current else []) + store.damage_kept_earlier),
                       folder=store.location)


def banner_text(damage: StoreDamage, tr: Callable[..., str]) -> str:
    """Two lines for the banner: what is damaged, and that it is kept (or that nothing was left)."""
    first = tr("damage.banner", what="; ".join(dict.fromkeys(damage.what)), problems=len(damage.problems),
               lost=len(damage.lost_ids))
    second = (tr("damage.kept", files=", ".join(damage.kept_names)) if damage.kept
              else tr("damage.nothing_kept"))
    return first + "\n" + second


def details(damage: StoreDamage, tr: Callable[..., str]) -> list[str]:
    """The lines of the sync screen's damage card: counts, each problem, lost ids, where the
    damaged files and the recovery report are, and what happens next."""
    lines = [tr("damage.counts", problems=len(damage.problems), lost=len(damage.lost_ids))]
    lines += [f"• {p}" for p in damage.what]
    if damage.lost_ids:
        lines.append(tr("damage.lost_ids", ids=", ".join(damage.lost_ids)))
    if damage.kept:
        lines += [tr("damage.kept_at", path=p) for p in damage.kept]
    else:
        lines.append(tr("damage.nothing_kept_short"))
    if damage.log:
        lines.append(tr("damage.log", path=damage.log))
    lines.append(tr("damage.restore"))
    return lines
