"""Delivering one notification: an e-mail over SMTP or a Slack-compatible chat webhook post.

Library errors (smtplib, socket, urllib) are translated to ``NotificationError`` here, the one
boundary; the worker only knows "sent" or "retry later".
"""
from __future__ import annotations

import json
import smtplib
import socket
import ssl
import urllib.error
import unicodedata
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from central.errors import NotificationError
from central.settings import Settings, SmtpSettings


def header_text(value: object, limit: int = 900) -> str:
    """Text fit for one e-mail header: control characters (line breaks included, and Unicode line/
    paragraph separators) become spaces and runs of spaces collapse. A visitor's name or company
    comes from a badge, so a line break in it must neither stop the e-mail nor add a header."""
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in str(value))
    return " ".join(text.split())[:limit]


def _name(contact: dict) -> str:
    name = " ".join(x for x in (contact.get("first_name"), contact.get("last_name")) if x)
    return name or contact.get("email") or contact.get("registration_id") or "unknown visitor"


def subject(payload: dict[str, Any]) -> str:
    c = payload.get("contact") or {}
    company = f", {c['company']}" if c.get("company") else ""
    return f"Hot lead: {_name(c)}{company} ({payload.get('show_id')})"


def text_body(payload: dict[str, Any]) -> str:
    c = payload.get("contact") or {}
    lines = [f"A hot lead was captured at {payload.get('show_id')} by {payload.get('staff') or 'the kiosk'}"
             f" ({payload.get('kiosk')}, {payload.get('captured_at')}).", "", "Contact"]
    for key, label in (("first_name", "First name"), ("last_name", "Last name"), ("company", "Company"),
                       ("title", "Title"), ("email", "E-mail"), ("phone", "Phone"), ("country", "Country")):
        if c.get(key):
            lines.append(f"  {label}: {c[key]}")
    lines += ["", f"Score: {payload.get('score')} ({payload.get('tag')})", "Why it scored hot:"]
    lines += [f"  - {r}" for r in payload.get("reasons") or []] or ["  (no reasons recorded)"]
    lines += ["", f"Follow-up asked for: {payload.get('follow_up') or 'not stated'}"]
    if payload.get("product_interest"):
        lines.append(f"Product interest: {payload['product_interest']}")
    lines += ["", "Staff notes:", f"  {payload.get('notes') or '(none)'}", "",
              f"Lead id: {payload.get('lead_id')} (version {payload.get('version')})"]
    return "\n".join(lines) + "\n"


def build_email(smtp: SmtpSettings, recipient: str, notification_id: int, payload: dict[str, Any]) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = smtp.sender
    msg["To"] = header_text(recipient)
    msg["Subject"] = header_text(subject(payload))
    msg["Date"] = formatdate(usegmt=True)
    # Stable per notification: if a crash after the SMTP server accepted the mail but before we
    # recorded it makes us send again, mail systems and clients can drop the copy by Message-ID.
    lead = header_text(payload.get("lead_id"), 100).replace(" ", "")
    msg["Message-ID"] = f"<leadkiosk-notification-{notification_id}-{lead}@leadkiosk>"
    msg["X-Leadkiosk-Lead"] = lead
    msg.set_content(text_body(payload))
    return msg


def send_email(smtp: SmtpSettings, recipient: str, notification_id: int, payload: dict[str, Any]) -> None:
    msg = build_email(smtp, recipient, notification_id, payload)
    try:
        if smtp.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_s,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if smtp.username:
                client.login(smtp.username, smtp.password or "")
            client.send_message(msg)
    except (smtplib.SMTPException, OSError, socket.timeout) as exc:
        raise NotificationError(f"SMTP {smtp.host}:{smtp.port}: {type(exc).__name__}: {exc}") from None


def chat_body(payload: dict[str, Any]) -> dict[str, Any]:
    """Slack's incoming-webhook shape (``text`` with mrkdwn); Mattermost and Rocket.Chat accept it."""
    c = payload.get("contact") or {}
    reasons = "; ".join(payload.get("reasons") or []) or "no reasons recorded"
    text = (f":fire: *{subject(payload)}*\n"
            f"{c.get('email') or ''} {c.get('phone') or ''}\n"
            f"Score {payload.get('score')}: {reasons}\n"
            f"Follow-up: {payload.get('follow_up') or 'not stated'}\n"
            f"Notes: {payload.get('notes') or '(none)'}\nLead {payload.get('lead_id')}")
    return {"text": text}


def send_chat(url: str, payload: dict[str, Any], timeout_s: float = 10.0) -> None:
    data = json.dumps(chat_body(payload)).encode("utf-8")
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:
            if not 200 <= resp.status < 300:
                raise NotificationError(f"chat webhook answered HTTP {resp.status}")
    except urllib.error.HTTPError as exc:
        raise NotificationError(f"chat webhook answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise NotificationError(f"chat webhook {url.split('?')[0]}: {exc}") from None


def deliver(settings: Settings, kind: str, recipient: str, notification_id: int, payload: dict[str, Any]) -> None:
    if kind == "email":
        if settings.smtp is None:
            raise NotificationError("no [smtp] section in the central config; e-mail waits until one is set")
        send_email(settings.smtp, recipient, notification_id, payload)
    elif kind == "chat":
        send_chat(recipient, payload)
    else:
        raise NotificationError(f"unknown notification kind {kind!r}")
