"""From a decoded badge payload to a contact, following the show's badge profile.

Never loses the payload: whatever matches nothing comes back as format ``unknown`` with ``raw``
kept, so the staff complete the contact by hand. ``BadgeParseError`` is raised only where an
error is due: an empty or impossibly large payload, or one the profile says to reject.
"""
from __future__ import annotations

import logging

from kiosk.errors import BadgeParseError
from kiosk.scan.badge import fields as F
from kiosk.scan.badge.contact import Contact
from kiosk.scan.badge.delimited import parse_delimited
from kiosk.scan.badge.extracted import Extracted
from kiosk.scan.badge.jsonbadge import looks_like_json, parse_json
from kiosk.scan.badge.mecard import looks_like_mecard, parse_mecard
from kiosk.scan.badge.payload import strip_reader_prefixes, to_text
from kiosk.scan.badge.profile import BadgeProfile, default_badge_profile
from kiosk.scan.badge.roster import Roster
from kiosk.scan.badge.url import attendee_id, looks_like_url
from kiosk.scan.badge.vcard import looks_like_vcard, parse_vcard

log = logging.getLogger(__name__)


class BadgeParser:
    """One per show; cheap to call from the scan callback (pure, no I/O)."""

    def __init__(self, profile: BadgeProfile | None = None, roster: Roster | None = None) -> None:
        self.profile = profile or default_badge_profile()
        self.roster = roster if roster is not None else self.profile.roster

    def parse(self, payload: str | bytes) -> Contact:
        text = strip_reader_prefixes(to_text(payload))
        if not text.strip():
            raise BadgeParseError("badge payload is empty")
        try:
            found = self._detect(text)
        except (ValueError, LookupError, TypeError, RecursionError, UnicodeError) as exc:
            # A parser bug must not cost the visitor: keep the raw text for the staff.
            log.warning("badge parser failed on a payload (%s); kept as unknown", exc)
            found = None
        if found is None:
            if self.profile.unknown == "reject":
                raise BadgeParseError(
                    f"badge payload matches none of the formats this show expects "
                    f"({', '.join(self.profile.formats)}; profile {self.profile.source})")
            return Contact(format="unknown", raw=text,
                           warnings=["badge format not recognised: complete the contact by hand"])
        fmt, extracted = found
        return self._build(fmt, extracted, text)

    def _detect(self, text: str) -> tuple[str, Extracted] | None:
        p = self.profile
        stripped = text.strip()
        if "vcard" in p.formats and looks_like_vcard(text):
            return "vcard", parse_vcard(text)
        if "mecard" in p.formats and looks_like_mecard(stripped):
            return "mecard", parse_mecard(stripped)
        if "json" in p.formats and looks_like_json(stripped):
            parsed = parse_json(stripped, p.json_fields)
            if parsed is not None:
                return "json", parsed
        if "url" in p.formats and looks_like_url(stripped):
            pattern = p.id_pattern if p.id_pattern_set else None
            found = attendee_id(stripped, pattern, p.url_id_params)
            if found:
                return "url", Extracted(registration_id=found)
        if "delimited" in p.formats and p.fields:
            parsed = parse_delimited(stripped, p.delimiter, p.fields)
            if parsed is not None:
                return "delimited", parsed
        if "roster" in p.formats and p.id_pattern.fullmatch(stripped):
            return "roster", Extracted(registration_id=stripped)
        return None

    def _build(self, fmt: str, ex: Extracted, raw: str) -> Contact:
        contact = Contact(format=fmt, raw=raw)
        if ex.registration_id:
            contact.registration_id = F.clean(ex.registration_id)
            row = self.roster.lookup(contact.registration_id) if self.roster else None
            if row is not None:
                self._fill_from_roster(ex, row)
            elif fmt in ("roster", "url"):
                contact.warnings.append(
                    f"registration id {contact.registration_id} is not on the roster"
                    if self.roster else "no roster loaded: complete the contact by hand")
            if self.profile.id_pattern_set and contact.registration_id and \
                    not self.profile.id_pattern.fullmatch(contact.registration_id):
                contact.warnings.append(f"registration id {contact.registration_id!r} does not "
                                        "match the show's id pattern")
        first, last = F.clean(ex.first_name), F.clean(ex.last_name)
        if not first and not last and ex.full_name:
            first, last = F.split_full_name(ex.full_name)
        contact.first_name, contact.last_name = first, last
        contact.company = F.clean(ex.company)
        contact.title = F.clean(ex.title)
        contact.country = F.country(ex.country)
        for candidate in ex.emails:
            contact.email = F.email(candidate)
            if contact.email:
                break
        else:
            if ex.emails:
                contact.warnings.append(f"email {F.clean(ex.emails[0])!r} is not a valid address")
        region = F.region_of(contact.country) or self.profile.default_country
        for candidate in ex.phones:
            contact.phone = F.phone(candidate, region)
            if contact.phone:
                break
        return contact

    @staticmethod
    def _fill_from_roster(ex: Extracted, row: dict[str, str]) -> None:
        """The roster completes, never overrides, what the badge itself says."""
        for name in ("first_name", "last_name", "full_name", "company", "title", "country"):
            if getattr(ex, name) is None and row.get(name):
                setattr(ex, name, row[name])
        if row.get("email"):
            ex.emails.append(row["email"])
        if row.get("phone"):
            ex.phones.append(row["phone"])
