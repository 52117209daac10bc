"""Standard Webhooks signing: the published vector, and every way verification must refuse."""
from __future__ import annotations

import base64

import pytest

from sync.errors import SyncError
from sync.record.signing import SignatureError, new_secret, secret_key, sign, sign_headers, verify

# Published vector of the reference implementation (standard-webhooks/standard-webhooks,
# libraries/python/tests/test_webhooks.py::test_sign_function).
VEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VEC_TS = 1614265330
VEC_BODY = '{"test": 2432232314}'
VEC_SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def _headers(sig: str = VEC_SIG, ts: int = VEC_TS, mid: str = VEC_ID) -> dict[str, str]:
    return {"webhook-id": mid, "webhook-timestamp": str(ts), "webhook-signature": sig}


def test_published_vector_signs() -> None:
    assert sign(VEC_SECRET, VEC_ID, VEC_TS, VEC_BODY) == VEC_SIG
    assert sign(VEC_SECRET, VEC_ID, VEC_TS, VEC_BODY.encode()) == VEC_SIG
    # the bare base64 form (no whsec_ prefix) is the same key
    assert sign(VEC_SECRET[6:], VEC_ID, VEC_TS, VEC_BODY) == VEC_SIG


def test_published_vector_verifies() -> None:
    msg = verify(VEC_SECRET, _headers(), VEC_BODY, now=VEC_TS + 10)
    assert (msg.msg_id, msg.timestamp) == (VEC_ID, VEC_TS)


def test_header_names_are_case_insensitive() -> None:
    headers = {k.title(): v for k, v in _headers().items()}
    assert verify(VEC_SECRET, headers, VEC_BODY, now=VEC_TS).msg_id == VEC_ID


def test_multiple_signatures_one_valid() -> None:
    other = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
    sigs = " ".join([other, "v2," + other[3:], "garbage", VEC_SIG, other])
    assert verify(VEC_SECRET, _headers(sig=sigs), VEC_BODY, now=VEC_TS).msg_id == VEC_ID


@pytest.mark.parametrize("case,reason", [
    ("tampered_body", "no_match"),
    ("wrong_secret", "no_match"),
    ("changed_id", "no_match"),
    ("last_char_flipped", "no_match"),
    ("too_old", "timestamp_too_old"),
    ("too_new", "timestamp_too_new"),
    ("missing_id", "missing_header"),
    ("missing_sig", "missing_header"),
    ("bad_ts", "bad_timestamp"),
])
def test_refusals(case: str, reason: str) -> None:
    secret, headers, body, now = VEC_SECRET, _headers(), VEC_BODY, VEC_TS
    if case == "tampered_body":
        body = '{"test": 2432232315}'
    elif case == "wrong_secret":
        secret = new_secret()
    elif case == "changed_id":
        headers["webhook-id"] = "msg_other"
    elif case == "last_char_flipped":  # the reference test's near-miss signature
        headers["webhook-signature"] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="
    elif case == "too_old":
        now = VEC_TS + 301
    elif case == "too_new":
        now = VEC_TS - 301
    elif case == "missing_id":
        del headers["webhook-id"]
    elif case == "missing_sig":
        del headers["webhook-signature"]
    elif case == "bad_ts":
        headers["webhook-timestamp"] = "hello"
    with pytest.raises(SignatureError) as info:
        verify(secret, headers, body, now=now)
    assert info.value.reason == reason
    assert isinstance(info.value, SyncError)


def test_tolerance_boundary_is_inclusive() -> None:
    assert verify(VEC_SECRET, _headers(), VEC_BODY, now=VEC_TS + 300).timestamp == VEC_TS
    assert verify(VEC_SECRET, _headers(), VEC_BODY, now=VEC_TS - 300).timestamp == VEC_TS


def test_new_secret_round_trip() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(secret_key(secret)) == 24
    assert new_secret() != secret
    body = b'{"leads": []}'
    headers = sign_headers(secret, body)
    assert headers["webhook-id"].startswith("msg_")
    assert verify(secret, headers, body).msg_id == headers["webhook-id"]
    assert sign_headers(secret, body)["webhook-id"] != headers["webhook-id"]


def test_bad_secret_is_a_signature_error() -> None:
    with pytest.raises(SignatureError) as info:
        secret_key("whsec_not base64!!")
    assert info.value.reason == "bad_secret"
    with pytest.raises(SignatureError):
        secret_key("whsec_")
    assert secret_key(base64.b64encode(b"k" * 30).decode().rstrip("=")) == b"k" * 30
