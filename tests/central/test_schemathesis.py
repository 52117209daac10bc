"""Property-based fuzzing of the API from its own OpenAPI description (schemathesis): whatever the
generated input, the service answers with a 2xx/3xx/4xx, never a 500.

Requests to signed endpoints are signed with a real device's secret most of the time (so the
generated bodies reach the ingest code), and the generated auth headers are kept otherwise (so the
refusal paths are fuzzed too). Examples are bounded to keep the suite fast.
"""
from __future__ import annotations

import json
import random

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from central_test_support import ADMIN_TOKEN, settings_for


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def st_env(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from central.app import create_app
    from central.devices import new_enrollment_code
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('st') / 'central.db'}"
    else:
        url = request.getfixturevalue("postgres_server").create_database()
    app = create_app(url, settings_for(25), web=False)  # SMTP never contacted: no worker runs here
    with TestClient(app, raise_server_exceptions=False) as client:
        code = new_enrollment_code(app.state.db, "expo")
        enr = client.post("/api/v1/enroll", json={"code": code}).json()
        yield app, client, enr


def _check(case, client, enr, rng) -> int:  # type: ignore[no-untyped-def]
    from sync.record.signing import sign_headers
    kw = case.as_transport_kwargs(base_url="http://testserver")
    headers = {k: v for k, v in (kw.get("headers") or {}).items()}
    body: bytes | None = None
    if "json" in kw:
        body = json.dumps(kw["json"]).encode()
    elif kw.get("data") is not None:
        body = kw["data"] if isinstance(kw["data"], bytes) else str(kw["data"]).encode()
    if rng.random() < 0.7:
        admin = "/admin" in case.path or case.path in ("/api/v1/leads", "/api/v1/sales-queue")
        headers["Authorization"] = f"Bearer {ADMIN_TOKEN if admin else enr['token']}"
        if body is not None:
            for h in ("webhook-id", "webhook-timestamp", "webhook-signature"):
                headers.pop(h, None)
            headers.update(sign_headers(enr["signing_secret"], body))
            headers["content-type"] = "application/json"
    resp = client.request(kw["method"], kw["url"], params=kw.get("params"), headers=headers, content=body)
    assert resp.status_code < 500, f"{case.method} {case.path} -> {resp.status_code}: {resp.text[:500]}"
    return resp.status_code


def test_no_server_errors(st_env):  # type: ignore[no-untyped-def]
    """Every operation of the OpenAPI description, 25 generated cases each (positive and negative)."""
    from hypothesis import given
    app, client, enr = st_env
    schema = schemathesis.openapi.from_dict(app.openapi())
    rng = random.Random(7)
    seen = []
    statuses: dict[tuple[str, int], int] = {}
    for result in schema.get_all_operations():
        op = result.ok()
        seen.append(op.label)
        strategy = op.as_strategy(GenerationMode.POSITIVE)
        try:
            strategy = strategy | op.as_strategy(GenerationMode.NEGATIVE)
        except Exception:  # an operation with nothing to negate
            pass

        @given(case=strategy)
        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):  # type: ignore[no-untyped-def]
            key = (op.label, _check(case, client, enr, rng))
            statuses[key] = statuses.get(key, 0) + 1
        run()
    # the signing worked: generated batches reached the ingest code, and refusals were fuzzed too
    assert statuses.get(("POST /api/v1/leads:batch", 200)), statuses
    assert statuses.get(("POST /api/v1/leads:batch", 401)), statuses
    assert "POST /api/v1/leads:batch" in seen and "POST /api/v1/enroll" in seen
