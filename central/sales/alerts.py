"""Who hears about a lead and what their alert carries: reps' dials first, the routing config as
the default, the default owner when nobody wants the lead; one thread per visitor per show.

Called in the transaction that stores a lead version (ingest, review edits), so the queue rows,
the assignments and the visitor keys commit with the lead or not at all. The work is only done for
leads that changed materially (new, tag raised, new notes); everything else costs nothing.

Threads: the first alert a recipient gets about a visitor is ``event = "new"``; a later capture of
the same person (same e-mail, case-insensitive, or registration id; any kiosk) or a material change
is a reply (``event`` names the change) whose ``References`` point at that first alert.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, insert, select

from central.models import Lead, Notification, Show
from central.notify.routing import route_for
from central.notify.senders import message_id
from central.sales.dials import Dial, LeadFacts, Window, quiet_until, wants, widened
from central.sales.models import LeadAssignment, RepSettings, SalesWindow, VisitorKey
from central.sales.visitor import visitor_keys
from central.settings import Settings

RANK = {"nurture": 0, "warm": 1, "hot": 2}


@dataclass
class AlertLead:
    """A stored lead version that may need alerts. ``prev_rank``: the stored rank before this
    version (-1 for none or discarded); ``notes_changed``: this version brought new notes."""
    id: str
    show_id: str
    version: int
    record: dict[str, Any]
    country: str | None
    kiosk: str | None
    prev_rank: int | None = None          # None: the lead is new to central
    notes_changed: bool = False
    raised: dict[str, str] | None = None  # {"by", "why"} for a raise in review


@dataclass
class Plan:
    notifications: list[dict[str, Any]] = field(default_factory=list)
    assignments: list[dict[str, Any]] = field(default_factory=list)


def rank_of(tag: str | None, discarded: bool) -> int:
    return -1 if discarded else RANK.get(tag or "", -1)


def load_dials(conn: Connection) -> tuple[list[Dial], Window]:
    """Every active sales user's dial and the quarter-end window (two small reads per batch)."""
    from central.web.models import User
    r_ = RepSettings
    rows = conn.execute(select(r_.mode, r_.threshold, r_.countries, r_.products, r_.quiet_start, r_.quiet_end,
                               r_.timezone, r_.language, User.email, User.name)
                        .join(User, User.id == r_.user_id)
                        .where(User.disabled.is_(False), User.role.in_(("sales", "admin")))).all()
    dials = [Dial(email=r.email, mode=r.mode, threshold=r.threshold, countries=frozenset(r.countries or ()),
                  products=frozenset(r.products or ()), quiet_start=r.quiet_start, quiet_end=r.quiet_end,
                  timezone=r.timezone, language=r.language, name=r.name) for r in rows]
    w = conn.execute(select(SalesWindow.days, SalesWindow.points).where(SalesWindow.id == 1)).first()
    return dials, Window(w.days, w.points) if w else Window()


@lru_cache(maxsize=32)
def _form(form_yaml: str):  # type: ignore[no-untyped-def]
    from forms import FormDefinitionError, load_form_text
    try:
        return load_form_text(form_yaml, source="<show form>")
    except FormDefinitionError:
        return None


@dataclass(frozen=True)
class ShowInfo:
    name: str
    timezone: str
    form: Any


def show_info(conn: Connection, show_id: str, cache: dict[str, ShowInfo]) -> ShowInfo:
    if show_id not in cache:
        from central.web.models import ReportSettings
        row = conn.execute(select(Show.name, Show.config_json, Show.form_yaml, ReportSettings.timezone)
                           .outerjoin(ReportSettings, ReportSettings.show_id == Show.id)
                           .where(Show.id == show_id)).first()
        if row is None:
            cache[show_id] = ShowInfo(show_id, "UTC", None)
        else:
            # show.yaml's ``timezone`` (kiosks and alerts), else the one set for the show's report
            cfg = row.config_json or {}
            zone = cfg.get("timezone") or row.timezone or "UTC"
            cache[show_id] = ShowInfo(row.name or show_id, str(zone), _form(row.form_yaml))
    return cache[show_id]


def _ids(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, (str, int))]
    return []


def labels(form: Any, qid: str, value: Any, language: str) -> list[str]:
    """Option ids as the form's labels in ``language`` (unknown ids as they are)."""
    out = []
    for oid in _ids(value):
        if form is not None and form.question(qid) is not None and form.question(qid).option(oid) is not None:
            out.append(form.label(f"{qid}.{oid}", language))
        else:
            out.append(oid)
    return out


def build_payload(settings: Settings, lead: AlertLead, info: ShowInfo, *, language: str, event: str,
                  changes: list[dict[str, Any]], references: list[str]) -> dict[str, Any]:
    rec = lead.record
    score = rec.get("score") or {}
    answers = rec.get("answers") or {}
    consent = rec.get("consent") if isinstance(rec.get("consent"), dict) else {}
    base = settings.review_base_url
    return {
        "lead_id": lead.id, "version": lead.version, "show_id": lead.show_id, "show_name": info.name,
        "timezone": info.timezone, "language": language, "event": event, "changes": changes,
        "thread": {"references": references} if references else None,
        "kiosk": lead.kiosk, "kiosk_id": rec.get("kiosk_id"), "staff": rec.get("staff"),
        "captured_at": rec.get("captured_at"), "contact": rec.get("contact") or {},
        "score": score.get("score"), "tag": score.get("tag"), "reasons": list(score.get("reasons") or []),
        "notes": rec.get("notes") or "",
        "consent": {"given": consent.get("given"), "text_version": consent.get("text_version")},
        "follow_up_labels": labels(info.form, settings.follow_up_question, answers.get(settings.follow_up_question), language),
        "product_labels": labels(info.form, settings.product_interest_question,
                                 answers.get(settings.product_interest_question), language),
        "raised": lead.raised,
        "lead_url": f"{base}/leads/{lead.id}" if base else None,
        "inbox_url": f"{base}/inbox" if base else None,
    }


@dataclass(frozen=True)
class Target:
    kind: str            # email | chat
    recipient: str
    reason: str          # dial | rule | default
    language: str = "en"
    dial: Dial | None = None


def targets(settings: Settings, dials: list[Dial], window: Window, facts: LeadFacts,
            now: datetime) -> tuple[list[Target], list[Target]]:
    """(alerted, assigned-only) for one lead. Pure.

    - a rep with a dial gets what the dial (widened at quarter end) wants, hot or warm;
    - hot leads also follow the routing rules as before, except to reps who set a dial (their dial
      decides for them);
    - a hot or warm lead nobody takes goes to the default owner: hot ones are e-mailed as before,
      warm ones land in the default owner's inbox.
    """
    if facts.discarded or facts.tag not in ("hot", "warm", "nurture"):
        return [], []
    dialed = {d.email.casefold() for d in dials}
    out = [Target("email", d.email, "dial", d.language, d) for d in dials if wants(widened(d, window, now), facts)]
    if facts.tag == "hot":
        route = route_for(settings, country=facts.country, product_interest=",".join(facts.products),
                          show_id=facts.show_id)
        if route is not None:
            reason = "default" if route is settings.default_route else "rule"
            out += [Target("email", a, reason) for a in route.email if a.casefold() not in dialed]
            out += [Target("chat", u, reason) for u in route.chat]
        if not out and settings.default_route is not None:
            out = [Target("email", a, "default") for a in settings.default_route.email]
            out += [Target("chat", u, "default") for u in settings.default_route.chat]
        return out, []
    if not out and facts.tag == "warm" and settings.default_route is not None:
        return [], [Target("email", a, "default") for a in settings.default_route.email]
    return out, []


def _visitor(conn: Connection, lead: AlertLead, batch_keys: dict[tuple[str, str], str]) -> tuple[str, set[str]]:
    """(canonical lead id, every lead id of this visitor) and records this lead's keys.

    One SELECT reads every key of this lead with its owner: under PostgreSQL's READ COMMITTED each
    statement sees its own snapshot, so deciding the owner from one read and the missing keys from
    a second let another kiosk's capture of the same person commit in between (this lead then
    skipped the shared key, kept itself as owner, and sales got two "new" alerts). From one read,
    a key committed meanwhile is one this transaction also inserts: the unique key fails, the batch
    is retried, and the retry sees the owner."""
    keys = visitor_keys(lead.record.get("contact"))
    own = keys + [f"lead:{lead.id}"]
    stored = {k: owner for k, owner in conn.execute(
        select(VisitorKey.key, VisitorKey.lead_id).where(VisitorKey.show_id == lead.show_id, VisitorKey.key.in_(own)))}
    canonical = next((batch_keys[(lead.show_id, k)] for k in keys if (lead.show_id, k) in batch_keys), None)
    if canonical is None:
        canonical = next((stored[k] for k in keys if k in stored), None) or stored.get(f"lead:{lead.id}") or lead.id
    new = [k for k in own if k not in stored and (lead.show_id, k) not in batch_keys]
    if new:
        conn.execute(insert(VisitorKey), [{"show_id": lead.show_id, "key": k, "lead_id": canonical} for k in new])
    for k in own:
        batch_keys.setdefault((lead.show_id, k), canonical)
    members = {canonical, lead.id} | {r[0][5:] for r in conn.execute(
        select(VisitorKey.key).where(VisitorKey.lead_id == canonical, VisitorKey.key.like("lead:%")))}
    return canonical, members


def plan(conn: Connection, settings: Settings, leads: list[AlertLead], now: datetime,
         dials: tuple[list[Dial], Window] | None = None) -> Plan:
    """The notification rows (not yet inserted) and assignment rows for ``leads``."""
    out = Plan()
    if not leads:
        return out
    rep_dials, window = dials if dials is not None else load_dials(conn)
    infos: dict[str, ShowInfo] = {}
    batch_keys: dict[tuple[str, str], str] = {}
    for lead in leads:
        score = lead.record.get("score") or {}
        tag, discarded = score.get("tag"), bool(score.get("discarded"))
        rank = rank_of(tag, discarded)
        if rank < 0:
            continue
        raised = lead.prev_rank is not None and rank > lead.prev_rank
        if lead.prev_rank is not None and not raised and not lead.notes_changed and lead.raised is None:
            continue
        answers = lead.record.get("answers") or {}
        facts = LeadFacts(tag=str(tag), score=score.get("score") if isinstance(score.get("score"), int) else None,
                          discarded=discarded, country=lead.country, show_id=lead.show_id,
                          products=frozenset(x.lower() for x in _ids(answers.get(settings.product_interest_question))))
        alerted, assigned = targets(settings, rep_dials, window, facts, now)
        for t in assigned:
            out.assignments.append({"lead_id": lead.id, "rep": t.recipient, "show_id": lead.show_id,
                                    "reason": t.reason, "tag": facts.tag, "assigned_at": now})
        if not alerted:
            continue
        info = show_info(conn, lead.show_id, infos)
        canonical, members = _visitor(conn, lead, batch_keys)
        changes: list[dict[str, Any]] = []
        notes_changed = lead.notes_changed and lead.prev_rank is not None
        if lead.prev_rank is None and canonical != lead.id:
            # the same visitor captured again: only news (a higher tag, notes) is worth a reply
            first = conn.execute(select(Lead.tag, Lead.discarded, Lead.record_json["notes"].as_string())
                                 .where(Lead.id == canonical)).first()
            first_rank = rank_of(first.tag, first.discarded) if first else -1
            changes.append({"kind": "again", "kiosk": lead.kiosk})
            raised = rank > first_rank
            prev_tag = next((t for t, r in RANK.items() if r == first_rank), None)
            notes = (lead.record.get("notes") or "").strip()
            notes_changed = bool(notes) and notes != ((first[2] or "").strip() if first else "")
        else:
            prev_tag = next((t for t, r in RANK.items() if r == lead.prev_rank), None)
        if raised:
            changes.append({"kind": "raised", "tag": tag, "old": prev_tag})
        if notes_changed:
            changes.append({"kind": "notes"})
        for t in alerted:
            root = conn.execute(select(Notification.id, Notification.lead_id,
                                       Notification.payload_json["tag"].as_string().label("tag")).where(
                Notification.lead_id.in_(sorted(members)), Notification.kind == t.kind,
                Notification.recipient == t.recipient, Notification.event == "new")
                .order_by(Notification.id).limit(1)).first()
            if root is None:
                event, refs, mine = "new", [], []
            else:
                # a raise is news only above the tag the first alert carried (hot, warm, hot again: once)
                mine = [c for c in changes if c["kind"] != "raised" or rank > RANK.get(root.tag or "", -1)]
                if not [c for c in mine if c["kind"] != "again"]:
                    continue  # the same visitor again with nothing new: no second alert
                kinds = sorted(c["kind"] for c in mine if c["kind"] != "again")
                if kinds == ["raised"]:
                    event = f"raised:{tag}"            # UNIQUE: one reply per tag reached
                else:
                    digest = hashlib.sha256(repr(kinds).encode()).hexdigest()[:8]
                    event = f"reply:{lead.id[:8]}:{lead.version}:{digest}"
                refs = [message_id(root.id, root.lead_id)]
            when = now
            if t.dial is not None and t.kind == "email":
                when = quiet_until(t.dial, now) or now
            payload = build_payload(settings, lead, info, language=t.language, event=event, changes=mine,
                                    references=refs)
            out.notifications.append({"lead_id": lead.id, "kind": t.kind, "recipient": t.recipient, "event": event,
                                      "payload_json": payload, "state": "pending", "attempts": 0,
                                      "created_at": now, "next_attempt_at": when})
            if event == "new" and t.kind == "email":
                out.assignments.append({"lead_id": lead.id, "rep": t.recipient, "show_id": lead.show_id,
                                        "reason": t.reason, "tag": facts.tag, "assigned_at": now})
    return out


def write_assignments(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert, keeping the first assignment of a (lead, rep) pair."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    seen: set[tuple[str, str]] = set()
    unique = []
    for r in rows:
        if (r["lead_id"], r["rep"]) not in seen:
            seen.add((r["lead_id"], r["rep"]))
            unique.append(r)
    conn.execute(dialect_insert(LeadAssignment).on_conflict_do_nothing(), unique)

