"""The Pi camera adapter against a stand-in for picamera2/libcamera (they cannot exist on this
machine). The stand-in follows the documented picamera2 contract: ``global_camera_info()``,
``create_video_configuration(main=...)``, ``configure``, ``start``, ``camera_controls``,
``set_controls`` with ``libcamera.controls`` enums, ``capture_array("main")``, ``stop``, ``close``;
"RGB888" frames are B,G,R in memory (picamera2 manual, section 4.2.2.2)."""
from __future__ import annotations

import sys
import types
from enum import Enum

import numpy as np
import pytest

from kiosk.errors import CameraError
from kiosk.scan.sources import Picamera2Source, open_frame_source


class AfModeEnum(Enum):
    Manual = 0
    Auto = 1
    Continuous = 2


class AfRangeEnum(Enum):
    Normal = 0
    Macro = 1
    Full = 2


class FakePicamera2:
    cameras: list[dict] = [{"Model": "imx708", "Num": 0}]
    busy = False
    has_af = True
    instances: list["FakePicamera2"] = []

    def __init__(self, camera_num: int = 0) -> None:
        if self.busy:
            raise RuntimeError("Failed to acquire camera: Device or resource busy")
        self.controls_set: dict = {}
        self.config: dict | None = None
        self.started = self.closed = False
        self.switched: list[dict] = []
        self.fail_still = False
        self.camera_controls = {"ExposureTime": (1, 1000000, None)}
        if self.has_af:
            self.camera_controls["AfMode"] = (0, 2, 0)
        FakePicamera2.instances.append(self)

    @staticmethod
    def global_camera_info() -> list[dict]:
        return FakePicamera2.cameras

    sensor_resolution = (4608, 2592)   # imx708 (Camera Module 3)

    def create_video_configuration(self, main: dict) -> dict:
        return {"use_case": "video", "main": dict(main)}

    def create_still_configuration(self, main: dict | None = None) -> dict:
        # picamera2: the still configuration's main stream defaults to the sensor resolution
        return {"use_case": "still", "main": {"size": self.sensor_resolution, **(main or {})}}

    def switch_mode_and_capture_array(self, config: dict, name: str = "main") -> np.ndarray:
        """picamera2 stops, configures ``config``, captures, and restores the previous mode."""
        assert self.started, "switch_mode_and_capture_array needs a started camera"
        if self.fail_still:
            raise RuntimeError("Camera frontend has timed out!")
        previous = self.config
        self.switched.append(config)
        self.config = config
        frame = self.capture_array(name)
        self.config = previous
        return frame

    def configure(self, config: dict) -> None:
        self.config = config

    def start(self) -> None:
        assert self.config is not None, "picamera2 requires configure() before start()"
        self.started = True

    def set_controls(self, controls: dict) -> None:
        self.controls_set.update(controls)

    def capture_array(self, name: str = "main") -> np.ndarray:
        assert self.started and name == "main"
        w, h = self.config["main"]["size"]
        frame = np.zeros((h, w, 3), np.uint8)
        frame[..., 0] = 255  # blue channel first: "RGB888" is BGR in memory
        return frame

    def stop(self) -> None:
        self.started = False

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_picamera2(monkeypatch: pytest.MonkeyPatch) -> type[FakePicamera2]:
    FakePicamera2.cameras = [{"Model": "imx708", "Num": 0}]
    FakePicamera2.busy = False
    FakePicamera2.has_af = True
    FakePicamera2.instances = []
    picamera2 = types.ModuleType("picamera2")
    picamera2.Picamera2 = FakePicamera2  # type: ignore[attr-defined]
    libcamera = types.ModuleType("libcamera")
    libcamera.controls = types.SimpleNamespace(AfModeEnum=AfModeEnum,  # type: ignore[attr-defined]
                                               AfRangeEnum=AfRangeEnum)
    monkeypatch.setitem(sys.modules, "picamera2", picamera2)
    monkeypatch.setitem(sys.modules, "libcamera", libcamera)
    return FakePicamera2


def test_opens_with_continuous_macro_autofocus(fake_picamera2: type[FakePicamera2]) -> None:
    source = open_frame_source("picamera2")
    cam = fake_picamera2.instances[-1]
    assert cam.config["main"] == {"size": (1280, 720), "format": "RGB888"}
    assert cam.controls_set == {"AfMode": AfModeEnum.Continuous, "AfRange": AfRangeEnum.Macro}
    frame = source.read()
    assert frame.shape == (720, 1280, 3) and frame[0, 0, 0] == 255
    source.close()
    assert cam.closed and not cam.started


def test_fixed_focus_module_gets_no_af_controls(fake_picamera2: type[FakePicamera2]) -> None:
    fake_picamera2.has_af = False
    Picamera2Source().open().close()
    assert fake_picamera2.instances[-1].controls_set == {}


def test_no_camera_and_busy_camera(fake_picamera2: type[FakePicamera2]) -> None:
    fake_picamera2.cameras = []
    with pytest.raises(CameraError, match="no Raspberry Pi camera detected"):
        open_frame_source("picamera2")
    fake_picamera2.cameras = [{"Model": "imx708", "Num": 0}]
    fake_picamera2.busy = True
    with pytest.raises(CameraError, match="busy"):
        open_frame_source("picamera2")


def test_auto_prefers_the_pi_camera(fake_picamera2: type[FakePicamera2]) -> None:
    source = open_frame_source("auto")
    try:
        assert isinstance(source, Picamera2Source)
    finally:
        source.close()


def test_full_resolution_still_on_demand(fake_picamera2: type[FakePicamera2]) -> None:
    source = Picamera2Source().open()
    cam = fake_picamera2.instances[-1]
    still = source.capture_still()
    assert still is not None and still.shape == (2592, 4608, 3) and still[0, 0, 0] == 255
    assert cam.switched == [{"use_case": "still", "main": {"format": "RGB888",
                                                           "size": (4608, 2592)}}]
    assert cam.started and cam.config["main"]["size"] == (1280, 720)  # back to the preview
    preview = source.read()
    assert preview.shape == (720, 1280, 3)
    assert source.stills == 1
    cam.fail_still = True
    assert source.capture_still() is None   # a failed still is no frame, not a crash
    source.close()
    with pytest.raises(CameraError, match="before open"):
        source.capture_still()


def test_sources_without_stills_say_none() -> None:
    from kiosk.scan.sources import MemoryFrameSource
    assert MemoryFrameSource([np.zeros((4, 4, 3), np.uint8)]).open().capture_still() is None
