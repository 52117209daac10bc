"""The touchscreen kiosk app (Kivy): screens, the services they call, the capture flow, i18n.

Importing this package does not import Kivy; ``kiosk.app.kiosk_app`` and the screens do, and only
``kiosk.app.runner.run_kiosk`` / ``leadkiosk run`` should pull them in (after the window is configured).
"""
