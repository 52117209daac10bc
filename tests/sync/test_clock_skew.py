"""A kiosk whose clock is hours off (a Pi 4 without a battery clock on show Wi-Fi that blocks NTP)
still delivers: central refuses the first signature with ``server_time`` in the answer, the
transport learns the offset and signs again in central's time. A revoked token is not mistaken for
a clock problem."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

pytest.importorskip("central.api")

from kiosk.cli import main  # noqa: E402
from sync.enrollment import load_credentials  # noqa: E402
from sync.errors import AuthError  # noqa: E402
from sync.testing.central_process import RealCentral  # noqa: E402
from tests.support.records import make_lead  # noqa: E402
from sync.transports.central import CentralTransport  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture
def enrolled(tmp_path: Path):
    central = RealCentral(tmp_path / "central.db")
    code = central.cli("enroll-code", "--show", "fair", "--name", "Fair 2026").strip().split()[-1]
    central.start()
    data = tmp_path / "kiosk"
    assert main(["enroll", central.url, code, "--data", str(data), "--name", "booth-1"]) == 0
    try:
        yield central, load_credentials(data)
    finally:
        central.stop()


@pytest.mark.parametrize("skew_s", [-2 * 3600, 37 * 60])
def test_skewed_kiosk_clock_is_corrected_and_the_lead_stored(enrolled, skew_s: float) -> None:
    central, creds = enrolled
    transport = CentralTransport(creds, clock=lambda: time.time() + skew_s)
    lead = make_lead(1, tag="hot", show_id="fair")
    try:
        [result] = transport.send([lead])
    finally:
        transport.close()
    assert result.outcome == "sent", result
    assert abs(transport.clock_offset_s + skew_s) < 30  # it learned central's time
    stored = central.cli("leads", "--json")
    assert lead["id"] in stored


def test_revoked_token_is_not_taken_for_a_clock_problem(enrolled) -> None:
    central, creds = enrolled
    central.cli("revoke", creds.device_id)
    transport = CentralTransport(creds)
    try:
        with pytest.raises(AuthError):
            transport.send([make_lead(2, show_id="fair")])
    finally:
        transport.close()
    assert transport.clock_offset_s == 0.0
