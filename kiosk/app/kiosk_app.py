"""The Kivy App: builds the screens, mirrors ``CaptureFlow``'s state, pumps the preview, runs the
self-serve idle timer and the systemd watchdog. Business decisions stay in the flow and services.
"""
from __future__ import annotations

import logging
from collections import deque
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock, mainthread
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ColorProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.widget import Widget
from kivy.uix.screenmanager import NoTransition

from kiosk import watchdog
from kiosk.app import theme
from kiosk.app.camera_feed import CameraFeed
from kiosk.app.damage import banner_text
from kiosk.app.flow import CONTACT, DONE, DUPLICATE, QUALIFY, SCAN, FlowError, empty_contact
from kiosk.app.i18n import Translator
from kiosk.app.services import KioskServices
from kiosk.app.sounds import SoundBoard
from kiosk.app.staff import StaffError
from kiosk.scan.handled import HandledCodes

log = logging.getLogger(__name__)
KV_DIR = Path(__file__).parent / "kv"
KV_FILES = ("common", "scan", "contact", "qualify", "done", "pin", "staff", "lead", "tools", "duty")
STAFF_SCREENS = ("pin", "staff", "lead", "tools")
SELF_SERVE_DONE_S = 8.0
DAMAGE_POLL_S = 2.0
STAFF_TIMEOUT_S = 120.0   # an unattended staff area closes itself: it shows every visitor's details
_kv_loaded = False


def load_kv() -> None:
    global _kv_loaded
    if _kv_loaded:
        return
    # Register the Python classes the rules refer to before loading the rules.
    from kiosk.app import widgets  # noqa: F401
    from kiosk.app.screens import contact, done, duty, lead, pin, qualify, scan, staff, tools  # noqa: F401
    for name in KV_FILES:
        Builder.load_file(str(KV_DIR / f"{name}.kv"))
    _kv_loaded = True


class IdleBanner(BoxLayout):
    visible = BooleanProperty(False)
    text = StringProperty("")

    def on_touch_down(self, touch: Any) -> bool:
        # Hidden, it must not swallow taps meant for the buttons underneath it.
        return super().on_touch_down(touch) if self.visible else False

    def on_touch_up(self, touch: Any) -> bool:
        return super().on_touch_up(touch) if self.visible else False


class DamageBanner(Widget):
    """The lead store's damage, over every screen for staff (kiosk/app/damage.py words it). Its
    own widget at the top, apart from the idle banner at the bottom, so neither hides the other;
    it stays until the kiosk restarts on a store that opens whole."""
    visible = BooleanProperty(False)
    text = StringProperty("")


class KioskRoot(FloatLayout):
    sm = ObjectProperty(None)
    banner = ObjectProperty(None)
    damage_banner = ObjectProperty(None)

    def on_touch_down(self, touch: Any) -> bool:
        app = App.get_running_app()
        if app is not None:
            app.activity()
        return super().on_touch_down(touch)


class KioskApp(App):
    lang = StringProperty("en")
    mode = StringProperty("staffed")
    brand = ColorProperty([0.08, 0.40, 0.75, 1])
    portrait = BooleanProperty(False)
    show_title = StringProperty("")
    show_name = StringProperty("")

    def __init__(self, services: KioskServices, fullscreen: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services
        self.flow = services.flow
        self.fullscreen = fullscreen
        self.translator = Translator(services.context.language)
        self.sounds = SoundBoard(enabled=services.sounds)
        self.feed: CameraFeed | None = None
        self._last_frame_no = 0
        self._reading = False
        self._shown_state = ""
        self._events: list[Any] = []
        self.badges_seen: deque[str] = deque(maxlen=64)
        # A badge just handled is still in the visitor's hand when Scan shows again (item: re-reads).
        self.handled_codes = HandledCodes()
        self._capture_code: str | None = None
        self._card: Any = None   # the running CardCapture (photo of a card), if any
        self._card_from = SCAN   # the flow state the card was taken from: scan, or contact (staff)
        self.staff_timeout_s = STAFF_TIMEOUT_S
        self.title = "leadkiosk"
        self._apply_context()

    # --- kv helpers ------------------------------------------------------------------------------
    def tr(self, key: str, _lang: str | None = None, **values: Any) -> str:
        """``_lang`` is only there so kv rules re-evaluate when ``app.lang`` changes."""
        return self.translator(key, **values)

    def _apply_context(self) -> None:
        ctx = self.services.context
        self.translator.set_language(ctx.language if ctx.language in ("en", "de") else "en")
        self.lang = self.translator.language
        self.mode = ctx.mode
        self.brand = list(ctx.hex_color())
        self.show_title = ctx.show.title_in(self.lang)
        self.show_name = ctx.show.name

    # --- life cycle ------------------------------------------------------------------------------
    def build(self) -> KioskRoot:
        load_kv()
        from kiosk.app.screens.contact import ContactScreen
        from kiosk.app.screens.done import DoneScreen, DuplicateScreen
        from kiosk.app.screens.duty import DutyScreen
        from kiosk.app.screens.lead import LeadScreen
        from kiosk.app.screens.pin import PinScreen
        from kiosk.app.screens.qualify import QualifyScreen
        from kiosk.app.screens.scan import ScanScreen
        from kiosk.app.screens.staff import StaffScreen
        from kiosk.app.screens.tools import ToolsScreen

        Window.clearcolor = theme.BG
        root = KioskRoot()
        root.sm.transition = NoTransition()
        self._screen_classes = {
            "scan": ScanScreen, "duplicate": DuplicateScreen, "contact": ContactScreen,
            "qualify": QualifyScreen, "done": DoneScreen, "pin": PinScreen, "staff": StaffScreen,
            "lead": LeadScreen, "tools": ToolsScreen, "duty": DutyScreen}
        self.sm = root.sm
        # Only the scan screen is built before the first frame (cold start); the others follow one
        # per frame once the kiosk is up, so no later tap pays for building a screen.
        self.sm.add_widget(ScanScreen())
        root.sm.bind(current=self._on_screen)
        Window.bind(size=self._on_window_size)
        self._on_window_size(Window, Window.size)
        self.flow.listeners.append(self._on_flow)
        return root

    def on_start(self) -> None:
        if self.fullscreen:
            Window.show_cursor = False
        self.screen("scan").camera_state = "starting"
        self.start_camera()
        self._events = [
            # every frame: a fixed 1/30 s interval beats against a 30 fps camera and drops frames
            Clock.schedule_interval(self._pump_preview, 0),
            Clock.schedule_interval(self._check_idle, 0.25),
            # a sealed record found damaged on a read adds to the store's damage after start
            Clock.schedule_interval(self.check_damage, DAMAGE_POLL_S),
            Clock.schedule_interval(lambda _dt: watchdog.ping(), watchdog.interval_s(default=5.0)),
        ]
        self.check_damage()
        if self.mode == "staffed" and not self.services.context.staff:
            self.show("duty")   # start of a shift on a kiosk that does not know who is on duty
        watchdog.ready()
        watchdog.status("scan screen ready")
        Clock.schedule_once(self._build_rest, 0.5)

    def on_stop(self) -> None:
        for ev in self._events:
            ev.cancel()
        if self._card is not None:
            self._card.cancel()
        if self.feed is not None:
            self.feed.stop()
        watchdog.notify("STOPPING=1")

    def _on_screen(self, _sm: Any, current: str) -> None:
        # Decoding only matters on the scan screen; elsewhere it would just burn the Pi's CPU.
        if current != "scan":
            self.cancel_card()
        if self.feed is not None:
            self.feed.paused = current != "scan"
        if current == "scan":
            # decoding was paused: whatever was handled counts as still in view from now on
            self.handled_codes.rearm()

    def _on_window_size(self, _win: Any, size: Any) -> None:
        self.portrait = size[1] > size[0]

    def screen(self, name: str) -> Any:
        if not self.sm.has_screen(name):
            self.sm.add_widget(self._screen_classes[name]())
        return self.sm.get_screen(name)

    def show(self, name: str) -> None:
        self.screen(name)
        self.sm.current = name

    def _build_rest(self, *_: Any) -> None:
        for name in self._screen_classes:
            if not self.sm.has_screen(name):
                self.screen(name)
                Clock.schedule_once(self._build_rest, 0)
                return

    # --- camera ----------------------------------------------------------------------------------
    def start_camera(self) -> None:
        if self.services.open_camera is None:
            self.screen("scan").camera_state = "none"
            return
        self.feed = CameraFeed(self.services.open_camera, self.services.decode,
                               on_code=lambda _text: None, on_decoded=self._on_decoded,
                               on_error=self._on_camera_error, max_fps=self.services.max_fps)
        self.screen("scan").card_offered = self.services.card_reader is not None
        self.screen("contact").card_offered = self.services.card_reader is not None
        self.feed.start()

    @mainthread
    def _on_camera_error(self, message: str) -> None:
        log.warning("no camera: %s", message)
        self.screen("scan").camera_state = "none"
        self.screen("contact").card_offered = False

    def _pump_preview(self, _dt: float) -> None:
        if self.feed is None or self.sm.current != "scan" or self.screen("scan").card_state == "reading":
            return   # while a card is read, the preview keeps showing the photo taken
        number, frame = self.feed.latest()
        if frame is not None and number != self._last_frame_no:
            self._last_frame_no = number
            self.screen("scan").show_frame(frame)

    @mainthread
    def _on_decoded(self, texts: list[str]) -> None:
        self.badges_seen.extend(texts)
        for text in self.handled_codes.frame(texts):
            self._on_code(text)

    def _on_code(self, text: str) -> None:
        if self._reading or self.sm.current != "scan" or self.flow.state != SCAN or self._card is not None:
            return
        self._reading = True
        self.handled_codes.handled(text)
        self._capture_code = text
        self.sounds.play("read")

        def proceed() -> None:
            self._reading = False
            if self.sm.current != "scan":
                # Staff tapped Staff (or Manual entry) during the read's flash: what they chose wins;
                # the badge, still marked handled, is read again once Scan shows and it lingers.
                return
            try:
                self.flow.badge_read(text)
            except Exception:  # a broken badge or store must not take the kiosk down
                log.exception("handling a badge read")
                self.sounds.play("error")

        self.screen("scan").play_flash(on_done=proceed)

    # --- photo of a card ---------------------------------------------------------------------------
    def start_card(self, after_failure: bool = False) -> None:
        """Guide frame on the preview; the card is taken once steady and sharp, then read off the
        UI thread while a progress bar runs; its fields fill the contact screen."""
        from kiosk.app.card_capture import CardCapture

        if self.feed is None or self.services.card_reader is None or self.flow.state not in (SCAN, CONTACT):
            return
        if self.flow.state == CONTACT:
            if self.sm.current == "contact":
                # staff are on the contact screen: what they typed stays, the preview is on Scan
                self.flow.keep_typed(self.screen("contact").values())
            self.show("scan")
        self._card_from = self.flow.state
        if self._card is not None:
            self._card.cancel()
        scan = self.screen("scan")
        scan.stop_progress()
        scan.card_state = "aim"
        scan.card_steady = False
        self.feed.paused = True   # no barcode decoding meanwhile: the CPU goes to the card
        self.feed.held = False
        from kiosk.scan.card.still import StillDetector
        # after a failed read the same still view is not shot again: the card must move first
        self._card = CardCapture(self.feed.latest_frame, self.services.card_reader,
                                 on_taken=self._card_taken, on_read=self._card_read,
                                 on_error=self._card_error, on_verdict=self._card_verdict,
                                 detector=StillDetector(wait_for_motion=after_failure),
                                 still=self.feed.take_still)
        self._card.start()

    def take_card_now(self) -> None:
        if self._card is not None:
            self._card.take_now()

    def cancel_card(self) -> None:
        card, self._card = self._card, None
        if card is not None:
            card.cancel()
        if self.root is None:
            return
        scan = self.screen("scan")
        scan.stop_progress()
        scan.card_state = "off"
        scan.card_hint = ""
        scan.card_steady = False
        if self.feed is not None:
            self.feed.paused = self.sm.current != "scan" or self.flow.state != SCAN
            self.feed.held = False
        if self.flow.state == CONTACT and self.sm.current == "scan":
            self.show("contact")   # staff took the photo from the contact screen: back to it

    @mainthread
    def _card_verdict(self, verdict: Any) -> None:
        if self._card is None:
            return
        scan = self.screen("scan")
        scan.card_steady = verdict.steady_frames > 0
        hold = self.tr("scan.card_hold_still")
        if verdict.steady_frames > 0 and not scan.card_hint:
            scan.card_hint = hold
        elif verdict.steady_frames == 0 and scan.card_hint == hold:
            scan.card_hint = ""   # a failure message stays until the visitor succeeds

    @mainthread
    def _card_taken(self, frame: Any) -> None:
        if self._card is None:
            return
        from kiosk.app.camera_feed import preview_frame
        scan = self.screen("scan")
        scan.show_frame(preview_frame(frame))   # the photo taken stays on screen while it is read
        scan.card_state = "reading"
        scan.start_progress()
        if self.feed is not None:
            self.feed.held = True   # the photo is taken: the CPU goes to reading it
        self.sounds.play("read")

    @mainthread
    def _card_read(self, reading: dict[str, Any], frame: Any) -> None:
        card = self._card
        if card is None or card.cancelled or self.flow.state != self._card_from:
            return
        from kiosk.scan.card.photo import encode_photo
        found = {k: v for k, v in (reading.get("contact") or {}).items() if v}
        if not found:
            self._card = None
            self.start_card(after_failure=True)
            self.screen("scan").card_hint = self.tr("scan.card_empty")
            self.sounds.play("error")
            return
        self._card = None
        self.cancel_card()
        try:
            photo: bytes | None = encode_photo(frame)
        except Exception:  # the fields still help staff; the photo is a bonus
            log.exception("encoding the card photo")
            photo = None
        try:
            self.flow.card_read(reading, photo)
        except Exception:  # a broken store must not take the kiosk down
            log.exception("handling a card read")
            self.sounds.play("error")
            return
        if self._card_from == CONTACT and self.flow.state == CONTACT:
            self.screen("contact").load(self.flow.contact, self.flow.confidence)

    @mainthread
    def _card_error(self, message: str) -> None:
        if self._card is None:
            return
        log.warning("card: %s", message)
        self._card = None
        self.start_card(after_failure=True)
        self.screen("scan").card_hint = self.tr("scan.card_failed", error=message)
        self.sounds.play("error")

    # --- flow mirroring ----------------------------------------------------------------------------
    def _on_flow(self, flow: Any) -> None:
        state = flow.state
        entering = state != self._shown_state
        self._shown_state = state
        if state != SCAN and not (state == CONTACT and self._card_from == CONTACT and self._card is not None):
            self.cancel_card()
        if state == SCAN:
            if entering:
                self._clear_visitor()
                self._capture_code = None
            if self.sm.current not in STAFF_SCREENS and self.sm.current != "duty":
                self.show("scan")
        elif state == DUPLICATE:
            dup = self.screen("duplicate")
            values = flow.duplicate_text_values()
            dup.message = self.tr("dup.body" if values["staff"] else "dup.body_nostaff", **values)
            c = (flow.duplicate or {}).get("contact") or {}
            dup.who = " · ".join(p for p in (" ".join(x for x in (c.get("first_name"), c.get("last_name")) if x),
                                              c.get("company")) if p)
            self.show("duplicate")
        elif state == CONTACT:
            if entering:
                self.screen("contact").load(flow.contact, flow.confidence)
            self.show("contact")
        elif state == QUALIFY:
            self.screen("qualify").error = "" if entering else self.screen("qualify").error
            self.screen("qualify").refresh(flow)
            self.show("qualify")
        elif state == DONE:
            if self._capture_code is not None:
                self.handled_codes.mark_saved(self._capture_code)
            self.screen("done").load(flow.saved, staffed=self.mode != "self_serve", updated=flow.updated())
            self.show("done")
            if self.mode == "self_serve":
                saved = flow.saved
                Clock.schedule_once(lambda _dt: self._auto_finish(saved), SELF_SERVE_DONE_S)

    def _auto_finish(self, saved: Any) -> None:
        if self.flow.state == DONE and self.flow.saved is saved:
            self.flow.finish()

    def _clear_visitor(self) -> None:
        """Privacy: the previous visitor's name must not linger in any widget."""
        self.screen("contact").load(empty_contact())
        q = self.screen("qualify")
        q.questions.clear_widgets()
        q._shown = ()
        q.error = ""
        self.screen("done").load(None, staffed=self.mode != "self_serve", updated=False)
        self.root.banner.visible = False

    # --- actions called by screens ----------------------------------------------------------------
    def activity(self) -> None:
        self.flow.touch()
        if self.root is not None and self.root.banner.visible:
            self.root.banner.visible = False

    def still_here(self) -> None:
        self.activity()

    def manual_entry(self) -> None:
        self.flow.manual_entry()

    def submit_contact(self, values: dict[str, str]) -> None:
        try:
            self.flow.submit_contact(values)
        except FlowError as exc:
            contact = self.screen("contact")
            contact.error = self.tr(exc.key, **exc.values)
            contact.error_key = exc.key
            contact.show_problem()

    def flow_back(self) -> None:
        self.flow.back()

    def flow_next(self) -> None:
        try:
            self.flow.next()
        except FlowError as exc:
            values = dict(exc.values)
            missing = list(values.get("missing") or [])
            if "missing" in values:
                values["questions"] = self.flow.question_labels(values.pop("missing"),
                                                                self.tr("qualify.consent_title"))
            qualify = self.screen("qualify")
            qualify.error = self.tr(exc.key, **values)
            qualify.show_missing(missing)
            self.sounds.play("error")

    def answer(self, qid: str, value: Any) -> None:
        self.screen("qualify").error = ""
        self.flow.answer(qid, value)

    def accept_update(self) -> None:
        self.flow.accept_update()

    def decline_update(self) -> None:
        self.flow.decline_update()

    def finish_capture(self) -> None:
        self.flow.finish()

    # --- staff area ----------------------------------------------------------------------------------
    def open_staff(self) -> None:
        self.show("pin")

    def enter_staff(self) -> None:
        self.show("staff")

    def close_staff(self, idle: bool = False) -> None:
        """``idle``: the staff area closed itself, so whoever was on duty may have left: ask again."""
        self.flow.reset()
        self.show("duty" if idle and self.mode == "staffed" else "scan")

    def set_on_duty(self, name: str) -> None:
        self.services.staff.set_staff(name)
        self.show("scan")

    def open_staff_list(self) -> None:
        self.show("staff")

    def open_tools(self) -> None:
        self.show("tools")

    def open_lead(self, lead_id: str) -> None:
        lead = self.services.staff.get(lead_id)
        if lead is not None:
            detail = self.screen("lead")
            detail.show(lead)
            detail.scroll.scroll_y = 1   # each lead from its top, not where the previous one was left
            self.show("lead")

    def set_language(self, lang: str) -> None:
        self.services.staff.set_language(lang)
        self._apply_context()
        self._relayout_flow()

    def set_mode(self, mode: str) -> None:
        try:
            self.services.staff.set_mode(mode)
        except StaffError:
            return
        self.mode = mode

    def switch_show(self, show_id: str) -> None:
        form = self.services.staff.switch_show(show_id)
        self.flow.set_form(form)
        self.flow.reset()
        self._apply_context()

    def _relayout_flow(self) -> None:
        if self.flow.state == QUALIFY:
            self.screen("qualify").refresh(self.flow, force=True)

    # --- store damage -------------------------------------------------------------------------------
    def check_damage(self, _dt: float = 0) -> None:
        """Show or hide the damage banner from the store's report (every DAMAGE_POLL_S, and at once
        when staff acknowledge it)."""
        try:
            damage = self.services.staff.store_damage()
        except Exception:  # reading the report must never take the kiosk down
            log.exception("reading the lead store's damage report")
            return
        banner = self.root.damage_banner
        if damage is None:
            banner.visible = False
            return
        text = banner_text(damage, self.tr)
        if not banner.visible or banner.text != text:
            log.error("lead store damaged, banner shown: %s", " | ".join(damage.problems))
        banner.text, banner.visible = text, True

    # --- self-serve idle ---------------------------------------------------------------------------
    def _check_idle(self, _dt: float) -> None:
        if self.sm.current == "duty":
            return
        if self.sm.current in STAFF_SCREENS:
            if self.flow.seconds_idle() > self.staff_timeout_s:
                self.close_staff(idle=True)
            return
        status = self.flow.idle_status()
        banner = self.root.banner
        if status.state == "reset":
            banner.visible = False
            self.flow.reset()
            self.show("scan")
        elif status.state == "warn":
            banner.text = self.tr("idle.warning", seconds=max(1, int(status.seconds_left + 0.99)))
            banner.visible = True
        elif banner.visible:
            banner.visible = False
