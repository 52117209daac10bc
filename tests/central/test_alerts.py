"""Hot-lead alerts as a rep reads them, through the real ingest, worker and a real SMTP server
(aiosmtpd): subject with the show's name, consent, form labels, the link from [review] base_url,
the time in the show's time zone, escaping of hostile names (CR/LF, markup, Slack ``<!channel>``),
one alert per visitor per show and replies in the same thread."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest

from central_test_support import settings_for  # type: ignore[import-not-found]
from tests.support.waiting import wait_until

BASE = "https://leads.example.com"


def _settings(port: int | None, **extra: Any):  # type: ignore[no-untyped-def]
    return settings_for(port, review={"base_url": BASE}, **extra)


@pytest.fixture
def app_client(sqlite_url, smtp_server) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from central.app import create_app
    app = create_app(sqlite_url, _settings(smtp_server.port), start_worker=True, web=False)
    with TestClient(app) as c:
        yield c


def _show(client: Any, show_id: str = "expo", name: str = "Expo 2026", tz: str = "Europe/Berlin") -> None:
    from central.shows import set_config
    with client.app.state.db.write() as conn:
        set_config(conn, show_id, name=name, show={"timezone": tz})


def _kiosk(client: Any, name: str, show_id: str = "expo"):  # type: ignore[no-untyped-def]
    from central.devices import new_enrollment_code
    from central_test_support import Kiosk  # type: ignore[import-not-found]
    code = new_enrollment_code(client.app.state.db, show_id)
    d = client.post("/api/v1/enroll", json={"code": code, "kiosk_name": name}).json()
    return Kiosk(client, d["device_id"], d["token"], d["signing_secret"], d["show_id"])


def _plain(msg: Any) -> str:
    return msg.get_body(("plain",)).get_content()


def _html(msg: Any) -> str:
    return msg.get_body(("html",)).get_content()


def test_alert_content_escaped_localised_and_linked(app_client, smtp_server, lead):
    _show(app_client)
    k = _kiosk(app_client, "Hall 3 <east>")
    hot = lead(tag="hot", country="DE", captured_at="2026-11-24T10:42:00Z", product=["crm_sync", "analytics"],
               notes="Bring <script>alert(1)</script> pricing\nand a demo")
    hot["contact"].update(first_name="Grace\r\nBcc: evil@example.com", last_name="<!channel>",
                          company="<b>Navy</b> & Co", phone="+1 (555) 0100")
    assert k.send(hot)[0]["status"] == "stored"
    [m] = smtp_server.wait_for(1)
    msg = m.message
    assert msg["Bcc"] is None and m.rcpt_tos == ["dach@example.com"]
    assert msg["Subject"] == "Hot lead: Grace Bcc: evil@example.com <!channel>, <b>Navy</b> & Co - Expo 2026"
    assert msg.get_content_type() == "multipart/alternative"
    text, html = _plain(msg), _html(msg)
    # consent, labels in the rep's language (not ids), time in the show's zone, link to the lead
    assert "Consent: the visitor agreed to be contacted (consent text 2026-1)." in text
    assert "Follow-up asked for: Call me" in text and "Products: CRM integration, Show analytics" in text
    assert "crm_sync" not in text and "info_pack" not in text
    assert "Captured by Ana at kiosk Hall 3 <east>, Tue 24 Nov 2026, 11:42 CET." in text
    assert f"Open the lead: {BASE}/leads/{hot['id']}" in text and f"{BASE}/inbox" in text
    assert "budget approved +30" in text
    # HTML: everything typed is escaped, tap to call and to mail work
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Navy" not in html and "&lt;b&gt;Navy&lt;/b&gt; &amp; Co" in html and "&lt;!channel&gt;" in html
    assert 'href="tel:+15550100"' in html
    assert f'href="mailto:{hot["contact"]["email"]}"' in html
    assert f'href="{BASE}/leads/{hot["id"]}"' in html
    assert "Hall 3 &lt;east&gt;" in html and "11:42 CET" in html


def test_no_consent_is_stated_plainly(app_client, smtp_server, lead):
    _show(app_client, tz="America/New_York")
    k = _kiosk(app_client, "booth-1")
    hot = lead(tag="hot", country="DE", captured_at="2026-07-01T16:00:00Z")
    hot["consent"] = {"given": False, "text_version": "2026-1", "at": hot["captured_at"]}
    k.send(hot)
    [m] = smtp_server.wait_for(1)
    text = _plain(m.message)
    assert "NO CONSENT: the visitor did not agree to be contacted. Do not call, e-mail" in text
    assert "agreed to be contacted" not in text.replace("did not agree", "")
    assert "Wed 01 Jul 2026, 12:00 EDT" in text


def test_one_alert_per_visitor_and_replies_in_the_thread(app_client, smtp_server, lead):
    _show(app_client)
    k1, k2 = _kiosk(app_client, "booth-1"), _kiosk(app_client, "booth-2")
    first = lead(tag="hot", country="DE", email_="grace@example.com")
    first["contact"]["registration_id"] = "REG-1001"
    k1.send(first)
    [root] = smtp_server.wait_for(1)
    # the same person: e-mail in another case at another kiosk; the same registration id, no e-mail
    again = lead(tag="hot", country="DE", email_="GRACE@Example.com")
    by_badge = lead(tag="hot", country="DE", email_="g.hopper@navy.example")
    by_badge["contact"]["registration_id"] = "REG-1001"
    assert k2.send(again)[0]["status"] == "stored"
    assert k1.send(by_badge)[0]["status"] == "stored"
    time.sleep(1.0)
    assert len(smtp_server.messages) == 1
    # a material change (new notes) on the visitor's later capture: a reply in the same thread
    k2.send(dict(again, version=2, notes="asked for pricing for 40 booths"))
    msgs = smtp_server.wait_for(2)
    reply = msgs[1].message
    assert reply["Subject"] == "Re: " + root.message["Subject"]
    assert reply["In-Reply-To"] == root.message["Message-ID"]
    assert reply["References"] == root.message["Message-ID"]
    assert "New notes." in _plain(reply) and "asked for pricing for 40 booths" in _plain(reply)
    # the same version re-sent: nothing more
    k2.send(dict(again, version=2, notes="asked for pricing for 40 booths"))
    time.sleep(0.8)
    assert len(smtp_server.messages) == 2
    # another show is another thread
    _show(app_client, "fair", "Fair 2027")
    _kiosk(app_client, "booth-9", "fair").send(lead("fair", tag="hot", country="DE", email_="grace@example.com"))
    assert smtp_server.wait_for(3)[2].message["In-Reply-To"] is None


def test_raised_in_review_says_who_and_why_then_replies(app_client, smtp_server, lead):
    from central.web import leadedit
    from central.web.hot import enqueue_change
    _show(app_client)
    k = _kiosk(app_client, "booth-1")
    warm = lead(tag="warm", country="DE")
    k.send(warm)
    time.sleep(0.5)
    assert smtp_server.messages == []                 # warm: the DACH rule takes hot leads only
    db = app_client.app.state.db
    settings = app_client.app.state.settings
    from central.timeutil import utcnow
    with db.session(write=True) as s:
        r = leadedit.set_override(s, warm["id"], "hot", actor="mia@example.com", source="web", now=utcnow())
        assert enqueue_change(s, settings, warm["id"], utcnow(), changes=r.changes, actor="mia@example.com",
                              why="met her CTO, budget is signed") == 1
    app_client.app.state.worker.wake()
    [m] = smtp_server.wait_for(1)
    text = _plain(m.message)
    assert "Raised to hot in review by mia@example.com: met her CTO, budget is signed" in text
    assert m.message["Subject"].startswith("Hot lead: ")
    with db.session(write=True) as s:
        r = leadedit.set_notes(s, warm["id"], "CTO wants a call on Monday", actor="mia@example.com", source="web",
                               now=utcnow())
        assert enqueue_change(s, settings, warm["id"], utcnow(), changes=r.changes, actor="mia@example.com") == 1
    app_client.app.state.worker.wake()
    reply = smtp_server.wait_for(2)[1].message
    assert reply["In-Reply-To"] == m.message["Message-ID"] and "CTO wants a call on Monday" in _plain(reply)


class _Sink(BaseHTTPRequestHandler):
    posts: list = []

    def do_POST(self) -> None:  # noqa: N802
        type(self).posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *a) -> None:  # type: ignore[no-untyped-def]
        pass


def test_chat_escapes_slack_markup(sqlite_url, lead):
    from fastapi.testclient import TestClient

    from central.app import create_app
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    _Sink.posts = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        app = create_app(sqlite_url, _settings(None, chat={"webhook_url": url}, routing={"default": {"chat": True}}),
                         start_worker=True, web=False)
        with TestClient(app) as c:
            _show(c)
            hot = lead(tag="hot", notes="<https://evil.example|Open in Salesforce> & <@U123>")
            hot["contact"]["first_name"] = "<!channel>"
            _kiosk(c, "booth-1").send(hot)
            wait_until(lambda: _Sink.posts, what="the chat post")
            [post] = _Sink.posts
            text = post["text"]
            assert "<!channel>" not in text and "&lt;!channel&gt;" in text
            assert "&lt;https://evil.example|Open in Salesforce&gt; &amp; &lt;@U123&gt;" in text
            assert "<https://evil" not in text
            # the one link is ours, to the lead
            assert text.count("<") == 1 and f"<{BASE}/leads/{hot['id']}|Open the lead>" in text
    finally:
        server.shutdown()


def test_base_url_and_show_timezone_are_validated(tmp_path, sqlite_url):
    from central.errors import ConfigError
    from central.settings import parse_settings
    assert parse_settings({"review": {"base_url": "https://leads.example.com/"}}).review_base_url == BASE
    for bad in ("leads.example.com", "https://leads.example.com/?x=1", "javascript:alert(1)", "https://",
                "https://a b.example"):
        with pytest.raises(ConfigError, match="review.base_url"):
            parse_settings({"review": {"base_url": bad}})
    cfg = tmp_path / "central.toml"
    cfg.write_text('[review]\nbase_url = "ftp://x"\n')
    from kiosk.cli import main
    assert main(["central", "check-config", str(cfg)]) != 0
    cfg.write_text('[review]\nbase_url = "https://leads.example.com"\n')
    assert main(["central", "check-config", str(cfg)]) == 0
    # the show's time zone, centrally and on the kiosk
    from central.db import Database
    from central.migrate import upgrade
    from central.shows import set_config
    db = Database(sqlite_url)
    upgrade(db)
    with pytest.raises(ConfigError, match="timezone"):
        with db.write() as conn:
            set_config(conn, "expo", show={"timezone": "Mars/Olympus"})
    from kiosk.config.show import show_from_dict
    from kiosk.errors import ConfigError as KioskConfigError
    assert show_from_dict({"id": "expo", "name": "Expo", "timezone": "Europe/Berlin"}, tmp_path, "show.yaml")
    with pytest.raises(KioskConfigError, match="timezone"):
        show_from_dict({"id": "expo", "name": "Expo", "timezone": "CEST+1"}, tmp_path, "show.yaml")
    db.dispose()


def test_same_visitor_at_two_kiosks_at_once_alerts_once(client, enroll, lead, smtp_server):
    """Two kiosks send the same person in the same instant: the visitor key is claimed by one
    transaction, the other retries and sees it, so sales get one "new hot lead" (SQLite and PostgreSQL)."""
    from sqlalchemy import select

    from central.models import Notification
    k1, k2 = enroll(name="booth-1"), enroll(name="booth-2")
    for round_ in range(3):
        a = lead(tag="hot", country="DE", email_=f"Same.Person{round_}@Example.com")
        b = lead(tag="hot", country="DE", email_=f"same.person{round_}@example.com")
        barrier = threading.Barrier(2)
        results: list = []

        def send(k, x):  # type: ignore[no-untyped-def]
            barrier.wait()
            results.append(k.send(x)[0]["status"])
        threads = [threading.Thread(target=send, args=(k1, a)), threading.Thread(target=send, args=(k2, b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert results == ["stored", "stored"]
    smtp_server.wait_for(3)
    time.sleep(0.8)
    with client.app.state.db.begin() as conn:
        events = conn.execute(select(Notification.event)).scalars().all()
    assert events == ["new", "new", "new"]
    # one e-mail per visitor (a redelivery after a lease ran out on a loaded machine repeats the
    # same Message-ID, which mail systems drop: the documented at-least-once window)
    assert len({m.message["Message-ID"] for m in smtp_server.messages}) == 3
