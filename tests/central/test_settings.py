"""The central config file: errors name the file, the key path and what was expected; routing
picks the first matching rule, else the default owner."""
from __future__ import annotations

from pathlib import Path

import pytest

from central.errors import ConfigError
from central.notify.routing import recipients
from central.settings import load_settings, parse_settings

GOOD = """
[smtp]
host = "mail.example.com"
port = 587
from = "leadkiosk@example.com"
security = "starttls"
username = "mailer"
password_env = "T_SMTP_PW"

[chat]
webhook_url = "https://hooks.example.com/T0/B0/x"

[territories]
DACH = ["DE", "AT", "CH"]

[[routing.rules]]
name = "dach analytics"
territories = ["DACH"]
product_interest = ["analytics"]
email = ["dach-analytics@example.com"]

[[routing.rules]]
name = "dach"
countries = ["LI"]
territories = ["DACH"]
email = ["dach@example.com"]
chat = true

[routing.default]
email = ["sales@example.com"]
"""


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "central.toml"
    p.write_text(text)
    return p


def test_good_config_and_routing(tmp_path):
    s = load_settings(_write(tmp_path, GOOD), env={"T_SMTP_PW": "pw"})
    assert s.smtp.port == 587 and s.smtp.password == "pw" and s.smtp.security == "starttls"
    r = lambda **kw: recipients(s, show_id="expo", **({"country": None, "product_interest": None} | kw))  # noqa: E731
    assert r(country="de", product_interest="analytics, crm_sync") == [("email", "dach-analytics@example.com")]
    assert r(country="AT", product_interest="crm_sync") == [("email", "dach@example.com"),
                                                            ("chat", "https://hooks.example.com/T0/B0/x")]
    assert r(country="LI") == [("email", "dach@example.com"), ("chat", "https://hooks.example.com/T0/B0/x")]
    assert r(country="US") == [("email", "sales@example.com")]
    assert r() == [("email", "sales@example.com")]


@pytest.mark.parametrize("text, key, expected", [
    (GOOD.replace('port = 587', 'port = "587"'), "smtp.port", "a number"),
    (GOOD.replace('security = "starttls"', 'security = "tls"'), "smtp.security", "one of none, starttls, ssl"),
    (GOOD.replace('territories = ["DACH"]\nproduct', 'territories = ["EMEA"]\nproduct'),
     "routing.rules[0].territories[0]", "a territory defined in [territories]"),
    (GOOD.replace('email = ["dach@example.com"]', 'email = ["not-an-address"]'),
     "routing.rules[1].email[0]", "e-mail addresses"),
    (GOOD.replace('[routing.default]', '[routing.defualt]'), "routing.defualt", "one of the known keys"),
    (GOOD + '\n[smpt]\nhost = "x"\n', "smpt", "one of the known tables"),
    (GOOD.replace('password_env = "T_SMTP_PW"', 'password_env = "T_UNSET_VAR"'), "smtp.password_env",
     "T_UNSET_VAR is not set"),
    (GOOD.replace('host = "mail.example.com"\n', ''), "smtp.host", "required"),
    ("[[routing.rules]]\nname = 'x'\n", "routing.rules[0]", "at least one recipient"),
    ("[routing.default]\nchat = true\n", "routing.default.chat", "webhook_url"),
    ("smtp = [", "(file)", "valid TOML"),
    ("[routing.default]\nemail = ['a@example.com']\n", "smtp", "the routing rules send e-mail"),
])
def test_errors_name_file_key_and_expectation(tmp_path, text, key, expected):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={"T_SMTP_PW": "pw"})
    msg = str(info.value)
    assert msg.startswith(str(path)) and f": {key}:" in msg and expected in msg, msg


def test_every_problem_is_reported_at_once(tmp_path):
    """Three mistakes in three tables: one error names all three (file, key path, expectation), so
    an operator fixes them in one go instead of a fix-one-rerun loop."""
    text = (GOOD.replace('port = 587', 'port = "587"')
            .replace('security = "starttls"', 'security = "tls"')
            .replace('email = ["dach@example.com"]', 'email = ["not-an-address"]')
            + '\n[smpt]\nhost = "x"\n')
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={"T_SMTP_PW": "pw"})
    msg = str(info.value)
    assert msg.startswith(f"{path}: 4 problems:"), msg
    keys = [key for key, _ in info.value.problems]
    assert keys == ["smpt", "smtp.security", "smtp.port", "routing.rules[1].email[0]"], msg
    for key, expected in [("smpt", "one of the known tables"), ("smtp.security", "one of none, starttls, ssl"),
                          ("smtp.port", "a number from 1 to 65535"), ("routing.rules[1].email[0]", "e-mail addresses")]:
        line = next(line for line in msg.splitlines() if line.strip().startswith(f"{key}:"))
        assert expected in line, msg
    # the first problem stays where single-problem callers look
    assert info.value.key_path == "smpt"


def test_several_problems_in_one_route_do_not_cascade():
    """A rule whose only recipient is misspelt gets that problem, not also 'no recipient'."""
    with pytest.raises(ConfigError) as info:
        parse_settings({"routing": {"rules": [{"name": "x", "chat": True, "territories": ["NOPE"], "shows": 3}]}},
                       "<t>", {})
    assert [k for k, _ in info.value.problems] == ["routing.rules[0].chat", "routing.rules[0].territories[0]",
                                                   "routing.rules[0].shows"], str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="an existing TOML file"):
        load_settings(tmp_path / "nope.toml")


def test_admin_token_from_env():
    s = parse_settings({"admin": {"token_env": "T_ADM"}}, "<t>", {"T_ADM": "s3cret"})
    assert s.admin_token_ok("s3cret") and not s.admin_token_ok("s3cre") and not s.admin_token_ok(None)
    assert not load_settings(None, env={}).admin_token_sha256


def test_check_config_cli(tmp_path, capsys, monkeypatch):
    from kiosk.cli import main
    monkeypatch.setenv("T_SMTP_PW", "pw")
    assert main(["central", "check-config", str(_write(tmp_path, GOOD))]) == 0
    assert "2 routing rule(s)" in capsys.readouterr().out
    bad = _write(tmp_path, GOOD.replace("port = 587", "port = 0"))
    assert main(["central", "check-config", str(bad)]) == 1
    assert "smtp.port: a number from 1 to 65535, got 0" in capsys.readouterr().err
