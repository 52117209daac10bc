"""What CRM exports call things: column names and stage/status values, mapped to our fields and
outcome statuses. Pure data plus two lookups, so a new CRM is a table edit.

Values are the vendors' documented defaults (a customised pipeline adds its own, which the user
maps once on the import page; the mapping is remembered per show):

- Salesforce Opportunity ``StageName`` defaults: Prospecting, Qualification, Needs Analysis, Value
  Proposition, Id. Decision Makers, Perception Analysis, Proposal/Price Quote, Negotiation/Review,
  Closed Won, Closed Lost. Lead ``Status`` defaults: Open - Not Contacted, Working - Contacted,
  Closed - Converted, Closed - Not Converted.
- HubSpot default deal pipeline stages, internal ids and labels: appointmentscheduled,
  qualifiedtobuy, presentationscheduled, decisionmakerboughtin, contractsent, closedwon,
  closedlost; contact ``lifecyclestage``: subscriber, lead, marketingqualifiedlead,
  salesqualifiedlead, opportunity, customer, evangelist, other; ``hs_lead_status`` defaults.
- Dynamics 365 opportunity Status Reason: In Progress, On Hold, Won, Canceled, Out-Sold; lead
  Status Reason: New, Contacted, Qualified, Lost, Cannot Contact, No Longer Interested, Canceled.
- Pipedrive deal status: open, won, lost, deleted.

``NONE`` means "no outcome yet": the row changes nothing (a HubSpot *subscriber* is not a lost deal).
"""
from __future__ import annotations

import re

from sync.record.fields import OUTCOME_STATUSES

# the record package's outcome states (the one definition), plus "none" for a lead without one
WON, LOST, DISCARDED, ACTIVE = OUTCOME_STATUSES
NONE = "none"
OUTCOMES = (WON, LOST, DISCARDED, ACTIVE, NONE)
OUTCOME_LABELS = {WON: "won", LOST: "lost", DISCARDED: "discarded by sales", ACTIVE: "active (in progress)",
                  NONE: "no outcome yet"}

# field -> what the import does with it
FIELDS = {
    "lead_id": "leadkiosk lead id (match key)",
    "email": "e-mail (match key, case ignored)",
    "registration_id": "badge registration id (match key)",
    "stage": "deal / opportunity stage or status",
    "lead_status": "lead status / lifecycle stage (used when the row has no deal stage)",
    "amount": "amount",
    "currency": "currency",
    "close_date": "close date",
    "reason": "reason (lost / disqualified)",
}
MATCH_KEYS = ("lead_id", "email", "registration_id")
STATUS_FIELDS = ("stage", "lead_status")

# normalised column name -> field (first match wins; checked before prefixes are stripped)
COLUMNS = {
    "leadkiosk id": "lead_id", "leadkiosk lead id": "lead_id", "leadkiosk id c": "lead_id", "lead id": "lead_id",
    "lead_id": "lead_id", "id": "lead_id", "leadkiosk": "lead_id",
    "email": "email", "e mail": "email", "email address": "email", "e mail address": "email",
    "primary email": "email", "contact email": "email", "person email": "email", "emailaddress1": "email",
    "mail": "email", "email contact": "email", "e mail contact": "email", "contact e mail": "email",
    "email primary contact": "email", "associated contact email": "email",
    "registration id": "registration_id", "registration": "registration_id", "badge id": "registration_id",
    "leadkiosk registration id c": "registration_id", "leadkiosk registration id": "registration_id",
    "stage": "stage", "deal stage": "stage", "dealstage": "stage", "stagename": "stage", "stage name": "stage",
    "opportunity stage": "stage", "pipeline stage": "stage", "status reason": "stage", "status": "stage",
    "outcome": "stage", "deal status": "stage", "statuscode": "stage",
    "lead status": "lead_status", "hs lead status": "lead_status", "lifecycle stage": "lead_status",
    "lifecyclestage": "lead_status", "lead status reason": "lead_status",
    "amount": "amount", "deal amount": "amount", "opportunity amount": "amount", "value": "amount",
    "deal value": "amount", "est revenue": "amount", "actual revenue": "amount", "estimatedvalue": "amount",
    "actualvalue": "amount", "amount converted": "amount", "revenue": "amount",
    "currency": "currency", "currency code": "currency", "currency iso code": "currency",
    "deal currency code": "currency", "amount currency": "currency", "transactioncurrencyid": "currency",
    "close date": "close_date", "closedate": "close_date", "closed date": "close_date",
    "actual close date": "close_date", "actualclosedate": "close_date", "won time": "close_date",
    "expected close date": "close_date", "est close date": "close_date", "estimatedclosedate": "close_date",
    "reason": "reason", "closed lost reason": "reason", "lost reason": "reason", "loss reason": "reason",
    "disqualification reason": "reason", "notes": "reason",
}
PREFIXES = ("deal ", "person ", "contact ", "opportunity ", "lead ", "organization ", "account ", "opportunity owner ")

_VALUES: dict[str, str] = {}


def _add(outcome: str, *names: str) -> None:
    for n in names:
        _VALUES.setdefault(norm(n), outcome)


def norm(text: str) -> str:
    """Case, punctuation and spacing ignored: "Closed - Won", "closed_won" and "CLOSEDWON" differ
    only in letters, and a mapping keyed on this survives the next export's quirks."""
    return re.sub(r"[^0-9a-z]+", " ", (text or "").lower()).strip()


def norm_column(name: str) -> str:
    return norm(name.replace("__c", " c"))


# generic words (our own export, hand-made sheets)
_add(WON, "closed_won", "won", "closed won", "win", "deal won", "customer")
_add(LOST, "closed_lost", "lost", "closed lost", "loss", "deal lost")
_add(DISCARDED, "discarded", "discard", "disqualified", "unqualified", "junk", "spam")
_add(ACTIVE, "active", "open", "in progress", "working", "pending")
_add(NONE, "none", "no outcome", "new", "")
# Salesforce opportunity stages and lead status
_add(ACTIVE, "Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers",
     "Perception Analysis", "Proposal/Price Quote", "Negotiation/Review")
_add(WON, "Closed Won")
_add(LOST, "Closed Lost")
_add(NONE, "Open - Not Contacted")
_add(ACTIVE, "Working - Contacted", "Closed - Converted")
_add(DISCARDED, "Closed - Not Converted")
# HubSpot default deal pipeline (ids and labels), lifecycle stage, lead status
_add(ACTIVE, "appointmentscheduled", "Appointment Scheduled", "qualifiedtobuy", "Qualified To Buy",
     "presentationscheduled", "Presentation Scheduled", "decisionmakerboughtin", "Decision Maker Bought-In",
     "contractsent", "Contract Sent")
_add(WON, "closedwon")
_add(LOST, "closedlost")
_add(NONE, "subscriber", "lead", "other")
_add(ACTIVE, "marketingqualifiedlead", "Marketing Qualified Lead", "salesqualifiedlead", "Sales Qualified Lead",
     "opportunity")
_add(WON, "evangelist")
_add(ACTIVE, "IN_PROGRESS", "OPEN_DEAL", "OPEN", "ATTEMPTED_TO_CONTACT", "CONNECTED", "BAD_TIMING")
_add(DISCARDED, "UNQUALIFIED")
# Dynamics 365 status reasons (opportunity, then lead)
_add(ACTIVE, "In Progress", "On Hold", "Contacted", "Qualified")
_add(LOST, "Canceled", "Out-Sold", "Cancelled")
_add(DISCARDED, "Cannot Contact", "No Longer Interested")
# Pipedrive deal status
_add(NONE, "deleted")


def outcome_of(value: str, learned: dict[str, str] | None = None) -> str | None:
    """The outcome a stage/status value stands for: the show's remembered mapping first, then the
    built-in vocabularies; None = unknown (the user maps it)."""
    key = norm(value)
    if learned and key in learned:
        return learned[key]
    return _VALUES.get(key)


def field_of(column: str) -> str | None:
    """The field a column name proposes (None: not one we use)."""
    key = norm_column(column)
    if key in COLUMNS:
        return COLUMNS[key]
    for p in PREFIXES:
        if key.startswith(p) and key[len(p):] in COLUMNS and COLUMNS[key[len(p):]] != "lead_id":
            return COLUMNS[key[len(p):]]
    compact = key.replace(" ", "")
    for k, f in COLUMNS.items():
        if k.replace(" ", "") == compact:
            return f
    return None
