"""Word lists the card parser matches against: job titles (en/de/fr/es/it/nl), company legal forms,
name particles and honorifics. Lower-case, accents kept (OCR reads them)."""
from __future__ import annotations

TITLE_WORDS: frozenset[str] = frozenset("""
ceo cto cfo coo cio cmo cso cpo vp svp evp md gm
manager director head chief officer president vice founder co-founder cofounder owner partner
engineer developer consultant specialist analyst architect executive lead coordinator assistant
representative buyer purchasing procurement sales marketing account accounts business development
administrator scientist designer product project operations principal associate advisor adviser
managing senior junior technician supervisor chairman chairwoman secretary treasurer
geschäftsführer geschäftsführerin leiter leiterin vertrieb einkauf einkäufer einkäuferin
ingenieur ingenieurin berater beraterin vorstand vorständin prokurist prokuristin entwickler
entwicklerin referent referentin sachbearbeiter sachbearbeiterin inhaber inhaberin
vertriebsleiter vertriebsleiterin verkaufsleiter verkaufsleiterin abteilungsleiter
abteilungsleiterin projektleiter projektleiterin technischer kaufmännischer mitarbeiter
mitarbeiterin gesellschafter gesellschafterin
directeur directrice responsable ingénieur ingénieure chef cheffe commercial commerciale gérant
gérante président présidente chargé chargée conseiller conseillère acheteur acheteuse
délégué déléguée adjoint adjointe
director directora gerente jefe jefa ingeniero ingeniera consultor consultora presidente asesor
asesora comprador compradora coordinador coordinadora técnico técnica
direttore direttrice responsabile ingegnere amministratore delegato delegata commerciale
consulente titolare acquisti vendite
hoofd verkoop inkoop adviseur eigenaar bedrijfsleider medewerker medewerkster accountmanager
directie verkoper
""".split())

# German compounds ("Exportleiter", "Softwareentwickler") end in a title word.
TITLE_SUFFIXES: tuple[str, ...] = (
    "leiter", "leiterin", "führer", "führerin", "ingenieur", "ingenieurin", "berater", "beraterin",
    "manager", "managerin", "direktor", "direktorin", "entwickler", "entwicklerin", "referent",
    "referentin", "verantwortlicher", "beauftragter", "beauftragte",
)

# Legal forms, compared after lower-casing and stripping trailing commas (Turkish A.Ş., Ltd. Şti. too).
COMPANY_SUFFIXES: frozenset[str] = frozenset("""
gmbh ag kg ohg gbr ug e.k. e.v. mbh kgaa inc inc. incorporated ltd ltd. limited llc l.l.c. llp
corp corp. corporation co. plc pty s.a. s.a s.r.l. srl s.p.a. spa sas s.a.s. sarl s.à.r.l. s.l.
s.l.u. sl b.v. bv n.v. nv oy oyj a/s aps asa kft s.r.o. sp. gesmbh bvba sprl
a.ş. a.s. şti. şti sti. a.ş
""".split())

# Short legal forms that are also ordinary words: only as printed in capitals.
COMPANY_SUFFIXES_UPPER: frozenset[str] = frozenset({"AB", "AS", "SA", "SE", "NV", "BV", "AG"})

# Words that make a line look like an organisation even without a legal form.
COMPANY_WORDS: frozenset[str] = frozenset("""
solutions systems technologies technology software consulting industries industrie labs group
gruppe holding international services werke maschinenbau automation engineering logistics
networks partners studio agency agentur institute institut university universität université
universidad università bank
""".split())

NAME_PARTICLES: frozenset[str] = frozenset(
    {"von", "van", "der", "den", "de", "da", "di", "del", "della", "du", "le", "la", "zu", "ter",
     "ten", "dos", "das", "y", "mac", "af", "vom", "zum", "zur", "des", "dei", "degli", "dalla", "lo"})

HONORIFICS: frozenset[str] = frozenset(
    {"dr", "dr.", "prof", "prof.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "herr", "frau", "m.",
     "mme", "mme.", "mlle", "sr.", "sra.", "sig.", "sig.ra", "dott.", "ing.", "dipl.-ing.", "mag.",
     "dhr.", "mevr.", "ir.", "drs.",
     # parts of German doctorates ("Dr. med.", "Dr. rer. nat.", "Dr.-Ing.") and diploma titles
     "med.", "rer.", "nat.", "pol.", "oec.", "jur.", "phil.", "habil.", "h.c.", "dr.-ing.", "dipl.-kfm.",
     "dipl.-inf.", "dipl.-wirt.-ing.", "dott.ssa", "ing"})

# Degrees printed after a name ("Julia Hoffmann, MBA"): not a surname, and the comma before them is
# not the "Surname, First name" comma.
NAME_DEGREES: frozenset[str] = frozenset(
    {"mba", "phd", "ph.d.", "ph.d", "msc", "m.sc.", "bsc", "b.sc.", "ma", "m.a.", "ba", "b.a.", "llm",
     "ll.m.", "cpa", "pmp", "md", "m.d.", "mph", "meng", "m.eng.", "dipl.-ing.", "dipl.-kfm."})

PHONE_LABELS: tuple[str, ...] = ("tel", "phone", "mobile", "mob", "cell", "handy", "mobil", "t", "m",
                                 "p", "móvil", "movil", "cellulare", "portable", "téléphone",
                                 "telefon", "telefono", "teléfono", "téléfone", "gsm")
FAX_LABELS: tuple[str, ...] = ("fax", "f", "telefax", "télécopie")
