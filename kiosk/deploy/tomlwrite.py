"""A TOML writer for the small, flat documents provisioning writes (``kiosk.toml``, a rewritten
``leadkiosk.toml``): strings, integers, floats, booleans, lists of those, and one level of tables.
The stdlib reads TOML but cannot write it, and one more dependency on every kiosk is not worth it
for this; the output is checked by reading it back with ``tomllib``."""
from __future__ import annotations

import json
import math
import re
import tomllib
from typing import Any

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(key: str) -> str:
    return key if _BARE.fullmatch(key) else json.dumps(key)


def _value(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: cannot write {value!r} to TOML")
        return repr(value)
    if isinstance(value, str):
        # JSON string escapes are valid TOML basic-string escapes for everything json emits.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v, where) for v in value) + "]"
    raise ValueError(f"{where}: cannot write a {type(value).__name__} to TOML")


def dumps(doc: dict[str, Any]) -> str:
    lines: list[str] = []
    tables: list[tuple[str, dict[str, Any]]] = []
    for key, value in doc.items():
        if isinstance(value, dict):
            tables.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value, key)}")
    for name, table in tables:
        lines.append("")
        lines.append(f"[{_key(name)}]")
        for key, value in table.items():
            if isinstance(value, dict):
                raise ValueError(f"{name}.{key}: nested tables are not supported")
            lines.append(f"{_key(key)} = {_value(value, f'{name}.{key}')}")
    text = "\n".join(lines) + "\n"
    if tomllib.loads(text) != {k: (list(v) if isinstance(v, tuple) else v) for k, v in doc.items()}:
        raise ValueError("TOML round trip changed the document")  # a bug here, never silently
    return text
