"""Staff PIN hashing: salted scrypt, constant-time compare, malformed hashes never match."""
from __future__ import annotations

import ast
import inspect

import pytest

from kiosk.config import pin
from kiosk.config.pin import DEMO_PIN_HASH, hash_pin, is_pin_hash, verify_pin
from kiosk.errors import ConfigError


def test_round_trip_and_wrong_pin() -> None:
    h = hash_pin("4711")
    assert h.startswith("scrypt$n=16384,r=8,p=1$") and is_pin_hash(h)
    assert verify_pin("4711", h)
    assert not verify_pin("4712", h) and not verify_pin("47110", h) and not verify_pin("", h)


def test_salt_is_random() -> None:
    a, b = hash_pin("4711"), hash_pin("4711")
    assert a != b and a.split("$")[2] != b.split("$")[2]
    assert verify_pin("4711", a) and verify_pin("4711", b)


def test_demo_hash_is_the_demo_pin() -> None:
    assert verify_pin("1234", DEMO_PIN_HASH) and not verify_pin("0000", DEMO_PIN_HASH)


@pytest.mark.parametrize("bad", ["", "1234", "scrypt$n=16384,r=8,p=1$abc", "md5$x$y",
                                 "scrypt$n=16384,r=8,p=1$!!!$!!!",
                                 "scrypt$n=1073741824,r=8,p=1$dSZn93Ak6ghq85ekP5fA7Q==$Q5mJ0/OfXvPVABlzW3xUHqqNdiX+rYPY6kWm4V5Lx7s=",
                                 "scrypt$n=1000,r=8,p=1$dSZn93Ak6ghq85ekP5fA7Q==$Q5mJ0/OfXvPVABlzW3xUHqqNdiX+rYPY6kWm4V5Lx7s="])
def test_malformed_or_unsafe_hashes_never_match(bad: str) -> None:
    assert not is_pin_hash(bad)
    assert not verify_pin("1234", bad)


def test_non_string_pin_does_not_match() -> None:
    assert not verify_pin(1234, DEMO_PIN_HASH)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["123", "1234567890123", "12a4", "", " 1234", 1234])
def test_only_digit_pins_can_be_set(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="4 to 12 digits"):
        hash_pin(bad)


def test_key_comparison_is_constant_time() -> None:
    tree = ast.parse(inspect.getsource(pin.verify_pin))
    calls = {n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
    assert "compare_digest" in calls
    assert not any(isinstance(n, ast.Compare) and any(isinstance(op, ast.Eq) for op in n.ops)
                   for n in ast.walk(tree))
