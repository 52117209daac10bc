"""The rule for badges the kiosk has just handled (kiosk.scan.handled), on a controlled clock."""
from __future__ import annotations

from kiosk.scan.handled import HandledCodes


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def frames(gate: HandledCodes, clock: Clock, texts: list[str], seconds: float, every: float = 0.1) -> list[float]:
    """Decoded frames showing ``texts`` every ``every`` s for ``seconds``; when something was admitted."""
    start, admitted = clock.t, []
    while clock.t - start < seconds - 1e-9:
        if gate.frame(texts):
            admitted.append(round(clock.t - start, 2))
        clock.t += every
    return admitted


def test_unknown_code_is_admitted_once_per_frame() -> None:
    clock = Clock()
    assert HandledCodes(clock=clock).frame(["A", "A", "B"]) == ["A", "B"]


def test_handled_code_in_view_waits_for_the_hold_time() -> None:
    clock = Clock()
    gate = HandledCodes(gone_s=1.2, hold_s=5.0, clock=clock)
    gate.handled("A")
    gate.rearm()
    assert 5.0 <= frames(gate, clock, ["A"], 6.0)[0] <= 5.1


def test_handled_code_that_left_the_view_is_admitted_when_it_returns() -> None:
    clock = Clock()
    gate = HandledCodes(gone_s=1.2, hold_s=5.0, clock=clock)
    gate.handled("A")
    gate.rearm()
    assert frames(gate, clock, ["A"], 1.0) == []
    assert frames(gate, clock, [], 1.5) == []        # out of view
    assert gate.frame(["A", "B"]) == ["A", "B"]


def test_a_slow_decoder_is_not_a_badge_that_left() -> None:
    """Two seconds without a decoded frame (busy CPU) is not "not seen"."""
    clock = Clock()
    gate = HandledCodes(gone_s=1.2, hold_s=5.0, clock=clock)
    gate.handled("A")
    gate.rearm()
    clock.t += 2.0
    assert gate.frame(["A"]) == []
    assert frames(gate, clock, ["A"], 2.0, every=1.0) == []


def test_saved_code_waits_until_it_left_the_view() -> None:
    clock = Clock()
    gate = HandledCodes(gone_s=1.2, hold_s=5.0, clock=clock)
    gate.handled("A")
    gate.mark_saved("A")
    gate.rearm()
    for _ in range(30):                              # flickering in and out of view for a minute
        assert frames(gate, clock, ["A"], 1.0) == []
        assert frames(gate, clock, [], 0.5, every=0.25) == []
    assert frames(gate, clock, [], 1.5) == []
    assert gate.frame(["A"]) == ["A"]
