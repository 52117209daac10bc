"""Every real vCard export in the corpus gives a contact (or a clear BadgeParseError)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.errors import BadgeParseError
from kiosk.scan.badge.parser import BadgeParser

_CORPUS = Path(os.environ.get("LEADKIOSK_CORPUS",
                             Path(__file__).resolve().parents[2].parent / "shared" / "corpus"))
CORPUS_FILES = sorted(p for p in (_CORPUS / "vcards").rglob("*") if p.is_file())


def test_corpus_present(corpus_dir: Path) -> None:
    assert len([p for p in (corpus_dir / "vcards").rglob("*") if p.is_file()]) == 63


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_every_corpus_vcard_parses(path: Path) -> None:
    try:
        contact = BadgeParser().parse(path.read_bytes())
    except BadgeParseError as exc:
        assert str(exc)  # a clear message, never a stack trace
        return
    assert contact.format == "vcard"
    assert contact.raw
    d = contact.to_dict()
    assert set(d) == {"first_name", "last_name", "company", "title", "email", "phone", "country",
                      "registration_id", "format", "raw"}


KNOWN = {
    "vcard-3.0.vcf": {"first_name": "Forrest", "last_name": "Gump",
                      "company": "Bubba Gump Shrimp Co.", "email": "forrestgump@example.com",
                      "phone": "+11115551212", "country": "US"},
    "John_Doe_IPHONE.vcf": {"first_name": "John", "last_name": "Doe", "company": "IBM",
                            "title": "Money Counter", "email": "john.doe@ibm.com"},
    "rfc6350-example.vcf": {"first_name": "Simon", "last_name": "Perreault",
                            "company": "Viagenie", "country": "CA"},
    "v21_japanese_2.vcf": {"last_name": "安藤"},
    "v21_nest.vcf": {"last_name": "parent"},
    "multiple.vcf": {"first_name": "Erika", "last_name": "Mustermann"},
    "issue114.vcf": {"company": "Dummy GmbH", "phone": "+49123456789"},
}


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_known_corpus_contacts(corpus_dir: Path, name: str) -> None:
    path = next((corpus_dir / "vcards").rglob(name))
    contact = BadgeParser().parse(path.read_bytes()).to_dict()
    for key, value in KNOWN[name].items():
        assert contact[key] == value, (key, contact)
