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
        self.camera_controls = {"ExposureTime": (1, 1000000, None)}
        if self.has_af:
            self.camera_controls["AfMode"] = (0, 2, 0)
        FakePicamera2.instances.append(self)

    @staticmethod
    def global_camera_info() -> list[dict]:
        return FakePicamera2.cameras

    def create_video_configuration(self, main: dict) -> dict:
        return {"use_case": "video", "main": dict(main)}

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
