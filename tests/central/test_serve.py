"""``leadkiosk central serve`` as a real process tree: several uvicorn processes on PostgreSQL with
the notify-worker child woken by NOTIFY, and the single-process SQLite default; a hot lead sent to
either arrives as an e-mail on the loopback SMTP server."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import requests

from central_test_support import make_lead
from tests.support.waiting import wait_until


def _serve(url: str, port: int, config, extra: list[str]) -> subprocess.Popen:  # type: ignore[no-untyped-def]
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "central", "serve", "--db", url, "--port", str(port),
                             "--config", str(config), *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))
    def healthy() -> bool:
        if proc.poll() is not None:
            raise AssertionError(proc.stdout.read().decode())
        try:
            return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok
        except requests.RequestException:
            return False
    try:
        wait_until(healthy, interval=0.2, what="central serve to answer /healthz")
    except AssertionError:
        proc.kill()
        raise
    return proc


def _stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out.decode(errors="replace")


@pytest.mark.slow
@pytest.mark.parametrize("kind, extra", [("sqlite", []),
                                         pytest.param("postgres", ["--workers", "2"], marks=pytest.mark.postgres)])
def test_serve_end_to_end(kind, extra, tmp_path, smtp_server, request):  # type: ignore[no-untyped-def]
    from kiosk.cli import main
    from leadkiosk_test_pg import free_port
    from sync.record.signing import sign_headers
    url = f"sqlite:///{tmp_path / 'c.db'}" if kind == "sqlite" else request.getfixturevalue("pg_url")
    config = tmp_path / "central.toml"
    config.write_text(f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nfrom = "lk@example.com"\n'
                      '[routing.default]\nemail = ["owner@example.com"]\n')
    port = free_port()
    proc = _serve(url, port, config, extra)
    try:
        base = f"http://127.0.0.1:{port}"
        codes = []
        import io
        from contextlib import redirect_stdout
        for _ in range(2):
            buf = io.StringIO()
            with redirect_stdout(buf):
                assert main(["central", "enroll-code", "--db", url, "--show", "expo"]) == 0
            codes.append(buf.getvalue().strip())
        creds = [requests.post(base + "/api/v1/enroll", json={"code": c, "kiosk_name": f"k{i}"}, timeout=10).json()
                 for i, c in enumerate(codes)]
        hot = make_lead(tag="hot", notes="served")
        for c, lead in zip(creds, [hot, make_lead(tag="warm")]):
            body = json.dumps({"leads": [lead]}).encode()
            r = requests.post(base + "/api/v1/leads:batch", data=body, timeout=10,
                              headers=sign_headers(c["signing_secret"], body) | {"Authorization": f"Bearer {c['token']}"})
            assert r.json()["results"][0]["status"] == "stored", r.text
        msgs = smtp_server.wait_for(1, timeout=15)
        assert len(msgs) == 1 and msgs[0].rcpt_tos == ["owner@example.com"]
        assert msgs[0].message["X-Leadkiosk-Lead"] == hot["id"]
        # config served with an etag by whichever process answers
        etags = {requests.get(base + "/api/v1/config", headers={"Authorization": f"Bearer {creds[0]['token']}"},
                              timeout=10).headers["etag"] for _ in range(4)}
        assert len(etags) == 1
    finally:
        out = _stop(proc)
    time.sleep(0.3)
    assert len(smtp_server.messages) == 1, out
