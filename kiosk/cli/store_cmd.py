"""``leadkiosk capture``, ``leads list``, ``export``, ``rescore``, ``purge``: the lead store from the
command line. ``capture`` imports leads from paper forms or another device and is how the
reliability tests drive the store, so it acknowledges (prints) an id only once the lead is durable.

Exit codes: 0 fine, 1 some input was refused or the store failed (details on stderr), 2 usage.
"""
from __future__ import annotations

import argparse
import json
import socket
import sys
from pathlib import Path
from typing import Any

from kiosk.paths import add_data_argument, data_dir
from sync.record.fields import PERSON_FIELDS, TAGS

# What a capture line may carry as contact: the person and the registration id.
CONTACT_INPUT = PERSON_FIELDS + ("registration_id",)


def register(subparsers: argparse._SubParsersAction) -> None:
    cap = subparsers.add_parser(
        "capture", help="save leads read as JSON lines from standard input",
        description='Read one lead per line: {"contact": {...}, "answers": {..., "consent": true}, '
                    '"notes": "...", "staff": "Ana"}. Each is scored with the active show\'s form and '
                    "its id printed as soon as it is on stable storage. A bad line is reported on "
                    "stderr with its number and skipped; the exit code is 1 if any line failed.")
    add_data_argument(cap)
    cap.add_argument("--form", metavar="FILE", default=None, help="score with this form instead of the show's")
    cap.set_defaults(func=cmd_capture)

    leads = subparsers.add_parser("leads", help="list the leads in the store",
                                  description="Inspect the leads in the local store.")
    leads_sub = leads.add_subparsers(dest="leads_command", metavar="ACTION")
    ls = leads_sub.add_parser("list", help="list leads (newest first)", description="List leads, newest first.")
    add_data_argument(ls)
    ls.add_argument("--json", action="store_true", help="print a JSON array")
    ls.add_argument("--tag", choices=(*TAGS, "discarded"), default=None,
                    help="only this tag (not discarded), or only discarded leads")
    ls.add_argument("--text", default=None, help="only leads whose name or company contains TEXT")
    _passphrase_argument(ls)
    ls.set_defaults(func=cmd_leads_list)
    show = leads_sub.add_parser("show", help="one lead's full record as JSON",
                                description="Print one lead's full record (JSON); personal fields sealed "
                                            "unless the show passphrase is given.")
    add_data_argument(show)
    show.add_argument("lead_id", metavar="ID", help="the lead's id")
    show.add_argument("--json", action="store_true", help="the record as JSON (the default output)")
    _passphrase_argument(show)
    show.set_defaults(func=cmd_leads_show)
    edit = leads_sub.add_parser("edit", help="change a lead: a new version, queued for sync",
                                description="Edit one lead as booth staff would: a new version with the change "
                                            "in its history, queued for sync. Setting a field that is in a "
                                            "two-way conflict settles it. Prints the new record (JSON).")
    add_data_argument(edit)
    edit.add_argument("lead_id", metavar="ID", help="the lead's id")
    edit.add_argument("--notes", metavar="TEXT")
    edit.add_argument("--tag", choices=("hot", "warm", "nurture", "computed"),
                      help="override the computed tag; computed clears the override")
    edit.add_argument("--set", metavar="contact.FIELD=VALUE", action="append", default=[], dest="sets",
                      help="a contact field (repeatable; an empty VALUE clears it)")
    edit.add_argument("--actor", metavar="NAME", help="who made the edit (default: the staff on duty)")
    _passphrase_argument(edit)
    edit.set_defaults(func=cmd_leads_edit)
    lexp = leads_sub.add_parser("export", help="export leads as CSV or XLSX (same as `leadkiosk export`)",
                                description=EXPORT_HELP)
    _export_arguments(lexp)
    leads.set_defaults(func=lambda args: (leads.print_help(), 2)[1])

    exp = subparsers.add_parser("export", help="export leads as CSV or XLSX", description=EXPORT_HELP)
    _export_arguments(exp)

    rs = subparsers.add_parser("rescore", help="score every lead again with the show's (changed) form",
                               description="Re-score every lead made with the form (same form id), "
                                           "keeping staff overrides; changed leads get a new version.")
    add_data_argument(rs)
    rs.add_argument("--form", metavar="FILE", default=None, help="form file (default: the active show's form)")
    rs.set_defaults(func=cmd_rescore)

    pg = subparsers.add_parser("purge", help="remove contact details of leads central confirmed long ago",
                               description="Remove contact details of leads the central system confirmed "
                                           "more than N days ago; id, tag and scores stay.")
    add_data_argument(pg)
    pg.add_argument("--days", type=int, default=None,
                    help="retention in days (default: the show's retention_days, else 30)")
    pg.set_defaults(func=cmd_purge)


EXPORT_HELP = ("Export every lead as CSV (UTF-8 with BOM) or XLSX; cells that a spreadsheet would run as a "
               "formula are neutralised. A kiosk with sealed personal data exports only with the show "
               "passphrase (--passphrase-stdin).")


def _passphrase_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--passphrase-stdin", action="store_true",
                        help="read the show passphrase from standard input and show personal data in clear")


def _export_arguments(exp: argparse.ArgumentParser) -> None:
    add_data_argument(exp)
    exp.add_argument("--format", choices=("csv", "xlsx"), default="csv", help="file format (default csv)")
    exp.add_argument("--out", metavar="FILE", default=None, help="output file (default: standard output)")
    _passphrase_argument(exp)
    exp.set_defaults(func=cmd_export)


def _err(message: str) -> None:
    print(f"error: {message}", file=sys.stderr, flush=True)


# --- the active show -------------------------------------------------------------------------
def _active_show(root: Path) -> dict[str, Any]:
    """``{"show_id", "kiosk_id", "staff", "form_path", "retention_days"}`` of the data dir's active
    show, via kiosk.config (which validates: a broken kiosk.toml or show.yaml is a ConfigError
    naming file and key, never a silent fallback to the demo show)."""
    from kiosk.config import load_kiosk_settings, load_show

    settings = load_kiosk_settings(root)
    show = load_show(root, settings.show)
    return {"show_id": show.id, "kiosk_id": settings.kiosk_id or socket.gethostname(),
            "staff": settings.staff or None, "form_path": str(show.form_path) if show.form_path else None,
            "retention_days": show.retention_days, "default_region": show.badge_profile.default_country}


def _load_form(path: str | None) -> Any:
    from forms import default_form_path, load_form

    return load_form(path or default_form_path())


# --- commands --------------------------------------------------------------------------------
def cmd_capture(args: argparse.Namespace) -> int:
    from forms import FormError, score

    from kiosk.errors import KioskError
    from kiosk.scan.badge.fields import typed_contact
    from kiosk.store import new_lead, open_store
    from kiosk.store.record import iso, utc_now

    root = data_dir(args.data)
    try:
        show = _active_show(root)
        form = _load_form(args.form or show["form_path"])
        store = open_store(root)
    except (KioskError, FormError) as exc:
        _err(str(exc))
        return 1
    failed = 0
    damaged = report_damage(store)   # new leads are still saved: losing them too helps nobody
    out = sys.stdout
    try:
        for number, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            try:
                lead_in = _parse_capture_line(line)
                answers = lead_in["answers"]
                result = score(form, answers)
                at = utc_now()  # one reading: captured_at and the consent time agree
                lead = new_lead(show_id=show["show_id"], kiosk_id=show["kiosk_id"],
                                staff=lead_in.get("staff") or show["staff"],
                                contact=typed_contact(lead_in["contact"], show["default_region"]),
                                answers=answers, score=result.to_dict(), notes=lead_in.get("notes") or "",
                                captured_at=at, consent={"given": bool(answers.get("consent")), "text_version": form.consent.version,
                                         "at": iso(at) if answers.get("consent") else None})
                store.save(lead)
            except (ValueError, FormError, KioskError) as exc:
                failed += 1
                _err(f"line {number}: {exc}")
                continue
            out.write(lead["id"] + "\n")
            out.flush()
    finally:
        store.close()
    if failed:
        _err(f"{failed} line(s) not captured")
    return 1 if failed or damaged else 0


def _parse_capture_line(line: str) -> dict[str, Any]:
    """Check one input line's shape and say exactly what is wrong (ValueError)."""
    try:
        obj = json.loads(line.rstrip("\r\n"))   # the newline would move the error to line 2, column 1
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    unknown = sorted(set(obj) - {"contact", "answers", "notes", "staff"})
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)}; expected contact, answers, notes, staff")
    contact = obj.get("contact") or {}
    if not isinstance(contact, dict):
        raise ValueError("contact: expected an object")
    bad = sorted(set(contact) - set(CONTACT_INPUT))
    if bad:
        raise ValueError(f"contact: unknown field(s) {', '.join(bad)}; expected {', '.join(CONTACT_INPUT)}")
    for key, value in contact.items():
        if value is not None and not isinstance(value, str):
            raise ValueError(f"contact.{key}: expected text or null, got {type(value).__name__}")
    answers = obj.get("answers")
    if not isinstance(answers, dict):
        raise ValueError("answers: expected an object (question id -> answer, plus consent)")
    for key in ("notes", "staff"):
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise ValueError(f"{key}: expected text")
    contact = {**contact, "format": "manual", "raw": None}
    return {"contact": contact, "answers": answers, "notes": obj.get("notes"), "staff": obj.get("staff")}


def _open(args: argparse.Namespace, readonly: bool = False) -> Any:
    """The store, unlocked when ``--passphrase-stdin`` was given (a wrong passphrase raises
    WrongPassphrase, a KioskError, so every command reports it as a clear error)."""
    from kiosk.cli.keys_cmd import read_passphrase, unlock_store
    from kiosk.errors import SealError
    from kiosk.store import open_store

    passphrase = None
    if getattr(args, "passphrase_stdin", False):
        try:
            passphrase = read_passphrase()
        except ValueError as exc:
            raise SealError(str(exc)) from None
    store = open_store(data_dir(args.data), readonly=readonly)
    if passphrase is not None:
        try:
            unlock_store(store, passphrase)
        except BaseException:
            store.close()
            raise
    return store


SEALED_TEXT = "(sealed)"


def _sealed(lead: dict[str, Any]) -> bool:
    return isinstance(lead.get("sealed"), dict)


def report_damage(store: Any) -> bool:
    """Say loudly on stderr what the store found lost; True if there was anything."""
    damage = store.damage
    if not damage:
        return False
    _err("THE LEAD STORE IS DAMAGED; some leads or edits are lost:")
    for line in damage:
        print(f"  - {line}", file=sys.stderr)
    if store.lost_ids:
        print(f"  lost lead id(s): {', '.join(store.lost_ids)}", file=sys.stderr)
    print("  The damaged files are kept (*.damaged-*) and recorded in leads/recovery.log once the kiosk or "
          "`leadkiosk capture` opens the store for writing; leads central already holds are restored "
          "from central at the next sync.", file=sys.stderr)
    return True


def cmd_leads_list(args: argparse.Namespace) -> int:
    from kiosk.errors import KioskError
    from kiosk.store.record import effective_tag

    try:
        store = _open(args, readonly=True)
        try:
            if args.tag == "discarded":
                leads = store.find(discarded=True, text=args.text)
            elif args.tag:
                leads = store.find(tag=args.tag, discarded=False, text=args.text)
            else:
                leads = store.find(text=args.text)
            damaged = report_damage(store)
        finally:
            store.close()
    except KioskError as exc:
        _err(str(exc))
        return 1
    if args.json:
        out = []
        for lead in leads:
            s = lead.get("score") or {}
            out.append({"id": lead["id"], "version": lead.get("version"), "show_id": lead.get("show_id"),
                        "staff": lead.get("staff"), "captured_at": lead.get("captured_at"),
                        "tag": effective_tag(lead), "score": s.get("score"), "discarded": bool(s.get("discarded")),
                        "contact": lead.get("contact"), "notes": lead.get("notes"),
                        "purged": bool(lead.get("purged")), "sealed": _sealed(lead),
                        "sync": {d: e.get("state") for d, e in (lead.get("sync") or {}).items()}})
        json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 1 if damaged else 0
    for lead in leads:
        c, s = lead.get("contact") or {}, lead.get("score") or {}
        name = " ".join(x for x in (c.get("first_name"), c.get("last_name")) if x) or "(no name)"
        company = c.get("company") or "-"
        if _sealed(lead):
            name, company = SEALED_TEXT, SEALED_TEXT
        flag = " discarded" if s.get("discarded") else ""
        print(f"{lead['id']}  {lead.get('captured_at')}  {effective_tag(lead) or '-':7} v{lead.get('version')}  "
              f"{s.get('score') if s.get('score') is not None else '-':>3}  {name}, {company}{flag}")
    sealed = sum(1 for lead in leads if _sealed(lead))
    note = f"; personal data of {sealed} sealed (give the show passphrase with --passphrase-stdin)" if sealed else ""
    print(f"{len(leads)} lead(s){note}", file=sys.stderr)
    return 1 if damaged else 0


def cmd_leads_show(args: argparse.Namespace) -> int:
    from kiosk.errors import KioskError

    try:
        store = _open(args, readonly=True)
        try:
            lead = store.get(args.lead_id)
        finally:
            store.close()
    except KioskError as exc:
        _err(str(exc))
        return 1
    if lead is None:
        _err(f"no lead with id {args.lead_id!r}")
        return 1
    json.dump(lead, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    if _sealed(lead):
        print("personal data sealed (give the show passphrase with --passphrase-stdin)", file=sys.stderr)
    _warn_conflicts(lead)
    return 0


def _warn_conflicts(lead: dict[str, Any]) -> None:
    for c in lead.get("conflicts") or []:
        if isinstance(c, dict):
            print(f"CONFLICT {c.get('field')}: kiosk {c.get('kiosk')!r} / central {c.get('central')!r} "
                  f"(set the field to settle it)", file=sys.stderr)


def cmd_leads_edit(args: argparse.Namespace) -> int:
    from kiosk.errors import KioskError
    from kiosk.store.record import CONTACT_FIELDS

    changes: dict[str, Any] = {}
    if args.notes is not None:
        changes["notes"] = args.notes
    if args.tag is not None:
        changes["score"] = {"override": None if args.tag == "computed" else args.tag}
    for item in args.sets:
        key, sep, value = item.partition("=")
        group, _, field = key.partition(".")
        if not sep or group != "contact" or field not in CONTACT_FIELDS:
            _err(f"--set {item!r}: expected contact.FIELD=VALUE with FIELD one of {', '.join(CONTACT_FIELDS)}")
            return 2
        changes.setdefault("contact", {})[field] = value or None
    if not changes:
        _err("nothing to change: give --notes, --tag or --set contact.FIELD=VALUE")
        return 2
    try:
        actor = args.actor or _active_show(data_dir(args.data)).get("staff") or "cli"
        store = _open(args)
        try:
            if store.get(args.lead_id) is None:
                _err(f"no lead with id {args.lead_id!r}")
                return 1
            lead = store.edit(args.lead_id, changes, actor=actor)
        finally:
            store.close()
    except KioskError as exc:
        _err(str(exc))
        return 1
    json.dump(lead, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    _warn_conflicts(lead)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from kiosk.errors import KioskError
    from kiosk.store.export import write_csv, write_xlsx

    try:
        store = _open(args)
        try:
            leads = list(reversed(store.find()))  # capture order reads best in a spreadsheet
        finally:
            store.close()
    except KioskError as exc:
        _err(str(exc))
        return 1
    sealed = sum(1 for lead in leads if _sealed(lead))
    if sealed:
        _err(f"personal data of {sealed} lead(s) is sealed: the kiosk is locked. Give the show passphrase "
             "with --passphrase-stdin to export (nothing was written)")
        return 1
    writer = write_xlsx if args.format == "xlsx" else write_csv
    if args.out:
        out = Path(args.out)
        tmp = out.with_name(out.name + ".tmp")
        try:
            from sync.atomicfile import open_private
            with open_private(tmp) as fh:  # visitors' data: 0640 whatever the umask
                n = writer(leads, fh)
            tmp.replace(out)
        except OSError as exc:
            _err(f"cannot write {out}: {exc.strerror or exc}")
            return 1
        print(f"exported {n} lead(s) to {out}", file=sys.stderr)
        return 0
    if args.format == "xlsx" and sys.stdout.isatty():
        _err("an XLSX file cannot be shown on a terminal; give --out FILE")
        return 1
    writer(leads, sys.stdout.buffer)
    sys.stdout.buffer.flush()
    return 0


def cmd_rescore(args: argparse.Namespace) -> int:
    from forms import FormError

    from kiosk.errors import KioskError

    root = data_dir(args.data)
    try:
        form = _load_form(args.form or _active_show(root)["form_path"])
        store = _open(args)
        try:
            total = store.count()
            n = store.rescore(form)
        finally:
            store.close()
    except (KioskError, FormError) as exc:
        _err(str(exc))
        return 1
    print(f"rescored with form {form.id} {form.version}: {n} of {total} lead(s) changed")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from kiosk.errors import KioskError

    root = data_dir(args.data)
    try:
        days = args.days if args.days is not None else int(_active_show(root)["retention_days"])
        store = _open(args)
        try:
            n = store.purge(days)
        finally:
            store.close()
    except KioskError as exc:
        _err(str(exc))
        return 1
    print(f"purged contact details of {n} lead(s) confirmed by central more than {days} day(s) ago")
    return 0
