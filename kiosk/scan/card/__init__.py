"""Reading business cards and text-only badges offline: OCR lines in (``lines``), contact fields
out (``fields``); the OCR engine sits behind a Protocol (``engine``) so the parser never needs it."""
