"""``forms`` is pure: it imports no UI, HTTP or storage library and touches the file system only to
read the form file. Checked statically (imports, file calls) and dynamically (a fresh interpreter
with an audit hook recording every file opened while loading and scoring)."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import forms

FORMS_DIR = Path(forms.__file__).parent
FORBIDDEN = {"kivy", "requests", "tinydb", "cv2", "sqlalchemy", "fastapi", "kiosk", "sync", "central",
             "socket", "subprocess", "shutil", "urllib", "http", "sqlite3", "tempfile"}
ALLOWED_TOP = {"__future__", "dataclasses", "typing", "re", "difflib", "math", "os", "pathlib", "functools", "yaml", "forms"}
FILE_CALLS = {"open", "read_text", "read_bytes", "write_text", "write_bytes", "mkdir", "unlink",
              "rename", "remove", "rmdir", "listdir", "scandir", "walk", "glob", "iterdir",
              "touch", "chmod", "system", "popen"}


def _modules() -> list[Path]:
    mods = sorted(FORMS_DIR.glob("*.py"))
    assert len(mods) >= 8
    return mods


def test_forms_imports_only_the_standard_library_and_yaml() -> None:
    seen = set()
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                seen.add(top)
                assert top not in FORBIDDEN, f"{path.name} imports {name}"
                assert top in ALLOWED_TOP, f"{path.name} imports {name}: not on the allowed list"
    assert "yaml" in seen


def test_only_the_loader_touches_files() -> None:
    offenders = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
                if name in FILE_CALLS and path.name != "loader.py":
                    offenders.append(f"{path.name}:{node.lineno} {name}()")
    assert offenders == []


PROBE = r"""
import json, sys
import forms
from forms import load_form, load_form_text, score, form_with_thresholds, default_form_path
events = []
def hook(event, args):
    if event == "open":
        events.append(("open", str(args[0])))
    elif event.split(".")[0] in ("socket", "subprocess", "shutil", "sqlite3") or event in (
            "os.remove", "os.rename", "os.mkdir", "os.listdir", "os.scandir", "os.system", "os.chmod"):
        events.append((event, str(args[:1])))
sys.addaudithook(hook)
path = sys.argv[1]
form = load_form(path)
answers = {"budget": "approved", "authority": "influencer", "need": "critical", "timing": "0_3_months",
           "evaluated_competitors": True, "role": "student", "follow_up": "demo", "consent": True}
r = score(form, answers, override="warm")
form.visible_questions(answers)
form.label("budget.approved", "de")
heavy = sorted(m for m in ("kivy", "requests", "tinydb", "cv2", "sqlalchemy", "fastapi", "kiosk",
                           "sync", "central", "numpy") if m in sys.modules)
print(json.dumps({"events": events, "heavy": heavy, "tag": r.tag}))
"""


def test_loading_and_scoring_opens_only_the_form_file(tmp_path: Path, repo_root: Path) -> None:
    form_file = tmp_path / "show.yaml"
    form_file.write_text(forms.default_form_path().read_text(encoding="utf-8"), encoding="utf-8")
    out = subprocess.run([sys.executable, "-c", PROBE, str(form_file)], capture_output=True,
                         text=True, timeout=60, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["heavy"] == []
    assert report["events"] == [["open", str(form_file)]]
    assert report["tag"] == "warm"
