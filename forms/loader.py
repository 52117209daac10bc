"""Loading a form from a file or from text (central stores form YAML in its database). This is the
only place in ``forms`` that touches the file system."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml

from forms.errors import FormDefinitionError
from forms.model import Form
from forms.schema import build_form
from forms.yamlfile import DuplicateKey, parse

DEFAULT_FORM = Path(__file__).resolve().parent / "bant.yaml"
# A booth form is a few KB; anything this big is a wrong file (or an attempt to stall the loader).
MAX_FORM_CHARS = 1_000_000


def default_form_path() -> Path:
    """The built-in BANT form, used when a show ships no form of its own."""
    return DEFAULT_FORM


def load_form_text(text: str, source: str = "<text>") -> Form:
    """Parse and fully validate a form; raises FormDefinitionError(source, [(key path, expected)]).
    Results are cached by (text, source): central loads the same show form on many requests, and
    Form objects are read-only by contract."""
    if not isinstance(text, str):
        raise FormDefinitionError(source, [("(file)", f"YAML text, got {type(text).__name__}")])
    if len(text) > MAX_FORM_CHARS:
        raise FormDefinitionError(source, [("(file)", f"a form of at most {MAX_FORM_CHARS} characters; "
                                                      f"this one has {len(text)}")])
    return _load_cached(text, source)


@lru_cache(maxsize=32)
def _load_cached(text: str, source: str) -> Form:
    try:
        data = parse(text)
    except DuplicateKey as exc:
        raise FormDefinitionError(source, [(exc.key, f"each key once per mapping (written twice: lines {exc.first} and {exc.line})")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FormDefinitionError(source, [("(file)", f"valid YAML; {problem}{where} (texts containing "
                                                      f"': ', ' #', '?', braces, brackets or commas need quotes)")]) from None
    if data is None:
        raise FormDefinitionError(source, [("(file)", "a form definition; the file is empty")])
    return build_form(data, source)


def load_form(path: str | os.PathLike[str]) -> Form:
    """Read a form file. A missing or unreadable file is a FormDefinitionError too, so callers
    (kiosk start-up, ``form check``) have one error to report."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FormDefinitionError(str(p), [("(file)", "an existing form file; it does not exist")]) from None
    except UnicodeDecodeError as exc:
        raise FormDefinitionError(str(p), [("(file)", f"UTF-8 text; byte {exc.start} is not UTF-8")]) from None
    except OSError as exc:
        raise FormDefinitionError(str(p), [("(file)", f"a readable file; {exc.strerror or exc}")]) from None
    return load_form_text(text, source=str(p))
