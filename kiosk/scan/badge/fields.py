"""Field clean-up shared by every payload format: one place decides what a valid email, an E.164
phone and a country look like, so a vCard and a roster row give the same contact."""
from __future__ import annotations

import re
import unicodedata

import phonenumbers

MAX_FIELD = 200  # longer values are kept in ``raw`` only; no name or company is that long

_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")

# Country names badge systems actually print, mapped to ISO 3166-1 alpha-2 (phonenumbers' regions).
_COUNTRY_NAMES = {
    "usa": "US", "us": "US", "united states": "US",
    "united states of america": "US", "america": "US",
    "uk": "GB", "u.k.": "GB", "united kingdom": "GB", "great britain": "GB", "england": "GB",
    "scotland": "GB", "wales": "GB",
    "germany": "DE", "deutschland": "DE", "france": "FR", "spain": "ES", "españa": "ES",
    "italy": "IT", "italia": "IT", "netherlands": "NL", "the netherlands": "NL", "holland": "NL",
    "nederland": "NL", "belgium": "BE", "switzerland": "CH", "schweiz": "CH", "suisse": "CH",
    "austria": "AT", "österreich": "AT", "sweden": "SE", "norway": "NO", "denmark": "DK",
    "finland": "FI", "poland": "PL", "polska": "PL", "portugal": "PT", "ireland": "IE",
    "czech republic": "CZ", "czechia": "CZ", "canada": "CA", "mexico": "MX", "méxico": "MX",
    "brazil": "BR", "brasil": "BR", "argentina": "AR", "japan": "JP", "日本": "JP", "china": "CN",
    "中国": "CN", "india": "IN", "australia": "AU", "new zealand": "NZ", "singapore": "SG",
    "south korea": "KR", "korea": "KR", "israel": "IL", "turkey": "TR", "türkiye": "TR",
    "united arab emirates": "AE", "uae": "AE", "south africa": "ZA", "russia": "RU",
    "ukraine": "UA", "greece": "GR", "hungary": "HU", "romania": "RO", "luxembourg": "LU",
    # as cards print them in their own language
    "sverige": "SE", "norge": "NO", "danmark": "DK", "suomi": "FI", "česko": "CZ",
    "česká republika": "CZ", "belgië": "BE", "belgique": "BE", "belgien": "BE", "éire": "IE",
    "magyarország": "HU", "românia": "RO", "slovensko": "SK", "hrvatska": "HR", "slovenija": "SI",
    "eesti": "EE", "latvija": "LV", "lietuva": "LT", "ísland": "IS", "luxemburg": "LU",
}


def clean(value: object) -> str | None:
    """Collapse whitespace and drop control characters; empty becomes None so missing fields are
    null in the record rather than empty strings."""
    if value is None:
        return None
    if not isinstance(value, str):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        else:
            return None
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in value)
    text = " ".join(text.split())
    if not text:
        return None
    return text[:MAX_FIELD]


def email(value: object) -> str | None:
    """A syntactically valid address or None: a wrong email would bounce the follow-up."""
    text = clean(value)
    if text is None:
        return None
    if text.lower().startswith("mailto:"):
        text = text[7:].split("?", 1)[0]
    text = text.strip("<> ")
    if len(text) > 254 or not _EMAIL.match(text):
        return None
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def country(value: object) -> str | None:
    """ISO alpha-2 where recognisable (the phone normaliser needs it), else the text as printed."""
    text = clean(value)
    if text is None:
        return None
    if len(text) == 2 and text.isascii() and text.isalpha():
        return "GB" if text.upper() == "UK" else text.upper()
    key = text.lower()
    mapped = _COUNTRY_NAMES.get(key) or _COUNTRY_NAMES.get(key.replace(".", "").strip())
    return mapped or text


def region_of(country_value: str | None) -> str | None:
    """The phonenumbers region for a contact's country, if it is one."""
    if country_value and len(country_value) == 2:
        code = "GB" if country_value.upper() == "UK" else country_value.upper()
        if code in phonenumbers.SUPPORTED_REGIONS:
            return code
    return None


def phone(value: object, region: str | None = None) -> str | None:
    """E.164 when the number carries ``+`` or the country is known; otherwise the digits as printed
    (a guessed country would silently produce a wrong number)."""
    text = clean(value)
    if text is None:
        return None
    if text.lower().startswith("tel:"):
        text = text[4:]
    text = text.split(";", 1)[0].strip()
    if not any(ch.isdigit() for ch in text) or len(text) > 40 or "@" in text \
            or sum(ch.isalpha() for ch in text) > 4:
        return None
    candidate = text
    if candidate.startswith("00"):
        candidate = "+" + candidate[2:]
    if candidate.startswith("+") or region:
        try:
            number = phonenumbers.parse(candidate, None if candidate.startswith("+") else region)
        except phonenumbers.NumberParseException:
            return text
        if phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return text


def typed_contact(contact: dict, default_region: str | None = None) -> dict:
    """A contact typed by hand or imported (``leadkiosk capture``) cleaned like a scanned one: the
    country as its ISO code where recognisable ("Germany" -> "DE"), the phone in E.164 using that
    country, else the show's default region ("0151 2345678" -> "+491512345678"). A phone that
    cannot be read is kept as typed: staff may know better than the parser."""
    out = dict(contact)
    if out.get("country"):
        out["country"] = country(out["country"]) or out["country"]
    if out.get("phone"):
        out["phone"] = phone(out["phone"], region_of(out.get("country")) or default_region) or out["phone"]
    return out


def split_full_name(full: str | None) -> tuple[str | None, str | None]:
    """'Ana María Lopez' -> ('Ana María', 'Lopez'); 'Lopez, Ana' -> ('Ana', 'Lopez')."""
    full = clean(full)
    if not full:
        return None, None
    if "," in full:
        last, _, first = full.partition(",")
        return clean(first), clean(last)
    parts = full.rsplit(" ", 1)
    if len(parts) == 1:
        return parts[0], None
    return parts[0], parts[1]
