"""Test support shared by every area (clock, factories, waiting helpers)."""
