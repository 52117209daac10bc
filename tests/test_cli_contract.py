"""The command line is a contract: every subcommand the issues name must be registered."""
import subprocess
import sys

import pytest

from kiosk.cli import build_parser


def _names() -> set[str]:
    return set(build_parser().parse_args([])._commands)


@pytest.mark.parametrize("name", ["form", "score", "decode", "parse-badge", "capture", "leads",
                                  "export", "rescore", "run", "screenshots", "sync", "enroll",
                                  "central", "read-card"])
def test_subcommand_registered(name: str) -> None:
    assert name in _names()


def test_help_runs_without_heavy_imports() -> None:
    code = ("import sys; from kiosk.cli import build_parser; build_parser(); "
            "bad=[m for m in ('kivy','cv2','fastapi','sqlalchemy') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("argv", [
    ["central", "report", "--db", "sqlite:///x.db", "--show", "s", "--json"],
    ["central", "outcomes", "import", "--db", "sqlite:///x.db", "--show", "s", "f.csv", "--map", "Email=email",
     "--map", "Phase=stage", "--map-value", "stage:Signed=closed_won", "--dry-run", "--json"],
    ["central", "outcomes", "pull", "--db", "sqlite:///x.db", "--show", "s"],
])
def test_issue16_commands_parse(argv: list[str]) -> None:
    """``central report``, ``central outcomes import|pull`` with exactly the options issue 16 states."""
    args = build_parser().parse_args(argv)
    assert callable(args.func) and args.show == "s"


@pytest.mark.parametrize("argv", [
    ["central", "user", "disable", "--email", "a@example.com"],
    ["central", "user", "enable", "--email", "a@example.com"],
    ["central", "user", "revoke-tokens", "--email", "a@example.com"],
    ["enroll", "http://192.0.2.10:8000", "CODE-1234", "--allow-plain-http"],
])
def test_issue18_commands_parse(argv: list[str]) -> None:
    """``central user disable|enable --email E`` exactly as issue 18 states, and the lab option."""
    args = build_parser().parse_args(argv)
    assert callable(args.func)
    assert getattr(args, "email", None) == "a@example.com" or args.allow_plain_http is True


def test_issue20_read_card_parses() -> None:
    """``leadkiosk read-card IMAGE... [--region DE] [--json]`` exactly as issue 20 states."""
    args = build_parser().parse_args(["read-card", "a.jpg", "b.png", "--region", "DE", "--json"])
    assert args.images == ["a.jpg", "b.png"] and args.region == "DE" and args.json
