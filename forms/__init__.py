"""Qualification forms as data, their loader and the scoring engine. Pure Python: no UI, no I/O
beyond reading the form file."""
