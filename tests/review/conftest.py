"""Review fixtures. The helpers live in ``review_helpers.py`` (pytest's importlib mode cannot import
a conftest by name), loaded here once and registered so tests can ``import review_helpers``."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location("review_helpers", Path(__file__).with_name("review_helpers.py"))
_mod = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
sys.modules["review_helpers"] = _mod
_spec.loader.exec_module(_mod)  # type: ignore[union-attr]

template_db = _mod.template_db
sqlite_url = _mod.sqlite_url
app = _mod.app
as_marketer = _mod.as_marketer
as_sales = _mod.as_sales
as_admin = _mod.as_admin
server = _mod.server
browser = _mod.browser
