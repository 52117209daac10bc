"""Kiosk configuration: this kiosk's settings (``kiosk.toml``) and the show configs it can run
(``shows/<id>/``, or the embedded demo show). Every loader validates and raises
``kiosk.errors.ConfigError`` naming the file, the key path and what was expected."""
from kiosk.config.pin import DEMO_PIN, hash_pin, verify_pin
from kiosk.config.settings import (LANGUAGES, MODES, KioskSettings, default_settings, load_kiosk_settings,
                                   load_settings, save_kiosk_settings, settings_from_dict, update_settings)
from kiosk.config.show import (DEMO_SHOW_ID, Branding, ShowConfig, list_shows, load_show, show_dir,
                               show_from_dict, write_show)

__all__ = ["DEMO_PIN", "DEMO_SHOW_ID", "LANGUAGES", "MODES", "Branding", "KioskSettings", "ShowConfig",
           "default_settings", "hash_pin", "list_shows", "load_kiosk_settings", "load_settings", "load_show",
           "save_kiosk_settings", "settings_from_dict", "show_dir", "show_from_dict", "update_settings",
           "verify_pin", "write_show"]
