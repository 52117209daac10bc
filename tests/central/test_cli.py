"""The ``leadkiosk central`` commands against a real database file."""
from __future__ import annotations

import csv
import json

from central_test_support import make_lead


def _ingest(db_url, *leads):  # type: ignore[no-untyped-def]
    """Store leads through the real ingest path (what the API does after authentication)."""
    from central.db import Database
    from central.devices import authenticate, enroll, new_enrollment_code
    from central.ingest import ingest_batch
    from central.migrate import upgrade
    from central.settings import Settings
    from central.timeutil import utcnow
    db = Database(db_url)
    upgrade(db)
    creds = enroll(db, new_enrollment_code(db, "expo"), "booth-1")
    with db.begin() as conn:
        device = authenticate(conn, f"Bearer {creds['token']}")
    out = ingest_batch(db, device, list(leads), Settings(), now=utcnow())
    db.dispose()
    return creds, out


def test_enroll_code_leads_json_and_export(sqlite_url, tmp_path, capsys):
    from kiosk.cli import main
    assert main(["central", "enroll-code", "--db", sqlite_url, "--show", "fair"]) == 0
    code = capsys.readouterr().out.strip()
    assert len(code) == 14 and code.count("-") == 2
    hot, nurture = make_lead(tag="hot"), make_lead(tag="nurture", email_="=HYPERLINK(\"x\")")
    creds, out = _ingest(sqlite_url, hot, nurture)
    assert [r["status"] for r in out.results] == ["stored", "stored"]
    assert main(["central", "leads", "--db", sqlite_url, "--show", "expo", "--json"]) == 0
    leads = json.loads(capsys.readouterr().out)
    assert {x["id"] for x in leads} == {hot["id"], nurture["id"]}
    one = next(x for x in leads if x["id"] == hot["id"])
    assert one["version"] == 1 and one["tag"] == "hot" and one["discarded"] is False
    assert one["contact"]["first_name"] == "Grace" and one["kiosk_id"] == "booth-1"
    assert one["device_id"] == creds["device_id"] and one["device_name"] == "booth-1"
    out_csv = tmp_path / "nurture.csv"
    assert main(["central", "export-nurture", "--db", sqlite_url, "--show", "expo", "--out", str(out_csv)]) == 0
    assert "1 nurture lead(s)" in capsys.readouterr().out
    rows = list(csv.DictReader(out_csv.open()))
    assert [r["lead_id"] for r in rows] == [nurture["id"]]
    assert rows[0]["email"].startswith("'=")              # formula injection neutralised
    assert main(["central", "devices", "--db", sqlite_url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["name"] == "booth-1"
    assert main(["central", "devices", "--db", sqlite_url]) == 0   # for people: no Python dict
    line = capsys.readouterr().out.strip()
    assert "booth-1" in line and "{" not in line and "'" not in line, line


def test_show_config_validates_and_serves(sqlite_url, tmp_path, capsys, repo_root):
    from kiosk.cli import main
    form = tmp_path / "form.yaml"
    form.write_text((repo_root / "forms" / "bant.yaml").read_text())
    badge = tmp_path / "badge.yaml"
    badge.write_text("id: custom\n")
    roster = tmp_path / "roster.csv"
    roster.write_text("registration_id,first_name\nR1,Ada\n")
    show_yaml = tmp_path / "show.yaml"
    show_yaml.write_text("name: Fair 2026\ndestinations:\n  - {name: central, kind: central}\n"
                         "  - {name: n8n, kind: webhook, url: 'http://127.0.0.1:9/x', secret_env: WEBHOOK_SECRET}\n")
    assert main(["central", "show-config", "--db", sqlite_url, "--show", "fair", "--form", str(form),
                 "--badge", str(badge), "--roster", str(roster), "--show-yaml", str(show_yaml)]) == 0
    assert "etag" in capsys.readouterr().out
    from central.db import Database
    from central.shows import served_config
    db = Database(sqlite_url)
    with db.begin() as conn:
        cfg = served_config(conn, "fair")
    assert cfg["show"]["name"] == "Fair 2026" and cfg["badge_yaml"] == "id: custom\n"
    assert [d["name"] for d in cfg["destinations"]] == ["central", "n8n"] and "R1,Ada" in cfg["roster_csv"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: broken\nsections: 5\n")
    assert main(["central", "show-config", "--db", sqlite_url, "--show", "fair", "--form", str(bad)]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and "valid form definition" in err
    with db.begin() as conn:
        assert served_config(conn, "fair")["etag"] == cfg["etag"]   # a bad form changes nothing
    db.dispose()


def test_migrate_command(sqlite_url, capsys):
    from kiosk.cli import main
    assert main(["central", "migrate", "--db", sqlite_url]) == 0
    from central.migrate import head_revisions
    out = capsys.readouterr().out
    assert all(h in out for h in head_revisions()), out


def test_bad_db_url_is_one_clear_line(capsys):
    from kiosk.cli import main
    assert main(["central", "leads", "--db", "mysql://x@y/z", "--json"]) == 1
    assert "sqlite:// or postgresql://" in capsys.readouterr().err
