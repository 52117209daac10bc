"""The review web app: server-rendered pages for field marketers and sales on top of the central
database. ``central.app.create_app`` calls :func:`mount` last."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from fastapi import FastAPI

    from central.db import Database
    from central.web.settings import ReviewSettings


def mount(app: "FastAPI", db: "Database", settings: "ReviewSettings | None" = None) -> Any:
    """Add the review pages, their static files and the outcomes API to ``app``."""
    from central.web.app import install

    return install(app, db, settings)
