"""The README walk-through as a test: central serving on loopback, a kiosk enrolled with
``leadkiosk enroll``, a hot lead captured with ``leadkiosk capture`` and sent by ``leadkiosk sync``
(the sync area's real client), the e-mail accepted by the loopback SMTP server. Checks that the two
sides of the wire protocol agree."""
from __future__ import annotations

import io
import json
import threading
from contextlib import redirect_stdout

import pytest
from tests.support.waiting import wait_until

HOT = {"contact": {"first_name": "Grace", "last_name": "Hopper", "company": "Navy", "email": "grace@example.com",
                   "country": "DE"},
       "answers": {"budget": "approved", "authority": "decision_maker", "need": "critical",
                   "product_interest": ["crm_sync"], "timing": "0_3_months", "evaluated_competitors": True,
                   "role": "buyer", "follow_up": "demo", "consent": True},
       "notes": "wants a demo next week", "staff": "Ana"}


def _cli(*argv: str, stdin: str | None = None) -> tuple[int, str]:
    import sys

    from kiosk.cli import main
    out = io.StringIO()
    old = sys.stdin
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        with redirect_stdout(out):
            code = main(list(argv))
    finally:
        sys.stdin = old
    return code, out.getvalue()


@pytest.mark.slow
def test_enroll_capture_sync_email(sqlite_url, tmp_path, smtp_server, settings, monkeypatch):
    import uvicorn

    from central.app import create_app
    from leadkiosk_test_pg import free_port
    monkeypatch.delenv("LEADKIOSK_DATA", raising=False)
    app = create_app(sqlite_url, settings, start_worker=True, web=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, what="uvicorn to start")
    try:
        rc, code = _cli("central", "enroll-code", "--db", sqlite_url, "--show", "expo2026", "--name", "Expo 2026")
        assert rc == 0
        data = tmp_path / "kiosk"
        rc, out = _cli("enroll", f"http://127.0.0.1:{port}", code.strip(), "--data", str(data), "--name", "booth-1")
        assert rc == 0, out
        rc, out = _cli("capture", "--data", str(data), stdin=json.dumps(HOT) + "\n")
        assert rc == 0, out
        lead_id = out.strip().splitlines()[-1]
        rc, out = _cli("sync", "--data", str(data), "--once")
        assert rc == 0, out
        msgs = smtp_server.wait_for(1, timeout=15)
        assert len(msgs) == 1 and msgs[0].rcpt_tos == ["dach@example.com"]   # routed by territory (DE)
        assert msgs[0].message["X-Leadkiosk-Lead"] == lead_id
        body = msgs[0].message.get_body(("plain",)).get_content()
        assert "wants a demo next week" in body and "Follow-up asked for: Book a demo" in body
        assert msgs[0].message["Subject"].endswith(" - Expo 2026")       # the show's name, not its id
        rc, out = _cli("central", "leads", "--db", sqlite_url, "--show", "expo2026", "--json")
        stored = json.loads(out)
        assert [x["id"] for x in stored] == [lead_id] and stored[0]["tag"] == "hot"
        assert stored[0]["device_name"] == "booth-1"
    finally:
        server.should_exit = True
        thread.join(20)
