"""Destinations from the show config's ``destinations:`` list, validated, turned into transports.

Secrets never live in the show file (it is pulled from central, copied between kiosks and shown
in the staff area): each destination names environment variables (``token_env``,
``secret_env``, ``client_id_env``, ``client_secret_env``); a variable not set in the environment
is looked up in ``DATA/central.json``'s ``secrets`` object by the same name. Shape errors in the
file raise ``DestinationConfigError`` naming the file, the key path and what was expected; a
secret that is missing at run time only disables that destination (its leads stay queued and the
staff area says why), so a missing CRM token never stops leads reaching central.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from sync.enrollment import central_path, check_central_url, load_credentials
from sync.errors import DestinationConfigError
from sync.problems import Problem, Problems
from sync.transports.base import ItemResult, Transport

log = logging.getLogger("sync.config")

KINDS = ("central", "hubspot", "salesforce", "webhook")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
SECRET_KEYS = {"token", "secret", "client_secret", "password", "api_key", "access_token", "signing_secret"}
COMMON = {"name", "kind", "batch_size", "ca_file", "timeout_s"}
ALLOWED = {
    "central": COMMON | {"url", "insecure"},
    "hubspot": COMMON | {"token_env", "base_url", "id_property", "property_prefix",
                         "max_requests_per_10s", "legal_basis"},
    "salesforce": COMMON | {"login_url", "client_id_env", "client_secret_env", "external_id_field",
                            "api_version", "lead_source", "custom_fields"},
    "webhook": COMMON | {"url", "secret_env"},
}
MAX_BATCH = {"central": 1000, "hubspot": 100, "salesforce": 200, "webhook": 100}


@dataclass
class DestinationSpec:
    """One validated entry of ``destinations:``."""

    name: str
    kind: str
    options: dict[str, Any] = field(default_factory=dict)
    key_path: str = ""


def _destination_error(source: str, problems: list[Problem]) -> DestinationConfigError:
    """One error naming every problem, one ``file: key path: expected`` line each (the staff area
    shows these lines as they are)."""
    exc = DestinationConfigError("\n".join(f"{source}: {path}: {msg}" for path, msg in problems))
    exc.problems = list(problems)  # type: ignore[attr-defined]
    return exc


class _Errors(Problems):
    """``sync.problems.Problems`` with sync's wording (messages say ``expected`` themselves)."""

    def __init__(self, source: str) -> None:
        super().__init__(source, expected_prefix="")

    def raise_if_any(self, make_error: Callable[[str, list[Problem]], Exception] = _destination_error) -> None:
        super().raise_if_any(make_error)


def _is_loopback(url: str) -> bool:
    return bool(re.match(r"^https?://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/|$)", url))


def _check_url(err: _Errors, path: str, value: Any, required: bool) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        err.add(path, "expected an https:// URL")
    elif value.startswith("http://") and not _is_loopback(value):
        err.add(path, "expected https:// (plain http is only allowed to 127.0.0.1 / localhost)")


def parse_destinations(entries: Any, source: str = "show.yaml") -> list[DestinationSpec]:
    """Validate the ``destinations:`` list (already parsed from YAML/JSON); collect every problem
    before raising, so one edit fixes them all."""
    err = _Errors(source)
    if entries is None:
        return []
    if not isinstance(entries, list):
        err.add("destinations", "expected a list of destinations")
        err.raise_if_any()
    specs: list[DestinationSpec] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        base = f"destinations[{i}]"
        if not isinstance(entry, Mapping):
            err.add(base, "expected a mapping with name and kind")
            continue
        name, kind = entry.get("name"), entry.get("kind")
        if not isinstance(name, str) or not NAME_RE.fullmatch(name):
            err.add(f"{base}.name", "expected a short lower-case name (letters, digits, - and _)")
        elif name in seen:
            err.add(f"{base}.name", f"expected a unique name; {name!r} is used twice")
        else:
            seen.add(name)
        if kind not in KINDS:
            err.add(f"{base}.kind", f"expected one of {', '.join(KINDS)}")
            continue
        for key in entry:
            if key in SECRET_KEYS:
                err.add(f"{base}.{key}", "secrets must not be in the show file: name an environment "
                        "variable instead (token_env, secret_env, client_secret_env)")
            elif key not in ALLOWED[kind]:
                err.add(f"{base}.{key}", f"unknown key for kind {kind}; expected one of {', '.join(sorted(ALLOWED[kind]))}")
        bs = entry.get("batch_size")
        if bs is not None and (not isinstance(bs, int) or isinstance(bs, bool) or not 1 <= bs <= MAX_BATCH[kind]):
            err.add(f"{base}.batch_size", f"expected an integer 1..{MAX_BATCH[kind]} ({kind}'s per-call limit)")
        t = entry.get("timeout_s")
        if t is not None and (not isinstance(t, (int, float)) or isinstance(t, bool) or not 1 <= t <= 300):
            err.add(f"{base}.timeout_s", "expected seconds between 1 and 300")
        ca = entry.get("ca_file")
        if ca is not None and not isinstance(ca, str):
            err.add(f"{base}.ca_file", "expected a path to a PEM CA bundle")
        for env_key in ("token_env", "secret_env", "client_id_env", "client_secret_env"):
            v = entry.get(env_key)
            if env_key in ALLOWED[kind] and v is not None and (not isinstance(v, str) or not re.fullmatch(r"^[A-Za-z_][A-Za-z0-9_]*$", v)):
                err.add(f"{base}.{env_key}", "expected an environment variable name")
        if kind == "central":
            _check_url(err, f"{base}.url", entry.get("url"), required=False)
            if "insecure" in entry and not isinstance(entry["insecure"], bool):
                err.add(f"{base}.insecure", "expected true or false")
        elif kind == "hubspot":
            if not entry.get("token_env"):
                err.add(f"{base}.token_env", "expected the name of the environment variable holding the private-app token")
            _check_url(err, f"{base}.base_url", entry.get("base_url"), required=False)
            m = entry.get("max_requests_per_10s")
            if m is not None and (not isinstance(m, int) or isinstance(m, bool) or not 1 <= m <= 1000):
                err.add(f"{base}.max_requests_per_10s", "expected an integer 1..1000 (your HubSpot tier's burst limit)")
            for k in ("id_property", "property_prefix", "legal_basis"):
                if entry.get(k) is not None and not isinstance(entry.get(k), str):
                    err.add(f"{base}.{k}", "expected a string")
        elif kind == "salesforce":
            _check_url(err, f"{base}.login_url", entry.get("login_url"), required=True)
            for k in ("client_id_env", "client_secret_env"):
                if not entry.get(k):
                    err.add(f"{base}.{k}", "expected the name of an environment variable")
            ext = entry.get("external_id_field", "Leadkiosk_Id__c")
            if not isinstance(ext, str) or not re.fullmatch(r"^[A-Za-z][A-Za-z0-9_]*__c$", ext):
                err.add(f"{base}.external_id_field", "expected a custom External ID field API name ending in __c")
            av = entry.get("api_version")
            if av is not None and (not isinstance(av, str) or not re.fullmatch(r"^v?\d{2,3}\.\d$", av)):
                err.add(f"{base}.api_version", "expected a version like v60.0")
            cf = entry.get("custom_fields")
            if cf is not None and (not isinstance(cf, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in cf.items())):
                err.add(f"{base}.custom_fields", "expected a mapping like {score: Leadkiosk_Score__c}")
            if entry.get("lead_source") is not None and not isinstance(entry.get("lead_source"), str):
                err.add(f"{base}.lead_source", "expected a picklist value (string)")
        elif kind == "webhook":
            _check_url(err, f"{base}.url", entry.get("url"), required=True)
            if not entry.get("secret_env"):
                err.add(f"{base}.secret_env", "expected the name of the environment variable holding the whsec_ secret")
        if isinstance(name, str) and kind in KINDS:
            specs.append(DestinationSpec(name=name, kind=kind, key_path=base,
                                         options={k: v for k, v in entry.items() if k not in ("name", "kind")}))
    err.raise_if_any()
    return specs


class UnavailableTransport:
    """A configured destination that cannot work yet (kiosk not enrolled, secret not set): its
    leads stay queued and the staff area shows ``reason``."""

    def __init__(self, name: str, kind: str, reason: str):
        self.name, self.kind, self.reason = name, kind, reason
        self.max_batch = 1

    def send(self, leads: Sequence[dict]) -> list[ItemResult]:
        raise DestinationConfigError(self.reason)

    def close(self) -> None:
        pass


def _secret(env_name: str, data_dir: Path, env: Mapping[str, str]) -> str | None:
    if env.get(env_name):
        return env[env_name]
    try:
        raw = json.loads(central_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = (raw.get("secrets") or {}).get(env_name) if isinstance(raw, dict) else None
    return value if isinstance(value, str) and value else None


def _timeout(opts: Mapping[str, Any]) -> tuple[float, float]:
    return (5.0, float(opts.get("timeout_s") or 30.0))


def build_transports(specs: Sequence[DestinationSpec], data_dir: Path,
                     env: Mapping[str, str] | None = None,
                     clock: Callable[[], float] = time.time) -> list[Transport]:
    """Transports for validated specs. Only here do secrets get read. ``clock`` (epoch seconds)
    is what central and webhook requests are signed and stamped with."""
    env = os.environ if env is None else env
    data_dir = Path(data_dir)
    out: list[Transport] = []
    for spec in specs:
        transport = _build_one(spec, data_dir, env, clock)
        # what reconfigure() compares: same settings -> the running transport is kept (its OAuth
        # token, its rate-limit window); secrets enter only as a fingerprint
        secrets = [_secret(spec.options[k], data_dir, env) or "" for k in
                   ("token_env", "secret_env", "client_id_env", "client_secret_env") if k in spec.options]
        path = central_path(data_dir)
        creds = path.read_bytes() if spec.kind == "central" and path.exists() else b""
        transport.spec_key = hashlib.sha256(  # type: ignore[attr-defined]
            json.dumps([spec.kind, spec.options, secrets, type(transport).__name__], sort_keys=True,
                       default=str).encode() + creds).hexdigest()
        out.append(transport)
    return out


def _build_one(spec: DestinationSpec, data_dir: Path, env: Mapping[str, str],
               clock: Callable[[], float] = time.time) -> Transport:
    o = spec.options
    verify: bool | str = o.get("ca_file") or True
    missing = [o[k] for k in ("token_env", "secret_env", "client_id_env", "client_secret_env")
               if k in o and not _secret(o[k], data_dir, env)]
    if missing:
        return UnavailableTransport(spec.name, spec.kind, f"{spec.name}: environment variable "
                                    f"{', '.join(missing)} not set (nor in central.json secrets)")
    if spec.kind == "central":
        creds = load_credentials(data_dir)
        if creds is None:
            return UnavailableTransport(spec.name, "central", "not enrolled: run `leadkiosk enroll URL CODE`")
        from sync.transports.central import CentralTransport
        if o.get("url"):
            creds.url = o["url"]
        if o.get("ca_file"):
            creds.ca_file = o["ca_file"]
        if o.get("insecure"):
            creds.insecure = True
        try:  # a hand-edited central.json must not send leads in clear either
            warning = check_central_url(creds.url, creds.allow_plain_http)
        except DestinationConfigError as exc:
            return UnavailableTransport(spec.name, "central", str(exc))
        if warning:
            log.warning(warning)
        return CentralTransport(creds, name=spec.name, max_batch=o.get("batch_size") or 1000,
                                timeout=_timeout(o), clock=clock)
    if spec.kind == "hubspot":
        from sync.transports.hubspot import HubSpotTransport
        return HubSpotTransport(
            spec.name, _secret(o["token_env"], data_dir, env) or "",
            base_url=o.get("base_url") or "https://api.hubapi.com",
            id_property=o.get("id_property") or "leadkiosk_id",
            property_prefix=o.get("property_prefix") or "leadkiosk_",
            max_batch=o.get("batch_size") or 100, max_requests_per_10s=o.get("max_requests_per_10s") or 100,
            legal_basis=o.get("legal_basis"), verify=verify, timeout=_timeout(o))
    if spec.kind == "salesforce":
        from sync.transports.salesforce import SalesforceTransport
        return SalesforceTransport(
            spec.name, o["login_url"], _secret(o["client_id_env"], data_dir, env) or "",
            _secret(o["client_secret_env"], data_dir, env) or "",
            external_id_field=o.get("external_id_field") or "Leadkiosk_Id__c",
            api_version=o.get("api_version") or "v60.0", lead_source=o.get("lead_source"),
            custom_fields=o.get("custom_fields"), max_batch=o.get("batch_size") or 200,
            verify=verify, timeout=_timeout(o))
    from sync.transports.webhook import WebhookTransport
    return WebhookTransport(spec.name, o["url"], _secret(o["secret_env"], data_dir, env) or "",
                            max_batch=o.get("batch_size") or 1, verify=verify, timeout=_timeout(o), clock=clock)
