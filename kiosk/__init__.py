"""The kiosk: Kivy app, camera, badge decoding and parsing, local lead store, and the wiring."""
__version__ = "0.1.0"
