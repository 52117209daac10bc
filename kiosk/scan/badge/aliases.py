"""Column and key names that registration systems use for the same contact field. Shared by the
JSON parser and the roster reader so a roster column called ``Given Name`` works like a JSON key."""
from __future__ import annotations

import re

_ALIASES: dict[str, tuple[str, ...]] = {
    "first_name": ("firstname", "first", "givenname", "given", "fname", "forename", "vorname",
                   "prenom"),
    "last_name": ("lastname", "last", "familyname", "family", "surname", "lname", "nachname",
                  "nom"),
    "full_name": ("name", "fullname", "displayname", "attendeename", "fn"),
    "company": ("company", "organization", "organisation", "org", "companyname", "employer",
                "firma", "unternehmen", "account"),
    "title": ("title", "jobtitle", "position", "role", "job", "function", "designation"),
    "email": ("email", "mail", "emailaddress", "email1", "e"),
    "phone": ("phone", "telephone", "tel", "mobile", "cell", "phonenumber", "mobilephone",
              "workphone", "telefon"),
    "country": ("country", "countrycode", "land", "nation", "countryname"),
    "registration_id": ("registrationid", "id", "regid", "badgeid", "attendeeid", "badge",
                        "badgenumber", "registrationnumber", "ticketid", "barcode", "uid",
                        "attendee", "participantid", "visitorid", "code"),
}
ALIAS_TO_FIELD: dict[str, str] = {alias: name for name, aliases in _ALIASES.items()
                                  for alias in aliases}
for _name in _ALIASES:
    ALIAS_TO_FIELD.setdefault(_name.replace("_", ""), _name)

_NON_ALNUM = re.compile(r"[^a-z0-9]")


def field_for(key: str) -> str | None:
    """The contact field a key or column header means, or None."""
    return ALIAS_TO_FIELD.get(_NON_ALNUM.sub("", key.lower()))
