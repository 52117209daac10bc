"""OCR benchmark for business cards and text-only badges (issue 20): generated cards with varied
layouts (left, centred, right, split; company or name first), fonts (sans, serif, condensed, bold),
people from ten countries (de, fr, es, it, nl, gb, us, se, pl, tr), tilt, blur, glare and dark cards, as 1080p photos, read by the kiosk's engine
(RapidOCR on ONNX Runtime) and by the named baseline engine, Tesseract 5 from Debian
(``apt-get install tesseract-ocr tesseract-ocr-{deu,fra,spa,ita,nld}``), then by the card parser.

A field counts as *recoverable* only if the engine's raw text contains it (folded: case and spaces
ignored); accuracy is exact matches among recoverable fields, so the table separates what the
engine missed from what the parser got wrong. Beside the parser, the naive reading staff would get
from "first line is the name, second the title, third the company, the first @-word the e-mail,
the first line with 7+ digits the phone", on the same OCR lines. Each engine runs in its own
process, one after the other, on the same images (same seed): ms per photo (engine incl. the
orientation retries), the parser's ms, and the extra peak memory (VmHWM minus the RSS before the
engine loaded, plus Tesseract's child processes). The machine is shared: compare ratios.

    .venv/bin/python bench/ocr_bench.py                         # full size: 100 cards, 30 badges
    .venv/bin/python bench/ocr_bench.py --cards 30 --badges 10  # reduced (what fitted in the time)
    .venv/bin/python bench/ocr_bench.py --engines rapidocr      # one engine
    .venv/bin/python bench/ocr_bench.py --set narrow            # the first, narrow set

Targets (issue 20), among recoverable fields: e-mail and phone 95% exact, names split 90%, company
85%, title 80%; at most 2.5 s per 1080p photo; at most 400 MB extra memory.

The kiosk reads only the guide frame's area of the photo (``guide_crop``), and so does this bench,
for both engines. RapidOCR runs with the kiosk's settings (``kiosk.scan.card.engine``: detection
on a copy at most 736 px long, one ONNX Runtime thread, one line per recognition batch, no
direction classifier). ``--threads N`` compares thread counts.

The default set is the broad one (``bench/ocr_cards.py``): people from ten countries' name pools
(double surnames, particles, hyphenated first names, honorifics), phones in national formats (where
the card says the country) as well as ``+CC``, ``+CC (0)`` and ``00CC``, titles in and outside the
word lists, companies with and without legal forms, websites or not, e-mail local parts as
first.last, flast, f.last, first, initials or a role address, split layouts, condensed fonts.
``--set narrow`` gives the first set (16 fixed people, every phone with ``+CC``). Recoverable
folds case and spaces but keeps accents (a 'Yılmaz' read as 'Yilmaz' is the engine's miss) and
finds a phone by its national digits.

Last full run on the broad set (2026-12-03 07:41-07:52 UTC, 100 cards + 30 badges, seed 20, region
DE, parser of c9fc323; load average 4.5 at the start, 4.3-6.1 during):

| field | rapidocr recoverable | parser | naive | tesseract recoverable | parser | naive |
|---|---|---|---|---|---|---|
| first_name | 130/130 | 99% | 43% | 104/130 | 94% | 41% |
| last_name | 127/130 | 99% | 50% | 94/130 | 97% | 49% |
| title | 99/100 | 100% | 59% | 99/100 | 99% | 58% |
| company | 127/130 | 100% | 56% | 113/130 | 98% | 51% |
| email | 97/100 | 100% | 100% | 73/100 | 99% | 99% |
| phone | 100/100 | 99% | 30% | 99/100 | 93% | 30% |

| engine | model load s | ms/photo median | p90 | max | parser ms | extra peak MB | all fields exact | load at start, end |
|---|---|---|---|---|---|---|---|---|
| rapidocr | 1.9 | 1246 | 1779 | 2940 | 2.99 | 315 | 677/690 = 98% | 4.5, 6.1 |
| tesseract | 0.0 | 2948 | 4332 | 10917 | 2.98 | 172 | 562/690 = 81% | 6.4, 4.3 |

Time ratio rapidocr/tesseract (median, same run): 0.42. RapidOCR alone on the broad set at load
0.5-1.7 (07:31-07:36): 500-517 ms median, p90 565-586, max 660-695 ms, 280-296 MB. The parser
before the rules the broad set asked for (9db33dc; same set, RapidOCR): first name 93%, last name
93%, title 92%, company 90%, e-mail 100%, phone 98%: the targets held, but the misses showed
general gaps (a co.uk / com.tr domain, Turkish legal forms, "vom", a badge's two-line name with a
two-word surname, Spanish double surnames, titles and companies named by no word list, country
names in their own language); each rule now has a unit case in ``tests/scan/card``. What the
parser still misses here: a Spanish national number whose e-mail domain the engine misread
('meridían.es', so nothing says Spain; the card's 'Madrid' is not read as a country).

After the rules a second, held-out seed showed (b1ae89f, 22574b2), RapidOCR alone at load 2.3
falling to 1.1 (08:07-08:11 UTC):

| seed | first / last name | title | company | e-mail | phone | all fields exact | ms median (p90, max) | extra MB |
|---|---|---|---|---|---|---|---|---|
| 20 | 100% / 100% | 100% | 100% | 100% | 99% | 679/690 = 98% | 862 (992, 1324) | 315 |
| 21 (held out: its misses were read before its rules were written) | 99% / 99% | 100% | 99% | 100% | 100% | 675/690 = 98% | 890 (1082, 1641) | 286 |
| 22 (never looked at before: run once after the last parser change, 08:36 UTC, load 0.5-0.9) | 100% / 99% | 100% | 100% | 100% | 98% | 677/690 = 98% | 737 (888, 1003) | 302 |

Seed 21 before those rules: names 98%, company 96%, title 99%, 666/690 = 97%. Left: seed 21's
badge 'Javier Rodríguez Vidal' with nothing saying Spain (split 2 + 1) and an engine-merged
'LumenMaschinenbau'; seed 20's Spanish number with a misread domain.

The narrow set again with that parser (``--set narrow --engines rapidocr``, 07:52-07:54 UTC, load
4.3 falling to 3.1): first and last name 100%, title 99% (the one miss: the engine read
'LeiterinVertrieb'), company, e-mail, phone 100%; 673/690 = 98% of all fields; 1134 ms median
(p90 1352, max 3143), 307 MB: no regression from the new rules.

The narrow set, earlier runs (parser before c9fc323; recoverable then also folded accents):

Full run 2026-12-03 07:16-07:20 UTC, 100 cards + 30 badges, seed 20, region DE; this shared
2-core machine at load average 4.5 at the start, 3.3 at the end:

| field | rapidocr recoverable | parser | naive | tesseract recoverable | parser | naive |
|---|---|---|---|---|---|---|
| first_name | 129/130 | 100% | 55% | 128/130 | 95% | 52% |
| last_name | 124/130 | 100% | 53% | 123/130 | 80% | 41% |
| title | 100/100 | 99% | 47% | 94/100 | 99% | 48% |
| company | 114/130 | 100% | 40% | 122/130 | 98% | 34% |
| email | 100/100 | 100% | 100% | 83/100 | 80% | 78% |
| phone | 100/100 | 100% | 100% | 95/100 | 100% | 100% |

| engine | model load s | ms/photo median | p90 | max | parser ms | extra peak MB | all fields exact | load at start, end |
|---|---|---|---|---|---|---|---|---|
| rapidocr | 1.3 | 677 | 1087 | 2008 | 1.25 | 318 | 666/690 = 97% | 4.5, 4.6 |
| tesseract | 0.0 | 987 | 1375 | 4236 | 1.15 | 171 | 593/690 = 86% | 4.6, 3.3 |

Time ratio rapidocr/tesseract (median, same run): 0.69. The run before it (same set, load 15.2
falling to 6.0): rapidocr 1890 ms median (p90 2453), 279 MB; tesseract 3815 ms (p90 9833), 171 MB;
the same field figures. Thread counts compared one after the other (``--engines rapidocr``,
``--threads N``), the first pair at the lowest load reached (07:25 UTC, the full 100 + 30):

| ONNX Runtime threads | set | load average at start, end | ms/photo median | p90 | max | extra peak MB | all fields exact |
|---|---|---|---|---|---|---|---|
| 1 (the kiosk's) | 100 + 30 | 1.4, 2.2 | 489 | 508 | 528 | 257 | 666/690 = 97% |
| 2 | 100 + 30 | 2.2, 4.2 | 766 | 1008 | 1492 | 266 | 666/690 = 97% |
| 1 (the kiosk's) | 20 + 5 | 6.1, 7.2 | 1135 | 1204 | 1326 | 251 | 131/135 = 97% |
| 2 | 20 + 5 | 7.2, 8.3 | 1732 | 2060 | 2351 | 258 | 131/135 = 97% |

Against the targets: all field targets met on the narrow set (names, e-mails, phones, companies 100%,
titles 99% among recoverable); 0.49 s median per 1080p photo at load 1.4 (max 0.53 s), 0.7 s at
load 4.5 (p90 1.1 s, max 2.0 s), 1.9 s at load 6-15; 251-318 MB extra peak over the runs (target 400). Before the
settings (RapidOCR's defaults, which detect a 1080p frame at full size): 12-16 s per photo and
615-673 MB extra. Not measured on a Pi yet.
The narrow set printed every phone with ``+CC`` and drew 16 people; hence the broad set. Both are
generated, and the hidden "real-looking" set will be harder still (real fonts and logos, cards
with several phones, two-line titles, slogans); the unit cases in
``tests/scan/card/test_card_fields.py`` cover layouts the generators do not make.
"""
from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PIL import Image, ImageDraw, ImageFilter, ImageFont  # noqa: E402

from kiosk.scan.card.engine import THREADS, RapidOcrReader, load_image, read_upright  # noqa: E402
from kiosk.scan.card.fields import parse_card  # noqa: E402
from kiosk.scan.card.lines import OcrLine  # noqa: E402
from kiosk.scan.card.still import guide_crop  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
from ocr_cards import card_content  # noqa: E402

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
PEOPLE = [("Anna", "Schmidt"), ("Lukas", "Müller"), ("Jean-Pierre", "Dubois"), ("Camille", "Laurent"),
          ("María", "García"), ("Javier", "Fernández"), ("Marco", "Rossi"), ("Giulia", "Bianchi"),
          ("Jan", "de Vries"), ("Sanne", "Jansen"), ("Sarah", "Connor"), ("James", "Walker"),
          ("Erik", "Lindqvist"), ("Paul", "van der Berg"), ("Claire", "Moreau"), ("Tom", "Becker")]
TITLES = {"de": ["Leiterin Vertrieb", "Geschäftsführer", "Einkaufsleiter", "Projektleiterin"],
          "en": ["Purchasing Manager", "VP Sales EMEA", "Head of Operations", "Senior Engineer"],
          "fr": ["Directeur Commercial", "Responsable Achats", "Ingénieure Produit"],
          "es": ["Directora de Marketing", "Jefe de Compras", "Gerente General"],
          "it": ["Responsabile Acquisti", "Direttore Tecnico", "Amministratore Delegato"],
          "nl": ["Hoofd Inkoop", "Accountmanager", "Directeur Verkoop"]}
COMPANIES = {"de": ("Maschinenbau {} GmbH", "de", "+49 89 {} {}", "089 {} {}"),
             "en": ("{} Analytics Ltd", "co.uk", "+44 20 {} {}", "+44 20 {} {}"),
             "fr": ("Optique {} SAS", "fr", "+33 1 4{} {}", "+33 1 4{} {}"),  # 9 digits: valid
             "es": ("Soluciones {} S.L.", "es", "+34 91 {} {}", "+34 91 {} {}"),
             "it": ("{} Meccanica S.r.l.", "it", "+39 02 {} {}", "+39 02 {} {}"),
             "nl": ("{} Logistics B.V.", "nl", "+31 20 {} {}", "+31 20 {} {}")}
BRANDS = ["Nordwind", "Alpina", "Lumen", "Vega", "Orion", "Kestrel", "Atlas", "Solano"]
FIELDS = ("first_name", "last_name", "title", "company", "email", "phone")
Row = tuple[str, int, bool, "str | None"]   # text, font px, bold, alignment (None: the card's)


def _ascii(text: str) -> str:
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("é", "e"), ("è", "e"), ("á", "a"),
                 ("í", "i"), ("ó", "o"), ("ñ", "n"), ("ç", "c")):
        text = text.replace(a, b)
    return re.sub(r"[^a-z0-9]", "", text.lower())


def make_card(rng: random.Random, badge: bool, region: str = "DE") -> tuple[Image.Image, dict[str, str]]:
    """A card or text-only badge from the broad set (``ocr_cards``) as a 1080p photo, with its truth."""
    truth, p = card_content(rng, region)
    first, last = truth["first_name"], truth["last_name"]
    caps = rng.random() < 0.3
    surname = last.upper() if caps else last
    name_text = " ".join(w for w in (str(p["honorific"]), first, surname) if w)
    if badge:
        truth = {k: truth[k] for k in ("first_name", "last_name", "company")}
        big = rng.randint(60, 80)
        rows: list[Row] = [(first, big, True, None), (surname, big, True, None)] if rng.random() < 0.4 \
            else [(name_text, big - 5, True, None)]
        rows.append((str(p["company"]), rng.randint(34, 44), False, None))
        if p["address"] and rng.random() < 0.5:
            rows.append((str(p["address"][-1]).rsplit(", ", 1)[-1], 30, False, None))
        return _photo(rng, rows, badge), truth
    head: list[Row] = [(name_text, rng.randint(40, 54), True, None),
                       (str(p["title"]), rng.randint(24, 32), rng.random() < 0.2, None),
                       (str(p["company"]), rng.randint(28, 38), rng.random() < 0.5, None)]
    if rng.random() < 0.4:
        head.insert(0, head.pop(2))  # company on top
    contact = [str(p["phone"])] + ([str(p["fax"])] if p["fax"] else [])
    contact += [str(p["email"])] + ([str(p["website"])] if p["website"] else [])
    if rng.random() < 0.3:
        rng.shuffle(contact)
    contact += [str(a) for a in p["address"]]
    side = "right" if rng.random() < 0.3 else None   # split layout: contact block bottom right
    rows = head + [(t, rng.randint(20, 26), False, side) for t in contact]
    return _photo(rng, rows, badge), truth


def make_card_narrow(rng: random.Random, badge: bool) -> tuple[Image.Image, dict[str, str]]:
    """The first, narrow set: 16 fixed people, every phone with +CC (kept for comparison: --set narrow)."""
    lang = rng.choice(sorted(COMPANIES))
    first, last = rng.choice(PEOPLE)
    brand = rng.choice(BRANDS)
    pattern, tld, intl, _local = COMPANIES[lang]
    company = pattern.format(brand)
    domain = f"{_ascii(brand)}.{tld}"
    block = (rng.randint(100, 999), rng.randint(1000, 9999))
    phone_text = intl.format(*block)
    phone = "+" + re.sub(r"\D", "", phone_text)
    truth = {"first_name": first, "last_name": last, "title": rng.choice(TITLES[lang]),
             "company": company, "email": f"{_ascii(first)}.{_ascii(last)}@{domain}", "phone": phone}
    caps = rng.random() < 0.4
    name_text = f"{first} {last.upper() if caps else last}"
    serif = rng.random() < 0.4
    if badge:
        rows: list[Row] = [(name_text, 70, True, None), (company, 40, False, None)]
        truth = {k: truth[k] for k in ("first_name", "last_name", "company")}
    else:
        rows = [(name_text, 48, True, None), (truth["title"], 30, False, None),
                (company, 34, rng.random() < 0.5, None), (f"Tel. {phone_text}", 26, False, None),
                (truth["email"], 26, False, None), (f"www.{domain}", 26, False, None)]
        if rng.random() < 0.5:
            rows.insert(0, rows.pop(2))  # company on top
    return _photo(rng, rows, badge, "DejaVuSerif" if serif else "DejaVuSans"), truth


def _photo(rng: random.Random, rows: list[Row], badge: bool, family: str | None = None) -> Image.Image:
    """Lays the rows out on a card (fonts, alignment, dark or light) and photographs it: tilt, blur, glare."""
    dark = rng.random() < 0.2
    bg, ink = ("#1d2333", "#eeeeee") if dark else (rng.choice(["white", "#f4efe4", "#eef3f8"]), "black")
    size = (1050, 600) if not badge else (800, 600)
    image = Image.new("RGB", size, bg)
    draw = ImageDraw.Draw(image)
    align = rng.choice(["left", "centre", "right"])
    family = family or rng.choice(["DejaVuSans", "DejaVuSerif", "DejaVuSansCondensed", "DejaVuSerifCondensed"])
    y = 50
    for text, px, bold, side in rows:
        name = family + ("-Bold" if bold else "") + ".ttf"
        font = ImageFont.truetype(str(FONT_DIR / name), px)
        width = draw.textlength(text, font=font)
        while width > size[0] - 70 and px > 14:   # a long name or company: a smaller font, as printers do
            px -= 2
            font = ImageFont.truetype(str(FONT_DIR / name), px)
            width = draw.textlength(text, font=font)
        where = side or align
        x = 50 if where == "left" else (size[0] - width) / 2 if where == "centre" else size[0] - 50 - width
        draw.text((max(10, x), y), text, font=font, fill=ink)
        y += int(px * 1.55)
    if rng.random() < 0.5:
        image = image.rotate(rng.uniform(-6, 6), expand=True, fillcolor="#808080")
    if rng.random() < 0.3:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.6)))
    if rng.random() < 0.2:
        image = _glare(image, rng)
    # as a 1080p photo: the card on a grey table, about 60% of the frame width
    frame = Image.new("RGB", (1920, 1080), "#6b6b6b")
    scale = 1150 / image.width
    image = image.resize((int(image.width * scale), int(image.height * scale)))
    frame.paste(image, ((1920 - image.width) // 2, (1080 - image.height) // 2))
    return frame


def _glare(image: Image.Image, rng: random.Random) -> Image.Image:
    """A lamp's reflection: a soft bright ellipse somewhere on the card (washes out what is under it)."""
    w, h = image.size
    mask = Image.new("L", image.size, 0)
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    rx, ry = rng.uniform(0.12, 0.25) * w, rng.uniform(0.1, 0.2) * h
    ImageDraw.Draw(mask).ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=int(rng.uniform(150, 220)))
    mask = mask.filter(ImageFilter.GaussianBlur(min(rx, ry) / 2))
    return Image.composite(Image.new("RGB", image.size, "white"), image, mask)


class TesseractReader:
    """The named baseline: Tesseract 5 from Debian (``apt-get install tesseract-ocr`` and the
    language packs), run as the ``tesseract`` command on each image; its TSV words are grouped
    into lines with their box and mean confidence, the same ``OcrLine`` the parser takes."""

    def __init__(self, languages: str = "eng+deu+fra+spa+ita+nld") -> None:
        self.languages = languages

    def start(self) -> None:
        import shutil
        if shutil.which("tesseract") is None:
            raise SystemExit("tesseract not found: apt-get install tesseract-ocr tesseract-ocr-deu "
                             "tesseract-ocr-fra tesseract-ocr-spa tesseract-ocr-ita tesseract-ocr-nld")

    def read(self, image: Any) -> list[OcrLine]:
        import subprocess

        import cv2
        ok, png = cv2.imencode(".png", image)
        out = subprocess.run(["tesseract", "stdin", "stdout", "-l", self.languages, "--psm", "3", "tsv"],
                             input=png.tobytes(), capture_output=True, timeout=120)
        lines: dict[tuple[str, str, str, str], list[tuple[str, float, float, float, float, float]]] = {}
        for row in out.stdout.decode("utf-8", "replace").splitlines()[1:]:
            cols = row.split("\t")
            if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
                continue
            left, top, width, height, conf = (float(c) for c in cols[6:11])
            lines.setdefault(tuple(cols[1:5]), []).append(  # type: ignore[arg-type]
                (cols[11], left, top, left + width, top + height, max(0.0, conf) / 100))
        result = []
        for words in lines.values():
            result.append(OcrLine(" ".join(w[0] for w in words),
                                  (min(w[1] for w in words), min(w[2] for w in words),
                                   max(w[3] for w in words), max(w[4] for w in words)),
                                  sum(w[5] for w in words) / len(words)))
        return result


def baseline(lines: list[OcrLine]) -> dict[str, str | None]:
    texts = [ln.text for ln in sorted(lines, key=lambda ln: ln.top) if ln.confidence >= 0.5]
    name = texts[0].split() if texts else []
    email = next((w for t in texts for w in t.split() if "@" in w), None)
    phone_line = next((t for t in texts if sum(c.isdigit() for c in t) >= 7 and "@" not in t), None)
    return {"first_name": " ".join(name[:-1]) or None, "last_name": name[-1] if name else None,
            "title": texts[1] if len(texts) > 1 else None, "company": texts[2] if len(texts) > 2 else None,
            "email": email, "phone": "+" + re.sub(r"\D", "", phone_line) if phone_line else None}


def recoverable(key: str, want: str, raw: str) -> bool:
    """Whether the engine's text holds the field: case and spaces ignored, accents kept (a name read
    as 'Yilmaz' for 'Yılmaz' is the engine's miss, not the parser's); a phone by its national
    digits, since a card may print it without the country code or with '(0)'."""
    if key == "phone":
        import phonenumbers
        nsn = phonenumbers.national_significant_number(phonenumbers.parse(want))
        return nsn in re.sub(r"\D", "", raw)
    fold = "".join(want.casefold().split())
    return bool(fold) and fold in "".join(raw.casefold().split())


def same(key: str, got: str | None, want: str) -> bool:
    if got is None:
        return False
    if key == "phone":
        return re.sub(r"\D", "", got) == re.sub(r"\D", "", want)
    if key == "email":
        return got.lower() == want.lower()
    return " ".join(got.split()).lower() == want.lower()


def _rss_kb(field: str) -> int:
    """VmRSS (now) or VmHWM (peak) of this process, in kB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def run_engine(engine: str, cards: int, badges: int, seed: int, region: str,
               threads: int = THREADS, card_set: str = "broad") -> dict[str, Any]:
    """One engine over the whole set, in this process: counts per field, times, memory. The images
    are made from ``seed`` again, so every engine reads the same set."""
    import os
    rng = random.Random(seed)
    load_start = os.getloadavg()[0]
    base_kb = _rss_kb("VmRSS")   # numpy, OpenCV, PIL and the parser loaded: what the kiosk has anyway
    reader: Any = RapidOcrReader(threads=threads) if engine == "rapidocr" else TesseractReader()
    t0 = time.perf_counter()
    reader.start()
    load_s = time.perf_counter() - t0
    counts = {k: [0, 0, 0, 0] for k in FIELDS}  # recoverable, parser ok, baseline ok, total
    engine_ms: list[float] = []
    parse_ms: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(cards + badges):
            image, truth = make_card(rng, n >= cards, region) if card_set == "broad" else \
                make_card_narrow(rng, n >= cards)
            path = Path(tmp) / f"{n}.jpg"
            image.save(path, quality=88)
            start = time.perf_counter()
            lines = read_upright(reader, guide_crop(load_image(path)))  # as the kiosk reads it
            engine_ms.append((time.perf_counter() - start) * 1000)
            print(f"  {engine} image {n + 1}/{cards + badges}: {engine_ms[-1]:.0f} ms, "
                  f"{len(lines)} lines", file=sys.stderr, flush=True)
            start = time.perf_counter()
            reading = parse_card(lines, region)
            parse_ms.append((time.perf_counter() - start) * 1000)
            raw = " ".join(ln.text for ln in lines)
            naive = baseline(lines)
            for key, want in truth.items():
                counts[key][3] += 1
                if recoverable(key, want, raw):
                    counts[key][0] += 1
                    ok = same(key, reading.contact[key], want)
                    counts[key][1] += ok
                    if not ok:   # what the parser got wrong, for reading the rules (stderr only)
                        print(f"  {engine} image {n + 1} {key}: want {want!r}, got {reading.contact[key]!r}",
                              file=sys.stderr, flush=True)
                    counts[key][2] += same(key, naive[key], want)
    import resource
    # Tesseract runs as a child process per photo: its peak counts too (while it runs, this
    # process waits), so the figure is an upper bound of what the kiosk would need extra
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"engine": engine, "load_s": load_s, "counts": counts, "engine_ms": engine_ms,
            "parse_ms": parse_ms, "extra_mb": (_rss_kb("VmHWM") - base_kb + children_kb) / 1024,
            "load": (load_start, os.getloadavg()[0])}


def _child(engine: str, args: argparse.Namespace) -> dict[str, Any]:
    """Each engine in its own process: peak memory is then that engine's alone."""
    import json
    import subprocess
    cmd = [sys.executable, __file__, "--child", engine, "--cards", str(args.cards), "--badges",
           str(args.badges), "--seed", str(args.seed), "--region", args.region, "--threads", str(args.threads),
           "--set", args.set]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    import json
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cards", type=int, default=100)
    ap.add_argument("--badges", type=int, default=30)
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--region", default="DE")
    ap.add_argument("--engines", default="rapidocr,tesseract",
                    help="comma-separated: rapidocr (the kiosk's), tesseract (the baseline)")
    ap.add_argument("--threads", type=int, default=THREADS, help="ONNX Runtime threads for RapidOCR")
    ap.add_argument("--set", default="broad", choices=("broad", "narrow"),
                    help="broad: ocr_cards.py (default); narrow: the first set, 16 people, phones with +CC")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_engine(args.child, args.cards, args.badges, args.seed, args.region,
                                    args.threads, args.set)))
        return 0
    results = [_child(e.strip(), args) for e in args.engines.split(",") if e.strip()]
    print(f"{args.cards} cards + {args.badges} text-only badges as 1080p photos (tilt, blur, glare, dark), "
          f"{args.set} set, seed {args.seed}, region {args.region}; each engine in its own process, one after the other")
    names = [r["engine"] for r in results]
    head = " | ".join(f"{n} recoverable | {n} parser | {n} naive" for n in names)
    print(f"| field | {head} |")
    print("|---" * (1 + 3 * len(names)) + "|")
    for key in FIELDS:
        cells = []
        for r in results:
            rec, ok, base, total = r["counts"][key]
            cells += [f"{rec}/{total}", f"{ok / rec:.0%}" if rec else "-", f"{base / rec:.0%}" if rec else "-"]
        print(f"| {key} | " + " | ".join(cells) + " |")
    print()
    print("| engine | model load s | ms per photo median | p90 | max | parser ms median | extra peak MB | "
          "fields exact of all (parser) | load average (1 min) at start, end |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        ms = sorted(r["engine_ms"])
        all_ok = sum(c[1] for c in r["counts"].values())
        all_n = sum(c[3] for c in r["counts"].values())
        print(f"| {r['engine']} | {r['load_s']:.1f} | {statistics.median(ms):.0f} | "
              f"{ms[int(0.9 * (len(ms) - 1))]:.0f} | {ms[-1]:.0f} | {statistics.median(r['parse_ms']):.2f} | "
              f"{r['extra_mb']:.0f} | {all_ok}/{all_n} = {all_ok / all_n:.0%} | "
              f"{r['load'][0]:.1f}, {r['load'][1]:.1f} |")
    if len(results) == 2:
        a, b = results
        ratio = statistics.median(a["engine_ms"]) / max(statistics.median(b["engine_ms"]), 1e-3)
        print(f"\ntime ratio {a['engine']}/{b['engine']} (median ms per photo, same run): {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
