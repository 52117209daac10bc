"""Routers of the review app, one module per area of the UI."""
