"""Reading YAML the way a marketer expects: a key written twice is an error (PyYAML silently keeps
the last one), and every mapping remembers its line so errors can point at it."""
from __future__ import annotations

import re
from typing import Any

import yaml


class Located(dict):
    """A mapping from the file, with the line of each key (1-based) for error messages."""

    line: int = 0
    key_lines: dict[str, int]


class DuplicateKey(Exception):
    def __init__(self, key: str, line: int, first: int):
        self.key, self.line, self.first = key, line, first
        super().__init__(f"key {key!r} written twice (lines {first} and {line})")


# Always the pure-Python parser: libyaml (when a wheel has it) accepts some texts the Python parser
# rejects (e.g. `{en: Sure?}`), and a form must mean the same on the kiosk and on central.
_BASE = yaml.SafeLoader


class _Loader(_BASE):  # type: ignore[misc, valid-type]
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Located:
    loader.flatten_mapping(node)
    out = Located()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if isinstance(key, (int, float, bool)) or key is None:
            hashable = key
        else:
            hashable = str(key)
        if hashable in out:
            raise DuplicateKey(str(key), line, out.key_lines.get(str(key), 0))
        out[hashable] = loader.construct_object(value_node, deep=True)
        out.key_lines[str(key)] = line
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

# YAML 1.1 reads yes/no/on/off as booleans, so `label: {en: No, de: Nein}` would become False.
# Marketers write words there; only true/false are booleans in form files (as in YAML 1.2).
_BOOL = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL]
    for first, resolvers in _BASE.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def parse(text: str) -> Any:
    """Parse YAML; raises yaml.YAMLError or DuplicateKey (the caller turns them into FormDefinitionError)."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass


def dump(data: Any) -> str:
    def plain(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: plain(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [plain(v) for v in obj]
        return obj

    return yaml.safe_dump(plain(data), sort_keys=False, allow_unicode=True, width=100)
