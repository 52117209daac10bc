"""OCR benchmark for business cards and text-only badges (issue 20): generated cards with varied
layouts (left, centred, right; company or name first), fonts (sans, serif, bold), languages (de,
en, fr, es, it, nl), tilt, blur and dark cards, read by the real engine (RapidOCR on ONNX Runtime)
and the card parser.

A field counts as *recoverable* only if the engine's raw text contains it (folded: case and spaces
ignored); accuracy is exact matches among recoverable fields, so the table separates what the
engine missed from what the parser got wrong.

Baseline, measured in the same run on the same OCR lines: the naive reading staff would get from
"first line is the name, second the title, third the company, the first @-word the e-mail, the
first line with 7+ digits the phone". The ratio is parser accuracy / baseline accuracy. Time: the
engine's ms per image beside the parser's ms (parse only). The machine is shared: compare ratios.

    .venv/bin/python bench/ocr_bench.py                      # full size: 100 cards, 30 badges
    .venv/bin/python bench/ocr_bench.py --cards 12 --badges 4   # reduced size (a quick check)

Targets (issue 20), among recoverable fields: e-mail and phone 95% exact, names split 90%, company
85%, title 80%; at most 2.5 s per 1080p photo. Tesseract is not measured here yet.
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

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PIL import Image, ImageDraw, ImageFilter, ImageFont  # noqa: E402

from kiosk.scan.card.engine import RapidOcrReader, load_image, read_upright  # noqa: E402
from kiosk.scan.card.fields import parse_card  # noqa: E402
from kiosk.scan.card.lines import OcrLine  # noqa: E402

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
             "fr": ("Optique {} SAS", "fr", "+33 1 {} {}", "+33 1 {} {}"),
             "es": ("Soluciones {} S.L.", "es", "+34 91 {} {}", "+34 91 {} {}"),
             "it": ("{} Meccanica S.r.l.", "it", "+39 02 {} {}", "+39 02 {} {}"),
             "nl": ("{} Logistics B.V.", "nl", "+31 20 {} {}", "+31 20 {} {}")}
BRANDS = ["Nordwind", "Alpina", "Lumen", "Vega", "Orion", "Kestrel", "Atlas", "Solano"]
FIELDS = ("first_name", "last_name", "title", "company", "email", "phone")


def _ascii(text: str) -> str:
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("é", "e"), ("è", "e"), ("á", "a"),
                 ("í", "i"), ("ó", "o"), ("ñ", "n"), ("ç", "c")):
        text = text.replace(a, b)
    return re.sub(r"[^a-z0-9]", "", text.lower())


def make_card(rng: random.Random, badge: bool) -> tuple[Image.Image, dict[str, str]]:
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
        rows = [(name_text, 70, True), (company, 40, False)]
        truth = {k: truth[k] for k in ("first_name", "last_name", "company")}
    else:
        rows = [(name_text, 48, True), (truth["title"], 30, False), (company, 34, rng.random() < 0.5),
                (f"Tel. {phone_text}", 26, False), (truth["email"], 26, False), (f"www.{domain}", 26, False)]
        if rng.random() < 0.5:
            rows.insert(0, rows.pop(2))  # company on top
    dark = rng.random() < 0.2
    bg, ink = ("#1d2333", "#eeeeee") if dark else (rng.choice(["white", "#f4efe4", "#eef3f8"]), "black")
    size = (1050, 600) if not badge else (800, 600)
    image = Image.new("RGB", size, bg)
    draw = ImageDraw.Draw(image)
    align = rng.choice(["left", "centre", "right"])
    y = 50
    for text, px, bold in rows:
        name = ("DejaVuSerif" if serif else "DejaVuSans") + ("-Bold" if bold else "") + ".ttf"
        font = ImageFont.truetype(str(FONT_DIR / name), px)
        width = draw.textlength(text, font=font)
        x = 50 if align == "left" else (size[0] - width) / 2 if align == "centre" else size[0] - 50 - width
        draw.text((max(10, x), y), text, font=font, fill=ink)
        y += int(px * 1.55)
    if rng.random() < 0.5:
        image = image.rotate(rng.uniform(-6, 6), expand=True, fillcolor="#808080")
    if rng.random() < 0.3:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.6)))
    # as a 1080p photo: the card on a grey table, about 60% of the frame width
    frame = Image.new("RGB", (1920, 1080), "#6b6b6b")
    scale = 1150 / image.width
    image = image.resize((int(image.width * scale), int(image.height * scale)))
    frame.paste(image, ((1920 - image.width) // 2, (1080 - image.height) // 2))
    return frame, truth


def baseline(lines: list[OcrLine]) -> dict[str, str | None]:
    texts = [ln.text for ln in sorted(lines, key=lambda ln: ln.top) if ln.confidence >= 0.5]
    name = texts[0].split() if texts else []
    email = next((w for t in texts for w in t.split() if "@" in w), None)
    phone_line = next((t for t in texts if sum(c.isdigit() for c in t) >= 7 and "@" not in t), None)
    return {"first_name": " ".join(name[:-1]) or None, "last_name": name[-1] if name else None,
            "title": texts[1] if len(texts) > 1 else None, "company": texts[2] if len(texts) > 2 else None,
            "email": email, "phone": "+" + re.sub(r"\D", "", phone_line) if phone_line else None}


def same(key: str, got: str | None, want: str) -> bool:
    if got is None:
        return False
    if key == "phone":
        return re.sub(r"\D", "", got) == re.sub(r"\D", "", want)
    if key == "email":
        return got.lower() == want.lower()
    return " ".join(got.split()).lower() == want.lower()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cards", type=int, default=100)
    ap.add_argument("--badges", type=int, default=30)
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--region", default="DE")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    reader = RapidOcrReader()
    t0 = time.perf_counter()
    reader.start()
    load_s = time.perf_counter() - t0
    counts = {k: [0, 0, 0, 0] for k in FIELDS}  # recoverable, parser ok, baseline ok, total
    engine_ms, parse_ms = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.cards + args.badges):
            image, truth = make_card(rng, badge=n >= args.cards)
            path = Path(tmp) / f"{n}.jpg"
            image.save(path, quality=88)
            start = time.perf_counter()
            lines = read_upright(reader, load_image(path))
            engine_ms.append((time.perf_counter() - start) * 1000)
            print(f"  image {n + 1}/{args.cards + args.badges}: {engine_ms[-1]:.0f} ms, "
                  f"{len(lines)} lines", file=sys.stderr, flush=True)
            start = time.perf_counter()
            reading = parse_card(lines, args.region)
            parse_ms.append((time.perf_counter() - start) * 1000)
            raw = _ascii(" ".join(ln.text for ln in lines))
            naive = baseline(lines)
            for key, want in truth.items():
                counts[key][3] += 1
                if _ascii(want) and _ascii(want) in raw:
                    counts[key][0] += 1
                    counts[key][1] += same(key, reading.contact[key], want)
                    counts[key][2] += same(key, naive[key], want)
    print(f"{args.cards} cards + {args.badges} text-only badges as 1080p photos, seed {args.seed}, "
          f"region {args.region}; engine rapidocr (ONNX Runtime), model load {load_s:.1f} s")
    print("| field      | recoverable | parser exact | naive baseline | ratio |")
    print("|------------|-------------|--------------|----------------|-------|")
    for key, (rec, ok, base, total) in counts.items():
        p = ok / rec if rec else 0.0
        b = base / rec if rec else 0.0
        ratio = f"{p / b:.2f}" if b else "inf" if p else "-"
        print(f"| {key:<10} | {rec:>4}/{total:<6} | {p:>11.0%} | {b:>13.0%} | {ratio:>5} |")
    print(f"engine ms per image: median {statistics.median(engine_ms):.0f}, "
          f"max {max(engine_ms):.0f}; parser ms per image: median {statistics.median(parse_ms):.2f} "
          f"(ratio engine/parser {statistics.median(engine_ms) / max(statistics.median(parse_ms), 1e-3):.0f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
