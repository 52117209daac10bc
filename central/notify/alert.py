"""What a hot-lead alert says, pure: subject, plain text, HTML and the chat text, from the payload
queued with the notification (``central.sales.alerts.build_payload``).

Why all of it here and escaped at the last moment: the payload holds what the visitor and staff
typed (names with line breaks, markup, ``<!channel>``); each output escapes by its own rules (HTML
entities, Slack's ``&``/``<``/``>``, no control characters in mail headers) so nothing typed on a
badge can ping a channel, disguise a link or inject a header.
"""
from __future__ import annotations

import html
import re
import unicodedata
import urllib.parse
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "hot_lead": "Hot lead", "warm_lead": "Lead", "update": "Update", "visitor": "unknown visitor",
        "why": "Why it matters", "no_reasons": "(no reasons recorded)", "call": "Call", "mail": "E-mail",
        "consent_yes": "Consent: the visitor agreed to be contacted{version}.",
        "consent_no": "NO CONSENT: the visitor did not agree to be contacted. Do not call, e-mail or add them "
                      "to a campaign; you may only answer if they contact you first.",
        "consent_unknown": "Consent: not recorded. Treat it as no consent until it is confirmed.",
        "follow_up": "Follow-up asked for", "products": "Products", "not_stated": "not stated",
        "captured": "Captured by {staff} at kiosk {kiosk}, {when}.", "the_kiosk": "the kiosk staff",
        "raised": "Raised to {tag} in review by {by}: {why}", "no_why": "no reason given",
        "score": "Score {score} ({tag})", "notes": "Staff notes", "none": "(none)",
        "open": "Open the lead", "inbox": "Your inbox", "again": "The same visitor was captured again at kiosk {kiosk}.",
        "raised_change": "Now {tag} (was {old}).", "notes_change": "New notes.",
        "company": "Company", "title": "Title", "country": "Country", "lead": "Lead id",
    },
    "de": {
        "hot_lead": "Heißer Lead", "warm_lead": "Lead", "update": "Update", "visitor": "unbekannter Besucher",
        "why": "Warum", "no_reasons": "(keine Gründe erfasst)", "call": "Anrufen", "mail": "E-Mail",
        "consent_yes": "Einwilligung: Der Besucher ist mit einer Kontaktaufnahme einverstanden{version}.",
        "consent_no": "KEINE EINWILLIGUNG: Der Besucher will nicht kontaktiert werden. Nicht anrufen, nicht "
                      "mailen, in keine Kampagne aufnehmen; nur antworten, wenn er sich selbst meldet.",
        "consent_unknown": "Einwilligung: nicht erfasst. Bis zur Klärung wie keine Einwilligung behandeln.",
        "follow_up": "Gewünschte Nachverfolgung", "products": "Produkte", "not_stated": "nicht angegeben",
        "captured": "Erfasst von {staff} am Kiosk {kiosk}, {when}.", "the_kiosk": "dem Standpersonal",
        "raised": "Im Review von {by} auf {tag} gesetzt: {why}", "no_why": "ohne Begründung",
        "score": "Punktzahl {score} ({tag})", "notes": "Notizen des Standpersonals", "none": "(keine)",
        "open": "Lead öffnen", "inbox": "Ihr Posteingang", "again": "Derselbe Besucher wurde erneut erfasst, am Kiosk {kiosk}.",
        "raised_change": "Jetzt {tag} (vorher {old}).", "notes_change": "Neue Notizen.",
        "company": "Firma", "title": "Position", "country": "Land", "lead": "Lead-ID",
    },
}


def words(payload: dict[str, Any]) -> dict[str, str]:
    return WORDS.get(str(payload.get("language") or "en"), WORDS["en"])


def header_text(value: object, limit: int = 900) -> str:
    """Text fit for one e-mail header: control characters (line breaks included, and Unicode line/
    paragraph separators) become spaces and runs of spaces collapse. A visitor's name or company
    comes from a badge, so a line break in it must neither stop the e-mail nor add a header."""
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
                   for ch in str(value if value is not None else ""))
    return " ".join(text.split())[:limit]


def slack_escape(text: object) -> str:
    """Slack's documented escaping for message text: ``&``, ``<``, ``>`` become entities, so
    ``<!channel>`` and ``<https://evil|label>`` are shown, not acted on."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def visitor_name(contact: dict[str, Any], w: dict[str, str] | None = None) -> str:
    name = " ".join(str(x) for x in (contact.get("first_name"), contact.get("last_name")) if x)
    return name or contact.get("email") or contact.get("registration_id") or (w or WORDS["en"])["visitor"]


def subject(payload: dict[str, Any]) -> str:
    """``Hot lead: NAME, COMPANY - SHOW NAME``; a reply in the thread starts with ``Re:``."""
    w = words(payload)
    c = payload.get("contact") or {}
    head = w["hot_lead"] if payload.get("tag") == "hot" else w["warm_lead"]
    company = f", {c['company']}" if c.get("company") else ""
    show = payload.get("show_name") or payload.get("show_id") or ""
    text = f"{head}: {visitor_name(c, w)}{company} - {show}"
    if payload.get("event", "new") != "new":
        text = "Re: " + text
    return header_text(text, 250)


def local_time(iso: object, tz_name: object) -> str:
    """The capture time in the show's time zone, e.g. ``Tue 24 Nov 2026, 11:42 CET``."""
    try:
        at = datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    except ValueError:
        return str(iso)
    try:
        tz = ZoneInfo(str(tz_name or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo("UTC"))
    return at.astimezone(tz).strftime("%a %d %b %Y, %H:%M %Z")


def consent_line(payload: dict[str, Any]) -> str:
    w = words(payload)
    consent = payload.get("consent") or {}
    given = consent.get("given")
    if given is True:
        v = consent.get("text_version")
        return w["consent_yes"].format(version=f" (consent text {v})" if v else "")
    if given is False:
        return w["consent_no"]
    return w["consent_unknown"]


def tel_href(phone: object) -> str | None:
    digits = re.sub(r"[^0-9+]", "", str(phone or ""))
    return f"tel:{digits}" if len(digits.lstrip("+")) >= 3 else None


def mail_href(email: object) -> str | None:
    e = str(email or "").strip()
    if not re.fullmatch(r"[^@\s<>\"]+@[^@\s<>\"]+", e):
        return None
    return "mailto:" + urllib.parse.quote(e, safe="@.+-_")


def _change_lines(payload: dict[str, Any]) -> list[str]:
    w = words(payload)
    out = []
    for change in payload.get("changes") or []:
        if change.get("kind") == "again":
            out.append(w["again"].format(kiosk=change.get("kiosk") or "?"))
        elif change.get("kind") == "raised":
            out.append(w["raised_change"].format(tag=change.get("tag"), old=change.get("old") or "-"))
        elif change.get("kind") == "notes":
            out.append(w["notes_change"])
    return out


def facts(payload: dict[str, Any]) -> dict[str, Any]:
    """Everything both parts show, as plain (unescaped) text."""
    w = words(payload)
    c = payload.get("contact") or {}
    raised = payload.get("raised")
    return {
        "name": visitor_name(c, w),
        "company": c.get("company"), "title": c.get("title"), "country": c.get("country"),
        "email": c.get("email"), "phone": c.get("phone"),
        "changes": _change_lines(payload),
        "score": w["score"].format(score=payload.get("score"), tag=payload.get("tag")),
        "reasons": list(payload.get("reasons") or []),
        "consent": consent_line(payload),
        "follow_up": ", ".join(payload.get("follow_up_labels") or []) or w["not_stated"],
        "products": ", ".join(payload.get("product_labels") or []) or w["not_stated"],
        "captured": w["captured"].format(staff=payload.get("staff") or w["the_kiosk"],
                                         kiosk=payload.get("kiosk") or payload.get("kiosk_id") or "?",
                                         when=local_time(payload.get("captured_at"), payload.get("timezone"))),
        "raised": (w["raised"].format(tag=payload.get("tag"), by=raised.get("by") or "?",
                                      why=raised.get("why") or w["no_why"]) if raised else None),
        "notes": payload.get("notes") or "",
        "url": payload.get("lead_url"),
        "inbox_url": payload.get("inbox_url"),
        "lead_id": payload.get("lead_id"),
    }


def text_body(payload: dict[str, Any]) -> str:
    w = words(payload)
    f = facts(payload)
    lines = [subject(payload), ""]
    lines += f["changes"] + ([""] if f["changes"] else [])
    who = [f["name"]] + [x for x in (f["title"], f["company"], f["country"]) if x]
    lines.append(" | ".join(str(x) for x in who))
    if f["phone"]:
        lines.append(f"{w['call']}: {f['phone']}")
    if f["email"]:
        lines.append(f"{w['mail']}: {f['email']}")
    lines += ["", f["consent"], "", f"{w['why']} - {f['score']}:"]
    lines += [f"  - {r}" for r in f["reasons"]] or [f"  {w['no_reasons']}"]
    lines += ["", f"{w['follow_up']}: {f['follow_up']}", f"{w['products']}: {f['products']}", "", f["captured"]]
    if f["raised"]:
        lines.append(f["raised"])
    lines += ["", f"{w['notes']}:", f"  {f['notes'] or w['none']}", ""]
    if f["url"]:
        lines.append(f"{w['open']}: {f['url']}")
    if f["inbox_url"]:
        lines.append(f"{w['inbox']}: {f['inbox_url']}")
    lines.append(f"{w['lead']}: {f['lead_id']} (v{payload.get('version')})")
    # a line break typed into a field must not fake structure: fields are single lines except notes
    return "\n".join(lines) + "\n"


def html_body(payload: dict[str, Any]) -> str:
    w = words(payload)
    f = facts(payload)
    e = html.escape
    parts = ['<!doctype html><html><body style="font-family:sans-serif;font-size:16px;line-height:1.4;max-width:600px">',
             f"<h2 style=\"margin:0 0 8px\">{e(subject(payload))}</h2>"]
    for line in f["changes"]:
        parts.append(f"<p><strong>{e(line)}</strong></p>")
    who = [x for x in (f["title"], f["company"], f["country"]) if x]
    parts.append(f"<p><strong>{e(f['name'])}</strong>" + (f"<br>{e(' | '.join(map(str, who)))}" if who else "") + "</p>")
    links = []
    if tel_href(f["phone"]):
        links.append(f'<a href="{e(tel_href(f["phone"]) or "")}" style="display:inline-block;padding:12px 18px;'
                     f'background:#1565c0;color:#fff;text-decoration:none;border-radius:6px;margin:0 8px 8px 0">'
                     f"{e(w['call'])} {e(str(f['phone']))}</a>")
    if mail_href(f["email"]):
        links.append(f'<a href="{e(mail_href(f["email"]) or "")}" style="display:inline-block;padding:12px 18px;'
                     f'background:#1565c0;color:#fff;text-decoration:none;border-radius:6px;margin:0 8px 8px 0">'
                     f"{e(w['mail'])} {e(str(f['email']))}</a>")
    if links:
        parts.append("<p>" + "".join(links) + "</p>")
    parts.append(f'<p style="padding:8px;border-left:4px solid #888"><strong>{e(f["consent"])}</strong></p>')
    parts.append(f"<p>{e(w['why'])} - {e(f['score'])}:</p><ul>"
                 + ("".join(f"<li>{e(str(r))}</li>" for r in f["reasons"]) or f"<li>{e(w['no_reasons'])}</li>")
                 + "</ul>")
    parts.append(f"<p>{e(w['follow_up'])}: <strong>{e(f['follow_up'])}</strong><br>"
                 f"{e(w['products'])}: <strong>{e(f['products'])}</strong></p>")
    parts.append(f"<p>{e(f['captured'])}" + (f"<br><strong>{e(f['raised'])}</strong>" if f["raised"] else "") + "</p>")
    parts.append(f"<p>{e(w['notes'])}:<br>" + (e(f["notes"]).replace("\n", "<br>") or e(w["none"])) + "</p>")
    if f["url"]:
        parts.append(f'<p><a href="{e(f["url"])}">{e(w["open"])}</a>'
                     + (f' · <a href="{e(f["inbox_url"])}">{e(w["inbox"])}</a>' if f["inbox_url"] else "") + "</p>")
    parts.append(f'<p style="color:#666;font-size:12px">{e(w["lead"])}: {e(str(f["lead_id"]))}</p></body></html>')
    return "\n".join(parts) + "\n"


def chat_text(payload: dict[str, Any]) -> str:
    """Slack-compatible ``text``: every value escaped; the only markup is ours (bold, our link)."""
    w = words(payload)
    f = facts(payload)
    s = slack_escape
    lines = [f":fire: *{s(subject(payload))}*"]
    lines += [s(x) for x in f["changes"]]
    contact = " ".join(s(x) for x in (f["phone"], f["email"]) if x)
    if contact:
        lines.append(contact)
    lines.append(s(f["consent"]))
    lines.append(f"{s(f['score'])}: {s('; '.join(map(str, f['reasons'])) or w['no_reasons'])}")
    lines.append(f"{s(w['follow_up'])}: {s(f['follow_up'])} | {s(w['products'])}: {s(f['products'])}")
    lines.append(s(f["captured"]))
    if f["raised"]:
        lines.append(s(f["raised"]))
    lines.append(f"{s(w['notes'])}: {s(f['notes'] or w['none'])}")
    url = f["url"]
    if url and re.fullmatch(r"https?://[^\s<>|]+", str(url)):
        lines.append(f"<{url}|{s(w['open'])}>")
    else:
        lines.append(f"{s(w['lead'])} {s(f['lead_id'])}")
    return "\n".join(lines)
