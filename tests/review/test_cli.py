"""``leadkiosk central user ...`` and ``central demo-data`` (through the review CLI's own parser,
and through ``leadkiosk`` itself once central's parser hands its subcommands over)."""
from __future__ import annotations

import argparse
import io
import json

import pytest


def run(argv: list[str], stdin: str = "", monkeypatch: pytest.MonkeyPatch | None = None) -> int:
    from central.web import cli
    p = argparse.ArgumentParser()
    cli.register(p.add_subparsers())
    args = p.parse_args(argv)
    if monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return args.func(args)


def test_demo_data_and_users(tmp_path, capsys, monkeypatch):
    db = f"sqlite:///{tmp_path / 'c.db'}"
    assert run(["demo-data", "--db", db, "--leads", "40", "--demo-users"]) == 0
    out = capsys.readouterr().out
    assert "40 leads added" in out and "admin@demo.example / password" in out
    assert run(["user", "add", "--db", db, "--email", "Pat@Example.com", "--role", "sales", "--name", "Pat",
                "--password-stdin"], "a long password\n", monkeypatch) == 0
    assert run(["user", "add", "--db", db, "--email", "pat@example.com", "--role", "sales", "--password-stdin"],
               "another long one\n", monkeypatch) == 1
    assert "exists already" in capsys.readouterr().err
    assert run(["user", "add", "--db", db, "--email", "x@example.com", "--role", "admin", "--password-stdin"],
               "short\n", monkeypatch) == 1
    assert "at least 8" in capsys.readouterr().err
    assert run(["user", "list", "--db", db, "--json"]) == 0
    users = {u["email"]: u["role"] for u in json.loads(capsys.readouterr().out)}
    assert users == {"pat@example.com": "sales", "admin@demo.example": "admin",
                     "marketer@demo.example": "field_marketer", "sales@demo.example": "sales"}
    assert run(["user", "token", "--db", db, "--email", "pat@example.com"]) == 0
    assert capsys.readouterr().out.strip().startswith("lkr_")
    assert run(["user", "token", "--db", db, "--email", "nobody@example.com"]) == 1
    assert run(["demo-data", "--db", db, "--leads", "0"]) == 1


def test_leadkiosk_central_exposes_the_review_commands():
    from kiosk.cli import build_parser
    parser = build_parser()
    central = parser._subparsers._group_actions[0].choices.get("central")  # type: ignore[union-attr]
    assert central is not None, "leadkiosk has no central command"
    names = set(central._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    assert {"user", "demo-data"} <= names
