"""Destinations from the show config: validation names file, key path and expectation; secrets
come from the environment or central.json, never from the show file."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from kiosk.store import MemoryLeadStore
from kiosk.sync_wiring import load_destinations
from sync.config import parse_destinations
from sync.enrollment import CentralCredentials, load_credentials, save_credentials
from sync.errors import DestinationConfigError
from sync.record.signing import new_secret
from sync.worker import SyncWorker

GOOD = [
    {"name": "central", "kind": "central"},
    {"name": "hubspot", "kind": "hubspot", "token_env": "HUBSPOT_TOKEN", "base_url": "https://api.hubapi.com",
     "max_requests_per_10s": 90},
    {"name": "salesforce", "kind": "salesforce", "login_url": "https://acme.my.salesforce.com",
     "client_id_env": "SF_CLIENT_ID", "client_secret_env": "SF_CLIENT_SECRET",
     "external_id_field": "Leadkiosk_Id__c", "lead_source": "Trade Show",
     "custom_fields": {"score": "Leadkiosk_Score__c"}},
    {"name": "n8n", "kind": "webhook", "url": "https://n8n.example.com/webhook/leads", "secret_env": "WEBHOOK_SECRET"},
]


def _write_show(data: Path, show_id: str, destinations: list) -> Path:
    d = data / "shows" / show_id
    d.mkdir(parents=True)
    (d / "show.yaml").write_text(yaml.safe_dump({"id": show_id, "name": "Fair", "destinations": destinations}))
    (data / "kiosk.toml").write_text(f'show = "{show_id}"\n')
    return d / "show.yaml"


def test_good_config_parses() -> None:
    specs = parse_destinations(GOOD, source="shows/fair/show.yaml")
    assert [(s.name, s.kind) for s in specs] == [("central", "central"), ("hubspot", "hubspot"),
                                                ("salesforce", "salesforce"), ("n8n", "webhook")]


def test_errors_name_file_key_path_and_expectation() -> None:
    bad = [
        {"name": "central", "kind": "central"},
        {"name": "central", "kind": "hubspot", "token": "pat-na1-secret!"},
        {"name": "SF", "kind": "salesforce", "login_url": "http://evil.example.com", "client_id_env": "X",
         "client_secret_env": "Y", "external_id_field": "Leadkiosk_Id", "batch_size": 500},
        {"name": "wh", "kind": "webhook", "url": "https://x.example.com/h"},
        {"name": "x", "kind": "ftp"},
        "central",
    ]
    with pytest.raises(DestinationConfigError) as info:
        parse_destinations(bad, source="/data/shows/fair/show.yaml")
    msg = str(info.value)
    for expected in [
        "/data/shows/fair/show.yaml: destinations[1].name: expected a unique name; 'central' is used twice",
        "destinations[1].token: secrets must not be in the show file",
        "destinations[1].token_env: expected the name of the environment variable",
        "destinations[2].name: expected a short lower-case name",
        "destinations[2].login_url: expected https://",
        "destinations[2].external_id_field: expected a custom External ID field API name ending in __c",
        "destinations[2].batch_size: expected an integer 1..200",
        "destinations[3].secret_env: expected the name of the environment variable",
        "destinations[4].kind: expected one of central, hubspot, salesforce, webhook",
        "destinations[5]: expected a mapping with name and kind",
    ]:
        assert expected in msg, f"missing {expected!r} in:\n{msg}"
    assert "pat-na1-secret" not in msg  # a misplaced secret is never echoed back
    with pytest.raises(DestinationConfigError, match="show.yaml: destinations: expected a list"):
        parse_destinations({"name": "central"}, source="show.yaml")


def test_missing_secret_disables_only_that_destination(tmp_path: Path) -> None:
    _write_show(tmp_path, "fair", GOOD[1:])
    env = {"SF_CLIENT_ID": "id", "SF_CLIENT_SECRET": "secret", "WEBHOOK_SECRET": new_secret()}
    transports, note = load_destinations(tmp_path, env=env)
    kinds = {t.name: type(t).__name__ for t in transports}
    assert kinds == {"hubspot": "UnavailableTransport", "salesforce": "SalesforceTransport",
                     "n8n": "WebhookTransport"}
    assert "shows/fair/show.yaml" in note
    worker = SyncWorker(store=MemoryLeadStore(), destinations=transports)
    st = worker.status()["destinations"]["hubspot"]
    assert st["state"] == "not_configured" and "HUBSPOT_TOKEN" in st["last_error"]


def test_secret_from_central_json_and_enrollment_adds_central(tmp_path: Path) -> None:
    _write_show(tmp_path, "fair", [GOOD[1]])
    save_credentials(tmp_path, CentralCredentials(url="https://central.example.com", device_id="d1", token="t",
                                                  signing_secret=new_secret(), show_id="fair"))
    raw = json.loads((tmp_path / "central.json").read_text())
    raw["secrets"] = {"HUBSPOT_TOKEN": "pat-from-central-json"}
    (tmp_path / "central.json").write_text(json.dumps(raw))
    transports, _ = load_destinations(tmp_path, env={})
    assert [(t.name, t.kind) for t in transports] == [("central", "central"), ("hubspot", "hubspot")]
    assert transports[1].token == "pat-from-central-json"
    assert transports[0].client.verify is True  # TLS verification on by default


def test_central_json_is_private_and_validated(tmp_path: Path) -> None:
    path = save_credentials(tmp_path, CentralCredentials(url="https://c", device_id="d", token="t",
                                                         signing_secret=new_secret()))
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_credentials(tmp_path).device_id == "d"
    path.write_text('{"url": "https://c", "device_id": "d"}')
    with pytest.raises(DestinationConfigError, match=r"central.json: token, signing_secret: expected a non-empty string"):
        load_credentials(tmp_path)


def test_demo_show_without_enrollment_has_no_destinations(tmp_path: Path) -> None:
    transports, note = load_destinations(tmp_path, env={})
    assert transports == [] and "demo" in note


