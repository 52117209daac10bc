"""Recalibrating a form's thresholds (central, after outcomes come in). The text is edited in
place so the marketer's comments and layout survive; the version is bumped because every scored
lead records which form version scored it."""
from __future__ import annotations

import re

from forms.errors import FormDefinitionError
from forms.loader import load_form_text
from forms.yamlfile import dump, parse


def bump_version(version: str) -> str:
    """``2026.1`` -> ``2026.2``, ``v9`` -> ``v10``; a version without digits gets ``.1``."""
    runs = list(re.finditer(r"\d+", version))
    if not runs:
        return f"{version}.1"
    last = runs[-1]
    return f"{version[:last.start()]}{int(last.group()) + 1}{version[last.end():]}"


def _fmt(n: int | float) -> str:
    return str(int(n)) if float(n).is_integer() else repr(float(n))


def _replace_on_line(lines: list[str], line_no: int, key: str, value: str) -> bool:
    i = line_no - 1
    if not 0 <= i < len(lines):
        return False
    pattern = re.compile(rf"(\b{key}\s*:\s*)(\"[^\"]*\"|'[^']*'|[^,}}\s#]+)")
    new, n = pattern.subn(lambda m: m.group(1) + value, lines[i], count=1)
    lines[i] = new
    return n == 1


def form_with_thresholds(form_yaml_text: str, hot: int | float, warm: int | float,
                         source: str = "<form>") -> str:
    """Return the form's YAML with new hot/warm thresholds and a bumped version. Raises
    FormDefinitionError if the form or the new thresholds are invalid (e.g. warm above hot)."""
    form = load_form_text(form_yaml_text, source)
    for name, value in (("hot", hot), ("warm", warm)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise FormDefinitionError(source, [(f"scoring.thresholds.{name}", f"a number of points, got {value!r}")])
    if warm > hot:
        raise FormDefinitionError(source, [("scoring.thresholds.warm", f"a number not above hot ({hot}); got {warm}")])
    new_version = bump_version(form.version)
    data = parse(form_yaml_text)
    th = data["scoring"]["thresholds"]
    lines = form_yaml_text.splitlines(keepends=True)
    ok = (_replace_on_line(lines, th.key_lines["hot"], "hot", _fmt(hot))
          and _replace_on_line(lines, th.key_lines["warm"], "warm", _fmt(warm))
          and _replace_on_line(lines, data.key_lines["version"], "version", f'"{new_version}"'))
    text = "".join(lines)
    if ok:
        try:
            check = load_form_text(text, source)
            if (check.scoring.hot, check.scoring.warm, check.version) == (hot, warm, new_version):
                return text
        except FormDefinitionError:
            pass
    # Unusual layout (e.g. anchors): fall back to a clean re-dump, comments lost but values exact.
    data["version"] = new_version
    th["hot"], th["warm"] = hot, warm
    text = dump(data)
    load_form_text(text, source)
    return text
