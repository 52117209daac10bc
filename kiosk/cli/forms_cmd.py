"""``leadkiosk form check`` and ``leadkiosk score``: the marketer's way to test a form file before a
show, and a scriptable scorer (same engine as the kiosk). Exit codes: 0 fine, 1 the form file is
wrong, 3 the answers are wrong (2 is argparse's usage error)."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

EXIT_FORM = 1
EXIT_ANSWERS = 3


def register(subparsers: argparse._SubParsersAction) -> None:
    form = subparsers.add_parser("form", help="work with qualification form files",
                                 description="Work with qualification form files.")
    form_sub = form.add_subparsers(dest="form_command", metavar="ACTION")
    check = form_sub.add_parser("check", help="validate a form file and print a summary",
                                description="Validate a form file: prints a summary, or every "
                                            "mistake (key path, expectation, line) and exits 1.")
    check.add_argument("file", metavar="FILE", help="form YAML file")
    check.set_defaults(func=cmd_form_check)
    form.set_defaults(func=lambda args: (form.print_help(), 2)[1])

    sc = subparsers.add_parser("score", help="score answers against a form, print JSON",
                               description="Score one set of answers with the kiosk's scoring "
                                           "engine and print the result as JSON.")
    sc.add_argument("--form", metavar="FILE", default=None,
                    help="form YAML file (default: the built-in forms/bant.yaml)")
    sc.add_argument("answers", metavar="ANSWERS.json", nargs="?", default="-",
                    help='JSON object question id -> answer, plus "consent": true|false; '
                         '"-" or nothing reads standard input')
    sc.add_argument("--override", choices=("hot", "warm", "nurture"), default=None,
                    help="staff override of the tag (kept beside the computed tag)")
    sc.set_defaults(func=cmd_score)


def _load(path: str | None):  # type: ignore[no-untyped-def]
    from forms import default_form_path, load_form

    return load_form(path if path else default_form_path())


def _print_form_error(exc: Exception) -> None:
    print(f"error: {exc}", file=sys.stderr)


def cmd_form_check(args: argparse.Namespace) -> int:
    from forms import FormDefinitionError

    try:
        form = _load(args.file)
    except FormDefinitionError as exc:
        print(f"{exc.source}: INVALID, {len(exc.problems)} problem(s):", file=sys.stderr)
        for path, expected in exc.problems:
            print(f"  {path}: {expected}", file=sys.stderr)
        return EXIT_FORM
    print(summary(form, args.file))
    return 0


def summary(form: Any, source: str) -> str:
    """A summary a marketer can compare with what was agreed with sales."""
    qs = form.questions
    sc = form.scoring
    lines = [f"{source}: OK",
             f"form {form.id} version {form.version}, languages {', '.join(form.languages)}",
             f"{len(form.sections)} sections, {len(qs)} questions "
             f"({sum(q.required for q in qs)} required, {sum(bool(q.show_if) for q in qs)} conditional), "
             f"consent version {form.consent.version}"]
    for s in form.sections:
        lines.append(f"  {s.id}: " + ", ".join(f"{q.id} ({q.kind})" for q in s.questions))
    lines.append(f"thresholds: hot from {sc.hot}, warm from {sc.warm}, nurture below; "
                 f"most points possible {form.max_points()}")
    if sc.hot_requires:
        lines.append("hot requires: " + "; ".join(r.text for r in sc.hot_requires))
    if sc.warm_requires:
        lines.append("warm requires: " + "; ".join(r.text for r in sc.warm_requires))
    if sc.disqualifiers:
        lines.append("discarded when: " + "; ".join(r.text for r in sc.disqualifiers))
    for w in form.warnings():
        lines.append(f"warning: {w}")
    return "\n".join(lines)


def _read_answers(spec: str) -> Any:
    text = sys.stdin.read() if spec == "-" else open(spec, encoding="utf-8").read()
    return json.loads(text)


def cmd_score(args: argparse.Namespace) -> int:
    from forms import AnswerError, FormDefinitionError, score

    try:
        form = _load(args.form)
    except FormDefinitionError as exc:
        _print_form_error(exc)
        return EXIT_FORM
    where = "standard input" if args.answers == "-" else args.answers
    try:
        answers = _read_answers(args.answers)
    except OSError as exc:
        print(f"error: cannot read answers from {where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ANSWERS
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        print(f"error: answers in {where} are not valid JSON: {exc}", file=sys.stderr)
        return EXIT_ANSWERS
    if not isinstance(answers, dict):
        print(f"error: answers in {where} must be a JSON object of question id -> answer, "
              f"got {type(answers).__name__}", file=sys.stderr)
        return EXIT_ANSWERS
    try:
        result = score(form, answers, override=args.override)
    except AnswerError as exc:
        print(f"error: {where}: {exc}", file=sys.stderr)
        return EXIT_ANSWERS
    out = result.to_dict()
    out["consent"] = {"given": result.consent, "text_version": result.consent_version}
    out["answers"] = result.answers
    json.dump(out, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0
