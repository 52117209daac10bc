"""The read and error sounds. They are synthesised into the user's cache on first use (a few KB of
PCM), so the package ships no binaries and a kiosk without audio simply stays silent."""
from __future__ import annotations

import logging
import math
import os
import struct
import wave
from pathlib import Path
from typing import Any, Callable

log = logging.getLogger(__name__)
RATE = 22050


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "leadkiosk" / "sounds"


def write_tone(path: Path, notes: list[tuple[float, float]], volume: float = 0.5) -> Path:
    """A short chime: each (frequency Hz, seconds) with a soft attack/release so it does not click."""
    frames = bytearray()
    for freq, secs in notes:
        n = int(RATE * secs)
        for i in range(n):
            env = min(1.0, i / (RATE * 0.005), (n - i) / (RATE * 0.03))
            frames += struct.pack("<h", int(32767 * volume * env * math.sin(2 * math.pi * freq * i / RATE)))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))
    os.replace(tmp, path)
    return path


SOUNDS = {
    "read": [(880.0, 0.07), (1320.0, 0.11)],
    "error": [(330.0, 0.18)],
}


def sound_card_present(cards: Path = Path("/proc/asound/cards")) -> bool:
    """Whether ALSA knows a sound card. Without one, opening audio makes libasound print a screen
    of errors and Kivy log CRITICAL lines at every start, which look like a crash; a kiosk without
    a speaker is normal, so it simply stays silent."""
    try:
        text = cards.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return bool(text.strip()) and "no soundcards" not in text


class SoundBoard:
    """Loads sounds lazily through Kivy's SoundLoader; every failure degrades to silence."""

    def __init__(self, enabled: bool = True, directory: Path | None = None,
                 has_audio: Callable[[], bool] = sound_card_present) -> None:
        if enabled and not has_audio():
            log.info("no sound card: the kiosk stays silent")
            enabled = False
        self.enabled = enabled
        self.directory = directory or _cache_dir()
        self._sounds: dict[str, Any] = {}
        self.played: list[str] = []

    def _load(self, name: str) -> Any:
        if name in self._sounds:
            return self._sounds[name]
        sound = None
        try:
            path = self.directory / f"{name}.wav"
            if not path.exists():
                try:
                    write_tone(path, SOUNDS[name])
                except OSError:  # no writable home (a service user): synthesise into /tmp instead
                    import tempfile
                    path = write_tone(Path(tempfile.gettempdir()) / f"leadkiosk-{os.getuid()}-{name}.wav",
                                      SOUNDS[name])
            from kivy.core.audio import SoundLoader
            sound = SoundLoader.load(str(path))
        except Exception as exc:  # no audio device, read-only home: stay silent
            log.info("sound %s unavailable: %s", name, exc)
        self._sounds[name] = sound
        return sound

    def play(self, name: str) -> None:
        self.played.append(name)
        if not self.enabled:
            return
        sound = self._load(name)
        if sound is None:
            return
        try:
            sound.stop()
            sound.play()
        except Exception as exc:
            log.info("playing %s failed: %s", name, exc)
