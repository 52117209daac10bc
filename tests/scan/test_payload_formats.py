"""Table tests: one payload per format and per profile option, with the contact it must give."""
from __future__ import annotations

import pytest

from kiosk.errors import BadgeParseError, ConfigError
from kiosk.scan.badge.contact import FIELDS
from kiosk.scan.badge.parser import BadgeParser
from kiosk.scan.badge.profile import profile_from_data
from kiosk.scan.badge.roster import Roster

ROSTER = Roster.from_csv_text(
    "Badge ID;Given Name;Surname;Company;Job Title;E-Mail;Phone;Country\n"
    "A-1001;Jana;Novak;Acme s.r.o.;Buyer;jana@acme.cz;602 123 456;CZ\n"
    "77123;Li;Wei;Wei Tech;CTO;li@weitech.cn;;CN\n", source="roster.csv")


def parse(payload: str | bytes, **profile: object) -> dict:
    return BadgeParser(profile_from_data(profile or None, "test.yaml"), ROSTER).parse(payload).to_dict()


VCARD21_QP = (b"BEGIN:VCARD\r\nVERSION:2.1\r\n"
              b"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen;;;\r\n"
              b"ORG;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:B=C3=A4ckerei =\r\n"
              b"Schmidt AG\r\n"
              b"TITLE:Meister\r\nTEL;HOME:+49 89 111111\r\nTEL;WORK;PREF:089 2222222\r\n"
              b"EMAIL;INTERNET:not-an-email\r\nEMAIL;INTERNET:juergen@baeckerei.de\r\n"
              b"ADR;WORK:;;Hauptstr. 1;M=C3=BCnchen;;80331;Deutschland\r\nEND:VCARD\r\n")

CASES = [
    ("vcard 3.0 escapes and folding",
     "BEGIN:VCARD\nVERSION:3.0\nN:O'Neil;Mary\\, Ann;;;\nFN:Mary Ann O'Neil\n"
     "ORG:Smith\\; Sons\\, Ltd;Sales\nTITLE:VP \n of Sales\nEMAIL;TYPE=INTERNET,WORK:mary@smith.co.uk\n"
     "TEL;TYPE=CELL:+44 20 7946 0958\nEND:VCARD",
     {"first_name": "Mary, Ann", "last_name": "O'Neil", "company": "Smith; Sons, Ltd",
      "title": "VP of Sales", "email": "mary@smith.co.uk", "phone": "+442079460958",
      "format": "vcard"}),
    ("vcard 2.1 quoted-printable, charset, soft break, pref tel, invalid email skipped",
     VCARD21_QP,
     {"first_name": "Jürgen", "last_name": "Müller", "company": "Bäckerei Schmidt AG",
      "title": "Meister", "email": "juergen@baeckerei.de", "phone": "+49892222222",
      "country": "DE", "format": "vcard"}),
    ("vcard 4.0 tel uri, pref param, several cards -> first",
     "BEGIN:VCARD\nVERSION:4.0\nFN:Kim Lee\nN:Lee;Kim;;;\n"
     "EMAIL;TYPE=home:kim@home.example\nEMAIL;PREF=1:kim@work.example\n"
     "TEL;VALUE=uri;TYPE=\"voice,work\":tel:+1-555-555-0100\nEND:VCARD\n"
     "BEGIN:VCARD\nVERSION:4.0\nFN:Second Person\nEND:VCARD",
     {"first_name": "Kim", "last_name": "Lee", "email": "kim@work.example",
      "phone": "+15555550100", "format": "vcard"}),
    ("vcard shift_jis bytes",
     "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=SHIFT_JIS:安藤;ロイド;;;\r\nEND:VCARD\r\n".encode("shift_jis"),
     {"first_name": "ロイド", "last_name": "安藤", "format": "vcard"}),
    ("vcard FN only",
     "BEGIN:VCARD\nVERSION:3.0\nFN:Ana María López\nEND:VCARD",
     {"first_name": "Ana María", "last_name": "López", "format": "vcard"}),
    ("mecard with escapes",
     "MECARD:N:Doe,John;ORG:Foo\\; Bar;TEL:+16505551212;EMAIL:john@foo.com;TITLE:Dev;;",
     {"first_name": "John", "last_name": "Doe", "company": "Foo; Bar", "email": "john@foo.com",
      "phone": "+16505551212", "title": "Dev", "format": "mecard"}),
    ("bizcard",
     "BIZCARD:N:Sean;X:Owen;T:Software Engineer;C:Google;A:76 9th Avenue;B:+12125551212;E:sean@example.com;;",
     {"first_name": "Sean", "last_name": "Owen", "company": "Google", "title": "Software Engineer",
      "email": "sean@example.com", "phone": "+12125551212", "format": "mecard"}),
    ("json with aliases and wrapper",
     '{"attendee": {"firstName": "Zoë", "lastName": "Brandt", "organisation": "Nord AG", '
     '"jobTitle": "CFO", "email": "ZOE@NORD.EXAMPLE", "phone": "040 123456", "country": "DE", '
     '"badgeId": "B-42"}}',
     {"first_name": "Zoë", "last_name": "Brandt", "company": "Nord AG", "title": "CFO",
      "email": "ZOE@nord.example", "phone": "+4940123456", "country": "DE",
      "registration_id": "B-42", "format": "json"}),
    ("url with attendee query param, roster hit",
     "https://reg.example.com/badge?event=x&attendee=77123",
     {"first_name": "Li", "last_name": "Wei", "company": "Wei Tech", "registration_id": "77123",
      "email": "li@weitech.cn", "country": "CN", "format": "url"}),
    ("url with id as last path segment",
     "https://reg.example.com/a/A-1001",
     {"first_name": "Jana", "registration_id": "A-1001", "phone": "+420602123456",
      "format": "url"}),
    ("bare id looked up in roster, case-insensitive",
     "a-1001",
     {"first_name": "Jana", "last_name": "Novak", "company": "Acme s.r.o.", "title": "Buyer",
      "email": "jana@acme.cz", "phone": "+420602123456", "country": "CZ",
      "registration_id": "a-1001", "format": "roster"}),
    ("bare id not on roster", "99999",
     {"first_name": None, "registration_id": "99999", "format": "roster"}),
    ("AIM prefix stripped", "]Q1MECARD:N:Roe,Jane;;",
     {"first_name": "Jane", "last_name": "Roe", "format": "mecard"}),
    ("ECI designator stripped", "\\000026MECARD:N:Roe,Jane;;",
     {"first_name": "Jane", "format": "mecard", "raw": "MECARD:N:Roe,Jane;;"}),
    ("AIM and ECI", "]C0\\00002677123", {"registration_id": "77123", "format": "roster"}),
    ("unknown text kept raw", "Hello booth!",
     {"format": "unknown", "raw": "Hello booth!", "first_name": None}),
    ("binary bytes kept as latin-1", b"\x00\xff\xfe\x01binary",
     {"format": "unknown", "raw": "\xff\xfe\x01binary"}),
    ("json array is not a contact", "[1, 2, 3]", {"format": "unknown"}),
]


@pytest.mark.parametrize("label,payload,expected", CASES, ids=[c[0] for c in CASES])
def test_payload_formats(label: str, payload: str | bytes, expected: dict) -> None:
    contact = parse(payload)
    assert list(contact) == list(FIELDS)
    for key, value in expected.items():
        assert contact[key] == value, (key, contact)
    assert contact["raw"]  # the payload is always kept


PROFILE_CASES = [
    ("delimited with field order",
     {"formats": ["delimited"], "delimiter": "^",
      "fields": ["registration_id", "first_name", "last_name", "company", "title", "email"]},
     "77123^Li^Wei^Wei Tech Ltd^Chief Technology Officer^li.wei@weitech.cn",
     {"registration_id": "77123", "first_name": "Li", "company": "Wei Tech Ltd",
      "title": "Chief Technology Officer", "email": "li.wei@weitech.cn", "format": "delimited"}),
    ("delimited pipe with skip and missing trailing fields",
     {"delimiter": "|", "fields": ["skip", "last_name", "first_name", "email", "phone"]},
     "X|Brandt|Zoë",
     {"first_name": "Zoë", "last_name": "Brandt", "email": None, "format": "delimited"}),
    ("delimited roster fills what the badge lacks",
     {"delimiter": ";", "fields": ["registration_id", "first_name"]},
     "A-1001;Janka",
     {"first_name": "Janka", "company": "Acme s.r.o.", "format": "delimited"}),
    ("default_country normalises national phone numbers",
     {"default_country": "FR"}, "MECARD:N:Petit,Luc;TEL:01 23 45 67 89;;",
     {"phone": "+33123456789"}),
    ("no default country: national number left as printed",
     {}, "MECARD:N:Petit,Luc;TEL:01 23 45 67 89;;", {"phone": "01 23 45 67 89"}),
    ("id_pattern decides what a bare id is",
     {"id_pattern": "^REG[0-9]{5}$"}, "REG00042", {"registration_id": "REG00042",
                                                   "format": "roster"}),
    ("id_pattern rejects other ids",
     {"id_pattern": "^REG[0-9]{5}$"}, "77123", {"format": "unknown"}),
    ("formats restricts detection",
     {"formats": ["vcard"]}, "MECARD:N:Roe,Jane;;", {"format": "unknown"}),
    ("url id pattern with named group",
     {"id_pattern": "/attendees/(?P<id>[0-9]+)"}, "https://x.example/attendees/77123/profile",
     {"registration_id": "77123", "first_name": "Li", "format": "url"}),
    ("url_id_params",
     {"url_id_params": ["ticket_no"]}, "https://x.example/t?ticket_no=A-1001&id=zzz",
     {"registration_id": "A-1001"}),
    ("json_fields mapping wins over aliases",
     {"json_fields": {"first_name": "vn", "company": "firma_name"}},
     '{"vn": "Uwe", "first_name": "ignored", "firma_name": "Uwe GmbH"}',
     {"first_name": "Uwe", "company": "Uwe GmbH", "format": "json"}),
]


@pytest.mark.parametrize("label,profile,payload,expected", PROFILE_CASES,
                         ids=[c[0] for c in PROFILE_CASES])
def test_profile_options(label: str, profile: dict, payload: str, expected: dict) -> None:
    contact = parse(payload, **profile)
    for key, value in expected.items():
        assert contact[key] == value, (key, contact)


def test_unknown_reject_raises_clear_error() -> None:
    with pytest.raises(BadgeParseError, match="matches none of the formats.*test.yaml"):
        parse("Hello", unknown="reject")


@pytest.mark.parametrize("payload", ["", "   ", b"", "\x00\x00", "]Q1"])
def test_empty_payload_is_an_error(payload: str | bytes) -> None:
    with pytest.raises(BadgeParseError, match="empty"):
        parse(payload)


def test_huge_payload_is_an_error_not_a_crash() -> None:
    with pytest.raises(BadgeParseError, match="no badge code holds"):
        parse(b"A" * 200_000)


def test_roster_rejects_missing_id_column() -> None:
    with pytest.raises(ConfigError, match=r"roster.csv: header: expected a registration id"):
        Roster.from_csv_text("name,company\nA,B\n", source="roster.csv")


def test_warnings_explain_what_to_complete() -> None:
    contact = BadgeParser().parse("99999")
    assert any("roster" in w for w in contact.warnings)
    contact = BadgeParser().parse("MECARD:N:A,B;EMAIL:bad@;;")
    assert contact.email is None and any("not a valid address" in w for w in contact.warnings)
