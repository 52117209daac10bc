"""The central configuration file (TOML): SMTP, chat webhook, admin token, routing of hot leads.

Why declarative and validated up front: a typo in a routing rule must stop the server at start with
the file, the key path and what was expected, not silently send hot leads nowhere at the show.
Secrets are named by environment variable (``password_env``, ``token_env``) so the file can be
committed.

Example::

    [smtp]
    host = "127.0.0.1"
    port = 25
    from = "leadkiosk@example.com"
    security = "none"            # none | starttls | ssl
    username = "mailer"          # optional
    password_env = "LEADKIOSK_SMTP_PASSWORD"

    [chat]
    webhook_url = "https://hooks.slack.com/services/T000/B000/XXXX"   # or webhook_url_env

    [admin]
    token_env = "LEADKIOSK_ADMIN_TOKEN"

    [territories]
    DACH = ["DE", "AT", "CH"]

    [[routing.rules]]            # first match wins; a rule with no conditions matches everything
    name = "dach"
    territories = ["DACH"]       # and/or countries = [...], product_interest = [...], shows = [...]
    email = ["dach-sales@example.com"]
    chat = true                  # also post to [chat] webhook_url

    [routing.default]            # the default owner when no rule matches
    email = ["sales@example.com"]
    chat = true

    [notify]
    poll_interval_s = 0.2       # SQLite: how often a separate worker process looks for work
    retry_base_s = 5
    retry_max_s = 900
    max_attempts = 10           # then the row is "failed": listed by `central notifications --failed`, retried by hand

    [review]
    base_url = "https://leads.example.com"   # links in alerts: <base_url>/leads/<id>, <base_url>/inbox

    [answers]                    # which form questions hold these (question ids)
    product_interest = "product_interest"
    follow_up = "follow_up"

    [http]
    trusted_proxies = ["10.0.0.5", "10.1.0.0/16"]   # only these may set X-Forwarded-Proto/-For
    docs = false                 # /docs and /openapi.json (off by default: they map the attack surface)
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from central.errors import ConfigError
from central.timeutil import utcnow
from sync.problems import Problems

ENV_CONFIG = "LEADKIOSK_CENTRAL_CONFIG"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "leadkiosk@localhost"
    security: str = "none"
    username: str | None = None
    password: str | None = None
    timeout_s: float = 10.0


@dataclass(frozen=True)
class Route:
    """Where a matching hot lead goes. Empty condition sets match anything."""
    name: str
    countries: frozenset[str] = frozenset()
    territories: frozenset[str] = frozenset()
    product_interest: frozenset[str] = frozenset()
    shows: frozenset[str] = frozenset()
    email: tuple[str, ...] = ()
    chat: tuple[str, ...] = ()   # webhook URLs


@dataclass(frozen=True)
class Settings:
    source: str = "<defaults>"
    smtp: SmtpSettings | None = None
    chat_webhook_url: str | None = None
    admin_token_sha256: str | None = None
    territories: dict[str, frozenset[str]] = field(default_factory=dict)
    rules: tuple[Route, ...] = ()
    default_route: Route | None = None
    poll_interval_s: float = 0.2
    retry_base_s: float = 5.0
    retry_max_s: float = 900.0
    lease_s: float = 120.0
    max_attempts: int = 10
    product_interest_question: str = "product_interest"
    follow_up_question: str = "follow_up"
    max_body_bytes: int = 16 * 1024 * 1024
    max_batch: int = 1000
    max_concurrent_bodies: int = 8      # request bodies read at once per process (memory bound)
    body_timeout_s: float = 60.0        # a body that takes longer is cut (408)
    enrollment_code_ttl_h: float = 7 * 24
    review_base_url: str | None = None   # https://leads.example.com: links in alerts to /leads/<id>
    trusted_proxies: tuple[str, ...] = ()
    docs: bool = False
    # The one wall clock of a central process (aware UTC): enrollment codes, signatures, leases,
    # retries and "now" in reports read it, so tests run central on any date they choose.
    clock: Callable[[], datetime] = field(default=utcnow, compare=False, repr=False)

    def admin_token_ok(self, token: str | None) -> bool:
        if not token or not self.admin_token_sha256:
            return False
        digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
        return hmac.compare_digest(digest, self.admin_token_sha256)

    @property
    def notifications_enabled(self) -> bool:
        return bool(self.rules or self.default_route)


def load_settings(path: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Read and validate the config file (``path`` > ``LEADKIOSK_CENTRAL_CONFIG`` > defaults).
    ``LEADKIOSK_ADMIN_TOKEN`` enables the admin API even without a file."""
    environ = dict(os.environ if env is None else env)
    path = path or environ.get(ENV_CONFIG)
    if not path:
        token = environ.get("LEADKIOSK_ADMIN_TOKEN")
        return Settings(admin_token_sha256=_sha(token) if token else None)
    p = Path(path)
    src = str(p)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(src, "(file)", "an existing TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(src, "(file)", f"valid TOML ({exc})") from None
    return parse_settings(data, src, environ)


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class _Reader:
    """Reads one config, collecting every problem (``sync.problems``) instead of stopping at the
    first: each check that fails records its key path and falls back to the default, and
    ``parse_settings`` raises one ConfigError naming them all at the end."""

    def __init__(self, source: str, env: dict[str, str]):
        self.source = source
        self.env = env
        self.problems = Problems(source, expected_prefix="")

    def fail(self, key: str, expected: str, got: Any = ...) -> None:
        self.problems.add(key, expected, got)

    def table(self, data: dict, key: str, path: str, allowed: set[str]) -> dict:
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.fail(path, "a table", value)
            return {}
        for k in value:
            if k not in allowed:
                self.fail(f"{path}.{k}", f"one of the known keys {sorted(allowed)}")
        return value

    def str_(self, data: dict, key: str, path: str, default: Any = None, required: bool = False) -> Any:
        if key not in data:
            if required:
                self.fail(path, "a string (required)")
            return default
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            self.fail(path, "a non-empty string", value)
            return default
        return value

    def num(self, data: dict, key: str, path: str, default: float, lo: float, hi: float) -> float:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
            self.fail(path, f"a number from {lo:g} to {hi:g}", value)
            return default
        return value

    def secret(self, data: dict, key: str, path: str) -> str | None:
        """``<key>_env`` names an environment variable; it must be set."""
        name = self.str_(data, key + "_env", f"{path}_env")
        if name is None:
            return None
        if not self.env.get(name):
            self.fail(f"{path}_env", f"the name of a set environment variable ({name} is not set)")
            return None
        return self.env[name]

    def strings(self, data: dict, key: str, path: str, check=None, what: str = "strings") -> tuple[str, ...]:
        value = data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(path, f"a list of {what}", value)
            return ()
        good = []
        for i, v in enumerate(value):
            if check and not check(v):
                self.fail(f"{path}[{i}]", f"one of {what}", v)
            else:
                good.append(v)
        return tuple(v.strip() for v in good)


def _config_error(source: str, problems: list[tuple[str, str]]) -> ConfigError:
    return ConfigError.from_problems(source, problems)


def parse_settings(data: dict, source: str = "<config>", env: dict[str, str] | None = None) -> Settings:
    """Every problem of the config at once (ConfigError.problems), not only the first."""
    r = _Reader(source, dict(os.environ if env is None else env))
    settings = _parse(r, data, source)
    r.problems.raise_if_any(_config_error)
    return settings


def _parse(r: _Reader, data: dict, source: str) -> Settings:
    top = {"smtp", "chat", "admin", "territories", "routing", "notify", "answers", "limits", "http", "review"}
    for k in data:
        if k not in top:
            r.fail(k, f"one of the known tables {sorted(top)}")

    smtp = None
    s = r.table(data, "smtp", "smtp", {"host", "port", "from", "security", "username", "password_env", "timeout_s"})
    if s:
        security = s.get("security", "none")
        if security not in ("none", "starttls", "ssl"):
            r.fail("smtp.security", "one of none, starttls, ssl", security)
        sender = r.str_(s, "from", "smtp.from", required=True)
        if sender is not None and not _EMAIL.fullmatch(sender):
            r.fail("smtp.from", "an e-mail address", sender)
        smtp = SmtpSettings(host=r.str_(s, "host", "smtp.host", required=True),
                            port=int(r.num(s, "port", "smtp.port", 25, 1, 65535)), sender=sender,
                            security=security, username=r.str_(s, "username", "smtp.username"),
                            password=r.secret(s, "password", "smtp.password"),
                            timeout_s=r.num(s, "timeout_s", "smtp.timeout_s", 10, 0.5, 300))

    c = r.table(data, "chat", "chat", {"webhook_url", "webhook_url_env"})
    chat_url = r.str_(c, "webhook_url", "chat.webhook_url") or r.secret(c, "webhook_url", "chat.webhook_url")
    if chat_url and not chat_url.startswith(("http://", "https://")):
        r.fail("chat.webhook_url", "an http(s) URL", chat_url)

    a = r.table(data, "admin", "admin", {"token_env", "token_sha256"})
    admin = r.str_(a, "token_sha256", "admin.token_sha256")
    if admin is not None and not re.fullmatch(r"[0-9a-f]{64}", admin):
        r.fail("admin.token_sha256", "64 lowercase hex digits (sha256 of the token)", admin)
    token = r.secret(a, "token", "admin.token")
    if token:
        admin = _sha(token)
    elif admin is None and r.env.get("LEADKIOSK_ADMIN_TOKEN"):
        admin = _sha(r.env["LEADKIOSK_ADMIN_TOKEN"])

    t = data.get("territories", {})
    if not isinstance(t, dict):
        r.fail("territories", "a table of territory = [country codes]", t)
        t = {}
    territories = {name: frozenset(x.upper() for x in r.strings(t, name, f"territories.{name}", what="country names or codes"))
                   for name in t}

    routing = r.table(data, "routing", "routing", {"rules", "default"})
    rules_raw = routing.get("rules", [])
    if not isinstance(rules_raw, list):
        r.fail("routing.rules", "an array of tables ([[routing.rules]])", rules_raw)
        rules_raw = []
    rules = tuple(route for i, rule in enumerate(rules_raw)
                  if (route := _route(r, rule, f"routing.rules[{i}]", territories, chat_url)) is not None)
    default = None
    if "default" in routing:
        default = _route(r, routing["default"], "routing.default", territories, chat_url, conditions=False)

    if smtp is None and any(route.email for route in (*rules, default) if route is not None):
        r.fail("smtp", "an [smtp] table (host, from): the routing rules send e-mail")

    n = r.table(data, "notify", "notify", {"poll_interval_s", "retry_base_s", "retry_max_s", "lease_s",
                                                    "max_attempts"})
    ans = r.table(data, "answers", "answers", {"product_interest", "follow_up"})
    lim = r.table(data, "limits", "limits", {"max_body_bytes", "max_batch", "enrollment_code_ttl_h",
                                             "max_concurrent_bodies", "body_timeout_s"})
    rev = r.table(data, "review", "review", {"base_url"})
    base_url = r.str_(rev, "base_url", "review.base_url")
    if base_url is not None:
        base_url = _check_base_url(r, base_url)
    h = r.table(data, "http", "http", {"trusted_proxies", "docs"})
    proxies = r.strings(h, "trusted_proxies", "http.trusted_proxies", check=_ip_or_network,
                        what="IP addresses or networks (10.0.0.5, 10.1.0.0/16)")
    docs = h.get("docs", False)
    if not isinstance(docs, bool):
        r.fail("http.docs", "true or false", docs)
        docs = False
    return Settings(
        source=source, smtp=smtp, chat_webhook_url=chat_url, admin_token_sha256=admin,
        territories=territories, rules=rules, default_route=default,
        poll_interval_s=r.num(n, "poll_interval_s", "notify.poll_interval_s", 0.2, 0.01, 60),
        retry_base_s=r.num(n, "retry_base_s", "notify.retry_base_s", 5, 0.01, 3600),
        retry_max_s=r.num(n, "retry_max_s", "notify.retry_max_s", 900, 0.01, 86400),
        lease_s=r.num(n, "lease_s", "notify.lease_s", 120, 1, 3600),
        max_attempts=int(r.num(n, "max_attempts", "notify.max_attempts", 10, 1, 1000)),
        product_interest_question=r.str_(ans, "product_interest", "answers.product_interest", "product_interest"),
        follow_up_question=r.str_(ans, "follow_up", "answers.follow_up", "follow_up"),
        max_body_bytes=int(r.num(lim, "max_body_bytes", "limits.max_body_bytes", 16 * 1024 * 1024, 1024, 1 << 30)),
        max_batch=int(r.num(lim, "max_batch", "limits.max_batch", 1000, 1, 100_000)),
        enrollment_code_ttl_h=r.num(lim, "enrollment_code_ttl_h", "limits.enrollment_code_ttl_h", 168, 0.01, 24 * 365),
        max_concurrent_bodies=int(r.num(lim, "max_concurrent_bodies", "limits.max_concurrent_bodies", 8, 1, 1000)),
        body_timeout_s=r.num(lim, "body_timeout_s", "limits.body_timeout_s", 60, 0.1, 3600),
        review_base_url=base_url, trusted_proxies=proxies, docs=docs,
    )


def _check_base_url(r: _Reader, value: str) -> str | None:
    """The review app's address as reps open it from a phone: absolute http(s), a host, no query or
    fragment (lead links are appended to it)."""
    from urllib.parse import urlsplit
    expected = "an absolute http(s) URL of the review app, like \"https://leads.example.com\" (no query or fragment)"
    try:
        u = urlsplit(value.strip())
    except ValueError:
        r.fail("review.base_url", expected, value)
        return None
    if (u.scheme not in ("http", "https") or not u.hostname or u.query or u.fragment
            or any(ch.isspace() or ord(ch) < 32 for ch in value) or "@" in u.netloc):
        r.fail("review.base_url", expected, value)
        return None
    return value.strip().rstrip("/")


def _ip_or_network(text: str) -> bool:
    import ipaddress
    try:
        ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return False
    return True


def _route(r: _Reader, raw: Any, path: str, territories: dict, chat_url: str | None,
           conditions: bool = True) -> Route | None:
    if not isinstance(raw, dict):
        r.fail(path, "a table", raw)
        return None
    before = len(r.problems)
    allowed = {"name", "email", "chat"} | ({"countries", "territories", "product_interest", "shows"} if conditions else set())
    for k in raw:
        if k not in allowed:
            r.fail(f"{path}.{k}", f"one of the known keys {sorted(allowed)}")
    emails = r.strings(raw, "email", f"{path}.email", check=_EMAIL.match, what="e-mail addresses")
    chat_value = raw.get("chat", False)
    if isinstance(chat_value, bool):
        if chat_value and not chat_url:
            r.fail(f"{path}.chat", "false, or a [chat] webhook_url to be configured")
        chat = (chat_url,) if chat_value and chat_url else ()
    else:
        chat = r.strings(raw, "chat", f"{path}.chat", check=lambda u: u.startswith(("http://", "https://")),
                         what="true/false or http(s) webhook URLs")
    if not emails and not chat and len(r.problems) == before:  # not when a recipient was only misspelt
        r.fail(path, "at least one recipient (email = [...] or chat = true)")
    terr = r.strings(raw, "territories", f"{path}.territories", what="territory names")
    for i, name in enumerate(terr):
        if name not in territories:
            r.fail(f"{path}.territories[{i}]", f"a territory defined in [territories] ({sorted(territories)})", name)
    return Route(name=str(raw.get("name") or path), email=emails, chat=chat,
                 countries=frozenset(x.upper() for x in r.strings(raw, "countries", f"{path}.countries")),
                 territories=frozenset(terr),
                 product_interest=frozenset(x.lower() for x in r.strings(raw, "product_interest", f"{path}.product_interest")),
                 shows=frozenset(r.strings(raw, "shows", f"{path}.shows")))
