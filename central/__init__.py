"""The central system: lead ingest from the kiosk fleet, hot-lead notifications, review web app."""
