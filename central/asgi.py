"""ASGI entry point for several uvicorn worker processes (``uvicorn --workers N`` needs an import
string): the database URL and config come from ``LEADKIOSK_CENTRAL_DB`` and
``LEADKIOSK_CENTRAL_CONFIG``; ``LEADKIOSK_CENTRAL_WORKER=0`` turns the notification thread off."""
from __future__ import annotations

import os

from central.app import create_app

app = create_app(start_worker=os.environ.get("LEADKIOSK_CENTRAL_WORKER", "1") != "0")
