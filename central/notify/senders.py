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
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from central.errors import NotificationError
from central.notify import alert
from central.notify.alert import header_text
from central.settings import Settings, SmtpSettings


def message_id(notification_id: int, lead_id: object) -> str:
    """Stable per notification: if a crash after the SMTP server accepted the mail but before we
    recorded it makes us send again, mail systems and clients can drop the copy by Message-ID.
    Replies in a visitor's thread reference the first alert's id (``central.sales.alerts``)."""
    lead = header_text(lead_id, 100).replace(" ", "")
    return f"<leadkiosk-notification-{notification_id}-{lead}@leadkiosk>"


def subject(payload: dict[str, Any]) -> str:
    return alert.subject(payload)


def text_body(payload: dict[str, Any]) -> str:
    return alert.text_body(payload)


def build_email(smtp: SmtpSettings, recipient: str, notification_id: int, payload: dict[str, Any]) -> EmailMessage:
    """Multipart: plain text first (what a lock screen shows), HTML with tap-to-call/mail links."""
    msg = EmailMessage()
    msg["From"] = smtp.sender
    msg["To"] = header_text(recipient)
    msg["Subject"] = header_text(alert.subject(payload))
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = message_id(notification_id, payload.get("lead_id"))
    thread = payload.get("thread") or {}
    refs = [header_text(r, 200).replace(" ", "") for r in thread.get("references") or [] if isinstance(r, str)]
    if refs:
        msg["In-Reply-To"] = refs[-1]
        msg["References"] = " ".join(refs)
    msg["X-Leadkiosk-Lead"] = header_text(payload.get("lead_id"), 100).replace(" ", "")
    msg.set_content(alert.text_body(payload))
    msg.add_alternative(alert.html_body(payload), subtype="html")
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
    """Slack's incoming-webhook shape (``text`` with mrkdwn, escaped by Slack's rules: ``&``, ``<``,
    ``>``); Mattermost and Rocket.Chat accept it."""
    return {"text": alert.chat_text(payload)}


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
