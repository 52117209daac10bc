"""Demo data: a show with realistic leads and sales outcomes, so a newcomer can sign in and review
something that looks like a real show, and the benchmark can fill 100,000 leads quickly.

Leads are scored with the real forms engine (results cached per distinct answer set, so 100,000
leads cost a few thousand scorings) and written with bulk Core inserts. Outcomes follow the score
(hot leads close more often) with noise, so the feedback report and calibration have something to
say.
"""
from __future__ import annotations

from decimal import Decimal

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterator

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from central.db import Database
from central.models import Device, Lead, LeadHistory, Show
from central.search import keys_of
from central.web.models import Outcome
from sync.record.record import new_lead, wire_record
from sync.record.timestamps import iso
from sync.record.versioning import new_version

FIRST = ["Anna", "Jonas", "Sofia", "Lukas", "Emma", "Mateo", "Zoë", "Łukasz", "José", "Chloé", "Noah", "Mia",
         "Björn", "Ingrid", "Aarav", "Priya", "Yuki", "Kenji", "Olivia", "Liam", "Fatima", "Omar", "Elena",
         "Marco", "Sven", "Hannah", "Jakub", "Eva", "Thomas", "Laura", "Søren", "Aoife", "Mehmet", "Ayşe"]
LAST = ["Müller", "Schmidt", "García", "Rossi", "Dubois", "Nowak", "Jensen", "Smith", "Brown", "Kowalski",
        "Novák", "Fischer", "Weber", "Martin", "Silva", "Yamada", "Tanaka", "Patel", "Sharma", "O'Brien",
        "Johansson", "Andersen", "Costa", "Bauer", "Wagner", "Becker", "Öztürk", "Horvat", "Ferreira", "Keller"]
COMPANIES = ["Acme Logistics GmbH", "Nordwind Energie AG", "Brightline Retail", "Costa & Filhos Lda",
             "Fjord Analytics AS", "Helix Biotech", "Kuroda Manufacturing", "Lumen Media", "Medwell Clinics",
             "Orbis Insurance", "Pinnacle Foods", "Quanta Systems", "Riverside Hotels", "Sanitas Pharma",
             "Tallinn Software OÜ", "Urban Mobility SA", "Vektor Automation", "Weißbach Maschinenbau",
             "Xylo Robotics", "Zephyr Airlines", "Alpenland Versicherung", "Baltic Freight", "Café Olé SL",
             "Delta Workspace", "Evergreen Schools", "=HYPERLINK(\"http://x.example\")"]
TITLES = ["Head of Marketing", "IT Director", "Procurement Manager", "CEO", "Event Manager", "CTO",
          "Sales Operations Lead", "Developer", "Student", "Office Manager", "VP Sales"]
COUNTRIES = ["DE", "DE", "DE", "AT", "CH", "FR", "NL", "PL", "ES", "IT", "SE", "DK", "GB", "US", "JP"]
STAFF = ["Ana", "Ben", "Chiara", "Dmitri", "Elif"]
STAGES = ["discovery", "demo booked", "proposal", "negotiation"]
LOST_REASONS = ["went with a competitor", "no budget after all", "project cancelled", "no response"]
DISCARD_REASONS = ["duplicate contact", "not a buyer", "wrong company data", "student"]


@dataclass
class DemoResult:
    show_id: str
    leads: int
    outcomes: int
    devices: int


def _answers(rng: random.Random) -> dict[str, Any]:
    """A plausible answer set for the default BANT form; answers tend to hang together."""
    keen = rng.random()
    pick = lambda opts, w: rng.choices(opts, weights=w)[0]  # noqa: E731
    hi = keen > 0.6
    a: dict[str, Any] = {
        "budget": pick(["approved", "planned", "none", "unknown"], [5, 4, 2, 3] if hi else [1, 3, 4, 4]),
        "authority": pick(["decision_maker", "influencer", "researcher", "other"], [5, 4, 2, 1] if hi else [1, 3, 4, 2]),
        "need": pick(["critical", "important", "nice_to_have", "none"], [5, 4, 1, 0.3] if hi else [1, 3, 4, 2]),
        "timing": pick(["0_3_months", "3_6_months", "6_12_months", "12_plus_months", "no_plans"],
                       [5, 4, 2, 1, 0.5] if hi else [1, 2, 4, 3, 3]),
        "role": pick(["buyer", "student", "competitor", "vendor", "press"], [30, 2, 1, 1.5, 0.7]),
        "follow_up": pick(["demo", "call", "info_pack", "none"], [5, 3, 2, 1] if hi else [1, 2, 5, 3]),
        "consent": True,
    }
    if a["need"] != "none":
        prods = ["badge_scanner", "lead_kiosk", "crm_sync", "analytics"]
        a["product_interest"] = sorted(rng.sample(prods, rng.choice([1, 1, 2, 2, 3])))
    if a["timing"] != "no_plans":
        a["evaluated_competitors"] = rng.random() < (0.6 if hi else 0.3)
    if rng.random() < 0.15:
        a["notes"] = rng.choice(["Wants pricing for 12 kiosks", "Call after the holidays", "Met last year",
                                 "Interested in the Salesforce sync", "Asked about offline mode"])
    return a


class _Scorer:
    def __init__(self, form_yaml: str):
        from forms import load_form_text
        self.form = load_form_text(form_yaml, source="demo form")
        self.cache: dict[str, dict] = {}

    def __call__(self, answers: dict) -> dict:
        from forms import score
        key = repr(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in answers.items() if k != "notes"))
        hit = self.cache.get(key)
        if hit is None:
            hit = score(self.form, answers).to_dict()
            self.cache[key] = hit
        return hit


def _vcard(c: dict) -> str:
    return ("BEGIN:VCARD\r\nVERSION:3.0\r\n"
            f"N:{c['last_name']};{c['first_name']}\r\nFN:{c['first_name']} {c['last_name']}\r\n"
            f"ORG:{c['company']}\r\nTITLE:{c['title']}\r\nEMAIL:{c['email']}\r\nTEL:{c['phone']}\r\n"
            f"ADR:;;;;;;{c['country']}\r\nEND:VCARD")


def _slug(text: str) -> str:
    import unicodedata
    text = text.translate(str.maketrans({"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "ß": "ss", "Æ": "AE", "æ": "ae"}))
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in t if ch.isalnum()) or "x"


def lead_rows(show_id: str, devices: list[tuple[str, str]], n: int, *, start: date, days: int,
              form_yaml: str, seed: int = 7, now: datetime | None = None) -> Iterator[dict[str, Any]]:
    """``n`` rows for the ``leads`` table (with ``record_json``), spread over show hours."""
    rng = random.Random(seed)
    scorer = _Scorer(form_yaml)
    now = now or datetime.now(timezone.utc)
    # Booth traffic: slow mornings, a lunch peak, an afternoon peak.
    hour_w = {9: 3, 10: 6, 11: 8, 12: 9, 13: 6, 14: 8, 15: 9, 16: 7, 17: 4}
    for i in range(n):
        day = start + timedelta(days=rng.randrange(days))
        hour = rng.choices(list(hour_w), weights=list(hour_w.values()))[0]
        at = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60),
                      rng.randrange(1000) * 1000, tzinfo=timezone.utc)
        dev_id, dev_name = devices[rng.randrange(len(devices))]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = rng.choice(COMPANIES)
        contact = {"first_name": first, "last_name": last, "company": company, "title": rng.choice(TITLES),
                   "email": f"{_slug(first)}.{_slug(last)}{i}@{_slug(company.split()[0])}.example",
                   "phone": f"+49 30 {rng.randrange(1000000, 9999999)}", "country": rng.choice(COUNTRIES),
                   "registration_id": f"R{rng.randrange(10**7):07d}", "format": "vcard"}
        contact["raw"] = _vcard(contact)
        answers = _answers(rng)
        sc = scorer(answers)
        staff = rng.choice(STAFF)
        lead_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        notes = answers.pop("notes", "") if "notes" in answers else ""
        record = wire_record(new_lead(
            show_id=show_id, kiosk_id=dev_name, staff=staff, contact=contact, answers=answers, score=sc,
            consent={"given": True, "text_version": "2026-1", "at": iso(at)}, notes=notes, captured_at=at,
            lead_id=lead_id, clock={"synchronised": True, "source": "ntp", "monotonic_s": 1000.0 + i,
                                    "boot_id": "demo"}))
        pi = answers.get("product_interest")
        yield {"id": lead_id, "show_id": show_id, "device_id": dev_id, "kiosk_id": dev_name, "version": 1,
               "captured_at": at, "captured_at_corrected": at, "clock_method": "synchronised",
               "tag": sc["tag"], "computed_tag": sc["computed_tag"], "override": None, "score": int(sc["score"]),
               "discarded": sc["discarded"], "discard_reason": sc["discard_reason"], "staff": staff,
               "email": contact["email"], "first_name": first, "last_name": last, "company": company,
               "country": contact["country"], "follow_up": answers.get("follow_up"),
               "product_interest": ", ".join(pi) if pi else None, "record_json": record,
               "received_at": at + timedelta(seconds=rng.randrange(5, 600)), "updated_at": at, "merged_into": None,
               **keys_of({"first_name": first, "last_name": last, "company": company, "email": contact["email"]})}


def outcome_for(rng: random.Random, score: int, discarded: bool) -> tuple[str, str | None, str | None] | None:
    """A plausible sales outcome given the score (None = sales have not reported yet)."""
    if discarded:
        return ("discarded", None, rng.choice(DISCARD_REASONS)) if rng.random() < 0.3 else None
    p_report = 0.25 + 0.6 * min(score, 100) / 100
    if rng.random() > p_report:
        return None
    p_won = max(0.02, min(0.6, (score - 30) / 110))
    r = rng.random()
    if r < p_won:
        return ("closed_won", None, None)
    if r < p_won + 0.35:
        return ("closed_lost", None, rng.choice(LOST_REASONS))
    if r < p_won + 0.5:
        return ("discarded", None, rng.choice(DISCARD_REASONS))
    return ("active", rng.choice(STAGES), None)


def ensure_show(s: Session, show_id: str, name: str, form_yaml: str, *, cost: float | None, now: datetime,
                kiosks: int = 3) -> list[tuple[str, str]]:
    """Create the show and its kiosks if missing; returns ``[(device_id, name)]``."""
    show = s.get(Show, show_id)
    if show is None:
        from forms import load_form_text
        form = load_form_text(form_yaml, source="demo form")
        show = Show(id=show_id, name=name, created_at=now, cost=cost,
                    config_json={"id": show_id, "name": name, "destinations": [
                        {"name": "central", "kind": "central"},
                        {"name": "hubspot", "kind": "hubspot", "token_env": "HUBSPOT_TOKEN"}]},
                    form_yaml=form_yaml, badge_yaml=None, roster_csv=None, form_version=form.version,
                    updated_at=now)
        s.add(show)
        from central.web.models import ReportSettings
        s.add(ReportSettings(show_id=show_id, currency="EUR"))   # the demo deals are in EUR
    devs = s.execute(select(Device.id, Device.name).where(Device.show_id == show_id).order_by(Device.name)).all()
    if devs:
        return [(d.id, d.name) for d in devs]
    out = []
    rng = random.Random(show_id)
    for k in range(1, kiosks + 1):
        dev_id = f"dev-{show_id}-{k}"[:40]
        s.add(Device(id=dev_id, show_id=show_id, name=f"booth-{k}", token_hash=uuid.uuid4().hex + uuid.uuid4().hex,
                     signing_secret="whsec_ZGVtbw==", revoked_at=None, enrolled_at=now - timedelta(days=3),
                     last_seen_at=now - timedelta(minutes=rng.randrange(1, 300)),
                     last_sync_at=now - timedelta(minutes=rng.randrange(1, 300)),
                     last_ingest_at=now - timedelta(minutes=rng.randrange(1, 300)),
                     pending_json={"central": rng.choice([0, 0, 3, 12]), "hubspot": rng.choice([0, 5])}))
        out.append((dev_id, f"booth-{k}"))
    s.flush()
    return out


def load_demo(db: Database, *, show_id: str = "demo-2026", name: str = "Demo Expo 2026", leads: int = 600,
              seed: int = 7, cost: float | None = 24000.0, start: date | None = None, days: int = 3,
              outcomes: bool = True, form_yaml: str | None = None, batch: int = 2000,
              index: bool = True, now: datetime | None = None) -> DemoResult:
    """Fill ``show_id`` with ``leads`` leads (added to any already there) and outcomes; with
    ``index`` the report's answer index is built too, so the first report opens at once."""
    from forms import default_form_path
    form_yaml = form_yaml or default_form_path().read_text(encoding="utf-8")
    now = now or datetime.now(timezone.utc)  # the demo's "today": its leads are the last days before it
    start = start or (now - timedelta(days=days + 30)).date()
    with db.session() as s:
        devices = ensure_show(s, show_id, name, form_yaml, cost=cost, now=now)
    rng = random.Random(seed + 1)
    n_out = 0
    buf: list[dict] = []
    obuf: list[dict] = []
    hbuf: list[dict] = []

    def flush() -> None:
        with db.write() as conn:
            if buf:
                conn.execute(insert(Lead.__table__), buf)
            if obuf:
                conn.execute(insert(Outcome.__table__), obuf)
            if hbuf:
                conn.execute(insert(LeadHistory.__table__), hbuf)
        buf.clear()
        obuf.clear()
        hbuf.clear()

    for row in lead_rows(show_id, devices, leads, start=start, days=days, form_yaml=form_yaml, seed=seed, now=now):
        if outcomes:
            o = outcome_for(rng, row["score"] or 0, row["discarded"])
            if o is not None:
                status, stage, reason = o
                at = min(row["captured_at"] + timedelta(days=rng.randrange(7, 40)), now - timedelta(hours=1))
                outcome = {"status": status, "stage": stage, "reason": reason,
                           "at": iso(at)}
                amount = None
                if status in ("closed_won", "active"):  # deal sizes as a B2B show sees them
                    amount = Decimal(rng.choice((2500, 5000, 8000, 12500, 20000, 35000, 60000)))
                    outcome.update(amount=str(amount), currency="EUR", close_date=at.date().isoformat())
                row["record_json"]["outcome"] = outcome
                row["version"] = new_version(row["record_json"], {"outcome": {"old": None, "new": outcome}},
                                             actor="sales@demo.example", at=at)["version"]
                hbuf.append({"lead_id": row["id"], "version": 2, "at": at, "actor": "sales@demo.example",
                             "source": "web", "changes_json": {"outcome": {"old": None, "new": outcome}}})
                obuf.append({"lead_id": row["id"], "show_id": show_id, "status": status, "stage": stage,
                             "reason": reason, "reported_at": at, "reported_by": "sales@demo.example",
                             "amount": amount, "currency": "EUR" if amount is not None else None,
                             "close_date": at.date() if amount is not None and status == "closed_won" else None,
                             "source": "demo"})
                n_out += 1
        buf.append(row)
        if len(buf) >= batch:
            flush()
    flush()
    if index:
        from central.web.answers_index import refresh
        with db.session() as s:
            refresh(s, show_id)
    return DemoResult(show_id, leads, n_out, len(devices))
