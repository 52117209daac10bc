"""The broad card set of the OCR bench (issue 20): people, titles, companies, phones and e-mail
schemes varied enough that the parser cannot lean on one generator's habits. The first set
(``ocr_bench.make_card_narrow``) drew 16 fixed people and printed every phone with ``+CC``; this
one combines first and last names per country (DE, FR, ES, IT, NL, UK, US, SE, PL, TR) with
double surnames, particles ("van der", "de la"), hyphenated first names and honorifics; prints
phones in national formats (only where the card says which country: the show's own, a country
domain, or a printed country) as well as ``+CC``, ``+CC (0)`` and ``00CC``; titles from the word
lists and some outside them; companies with and without legal forms; websites or not; e-mail
local parts as first.last, flast, f.last, first, initials or a role address (info@, sales@).

Deterministic: the same ``random.Random`` seed gives the same cards. The truth is what a person
typing the card would enter: the name split as the card's country splits it, the phone in E.164.
"""
from __future__ import annotations

import random
import re
import unicodedata
from typing import Any

import phonenumbers

# first names, surnames, country name as printed, ccTLD, NSN templates (x = random digit)
COUNTRIES: dict[str, dict[str, list[str] | str]] = {
    "DE": {"first": ["Anna", "Lukas", "Sabine", "Jürgen", "Katrin", "Matthias", "Anne-Kathrin", "Hans-Peter",
                     "Stefanie", "Maximilian", "Björn", "Ute"],
           "last": ["Schmidt", "Müller", "Weber", "Schäfer", "Hoffmann", "Krüger", "von Bülow",
                    "Schulze-Wehninck", "Wagner", "Zimmermann", "Groß", "vom Stein"],
           "country": "Deutschland", "tld": "de", "lang": "de",
           "phones": ["89xxxxxxx", "30xxxxxxxx", "711xxxxxx", "151xxxxxxxx", "170xxxxxxx"],
           "city": "80802 München", "street": "Leopoldstraße {}"},
    "FR": {"first": ["Jean-Pierre", "Camille", "Élodie", "François", "Marie-Claire", "Thibault", "Inès", "Hélène"],
           "last": ["Dubois", "Laurent", "Lefèvre", "de la Fontaine", "Moreau", "Girard", "Le Goff", "Fournier"],
           "country": "France", "tld": "fr", "lang": "fr",
           "phones": ["1xxxxxxxx", "4xxxxxxxx", "6xxxxxxxx"],
           "city": "69002 Lyon", "street": "{} rue de la République"},
    "ES": {"first": ["María José", "Javier", "Lucía", "Alejandro", "Carmen", "José Luis", "Pilar"],
           "last": ["García López", "Fernández", "Martínez Ruiz", "de la Cruz", "Sánchez", "Rodríguez Vidal",
                    "Navarro"],
           "country": "España", "tld": "es", "lang": "es",
           "phones": ["91xxxxxxx", "93xxxxxxx", "6xxxxxxxx"],
           "city": "28013 Madrid", "street": "Calle Mayor {}"},
    "IT": {"first": ["Marco", "Giulia", "Francesca", "Alessandro", "Gianluca", "Chiara", "Pierluigi"],
           "last": ["Rossi", "Bianchi", "Esposito", "Colombo", "De Luca", "Ferraro", "Di Stefano"],
           "country": "Italia", "tld": "it", "lang": "it",
           "phones": ["02xxxxxxxx", "06xxxxxxxx", "3xxxxxxxxx"],
           "city": "20121 Milano", "street": "Via Manzoni {}"},
    "NL": {"first": ["Jan", "Sanne", "Pieter", "Femke", "Daan", "Lotte", "Joost"],
           "last": ["de Vries", "Jansen", "van der Berg", "van den Heuvel", "Bakker", "Visser", "de Jong"],
           "country": "Nederland", "tld": "nl", "lang": "nl",
           "phones": ["20xxxxxxx", "10xxxxxxx", "6xxxxxxxx"],
           "city": "1017 AB Amsterdam", "street": "Keizersgracht {}"},
    "GB": {"first": ["Sarah", "James", "Emily", "Oliver", "Charlotte", "Mary-Kate", "Harry"],
           "last": ["Walker", "O'Brien", "Thompson", "Whitfield", "McAllister", "Harris", "Bennett"],
           "country": "United Kingdom", "tld": "co.uk", "lang": "en",
           "phones": ["20xxxxxxxx", "161xxxxxxx", "7xxxxxxxxx"],
           "city": "London EC1V 9LT", "street": "{} Old Street"},
    "US": {"first": ["Michael", "Jennifer", "Christopher", "Ashley", "Tyler", "Megan"],
           "last": ["Johnson", "Miller", "Davis", "Rodriguez", "Carter", "Sullivan"],
           "country": "USA", "tld": "com", "lang": "en",
           "phones": ["2124xxxxxx", "4156xxxxxx", "6173xxxxxx"],
           "city": "Boston, MA 02110", "street": "{} Congress Street"},
    "SE": {"first": ["Erik", "Astrid", "Johan", "Ingrid", "Lars", "Maja"],
           "last": ["Lindqvist", "Andersson", "Johansson", "Bergström", "Nyström", "Åkesson"],
           "country": "Sverige", "tld": "se", "lang": "en",
           "phones": ["8xxxxxxx", "31xxxxxxx", "70xxxxxxx"],
           "city": "111 52 Stockholm", "street": "Drottninggatan {}"},
    "PL": {"first": ["Katarzyna", "Piotr", "Agnieszka", "Tomasz", "Małgorzata", "Krzysztof"],
           "last": ["Kowalski", "Nowak", "Wiśniewska", "Wójcik", "Zieliński", "Kamińska"],
           "country": "Polska", "tld": "pl", "lang": "en",
           "phones": ["22xxxxxxx", "12xxxxxxx", "60xxxxxxx"],
           "city": "00-001 Warszawa", "street": "ul. Marszałkowska {}"},
    "TR": {"first": ["Ayşe", "Mehmet", "Elif", "Burak", "Zeynep", "Emre"],
           "last": ["Yılmaz", "Kaya", "Demir", "Çelik", "Şahin", "Öztürk"],
           "country": "Türkiye", "tld": "com.tr", "lang": "en",
           "phones": ["212xxxxxxx", "216xxxxxxx", "532xxxxxxx"],
           "city": "34394 İstanbul", "street": "Büyükdere Cad. No {}"},
}
LEGAL = {"DE": ["GmbH", "AG", "GmbH & Co. KG", "SE"], "FR": ["SAS", "SA", "SARL"], "ES": ["S.L.", "S.A."],
         "IT": ["S.r.l.", "S.p.A."], "NL": ["B.V.", "N.V."], "GB": ["Ltd", "plc", "Limited"],
         "US": ["Inc.", "LLC", "Corp."], "SE": ["AB"], "PL": ["Sp. z o.o.", "S.A."], "TR": ["A.Ş.", "Ltd. Şti."]}
BRANDS = ["Nordwind", "Alpina", "Lumen", "Vega", "Orion", "Kestrel", "Atlas", "Solano", "Brightwater",
          "Hohenfels", "Cordillera", "Mistral", "Polaris", "Tessera", "Vireo", "Falkenberg", "Lindholm",
          "Castellan", "Zephyr", "Meridian", "Quellwerk", "Bluepeak", "Sarmiento", "Ravenna"]
TRADES = ["Maschinenbau", "Analytics", "Robotics", "Design", "Medical", "Packaging", "Systems", "Foods",
          "Energie", "Consulting", "Optics", "Logistics", "Software", "Textil", "Automation"]
TITLES = {"de": ["Leiterin Vertrieb", "Geschäftsführer", "Einkaufsleiter", "Projektleiterin", "Exportleiter",
                 "Technischer Berater", "Key Account Manager", "Vertriebsingenieur"],
          "en": ["Purchasing Manager", "VP Sales EMEA", "Head of Operations", "Senior Engineer",
                 "Chief Technology Officer", "Business Development Manager", "Regional Sales Director",
                 "Procurement Specialist", "Founder & CEO"],
          "fr": ["Directeur Commercial", "Responsable Achats", "Ingénieure Produit", "Chargée d'affaires",
                 "Directrice Générale"],
          "es": ["Directora de Marketing", "Jefe de Compras", "Gerente General", "Ingeniero de Ventas"],
          "it": ["Responsabile Acquisti", "Direttore Tecnico", "Amministratore Delegato", "Responsabile Vendite"],
          "nl": ["Hoofd Inkoop", "Accountmanager", "Directeur Verkoop", "Commercieel Medewerker"]}
# titles whose words are in no list: only the layout can tell them
OTHER_TITLES = ["Customer Success", "Talent Acquisition", "Kundenbetreuung", "Qualitätssicherung",
                "Export & Logistik", "Compras", "Achats", "Inside Sales", "Einkauf", "Aftersales"]
ROLES = ["info", "sales", "kontakt", "contact", "office", "vertrieb", "hello"]
HONORIFICS = {"DE": "Dr.", "FR": "Dr", "ES": "Dr.", "IT": "Ing.", "NL": "Ir.", "GB": "Dr", "US": "Dr.",
              "SE": "Dr", "PL": "Dr", "TR": "Dr."}
FIELDS = ("first_name", "last_name", "title", "company", "email", "phone")


def ascii_fold(text: str) -> str:
    """Lower-case letters and digits only, accents dropped ('Wiśniewska' -> 'wisniewska')."""
    text = text.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("ł", "l"), ("ı", "i"), ("ø", "o"),
                 ("æ", "ae"), ("å", "a")):
        text = text.replace(a, b)
    text = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]", "", text)


def _phone(rng: random.Random, code: str) -> phonenumbers.PhoneNumber:
    for _ in range(200):
        nsn = "".join(str(rng.randint(0, 9)) if c == "x" else c for c in rng.choice(COUNTRIES[code]["phones"]))
        try:
            number = phonenumbers.parse(nsn, code) if not nsn.startswith("0") or code != "IT" else \
                phonenumbers.parse("+39" + nsn)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return number
    raise RuntimeError(f"no valid number for {code}")


def _print_phone(rng: random.Random, number: phonenumbers.PhoneNumber, national_ok: bool) -> str:
    intl = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    styles = ["intl", "intl0", "00"] + (["national", "national", "slash"] if national_ok else [])
    style = rng.choice(styles)
    if style == "intl":
        return intl
    cc, _, rest = intl.partition(" ")
    if style == "intl0" and not national.startswith("0"):
        return intl
    if style == "intl0":
        return f"{cc} (0){rest}"
    if style == "00":
        return "00" + intl[1:]
    if style == "slash" and national.startswith("0") and " " in national:
        area, _, tail = national.partition(" ")
        return f"{area}/{tail.replace(' ', '')}"
    return national


def _email_local(rng: random.Random, first: str, last: str) -> str:
    f, last_words = ascii_fold(first.split()[0]), [ascii_fold(w) for w in last.split()]
    core = [w for w in last_words if w not in {"van", "der", "den", "de", "la", "von", "vom", "di", "le"}] \
        or last_words
    surname = "".join(last_words) if rng.random() < 0.5 else core[0]
    scheme = rng.choices(["first.last", "flast", "f.last", "first", "initials", "role"],
                         weights=[4, 2, 1, 1, 1, 1])[0]
    if scheme == "first.last":
        return f"{f}.{surname}"
    if scheme == "flast":
        return f"{f[0]}{surname}"
    if scheme == "f.last":
        return f"{f[0]}.{surname}"
    if scheme == "first":
        return f
    if scheme == "initials":
        return f[0] + surname[0] + (str(rng.randint(1, 9)) if rng.random() < 0.3 else "")
    return rng.choice(ROLES)


def card_content(rng: random.Random, region: str = "DE") -> tuple[dict[str, str], dict[str, Any]]:
    """One person's card: the truth (contact fields as typed) and what the card prints."""
    code = rng.choice(sorted(COUNTRIES))
    c = COUNTRIES[code]
    first, last = rng.choice(list(c["first"])), rng.choice(list(c["last"]))
    brand = rng.choice(BRANDS)
    trade = rng.choice(TRADES) if rng.random() < 0.6 else ""
    legal = rng.choice(LEGAL[code]) if rng.random() < 0.7 else ""
    company = " ".join(p for p in (brand, trade, legal) if p)
    tld = str(c["tld"]) if rng.random() < 0.7 else rng.choice(["com", "eu", "io"])
    host = ascii_fold(brand) + (("-" + ascii_fold(trade)) if trade and rng.random() < 0.4 else "")
    domain = f"{host}.{tld}"
    lang = str(c["lang"])
    if rng.random() < 0.15:
        title = rng.choice(OTHER_TITLES)
    else:
        title = rng.choice(TITLES[lang] + (TITLES["en"] if lang != "en" else []))
    number = _phone(rng, code)
    print_country = rng.random() < 0.35
    # national format only where the card tells the country: the show's, the domain's, the address's
    national_ok = code == region or print_country or tld == c["tld"] and code != "US"
    phone_text = _print_phone(rng, number, national_ok)
    email = f"{_email_local(rng, first, last)}@{domain}"
    truth = {"first_name": first, "last_name": last, "title": title, "company": company, "email": email,
             "phone": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)}
    label = rng.choice(["Tel.", "Tel", "T", "Phone:", "T:", "Mobil", "M", "", "Tel.:", "P"])
    fax = None
    if rng.random() < 0.2:
        fax_number = phonenumbers.format_number(_phone(rng, code), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        fax = f"Fax {fax_number}"
    address = []
    if rng.random() < 0.4 or print_country:
        address.append(str(c["street"]).format(rng.randint(1, 120)) + ", " + str(c["city"]))
    if print_country:
        address.append(str(c["country"]))
    printed = {"name": f"{first} {last}", "honorific": HONORIFICS[code] if rng.random() < 0.1 else "",
               "title": title, "company": company, "phone": f"{label} {phone_text}".strip(), "fax": fax,
               "email": email, "website": f"www.{domain}" if rng.random() < 0.6 else None,
               "address": address}
    return truth, printed
