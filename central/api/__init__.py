"""HTTP routes: the kiosk protocol (``kiosk.py``) and the admin API (``admin.py``)."""
