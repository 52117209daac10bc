"""Frame sources behind one small interface: "give me the next frame".

``open()`` acquires the device, ``read()`` returns a BGR ``numpy`` array or ``None`` (no frame
right now; a finite source that has ended sets ``ended``), ``close()`` releases it. Every failure
to open or keep a camera becomes ``CameraError`` here, so the kiosk can offer manual entry.
"""
from __future__ import annotations

import glob
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from kiosk.errors import CameraError

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm")


class FrameSource:
    """Base class; also a context manager and an iterator over frames until ``ended``."""

    name = "frames"
    ended = False

    def open(self) -> "FrameSource":
        return self

    def read(self) -> np.ndarray | None:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def capture_still(self) -> np.ndarray | None:
        """A full-resolution frame on demand (a code seen but not read: more pixels per
        module), or None where the source has nothing better than its preview frames."""
        return None

    def __enter__(self) -> "FrameSource":
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def frames(self, limit: int | None = None) -> Iterator[np.ndarray]:
        """Frames until the source ends (or ``limit``); ``None`` reads are skipped."""
        count = 0
        while not self.ended and (limit is None or count < limit):
            frame = self.read()
            if frame is None:
                if self.ended:
                    break
                time.sleep(0.005)
                continue
            count += 1
            yield frame


class MemoryFrameSource(FrameSource):
    """The in-memory twin for tests: a list of frames, optionally looping and paced."""

    name = "memory"

    def __init__(self, frames: Sequence[np.ndarray], loop: bool = False,
                 fps: float | None = None) -> None:
        self._frames = list(frames)
        self.loop = loop
        self.fps = fps
        self._index = 0
        self._next_at = 0.0
        self.opened = False
        self.ended = False

    def open(self) -> "MemoryFrameSource":
        self.opened = True
        self._index = 0
        self.ended = not self._frames
        return self

    def read(self) -> np.ndarray | None:
        if not self.opened:
            raise CameraError("memory frame source read before open()")
        if self._index >= len(self._frames):
            if not self.loop or not self._frames:
                self.ended = True
                return None
            self._index = 0
        if self.fps:
            _pace(self)
        frame = self._frames[self._index]
        self._index += 1
        return frame

    def close(self) -> None:
        self.opened = False


def _pace(source: Any) -> None:
    """Deliver frames no faster than the source's fps, like a real camera would."""
    now = time.monotonic()
    if source._next_at > now:
        time.sleep(source._next_at - now)
        now = source._next_at
    source._next_at = max(now, source._next_at) + 1.0 / source.fps


class OpenCVSource(FrameSource):
    """A USB webcam (``index``) or a video file (``path``) through ``cv2.VideoCapture``.

    Video files can ``loop`` and be paced at their own frame rate (``realtime``), which is how the
    demo video stands in for a camera."""

    def __init__(self, index: int | None = None, path: str | os.PathLike[str] | None = None, *,
                 loop: bool = False, realtime: bool = False,
                 size: tuple[int, int] | None = (1280, 720), best_mode: bool = True) -> None:
        """``best_mode`` (webcams): ask the device for its modes (v4l2-ctl) and take the
        highest one that keeps 25 fps (``choose_webcam_mode``); ``size`` is the fallback."""
        if (index is None) == (path is None):
            raise ValueError("give exactly one of index or path")
        self.index = index
        self.path = Path(path) if path is not None else None
        self.loop = loop
        self.realtime = realtime
        self.size = size
        self.best_mode = best_mode
        self.mode: tuple[str, int, int, float] | None = None
        self.fps: float = 30.0
        self._cap: Any = None
        self._next_at = 0.0
        self._failures = 0
        self._pending: np.ndarray | None = None
        self._lock = threading.Lock()
        self.ended = False
        self.name = f"opencv:{index}" if index is not None else f"video:{path}"

    def open(self) -> "OpenCVSource":
        import cv2
        if self.path is not None:
            if not self.path.is_file():
                raise CameraError(f"video file {self.path} does not exist")
            cap = cv2.VideoCapture(str(self.path))
            ok, first = cap.read() if cap.isOpened() else (False, None)
            if not ok:
                cap.release()
                raise CameraError(f"cannot open video file {self.path} (not a video OpenCV reads)")
            self._pending = first  # handed out by the first read(): no seek needed
        else:
            device = f"/dev/video{self.index}"
            if os.name == "posix" and not os.path.exists(device):
                raise CameraError(f"no camera at {device}: plug in a USB camera or use manual "
                                  "entry")
            cap = cv2.VideoCapture(self.index, cv2.CAP_V4L2) if os.name == "posix" \
                else cv2.VideoCapture(self.index)
            if not cap.isOpened():
                cap.release()
                raise CameraError(f"camera {device} could not be opened (busy in another program "
                                  "or no permission: is the user in the 'video' group?)")
            mode = choose_webcam_mode(list_webcam_modes(self.index)) if self.best_mode else None
            if mode is not None:  # the highest mode that keeps the preview smooth
                cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*mode[0]))
                cap.set(cv2.CAP_PROP_FRAME_WIDTH, mode[1])
                cap.set(cv2.CAP_PROP_FRAME_HEIGHT, mode[2])
                cap.set(cv2.CAP_PROP_FPS, mode[3])
                self.mode = mode
            elif self.size:
                cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.size[0])
                cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.size[1])
            ok, _ = cap.read()
            if not ok:
                cap.release()
                raise CameraError(f"camera {device} opened but delivers no frames (busy or "
                                  "disconnected)")
        fps = cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps and 1 <= fps <= 240 else 30.0
        self._cap = cap
        self.ended = False
        self._failures = 0
        return self

    def read(self) -> np.ndarray | None:
        with self._lock:
            if self._cap is None:
                raise CameraError(f"{self.name} read before open() or after close()")
            if self.realtime:
                _pace(self)
            if self._pending is not None:
                frame, self._pending = self._pending, None
                return frame
            ok, frame = self._cap.read()
            if ok:
                self._failures = 0
                return frame
            if self.path is not None:
                if self.loop:
                    import cv2
                    self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
                    ok, frame = self._cap.read()
                    if ok:
                        return frame
                self.ended = True
                return None
            self._failures += 1
            if self._failures > 30:
                raise CameraError(f"camera {self.name} stopped delivering frames "
                                  "(disconnected?)")
            return None

    def close(self) -> None:
        with self._lock:
            if self._cap is not None:
                self._cap.release()
                self._cap = None


class ImageFolderSource(FrameSource):
    """A folder of images, in name order (a still-camera stand-in and a regression harness)."""

    def __init__(self, directory: str | os.PathLike[str], loop: bool = False,
                 fps: float | None = None) -> None:
        self.directory = Path(directory)
        self.loop = loop
        self.fps = fps
        self._files: list[Path] = []
        self._index = 0
        self._next_at = 0.0
        self.ended = False
        self.name = f"images:{directory}"

    def open(self) -> "ImageFolderSource":
        if not self.directory.is_dir():
            raise CameraError(f"image folder {self.directory} does not exist")
        self._files = sorted(p for p in self.directory.iterdir()
                             if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        if not self._files:
            raise CameraError(f"image folder {self.directory} holds no images "
                              f"({', '.join(IMAGE_SUFFIXES)})")
        self._index = 0
        self.ended = False
        return self

    def read(self) -> np.ndarray | None:
        import cv2
        if not self._files:
            raise CameraError(f"{self.name} read before open()")
        if self._index >= len(self._files):
            if not self.loop:
                self.ended = True
                return None
            self._index = 0
        if self.fps:
            _pace(self)
        path = self._files[self._index]
        self._index += 1
        frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if frame is None:
            log.warning("skipping unreadable image %s", path)
        return frame


class Picamera2Source(FrameSource):
    """The Raspberry Pi Camera Module via picamera2 (from apt on Bookworm: the venv needs system
    site packages). Continuous autofocus in macro range where the module has a focus motor
    (Camera Module 3), because badges are held close to the lens."""

    name = "picamera2"

    def __init__(self, size: tuple[int, int] = (1280, 720), camera_num: int = 0) -> None:
        self.size = size
        self.camera_num = camera_num
        self._cam: Any = None
        self._still_config: Any = None
        self.stills = 0

    def open(self) -> "Picamera2Source":
        try:
            from picamera2 import Picamera2
        except ImportError as exc:
            raise CameraError("picamera2 is not installed (on Raspberry Pi OS: apt install "
                              "python3-picamera2, and create the venv with "
                              "--system-site-packages)") from exc
        try:
            if not Picamera2.global_camera_info():
                raise CameraError("no Raspberry Pi camera detected (check the ribbon cable)")
            cam = Picamera2(self.camera_num)
            # "RGB888" is B,G,R in memory (picamera2 manual, 4.2.2.2): OpenCV's BGR.
            config = cam.create_video_configuration(main={"size": self.size, "format": "RGB888"})
            cam.configure(config)
            # the sensor's full resolution, for stills on demand (picamera2 manual, 8.3:
            # create_still_configuration defaults main to the sensor resolution)
            self._still_config = cam.create_still_configuration(main={"format": "RGB888"})
            cam.start()
            if "AfMode" in cam.camera_controls:
                from libcamera import controls
                cam.set_controls({"AfMode": controls.AfModeEnum.Continuous,
                                  "AfRange": controls.AfRangeEnum.Macro})
        except CameraError:
            raise
        except Exception as exc:  # noqa: BLE001 - libcamera raises RuntimeError/IndexError/OSError
            raise CameraError(f"Raspberry Pi camera could not be opened (busy in another "
                              f"program?): {exc}") from exc
        self._cam = cam
        return self

    def read(self) -> np.ndarray | None:
        if self._cam is None:
            raise CameraError("picamera2 read before open()")
        try:
            return self._cam.capture_array("main")
        except Exception as exc:  # noqa: BLE001
            raise CameraError(f"Raspberry Pi camera stopped delivering frames: {exc}") from exc

    def capture_still(self) -> np.ndarray | None:
        """One full-resolution frame: picamera2 switches to the still configuration, captures
        and returns to the video one (``switch_mode_and_capture_array``, manual section 6.2.2);
        the preview pauses for that switch, so the caller rate-limits it. Autofocus stays in
        continuous macro mode (set at open), so the still is as sharp as the preview."""
        if self._cam is None:
            raise CameraError("picamera2 still before open()")
        try:
            frame = self._cam.switch_mode_and_capture_array(self._still_config, "main")
        except Exception as exc:  # noqa: BLE001 - libcamera raises RuntimeError/OSError
            log.warning("Pi camera still capture failed: %s", exc)
            return None
        self.stills += 1
        return frame

    def close(self) -> None:
        if self._cam is not None:
            try:
                self._cam.stop()
                self._cam.close()
            finally:
                self._cam = None


def picamera2_available() -> bool:
    """True when picamera2 imports and reports at least one camera."""
    try:
        from picamera2 import Picamera2
        return bool(Picamera2.global_camera_info())
    except Exception:  # noqa: BLE001 - any failure means "not usable"
        return False


SMOOTH_FPS = 25.0        # the preview's floor (issue 21)
MAX_WEBCAM_WIDTH = 1920  # wider costs decode time per frame for pixels a badge does not need


def parse_v4l2_modes(text: str) -> list[tuple[str, int, int, float]]:
    """``v4l2-ctl --list-formats-ext`` output -> [(fourcc, width, height, best fps)]."""
    modes: list[tuple[str, int, int, float]] = []
    fourcc = ""
    size: tuple[int, int] | None = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("[") and "'" in line:           # [0]: 'MJPG' (Motion-JPEG, compressed)
            fourcc = line.split("'")[1]
            size = None
        elif line.startswith("Size: Discrete"):              # Size: Discrete 1920x1080
            w, _, h = line.split()[-1].partition("x")
            size = (int(w), int(h)) if w.isdigit() and h.isdigit() else None
        elif line.startswith("Interval:") and size and fourcc and "(" in line:
            fps_text = line.rsplit("(", 1)[1].split()[0]   # Interval: Discrete 0.033s (30.000 fps)
            try:
                fps = float(fps_text)
            except ValueError:
                continue
            if modes and modes[-1][:3] == (fourcc, *size):
                if fps > modes[-1][3]:
                    modes[-1] = (fourcc, size[0], size[1], fps)
            else:
                modes.append((fourcc, size[0], size[1], fps))
    return modes


def choose_webcam_mode(modes: list[tuple[str, int, int, float]], min_fps: float = SMOOTH_FPS,
                       max_width: int = MAX_WEBCAM_WIDTH) -> tuple[str, int, int, float] | None:
    """The most pixels that still deliver ``min_fps`` (a smooth preview), up to ``max_width``;
    on a tie the compressed format (MJPG keeps USB 2 bandwidth for high modes, raw YUYV
    often drops to 5-10 fps above 640x480). None if no mode is smooth."""
    smooth = [m for m in modes if m[3] >= min_fps - 0.5 and m[1] <= max_width]
    if not smooth:
        return None
    return max(smooth, key=lambda m: (m[1] * m[2], m[0] == "MJPG", m[3]))


def list_webcam_modes(index: int) -> list[tuple[str, int, int, float]]:
    """The device's modes via ``v4l2-ctl`` (package v4l-utils); [] when it is not installed."""
    import shutil
    import subprocess
    tool = shutil.which("v4l2-ctl")
    if tool is None:
        return []
    try:
        out = subprocess.run([tool, "-d", f"/dev/video{index}", "--list-formats-ext"],
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return parse_v4l2_modes(out.stdout) if out.returncode == 0 else []


def webcam_indices(devices: Iterable[str] | None = None) -> list[int]:
    """V4L2 capture devices present, lowest first (probing by path avoids OpenCV's slow scan)."""
    paths = devices if devices is not None else glob.glob("/dev/video*")
    out = []
    for path in paths:
        suffix = path.rsplit("video", 1)[-1]
        if suffix.isdigit():
            out.append(int(suffix))
    return sorted(out)


def open_frame_source(spec: str = "auto", *, demo_dir: str | os.PathLike[str] | None = None
                      ) -> FrameSource:
    """Open a source from its config string (``kiosk.toml`` ``[camera] source``):
    ``auto`` | ``picamera2`` | ``opencv:<index>`` | ``video:<path>`` | ``images:<dir>`` | ``demo``.

    ``auto`` prefers the Pi camera, then the first webcam that opens, then the looping demo
    video, so a laptop without a camera still shows the kiosk working. Returns an opened source.
    """
    spec = (spec or "auto").strip()
    kind, _, arg = spec.partition(":")
    kind = kind.lower()
    if kind == "auto":
        if picamera2_available():
            try:
                return Picamera2Source().open()
            except CameraError as exc:
                log.warning("Pi camera present but unusable: %s", exc)
        for index in webcam_indices():
            try:
                return OpenCVSource(index=index).open()
            except CameraError as exc:
                log.info("webcam %d unusable: %s", index, exc)
        return _demo_source(demo_dir)
    if kind == "picamera2":
        return Picamera2Source().open()
    if kind == "opencv":
        if not arg.strip().isdigit():
            raise CameraError(f"camera source {spec!r}: expected opencv:<index>, e.g. opencv:0")
        return OpenCVSource(index=int(arg)).open()
    if kind == "video":
        if not arg:
            raise CameraError(f"camera source {spec!r}: expected video:<path>")
        return OpenCVSource(path=arg, loop=True, realtime=True).open()
    if kind == "images":
        if not arg:
            raise CameraError(f"camera source {spec!r}: expected images:<dir>")
        return ImageFolderSource(arg, loop=True, fps=10).open()
    if kind == "demo":
        return _demo_source(demo_dir)
    raise CameraError(f"camera source {spec!r}: expected auto, picamera2, opencv:<index>, "
                      "video:<path>, images:<dir> or demo")


def _demo_source(demo_dir: str | os.PathLike[str] | None) -> FrameSource:
    from kiosk.scan.demo_video import demo_video_path
    source = OpenCVSource(path=demo_video_path(demo_dir), loop=True, realtime=True)
    source.name = "demo"
    return source.open()
