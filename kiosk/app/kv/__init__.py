"""Kivy language rules, one file per screen (package so the wheel ships them)."""
