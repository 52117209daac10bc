"""From OCR lines to contact fields, with a confidence per field: pure, no I/O, no engine.

Why rules and not a model: the kiosk must run offline on a Pi, and staff confirm every field, so
an honest confidence that highlights what to check matters more than a clever guess. The rules
use what a card's layout tells a human: the e-mail and phone are found by pattern, the name is a
short line of capitalised words (often the largest text, often the e-mail's local part), the
company carries a legal form or matches the e-mail's domain, the title has a job word.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import phonenumbers

from kiosk.scan.badge import fields as badge_fields
from kiosk.scan.card.lines import OcrLine
from kiosk.scan.card.words import (COMPANY_SUFFIXES, COMPANY_SUFFIXES_UPPER, COMPANY_WORDS,
                                   FAX_LABELS, HONORIFICS, NAME_DEGREES, NAME_PARTICLES, PHONE_LABELS,
                                   TITLE_SUFFIXES, TITLE_WORDS)

CARD_FIELDS: tuple[str, ...] = ("first_name", "last_name", "title", "company", "email", "phone",
                                "country", "website")
MIN_LINE_CONFIDENCE = 0.5   # below this an OCR line is more likely noise than text
MAX_LINES = 200             # a card has a few dozen lines at most; the rest is noise
MAX_LINE_CHARS = 300

_EMAIL_IN = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}")
_WEB_IN = re.compile(
    r"(?i)\b(?:https?://)?(?:www\.)?[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)*\.[a-z]{2,24}(?:/[^\s]*)?")
AMBIGUOUS_DEGREES = frozenset({"ma", "ba", "md", "meng", "msc", "bsc"})
_NAME_WORD = re.compile(r"^[^\W\d_]+(?:['’\-.][^\W\d_]+)*\.?$")


@dataclass(frozen=True)
class CardReading:
    """``contact`` holds the eight card fields (None when not found); ``confidence`` 0..1 per field
    (0.0 when not found), so the kiosk can highlight what staff should check."""

    contact: dict[str, str | None]
    confidence: dict[str, float]
    text: list[str] = field(default_factory=list)


def _fold(text: str) -> str:
    """Lower-case ASCII letters only, umlauts spelled out as in e-mail addresses (ü -> ue)."""
    text = text.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("æ", "ae"), ("ø", "oe"),
                 ("å", "aa")):
        text = text.replace(a, b)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if "a" <= ch <= "z")


def _is_latin_word(word: str) -> bool:
    letters = [ch for ch in word if ch.isalpha()]
    return bool(letters) and all(ch.isascii() or "LATIN" in unicodedata.name(ch, "") for ch in letters)


def _tokens(text: str) -> list[str]:
    return [t.strip(",;:|") for t in text.split() if t.strip(",;:|")]


def _prepare(lines: Iterable[OcrLine]) -> list[OcrLine]:
    """Readable lines only, top to bottom, control characters gone, bounded in count and length."""
    out: list[OcrLine] = []
    for line in lines:
        if len(out) >= MAX_LINES:
            break
        if not isinstance(line, OcrLine) or not isinstance(line.text, str):
            continue
        conf = line.confidence if isinstance(line.confidence, (int, float)) else 0.0
        if conf != conf or conf < MIN_LINE_CONFIDENCE:  # NaN too
            continue
        text = badge_fields.clean(line.text[:MAX_LINE_CHARS])
        if text:
            out.append(OcrLine(text, line.box, min(1.0, float(conf))))
    out.sort(key=lambda ln: (ln.top, ln.box[0]))
    return out


def _find_email(lines: Sequence[OcrLine]) -> tuple[str | None, float, int | None]:
    for i, line in enumerate(lines):
        squeezed = re.sub(r"\s*@\s*", "@", line.text)
        for match in _EMAIL_IN.finditer(squeezed):
            value = badge_fields.email(match.group(0).strip(".'-"))
            if value:
                return value, line.confidence, i
    return None, 0.0, None


def _label(text: str) -> str:
    head = re.split(r"[\s:.+(\d]", text.strip().lower(), maxsplit=1)[0]
    return head


def _find_phone(lines: Sequence[OcrLine], region: str | None
                ) -> tuple[str | None, float, set[int], str | None]:
    """The first phone not labelled fax; mobile/tel labels raise confidence. Also returns every
    line that held a number, and the country a ``+`` prefix names."""
    best: tuple[float, str, str | None] | None = None
    used: set[int] = set()
    for i, line in enumerate(lines):
        if "@" in line.text:
            continue
        label = _label(line.text)
        try:
            matches = list(phonenumbers.PhoneNumberMatcher(line.text, region or "ZZ",
                                                           leniency=phonenumbers.Leniency.POSSIBLE))
        except Exception:  # phonenumbers raises on odd input; a bad line is just not a phone
            matches = []
        matches = [m for m in matches if sum(ch.isdigit() for ch in m.raw_string) >= 7]
        if not matches:
            continue  # postcodes and street numbers are not phones
        used.add(i)
        if label in FAX_LABELS:
            continue
        number = matches[0].number
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        valid = phonenumbers.is_valid_number(number)
        score = line.confidence * (0.9 if valid else 0.6) + (0.1 if label in PHONE_LABELS else 0.0)
        explicit = matches[0].raw_string.lstrip().startswith(("+", "00"))
        country = phonenumbers.region_code_for_number(number) if explicit else None
        if best is None or score > best[0]:
            best = (min(1.0, score), e164, country)
    if best is None:
        return None, 0.0, used, None
    return best[1], best[0], used, best[2]


# Country-code domains that are sold worldwide as generic names: they say nothing of a country.
_GENERIC_CCTLDS = frozenset({"io", "co", "ai", "me", "tv", "fm", "ly", "cc", "ws", "to", "gg", "sh", "ac",
                             "so", "am", "im", "la", "vc", "gl"})


def _domain_region(address: str | None) -> str | None:
    """The region a domain's country code names ('p@lumiere.fr' -> 'FR', 'x.co.uk' -> 'GB')."""
    if not address:
        return None
    host = address.rpartition("@")[2].split("/", 1)[0].lower().rstrip(".")
    tld = host.rsplit(".", 1)[-1] if "." in host else ""
    if len(tld) != 2 or tld in _GENERIC_CCTLDS:
        return None
    code = "GB" if tld == "uk" else tld.upper()
    return code if phonenumbers.country_code_for_region(code) else None


def _first_website(lines: Sequence[OcrLine], skip: set[int]) -> str | None:
    return _find_website(lines, skip)[0]


def _valid(e164: str) -> bool:
    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse(e164)))
    except phonenumbers.NumberParseException:
        return False


def _find_website(lines: Sequence[OcrLine], skip: set[int]) -> tuple[str | None, float, int | None]:
    found: tuple[str, float, int] | None = None
    for i, line in enumerate(lines):
        if i in skip or "@" in line.text:
            continue
        for match in _WEB_IN.finditer(line.text):
            url = match.group(0).rstrip(".,;")
            low = url.lower()
            marked = low.startswith(("www.", "http://", "https://"))
            if not marked and (len(line.text) > len(url) + 12 or " " in url):
                continue  # a bare "acme.de" inside a sentence is too weak
            if re.fullmatch(r"[\d.]+", low) or low.count(".") == 0:
                continue
            conf = line.confidence * (0.95 if marked else 0.7)
            if found is None or conf > found[1]:
                found = (url, conf, i)
    if found is None:
        return None, 0.0, None
    url = found[0]
    if url.lower().startswith(("http://", "https://")):
        url = url.split("://", 1)[1]
    return url.lower().rstrip("/"), found[1], found[2]


def _find_country(lines: Sequence[OcrLine], skip: set[int]) -> tuple[str | None, float, int | None]:
    for i, line in enumerate(lines):
        if i in skip:
            continue
        text = line.text.strip(" ,.-")
        candidates = [text]
        parts = [p.strip(" .") for p in re.split(r"[,\-–|·•]", text) if p.strip(" .")]
        if len(parts) > 1:
            candidates += [parts[-1], parts[0]]
        for cand in candidates:
            if len(cand) <= 2:
                continue  # two letters alone are too often initials or OCR noise
            code = badge_fields.country(cand)
            if code and len(code) == 2 and code.isupper() and code != cand:
                return code, line.confidence * 0.95, i
    return None, 0.0, None


def _is_company(line: OcrLine) -> float:
    words = _tokens(line.text)
    if not words or not any(_is_latin_word(w) for w in words):
        return 0.0
    # OCR reads the l of an abbreviation as I ('S.r.I.'); a word without dots is left alone
    lowered = [w.lower().replace("i", "l") if "." in w and w.lower() not in COMPANY_SUFFIXES else w.lower()
               for w in words]
    joined = " ".join(lowered)
    if any(w in COMPANY_SUFFIXES for w in lowered) or "& co" in joined or "sp. z o.o" in joined:
        return 0.9
    # 'AB' after a number is a Dutch postcode ('1017 AB Amsterdam'), not a Swedish firm
    if any(w in COMPANY_SUFFIXES_UPPER and not words[k - 1].isdigit() for k, w in enumerate(words) if k):
        return 0.85
    if any(w in COMPANY_WORDS for w in lowered):
        return 0.6
    return 0.0


def _is_title(line: OcrLine) -> float:
    words = [w.lower().strip("()/&") for w in _tokens(line.text.replace("/", " "))]
    if not words or len(words) > 8 or any(ch.isdigit() for ch in line.text) or "@" in line.text:
        return 0.0
    hits = sum(1 for w in words if w in TITLE_WORDS or w.endswith(TITLE_SUFFIXES))
    if not hits:
        return 0.0
    return min(0.9, 0.6 + 0.15 * hits)


def _name_words(line: OcrLine) -> list[str] | None:
    """The words of a line that could be a person's name, honorifics dropped, or None."""
    if any(ch.isdigit() for ch in line.text) or "@" in line.text:
        return None
    text = line.text.replace(",", " , ")
    words = [w for w in text.split() if w.lower() not in HONORIFICS]
    # "Julia Hoffmann, MBA", "Tom Lee PhD"; a degree that is also a surname ("Jack Ma") only after a comma
    while words and words[-1].lower() in NAME_DEGREES and (
            words[-1].lower() not in AMBIGUOUS_DEGREES or (len(words) > 1 and words[-2] == ",")):
        words.pop()
        while words and words[-1] == ",":
            words.pop()
    plain = [w for w in words if w != ","]
    if not 2 <= len(plain) <= 5:
        return None
    for w in plain:
        if not _NAME_WORD.match(w) or not _is_latin_word(w):
            return None
        if w.lower() not in NAME_PARTICLES and not w[0].isupper():
            return None
    return words


# Countries where a person carries two surnames, father's then mother's ("Javier García López").
_TWO_SURNAME_REGIONS = frozenset({"ES", "MX", "AR", "CO", "CL", "PE", "VE", "EC", "BO", "PY", "UY", "CR",
                                  "PA", "DO", "GT", "HN", "SV", "NI", "CU"})
# Given names of two words common there, so "María José García" keeps one surname.
_COMPOUND_GIVEN = frozenset({
    "maría josé", "josé luis", "juan carlos", "josé maría", "ana maría", "juan pablo", "luis miguel",
    "josé antonio", "juan josé", "maría luisa", "maría teresa", "maría isabel", "miguel ángel",
    "francisco javier", "juan antonio", "josé manuel", "juan manuel", "maría jesús", "maría carmen",
    "maría elena", "ana belén", "josé ramón", "juan luis", "maría pilar", "maría dolores", "josé carlos",
    "juan francisco", "maría victoria", "maría fernanda", "maría paula", "juan david", "juan diego",
    "luis alberto", "carlos alberto", "jorge luis", "maría eugenia", "maría cristina", "ana lucía"})


def _card_region(contact: dict[str, str | None], email: str | None, site: str | None) -> str | None:
    """The country the card is from, as far as it says: printed, the phone's, the domain's."""
    if contact.get("country"):
        return contact["country"]
    if contact.get("phone"):
        try:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(str(contact["phone"])))
        except phonenumbers.NumberParseException:
            region = None
        if region and region != "ZZ":
            return str(region)
    return _domain_region(email or site)


def _split_name(words: list[str], local: str | None = None, region: str | None = None) -> tuple[str, str]:
    """'Anna SCHMIDT' and 'SCHMIDT Anna' -> ('Anna', 'Schmidt'-as-printed); 'Schmidt, Anna';
    'Jan van der Berg' keeps the particles with the surname; 'María José Fernández López' with
    'mjfernandez@' -> ('María José', 'Fernández López'): the e-mail's local part spells the
    surname's first word where a card gives two surnames (Spanish, Portuguese). Where the e-mail
    says nothing and the card is from a Spanish-speaking country (``region``), three words are a
    given name and two surnames, unless the first two are a common compound given name."""
    if "," in words:
        k = words.index(",")
        last, first = words[:k], [w for w in words[k + 1:] if w != ","]
        if first and last:
            return " ".join(first), " ".join(last)
    words = [w for w in words if w != ","]
    caps = [i for i, w in enumerate(words) if len(w) > 1 and w.isupper()]
    if caps and len(caps) < len(words):
        block = caps == list(range(caps[0], caps[-1] + 1))
        if block and (caps[0] == 0 or caps[-1] == len(words) - 1):
            last = [words[i] for i in caps]
            first = [w for i, w in enumerate(words) if i not in caps]
            return " ".join(first), " ".join(_surname_case(w) for w in last)
    k = _surname_start_from_email(words, local) or len(words) - 1
    particles = any(w.lower() in NAME_PARTICLES for w in words[1:])
    if k == len(words) - 1 and region in _TWO_SURNAME_REGIONS and 3 <= len(words) <= 4 and not particles:
        # "Javier García López": one given name, two surnames; "María José García": two given names
        given = 2 if " ".join(words[:2]).lower() in _COMPOUND_GIVEN or len(words) == 4 else 1
        k = given if given < len(words) else k
    while k > 1 and words[k - 1].lower() in NAME_PARTICLES:
        k -= 1
    return " ".join(words[:k]), " ".join(words[k:])


def _surname_start_from_email(words: Sequence[str], local: str | None) -> int | None:
    """The index of a middle word that the e-mail's local part spells in full as its last name
    word, while the word before it is at most an initial there (``mjfernandez`` for 'María José
    Fernández López'); None when the local part says nothing of the kind ('michael.smith' for
    'John Michael Smith' spells Smith too, so Michael stays a given name)."""
    folded = _fold(local or "")
    if not folded or len(words) < 3:
        return None
    present = [len(_fold(w)) >= 3 and _fold(w) in folded for w in words]
    for k in range(1, len(words) - 1):
        prev = _fold(words[k - 1])
        if present[k] and not any(present[k + 1:]) and not (len(prev) > 1 and prev in folded):
            return k
    return None


def _surname_case(word: str) -> str:
    """'SCHMIDT' -> 'Schmidt', 'MÜLLER-LÜDENSCHEIDT' -> 'Müller-Lüdenscheidt': capitals on a card
    mark the surname; the record stores it the way it is written in a sentence."""
    return re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), word)


def _email_match(words: Sequence[str], local: str | None) -> float:
    """How well a name candidate matches the e-mail's local part (anna.schmidt, aschmidt, a.schmidt)."""
    if not local:
        return 0.0
    folded_local = _fold(local)
    parts = [_fold(w) for w in words if _fold(w) and w != ","]
    if not parts or not folded_local:
        return 0.0
    hits = sum(1 for p in parts if len(p) > 1 and p in folded_local)
    if hits >= 2:
        return 1.0
    if hits == 1:
        initials = any(folded_local.startswith(p[0]) for p in parts)
        return 0.8 if initials else 0.6
    return 0.0


# Second-level labels under a country code that name a kind of registrant, not the firm.
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu", "ltd", "plc", "gen", "biz", "ne", "or"})


def _domain_match(line: OcrLine, domain: str | None) -> float:
    if not domain:
        return 0.0
    labels = domain.lower().split(".")
    if labels and labels[0] == "www":
        labels = labels[1:]
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL:
        labels = labels[:-1]   # 'vega-analytics.co.uk', 'alpina.com.tr': the firm is before 'co'
    core = _fold(labels[-2] if len(labels) >= 2 else labels[0])
    words = [_fold(w) for w in _tokens(line.text)]
    words = [w for w in words if len(w) >= 3 and w not in {_fold(s) for s in COMPANY_SUFFIXES}]
    if not core or not words:
        return 0.0
    joined = "".join(words)
    if joined == core or joined.startswith(core) or core.startswith(joined):
        return 1.0
    every = [_fold(w) for w in _tokens(line.text) if w.lower() not in COMPANY_SUFFIXES]
    every = [w for w in every if w]
    if "".join(every) == core:
        return 1.0   # "De Jong Techniek" and dejongtechniek.nl: short words count too
    # an acronym domain: "Société Générale d'Ingénierie" and sgi.fr (d' is not a word)
    heads = [re.sub(r"^[^\W\d_]['’]", "", w) for w in _tokens(line.text)]
    initials = "".join(_fold(h[:1]) for h in heads if h[:1].isupper())
    if len(core) >= 2 and len(initials) >= 2 and initials == core:
        return 0.9
    if any(w in core for w in words if len(w) >= 4) or any(core in w for w in words):
        return 0.7
    return 0.0


def _plain(line: OcrLine) -> bool:
    """A short line of words as a firm or a job is printed: capitalised, no e-mail, no number
    (address, postcode), Latin script, a word of three letters or more (OCR noise on a face or a
    foreign script reads as short lower-case scraps)."""
    words = _tokens(line.text)
    return (1 <= len(words) <= 5 and "@" not in line.text and sum(ch.isdigit() for ch in line.text) < 2
            and words[0][:1].isupper() and any(_is_latin_word(w) and len(w) >= 3 for w in words))


def _stacked_name(lines: Sequence[OcrLine], free: list[tuple[int, OcrLine]], used: set[int],
                  local: str | None, domain: str | None, tallest: float
                  ) -> tuple[float, int, list[str], list[str]] | None:
    """Text-only badges often print the first name and the surname on two big lines ("Thomas" /
    "WEBER", "Chiara" / "De Luca", "Carmen" / "Martínez Ruiz"): a one-word line above a line of one
    to three words, of about the same, largest size. Returns (score, upper index, first-name words,
    surname words); the lines split the name, so a two-word surname stays whole."""
    rows = {i: ln for i, ln in free if i not in used and not _is_company(ln) and not _is_title(ln)}
    for i, line in rows.items():
        below = rows.get(i + 1)
        if below is None or not tallest or len(line.text.split()) != 1 or len(below.text.split()) > 3:
            continue
        if _domain_match(line, domain) >= 0.7:
            continue   # a one-word firm name above the person's name is not a first name
        words = _name_words(OcrLine(f"{line.text} {below.text}", line.box, line.confidence))
        upper = _name_words(OcrLine(f"{line.text} X", line.box, line.confidence))
        similar = min(line.height, below.height) >= 0.8 * max(line.height, below.height)
        if not (words and upper and similar and line.height >= 0.8 * tallest):
            continue
        first = [w for w in upper[:-1] if w != ","]
        last = [w for w in below.text.split() if w.lower() not in HONORIFICS]
        if not first or not last or first[0].lower() in NAME_PARTICLES:
            continue
        score = 0.6 + 0.3 * _email_match(words, local)
        return score * min(1.0, below.confidence / max(line.confidence, 1e-6)), i, first, last
    return None


def parse_card(lines: Iterable[OcrLine], region: str | None = None) -> CardReading:
    """The contact a card's OCR lines describe. ``region`` is the show's default region (ISO
    alpha-2) for phone numbers printed without ``+``. Never raises on odd input: junk gives empty
    fields with confidence 0."""
    region = badge_fields.region_of(region.upper()) if isinstance(region, str) else None
    prepared = _prepare(lines)
    contact: dict[str, str | None] = {name: None for name in CARD_FIELDS}
    confidence: dict[str, float] = {name: 0.0 for name in CARD_FIELDS}
    if not prepared:
        return CardReading(contact, confidence, [])

    used: set[int] = set()
    email, conf, i = _find_email(prepared)
    if email and i is not None:
        contact["email"], confidence["email"] = email, conf
        used.add(i)
    # The printed country, if any, says how to read a phone printed without "+"; else the
    # country of the e-mail's or website's domain (a French card at a German show prints
    # "01 42 68 53 00"), when the number is valid there; else the show's region.
    country, country_conf, country_line = _find_country(prepared, used)
    phone_region = badge_fields.region_of(country) or region
    phone, conf, phone_lines, phone_country = _find_phone(prepared, phone_region)
    domain_region = None if country else _domain_region(email or _first_website(prepared, used))
    if domain_region and domain_region != phone_region:
        other = _find_phone(prepared, domain_region)
        if other[0] and _valid(other[0]) and not (phone and phone_country):
            phone, conf, phone_lines, phone_country = other
    used |= phone_lines
    if phone:
        contact["phone"], confidence["phone"] = phone, conf
    if country and country_line is not None and country_line not in used:
        contact["country"], confidence["country"] = country, country_conf
        used.add(country_line)
    elif phone_country:
        contact["country"], confidence["country"] = phone_country, 0.5
    site, conf, i = _find_website(prepared, used)
    if site and i is not None:
        contact["website"], confidence["website"] = site, conf
        used.add(i)

    local, _, domain = (email or "").partition("@")
    if not domain and site:
        domain = site.split("/", 1)[0]
    heights = [ln.height for ln in prepared if ln.height > 0]
    tallest = max(heights) if heights else 0.0
    free = [(i, ln) for i, ln in enumerate(prepared) if i not in used]

    # Company: a legal form, else a line matching the e-mail's domain.
    best_company: tuple[float, int] | None = None
    for i, line in free:
        words = _name_words(line)
        if not _is_company(line) and words and _email_match(words, local) >= 0.8 \
                and _domain_match(line, domain) < 1.0:
            continue   # "Ing. Pieter de Jong" with p.dejong@dejongtechniek.nl: the person, not the firm
        if _is_company(line) <= 0.6 and _is_title(line) >= 0.75 and not _domain_match(line, domain):
            continue   # 'Chief Technology Officer': job words outweigh one firm-like word
        score = max(_is_company(line), 0.8 * _domain_match(line, domain))
        if _is_company(line) and _domain_match(line, domain):
            score = min(1.0, score + 0.1)
        if score and (best_company is None or score > best_company[0]):
            best_company = (score, i)
    if best_company:
        line = prepared[best_company[1]]
        contact["company"] = line.text
        confidence["company"] = round(best_company[0] * line.confidence, 3)
        used.add(best_company[1])

    # Name: a short line of capitalised words; the e-mail and text size decide between candidates.
    best_name: tuple[float, int, list[str]] | None = None
    for i, line in free:
        if i in used or _is_company(line) or _is_title(line):
            continue
        words = _name_words(line)
        if not words:
            continue
        size = line.height / tallest if tallest else 0.5
        score = 0.45 + 0.4 * _email_match(words, local) + 0.15 * size
        if best_name is None or score > best_name[0]:
            best_name = (score, i, words)
    stacked = _stacked_name(prepared, free, used, local, domain, tallest)
    if stacked and (best_name is None or best_name[1] == stacked[1] + 1
                    or prepared[best_name[1]].height < 0.8 * prepared[stacked[1]].height):
        # a badge's name is its largest print: a smaller two-word line ('Cordillera Medical') is not it
        # or the best single line is the stacked name's surname line ("De Luca" under "Chiara")
        used.add(stacked[1] + 1)
        best_name = (stacked[0], stacked[1], stacked[2] + stacked[3])
        given, family = " ".join(stacked[2]), " ".join(stacked[3])
        if given.isupper() and not family.isupper():
            given, family = family, given   # "WEBER" / "Thomas": the capitals are the surname
        split: tuple[str, str] | None = (given, family)
    else:
        split = None
    name_rows: list[int] = []
    if best_name:
        score, i, words = best_name
        split = split or _split_name(words, local, _card_region(contact, email, site))
        first, last = (_surname_case(part) if part.isupper() else part for part in split)
        line_conf = prepared[i].confidence
        contact["first_name"], contact["last_name"] = first or None, last or None
        split_sure = 1.0 if any(w.isupper() and len(w) > 1 for w in words) or "," in words else 0.9
        confidence["first_name"] = round(min(1.0, score) * line_conf * split_sure, 3)
        confidence["last_name"] = confidence["first_name"]
        used.add(i)
        name_rows = [i, i + 1] if split and stacked and stacked[1] == i else [i]
    elif local and re.fullmatch(r"[a-z]{2,}[._][a-z]{2,}", local.lower()):
        # No printed name found: "anna.schmidt@" still tells the name, though not its spelling.
        first, last = re.split(r"[._]", local.lower())
        contact["first_name"], contact["last_name"] = first.capitalize(), last.capitalize()
        confidence["first_name"] = confidence["last_name"] = 0.3

    # Company, last resort: no legal form, no domain to match (a badge, a role address at a
    # mail provider): the largest plain line left that is neither the name nor a job title.
    if contact["company"] is None:
        rest = [(i, ln) for i, ln in free if i not in used and _plain(ln) and not _is_title(ln)]
        if rest:
            i, line = max(rest, key=lambda r: r[1].height)
            contact["company"], confidence["company"] = line.text, round(0.4 * line.confidence, 3)
            used.add(i)

    # Title: a line with a job word; near the name is more likely.
    best_title: tuple[float, int] | None = None
    for i, line in free:
        if i in used:
            continue
        score = _is_title(line)
        if score and best_name and abs(i - best_name[1]) <= 2:
            score = min(1.0, score + 0.1)
        if score and (best_title is None or score > best_title[0]):
            best_title = (score, i)
    if best_title:
        line = prepared[best_title[1]]
        contact["title"] = line.text
        confidence["title"] = round(best_title[0] * line.confidence, 3)
    elif name_rows and (contact["email"] or contact["phone"]):
        # No job word ("Customer Success", "Aftersales", "Compras"): on a card, the plain line right
        # under the name (else right above it), in smaller print, is where the title goes.
        name_height = prepared[name_rows[0]].height
        for j in (name_rows[-1] + 1, name_rows[0] - 1):
            near = prepared[j] if 0 <= j < len(prepared) and j not in used else None
            if near is not None and _plain(near) and near.height < name_height:
                contact["title"], confidence["title"] = near.text, round(0.45 * near.confidence, 3)
                break

    confidence = {k: round(max(0.0, min(1.0, v)), 3) for k, v in confidence.items()}
    return CardReading(contact, confidence, [ln.text for ln in prepared])
