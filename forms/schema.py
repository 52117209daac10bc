"""The form file's schema: turns parsed YAML into a Form, collecting every mistake (with its key
path, what was expected and the line) so a marketer fixes the whole file in one round."""
from __future__ import annotations

import difflib
import math
import re
from typing import Any

from forms.errors import FormDefinitionError
from forms.model import (KINDS, SCALE_MAX, SCALE_MIN, Condition, Consent, Form, Option, Question,
                         Rule, Scoring, Section)
from forms.text import NO, YES, Text, builtin
from forms.wording import REASONS
from forms.yamlfile import Located

QUESTION_ID = re.compile(r"^[a-z][a-z0-9_]*$")
OPTION_ID = re.compile(r"^[a-z0-9][a-z0-9_]*$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2})?$")

TOP_KEYS = ("id", "version", "languages", "title", "consent", "sections", "scoring")
SECTION_KEYS = ("id", "title", "questions")
COMMON_KEYS = ("id", "kind", "label", "help", "short", "required", "show_if")
KIND_KEYS = {"single": ("options",), "multi": ("options",), "yesno": ("points",),
             "scale": ("points", "low", "high"), "text": ("max_length",)}
OPTION_KEYS = ("id", "label", "points", "short")
CONSENT_KEYS = ("version", "text")
SCORING_KEYS = ("thresholds", "hot_requires", "warm_requires", "disqualifiers")
THRESHOLD_KEYS = ("hot", "warm")
OPERATORS = ("in", "not_in", "at_least", "at_most", "answered")
CONDITION_KEYS = ("question",) + OPERATORS
RESERVED_IDS = ("consent",)
DEFAULT_TEXT_LENGTH = 500


def _join(path: str, key: Any) -> str:
    if isinstance(key, int) and not isinstance(key, bool):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _plain(v: Any) -> str:
    return type(v).__name__ if not isinstance(v, (str, int, float, bool)) else repr(v)


class _Builder:
    def __init__(self, source: str):
        self.source = source
        self.problems: list[tuple[str, str]] = []
        self.languages: tuple[str, ...] = ("en",)
        self.questions: dict[str, Question] = {}
        self.order: list[str] = []
        self.broken: set[str] = set()   # questions whose kind is wrong: skip checks that depend on it

    # -- reporting -------------------------------------------------------------------------
    def err(self, path: str, expected: str, node: Any = None, key: Any = None) -> None:
        line = 0
        if isinstance(node, Located):
            line = node.key_lines.get(str(key), node.line) if key is not None else node.line
        self.problems.append((path or "(top level)", expected + (f" (line {line})" if line else "")))

    def mapping(self, value: Any, path: str, allowed: tuple[str, ...], required: tuple[str, ...],
                parent: Any = None, key: Any = None, what: str = "") -> dict | None:
        if not isinstance(value, dict):
            self.err(path, f"a mapping of {what or ', '.join(allowed)}, got {_plain(value)}", parent, key)
            return None
        for k in value:
            if k not in allowed:
                hint = difflib.get_close_matches(str(k), allowed, n=1)
                self.err(_join(path, k), "unknown key" + (f" (did you mean {hint[0]!r}?)" if hint else "")
                         + f"; expected one of: {', '.join(allowed)}", value, k)
        for k in required:
            if k not in value:
                self.err(_join(path, k), "required key is missing", value)
        return value

    def text(self, node: dict, key: str, path: str, required: bool = True) -> Text:
        p = _join(path, key)
        value = node.get(key)
        langs = self.languages
        if value is None:
            if required:
                self.err(p, ("required key is missing: " if key not in node else "")
                         + f"text in every form language ({', '.join(langs)})", node, key if key in node else None)
            return Text({}, langs[0])
        if isinstance(value, str):
            if len(langs) == 1:
                return Text({langs[0]: value}, langs[0])
            self.err(p, f"one text per form language, e.g. {{{', '.join(f'{l}: ...' for l in langs)}}}", node, key)
            return Text({}, langs[0])
        if not isinstance(value, dict):
            self.err(p, f"a mapping language -> text ({', '.join(langs)}), got {_plain(value)}", node, key)
            return Text({}, langs[0])
        out = {}
        for lang, t in value.items():
            if lang not in langs:
                self.err(_join(p, lang), f"a language listed in languages ({', '.join(langs)})", value, lang)
            elif not isinstance(t, str) or not t.strip():
                self.err(_join(p, lang), f"non-empty text, got {_plain(t)}", value, lang)
            else:
                out[lang] = t.strip()
        for lang in langs:
            if lang not in value:
                self.err(_join(p, lang), f"text in {lang} (every form language needs one)", value)
        return Text(out, langs[0])

    def words(self, node: dict, key: str, path: str, what: str, default: Text) -> Text:
        """``short``, ``says`` and ``reason``: one plain text used in every language (as forms
        written before translations were possible do), or one text per form language like a label.
        A mistake is reported and ``default`` returned so the other checks still run."""
        if key not in node:
            return default
        value, p, langs = node[key], _join(path, key), self.languages
        if isinstance(value, str) and value.strip():
            return Text({lang: value.strip() for lang in langs}, langs[0])
        if not isinstance(value, dict):
            self.err(p, f"{what}: text, or one text per form language such as "
                        f"{{{', '.join(f'{l}: ...' for l in langs)}}}; got {_plain(value)}", node, key)
            return default
        out = {}
        for lang, t in value.items():
            if lang not in langs:
                self.err(_join(p, lang), f"a language listed in languages ({', '.join(langs)})", value, lang)
            elif not isinstance(t, str) or not t.strip():
                self.err(_join(p, lang), f"{what} in {lang}: non-empty text, got {_plain(t)}", value, lang)
            else:
                out[lang] = t.strip()
        missing = [lang for lang in langs if lang not in value]
        for lang in missing:
            self.err(_join(p, lang), f"{what} in {lang} (given per language, {key} needs every form "
                                     f"language: {', '.join(langs)})", value)
        return Text(out, langs[0]) if len(out) == len(langs) else default

    def ident(self, node: dict, key: str, path: str, pattern: re.Pattern[str], what: str) -> str:
        value = node.get(key)
        if key not in node:
            return ""
        if isinstance(value, bool) or not isinstance(value, str):
            self.err(_join(path, key), f"{what}: text such as 'approved' (put it in quotes), got {_plain(value)}", node, key)
            return str(value)
        if not pattern.match(value):
            self.err(_join(path, key), f"{what}: lowercase letters, digits and _ (got {value!r})", node, key)
        return value

    # -- parts -----------------------------------------------------------------------------
    def build(self, data: Any) -> Form | None:
        top = self.mapping(data, "", TOP_KEYS, ("id", "version", "languages", "consent", "sections", "scoring"),
                           what="id, version, languages, consent, sections, scoring")
        if top is None:
            return None
        form_id = self.ident(top, "id", "", QUESTION_ID, "form id")
        version = top.get("version")
        if "version" in top and (not isinstance(version, str) or not version.strip()):
            self.err("version", f"a version string in quotes, e.g. \"2026.1\", got {_plain(version)}", top, "version")
        self.parse_languages(top)
        title = self.text(top, "title", "", required=False) if "title" in top else Text({l: form_id for l in self.languages}, self.languages[0])
        sections = self.parse_sections(top)
        consent = self.parse_consent(top)
        scoring = self.parse_scoring(top)
        if self.problems or scoring is None or consent is None:
            return None
        return Form(id=form_id, version=str(version).strip(), languages=self.languages, title=title,
                    sections=tuple(sections), consent=consent, scoring=scoring, source=self.source,
                    _by_id=dict(self.questions))

    def parse_languages(self, top: dict) -> None:
        langs = top.get("languages")
        if "languages" not in top:
            return
        if not isinstance(langs, list) or not langs:
            self.err("languages", f"a non-empty list of language codes such as [en, de], got {_plain(langs)}", top, "languages")
            return
        good = []
        for i, lang in enumerate(langs):
            if not isinstance(lang, str) or not LANGUAGE.match(lang):
                self.err(f"languages[{i}]", f"a language code such as en or de, got {_plain(lang)}", top, "languages")
            elif lang in good:
                self.err(f"languages[{i}]", f"each language once ({lang!r} is listed twice)", top, "languages")
            else:
                good.append(lang)
        if good:
            self.languages = tuple(good)

    def parse_sections(self, top: dict) -> list[Section]:
        sections = top.get("sections")
        if "sections" not in top:
            return []
        if not isinstance(sections, list) or not sections:
            self.err("sections", f"a non-empty list of sections, got {_plain(sections)}", top, "sections")
            return []
        out, seen = [], set()
        for i, raw in enumerate(sections):
            path = f"sections[{i}]"
            node = self.mapping(raw, path, SECTION_KEYS, ("id", "questions"), sections, None, "id, title, questions")
            if node is None:
                continue
            sid = self.ident(node, "id", path, QUESTION_ID, "section id")
            if sid in seen:
                self.err(_join(path, "id"), f"a section id used once ({sid!r} is used twice)", node, "id")
            seen.add(sid)
            title = self.text(node, "title", path)
            qs = node.get("questions")
            questions = []
            if "questions" in node and (not isinstance(qs, list) or not qs):
                self.err(_join(path, "questions"), f"a non-empty list of questions, got {_plain(qs)}", node, "questions")
            elif isinstance(qs, list):
                for j, rq in enumerate(qs):
                    q = self.parse_question(rq, f"{path}.questions[{j}]", qs)
                    if q is not None:
                        questions.append(q)
            out.append(Section(sid, title, tuple(questions)))
        return out

    def parse_question(self, raw: Any, path: str, parent: Any) -> Question | None:
        kind = raw.get("kind") if isinstance(raw, dict) else None
        allowed = COMMON_KEYS + KIND_KEYS.get(kind, ()) if kind in KINDS else COMMON_KEYS + tuple(
            k for ks in KIND_KEYS.values() for k in ks if k not in COMMON_KEYS)
        node = self.mapping(raw, path, tuple(dict.fromkeys(allowed)), ("id", "kind"), parent,
                            what="id, kind, label, ...")
        if node is None:
            return None
        qid = self.ident(node, "id", path, QUESTION_ID, "question id")
        if qid in RESERVED_IDS:
            self.err(_join(path, "id"), f"a question id other than {qid!r} (reserved for the consent answer)", node, "id")
        elif qid in self.questions:
            self.err(_join(path, "id"), f"a question id used once in the form ({qid!r} is used twice)", node, "id")
        if "kind" in node and kind not in KINDS:
            self.err(_join(path, "kind"), f"one of: {', '.join(KINDS)}; got {_plain(kind)}", node, "kind")
            self.broken.add(qid)
        label = self.text(node, "label", path)
        help_ = self.text(node, "help", path, required=False)
        plain = (qid or "").replace("_", " ") or "?"
        shorts = self.words(node, "short", path, "the words used for this question in score reasons",
                            Text({lang: plain for lang in self.languages}, self.languages[0]))
        required = node.get("required", False)
        if not isinstance(required, bool):
            self.err(_join(path, "required"), f"true or false, got {_plain(required)}", node, "required")
            required = False
        show_if = self.parse_conditions(node, "show_if", path, earlier_only=True)
        options: tuple[Option, ...] = ()
        max_length, low, high = None, None, None
        if kind in ("single", "multi"):
            options = self.parse_options(node, path, kind)
        elif kind == "yesno":
            pts = self.parse_points(node, path, {"yes": "yes", "no": "no", True: "yes", False: "no"}, "yes, no")
            yes, no = self._fixed("yes", YES), self._fixed("no", NO)
            options = (Option("yes", builtin(YES, self.languages), pts.get("yes", 0), yes[self.languages[0]], yes),
                       Option("no", builtin(NO, self.languages), pts.get("no", 0), no[self.languages[0]], no))
        elif kind == "scale":
            keys = {n: str(n) for n in range(SCALE_MIN, SCALE_MAX + 1)}
            pts = self.parse_points(node, path, keys, f"whole numbers {SCALE_MIN}-{SCALE_MAX}")
            options = tuple(self._scale_option(n, pts.get(str(n), 0)) for n in keys)
            low = self.text(node, "low", path, required=False) if "low" in node else None
            high = self.text(node, "high", path, required=False) if "high" in node else None
        elif kind == "text":
            max_length = node.get("max_length", DEFAULT_TEXT_LENGTH)
            if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
                self.err(_join(path, "max_length"), f"a whole number of characters above 0, got {_plain(max_length)}", node, "max_length")
                max_length = DEFAULT_TEXT_LENGTH
        q = Question(id=qid, kind=kind if kind in KINDS else "text", label=label, help=help_,
                     options=options, required=required, show_if=show_if, short=shorts[self.languages[0]],
                     max_length=max_length, low=low, high=high, shorts=shorts)
        if qid and qid not in self.questions and qid not in RESERVED_IDS:
            self.questions[qid] = q
            self.order.append(qid)
        return q

    def _fixed(self, key: str, labels: dict[str, str]) -> Text:
        """Reason words the form does not spell out (yes/no): the reason table's, else the built-in
        label in lower case."""
        return Text({lang: REASONS.get(lang, {}).get(key) or labels.get(lang, labels["en"]).lower()
                     for lang in self.languages}, self.languages[0])

    def _scale_option(self, n: int, points: int | float) -> Option:
        first = self.languages[0]
        shorts = Text({lang: REASONS.get(lang, REASONS.get(first, REASONS["en"]))["scale"].format(n=n, top=SCALE_MAX)
                       for lang in self.languages}, first)
        return Option(str(n), Text({lang: str(n) for lang in self.languages}, first), points, shorts[first], shorts)

    def parse_points(self, node: dict, path: str, keys: dict[Any, str], expected: str) -> dict[str, int | float]:
        raw = node.get("points")
        if "points" not in node:
            return {}
        p = _join(path, "points")
        if not isinstance(raw, dict):
            self.err(p, f"a mapping answer -> points with keys {expected}, got {_plain(raw)}", node, "points")
            return {}
        out: dict[str, int | float] = {}
        for k, v in raw.items():
            yesno = "yes" in keys.values()
            bad_type = isinstance(k, bool) != yesno if isinstance(k, (bool, int)) else False
            kp = f"{p}.{keys.get(k, k) if not bad_type else k}"
            if bad_type or k not in keys:
                self.err(kp, f"an answer of this question ({expected})", raw, k)
            elif not _is_number(v):
                self.err(kp, f"a number of points, got {_plain(v)}", raw, k)
            elif keys[k] in out:
                self.err(kp, "each answer once", raw, k)
            else:
                out[keys[k]] = v
        return out

    def parse_options(self, node: dict, path: str, kind: str) -> tuple[Option, ...]:
        raw = node.get("options")
        p = _join(path, "options")
        need = 2 if kind == "single" else 1
        if not isinstance(raw, list) or len(raw) < need:
            self.err(p, f"a list of at least {need} options (id, label, points), got {_plain(raw)}", node, "options" if "options" in node else None)
            return ()
        out, seen = [], set()
        for i, ro in enumerate(raw):
            op = f"{p}[{i}]"
            o = self.mapping(ro, op, OPTION_KEYS, ("id", "label"), raw, None, "id, label, points, short")
            if o is None:
                continue
            oid = self.ident(o, "id", op, OPTION_ID, "option id")
            if oid in seen:
                self.err(_join(op, "id"), f"an option id used once in this question ({oid!r} is used twice)", o, "id")
            seen.add(oid)
            label = self.text(o, "label", op)
            points = o.get("points", 0)
            if not _is_number(points):
                self.err(_join(op, "points"), f"a number of points, got {_plain(points)}", o, "points")
                points = 0
            shorts = self.words(o, "short", op, "the words used for this option in score reasons",
                                self._default_short(label, oid or "?"))
            out.append(Option(oid, label, points, shorts[self.languages[0]], shorts))
        return tuple(out)

    def _default_short(self, label: Text, oid: str) -> Text:
        """Without ``short`` an option is called by its label: in the first language with a
        capital dropped ("Approved" -> "approved", as reasons always read); in the others as
        written, since German nouns keep theirs."""
        first = self.languages[0]
        head = label.get(first) or oid.replace("_", " ")
        out = {first: head[0].lower() + head[1:] if len(head) > 1 and head[1].islower() else head}
        for lang in self.languages[1:]:
            out[lang] = label.get(lang) or out[first]
        return Text(out, first)

    def parse_conditions(self, node: dict, key: str, path: str, earlier_only: bool) -> tuple[Condition, ...]:
        if key not in node:
            return ()
        raw = node[key]
        items = raw if isinstance(raw, list) else [raw]
        out = []
        for i, item in enumerate(items):
            p = _join(path, key) if not isinstance(raw, list) else f"{_join(path, key)}[{i}]"
            c = self.parse_condition(item, p, node, key, earlier_only, CONDITION_KEYS)
            if c is not None:
                out.append(c)
        return tuple(out)

    def parse_condition(self, raw: Any, path: str, parent: Any, pkey: Any, earlier_only: bool,
                        allowed: tuple[str, ...]) -> Condition | None:
        node = self.mapping(raw, path, allowed, ("question",), parent, pkey,
                            "question plus one of: " + ", ".join(OPERATORS))
        if node is None:
            return None
        qid = node.get("question")
        q = self.questions.get(qid) if isinstance(qid, str) else None
        if "question" in node:
            if q is None:
                later = earlier_only and isinstance(qid, str) and qid in self.future_ids
                self.err(_join(path, "question"),
                         f"a question asked before this one ({qid!r} comes later)" if later else
                         f"the id of a question in this form; there is no question {qid!r}", node, "question")
        ops = [k for k in OPERATORS if k in node]
        if not ops or (len(ops) > 1 and set(ops) != {"at_least", "at_most"}):
            self.err(path, "exactly one of: " + ", ".join(OPERATORS) + " (at_least with at_most make a range)", node)
            return None
        if q is None or q.id in self.broken:
            return None  # already reported; checking operators against a guessed kind would mislead
        kw: dict[str, Any] = {}
        for op in ops:
            value, p = node[op], _join(path, op)
            if op == "answered":
                if not isinstance(value, bool):
                    self.err(p, f"true or false, got {_plain(value)}", node, op)
                kw["answered"] = bool(value)
            elif op in ("at_least", "at_most"):
                if q.kind != "scale":
                    self.err(p, f"{op} works on scale questions; {q.id!r} is {q.kind} (use in / not_in)", node, op)
                elif isinstance(value, bool) or not isinstance(value, int) or not SCALE_MIN <= value <= SCALE_MAX:
                    self.err(p, f"a whole number {SCALE_MIN}-{SCALE_MAX}, got {_plain(value)}", node, op)
                else:
                    kw[op] = value
            else:
                if q.kind == "text":
                    self.err(p, f"{q.id!r} is a text question: use answered: true/false", node, op)
                    continue
                values = value if isinstance(value, list) else [value]
                ids = []
                for v in values:
                    if q.kind == "yesno" and isinstance(v, bool):
                        v = "yes" if v else "no"
                    elif q.kind == "scale" and isinstance(v, int) and not isinstance(v, bool):
                        v = str(v)
                    if not isinstance(v, str) or q.option(v) is None:
                        self.err(p, f"options of {q.id!r} ({', '.join(dict.fromkeys(q.option_ids))}); there is no option {v!r}", node, op)
                    else:
                        ids.append(v)
                if not values:
                    self.err(p, f"at least one option of {q.id!r} ({', '.join(q.option_ids)})", node, op)
                kw["in_" if op == "in" else "not_in"] = frozenset(ids)
        return Condition(question=q.id, **kw)

    def parse_consent(self, top: dict) -> Consent | None:
        if "consent" not in top:
            return None
        node = self.mapping(top["consent"], "consent", CONSENT_KEYS, ("version",), top, "consent", "version, text")
        if node is None:
            return None
        version = node.get("version")
        if "version" in node and (not isinstance(version, str) or not version.strip()):
            self.err("consent.version", f"a version string in quotes, e.g. \"2026-1\", got {_plain(version)}", node, "version")
        return Consent(self.text(node, "text", "consent"), str(version or "").strip())

    def parse_scoring(self, top: dict) -> Scoring | None:
        if "scoring" not in top:
            return None
        node = self.mapping(top["scoring"], "scoring", SCORING_KEYS, ("thresholds",), top, "scoring")
        if node is None:
            return None
        hot = warm = 0
        th = node.get("thresholds")
        if "thresholds" in node:
            t = self.mapping(th, "scoring.thresholds", THRESHOLD_KEYS, THRESHOLD_KEYS, node, "thresholds", "hot, warm")
            if t is not None:
                for k in THRESHOLD_KEYS:
                    if k in t and not _is_number(t[k]):
                        self.err(f"scoring.thresholds.{k}", f"a number of points, got {_plain(t[k])}", t, k)
                hot, warm = t.get("hot"), t.get("warm")
                if _is_number(hot) and _is_number(warm) and warm > hot:
                    self.err("scoring.thresholds.warm", f"a number not above hot ({hot}); got {warm}", t, "warm")
        hot_req = self.parse_rules(node, "hot_requires", "says")
        warm_req = self.parse_rules(node, "warm_requires", "says")
        disq = self.parse_rules(node, "disqualifiers", "reason")
        if not (_is_number(hot) and _is_number(warm)):
            return None
        return Scoring(hot=hot, warm=warm, hot_requires=hot_req, warm_requires=warm_req, disqualifiers=disq)

    def parse_rules(self, node: dict, key: str, text_key: str) -> tuple[Rule, ...]:
        if key not in node:
            return ()
        raw = node[key]
        path = f"scoring.{key}"
        if not isinstance(raw, list):
            self.err(path, f"a list of rules (question, in/not_in/..., {text_key}), got {_plain(raw)}", node, key)
            return ()
        out = []
        for i, item in enumerate(raw):
            p = f"{path}[{i}]"
            c = self.parse_condition(item, p, raw, None, False, CONDITION_KEYS + (text_key,))
            if c is None:
                continue
            q = self.questions[c.question]
            langs = self.languages
            if key == "disqualifiers" and c.in_:
                picked = sorted(c.in_)
                default = Text({lang: f"{q.short_in(lang)}: {', '.join(q.option(w).short_in(lang) for w in picked)}"  # type: ignore[union-attr]
                                for lang in langs}, langs[0])
            else:
                default = Text({lang: q.short_in(lang) for lang in langs}, langs[0])
            before = len(self.problems)
            texts = default if item.get(text_key) is None else self.words(item, text_key, p, "plain words for sales", default)
            if len(self.problems) > before:
                continue
            out.append(Rule(c, texts[langs[0]], texts))
        return tuple(out)

    @property
    def future_ids(self) -> set[str]:
        return self._all_ids

    _all_ids: set[str] = set()


def build_form(data: Any, source: str) -> Form:
    """Validate parsed YAML and build the Form, or raise FormDefinitionError listing every problem."""
    b = _Builder(source)
    b._all_ids = _all_question_ids(data)
    form = b.build(data)
    if b.problems or form is None:
        raise FormDefinitionError(source, b.problems or [("(top level)", "a complete form")])
    return form


def _all_question_ids(data: Any) -> set[str]:
    ids: set[str] = set()
    if isinstance(data, dict) and isinstance(data.get("sections"), list):
        for s in data["sections"]:
            if isinstance(s, dict) and isinstance(s.get("questions"), list):
                ids.update(q.get("id") for q in s["questions"] if isinstance(q, dict) and isinstance(q.get("id"), str))
    return ids
