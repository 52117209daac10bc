"""Small reusable widgets: flat rounded buttons, cards, the docked on-screen keyboard.

The keyboard lives inside each screen's layout (not floating over it): the form area above it
shrinks and scrolls the focused field into view, so the keyboard never covers what is typed.
"""
from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ColorProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.scrollview import ScrollView
from kivy.uix.textinput import TextInput
from kivy.uix.togglebutton import ToggleButton
from kivy.uix.vkeyboard import VKeyboard
from kivy.uix.widget import Widget

from kiosk.app import keyboards, theme


class KButton(Button):
    """A flat button with rounded corners drawn in common.kv."""
    bg = ColorProperty(theme.NEUTRAL_BTN)
    fg = ColorProperty(theme.INK)


class KToggle(ToggleButton):
    """An answer option: outlined when off, filled with the show colour when chosen."""
    accent = ColorProperty([0.08, 0.40, 0.75, 1])
    value = ObjectProperty(None, allownone=True)


class KField(TextInput):
    """A text field that keeps its focus while keys of the on-screen keyboard are pressed."""
    key = StringProperty("")
    check = BooleanProperty(False)   # highlighted: a value read from a card that staff should check

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("unfocus_on_touch", False)
        super().__init__(**kwargs)


class KeyboardDock(Widget):
    """A VKeyboard that fills this widget's box and types into the focused ``KField`` of ``scope``.

    Height 0 when hidden; ``scroll`` (a ScrollView around the fields) is scrolled so the field stays
    visible above the keyboard when it opens. ``layout`` names the language's keyboard ("qwerty" or
    "qwertz"); an e-mail field (``key == "email"``) gets that language's e-mail layout
    (kiosk/app/keyboards.py). Shift is one tap for one capital (two taps lock it); the accents
    layer is a tap on its key and back.
    """
    scope = ObjectProperty(None, allownone=True)
    scroll = ObjectProperty(None, allownone=True)
    layout = StringProperty("qwerty")
    shown = BooleanProperty(False)
    target = ObjectProperty(None, allownone=True)
    wanted_height = ObjectProperty(theme.KEYBOARD_H_LANDSCAPE)
    DOUBLE_TAP_S = 0.45

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.size_hint_y = None
        self.height = 0
        self.vk = VKeyboard(docked=False, size_hint=(None, None),
                            margin_hint=[.03, .012, .03, .012], font_size=22)
        self.vk.available_layouts.update(keyboards.layouts())
        self.vk.layout = self._layout_for(None)
        self.vk.do_translation = self.vk.do_rotation = self.vk.do_scale = False
        self.vk.bind(on_textinput=self._on_text, on_key_down=self._on_key)
        self._refresh = Clock.create_trigger(lambda _dt: self.vk.refresh(True), 0)
        self._shift_at = -1.0
        self.bind(pos=self._place, size=self._place, layout=self._relayout)

    def _layout_for(self, field: Any) -> str:
        lang = "de" if self.layout in ("qwertz", "de") else "en"
        kind = "email" if field is not None and getattr(field, "key", "") == "email" else "text"
        return f"{kind}-{lang}"

    def _relayout(self, *_: Any) -> None:
        self.vk.layout = self._layout_for(self.target)

    def _place(self, *_: Any) -> None:
        size = (max(1, self.width), max(1, self.height))
        resized = tuple(self.vk.size) != size
        self.vk.size = size
        self.vk.pos = self.pos
        if resized and self.height > 1:
            self._refresh()  # VKeyboard lays its keys out only on refresh, not on resize

    def attach(self, field: KField) -> None:
        """Called when a field gains focus: open (or keep) the keyboard under it."""
        self.target = field
        self._set_modes(shift=False, caps=False, special=False)
        self.vk.layout = self._layout_for(field)
        if not self.shown:
            self.shown = True
            if self.vk.parent is None:
                self.add_widget(self.vk)
            self.height = self.wanted_height
        Clock.schedule_once(lambda _dt: self._reveal(field), 0)

    def hide(self) -> None:
        self.shown = False
        self.height = 0
        if self.vk.parent is not None:
            self.remove_widget(self.vk)
        if self.target is not None:
            self.target.focus = False
        self.target = None

    def reveal(self) -> None:
        """Scroll the field being typed back into view after the layout above it changed."""
        if self.target is not None:
            Clock.schedule_once(lambda _dt: self._reveal(self.target) if self.target is not None else None, 0)

    def _reveal(self, field: Widget) -> None:
        if self.scroll is not None and field.parent is not None:
            try:
                self.scroll.scroll_to(field, padding=12, animate=False)
            except Exception:  # the field was removed meanwhile
                pass

    # --- shift and the accents layer ----------------------------------------------------------------
    @property
    def upper(self) -> bool:
        return bool(self.vk.have_shift or self.vk.have_capslock)

    def _set_modes(self, shift: bool, caps: bool, special: bool) -> None:
        vk = self.vk
        vk.have_shift, vk.have_capslock, vk.have_special = shift, caps, special
        vk.active_keys.pop(-1, None)   # no stale caps-lock highlight from Kivy's own key
        vk.refresh_active_keys_layer()

    def _tap_shift(self) -> None:
        vk = self.vk
        now = Clock.get_time()
        if vk.have_capslock:
            self._set_modes(False, False, vk.have_special)
        elif vk.have_shift and now - self._shift_at <= self.DOUBLE_TAP_S:
            self._set_modes(False, True, vk.have_special)       # two taps: caps lock
        else:
            self._set_modes(not vk.have_shift, False, vk.have_special)
        self._shift_at = now

    def _on_text(self, _vk: Any, text: str) -> None:
        field = self.target
        if field is None:
            return
        if text in ("\t", "\n"):
            self._focus_next(field)
            return
        if self.upper and len(text) == 1:
            text = text.upper()
        field.insert_text(text)
        if self.vk.have_shift:   # one-shot: one capital, then lower case again
            self._set_modes(False, self.vk.have_capslock, self.vk.have_special)

    def _on_key(self, _vk: Any, keycode: Any, internal: Any, modifiers: Any) -> None:
        field = self.target
        if field is None:
            return
        if keycode == "backspace":
            field.do_backspace()
        elif keycode in ("enter", "tab"):
            self._focus_next(field)
        elif keycode == "escape":
            self.hide()
        elif keycode == "shift1":
            self._tap_shift()
        elif keycode == "sym":
            self._set_modes(self.vk.have_shift, self.vk.have_capslock, not self.vk.have_special)
        elif internal:   # windows other than SDL2 deliver text keys here
            self._on_text(_vk, internal)

    def _focus_next(self, field: KField) -> None:
        nxt = field.get_focus_next()
        if isinstance(nxt, KField):
            nxt.focus = True
        else:
            self.hide()


class KScroll(ScrollView):
    """A ScrollView with a bar wide enough to drag with a finger."""


class ThumbBar(BoxLayout):
    """Where a screen's actions live: at home in landscape (the header, or a card; the bar has no
    height), in a bar at the bottom in portrait. On a 720x1280 panel the header is out of thumb
    reach while the lower half of the screen was empty (issue 17); the buttons are moved, not
    copied, so ``ids.back`` and ``ids.next`` stay the one widget a tap (or a test) reaches.
    ``buttons`` are the actions left to right; ``widths`` their share of the bar in portrait
    (equal shares when not given)."""
    buttons = ListProperty([])
    widths = ListProperty([])
    portrait = BooleanProperty(False)
    bar_height = ObjectProperty(theme.BUTTON_H + 24)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.size_hint_y = None
        self.height = 0
        # each button's home: (parent, index among its children, size_hint_x, size_hint_y, width, height)
        self._homes: dict[int, tuple[Any, int, Any, Any, Any, Any]] = {}
        self._place_trigger = Clock.create_trigger(self._place, 0)
        self.bind(portrait=self._place_trigger, buttons=self._place_trigger)

    def _place(self, *_: Any) -> None:
        buttons = [b for b in self.buttons if b is not None]
        if not buttons or any(b.parent is None for b in buttons if id(b) not in self._homes):
            return
        for btn in buttons:
            if id(btn) not in self._homes:
                home = btn.parent
                self._homes[id(btn)] = (home, home.children.index(btn), btn.size_hint_x, btn.size_hint_y,
                                        btn.width, btn.height)
        if self.portrait:
            if all(btn.parent is self for btn in buttons):
                return
            widths = list(self.widths) if len(self.widths) == len(buttons) else [1.0 / len(buttons)] * len(buttons)
            for btn, share in zip(buttons, widths):
                if btn.parent is not None:
                    btn.parent.remove_widget(btn)
                btn.size_hint_x, btn.size_hint_y, btn.height = share, None, theme.BUTTON_H
                self.add_widget(btn)
            self.height = self.bar_height
        else:
            if all(btn.parent is self._homes[id(btn)][0] for btn in buttons):
                return
            for btn in buttons:
                if btn.parent is not None:
                    btn.parent.remove_widget(btn)
            # back in ascending index order: each lands where it was among the widgets that stayed
            for btn in sorted(buttons, key=lambda b: self._homes[id(b)][1]):
                home, index, hint_x, hint_y, width, height = self._homes[id(btn)]
                btn.size_hint_x, btn.size_hint_y, btn.width, btn.height = hint_x, hint_y, width, height
                home.add_widget(btn, index=min(index, len(home.children)))
            self.height = 0


def option_columns(texts: list[str], width: float, portrait: bool, one_row: bool, font_size: float = 20,
                   max_cols: int = 4, gap: float = 10, inner_pad: float = 16) -> int:
    """How many answer buttons side by side. Scales and yes/no share a row. In portrait choices
    stack (one per row, thumb-sized). In landscape as many columns as keep every word whole and
    every label within two lines, so a step's options fit the 480 px panel without scrolling
    (issue 17: step 5's second question was hidden below the fold with two columns)."""
    n = max(1, len(texts))
    if one_row:
        return n
    if portrait:
        return 1
    from kivy.core.text import Label as CoreLabel

    def text_width(text: str) -> float:
        label = CoreLabel(text=text, font_size=font_size)
        label.refresh()
        return float(label.texture.size[0]) if label.texture else len(text) * font_size * 0.55

    words = [text_width(w) for t in texts for w in t.split()] or [0.0]
    whole = [text_width(t) for t in texts] or [0.0]
    for cols in range(min(n, max_cols), 1, -1):
        cell = (width - gap * (cols - 1)) / cols - inner_pad
        if max(words) <= cell and max(whole) <= 2 * cell * 0.92:
            rows = -(-n // cols)
            return -(-n // rows)          # as balanced as the same number of rows allows (5 -> 3+2)
    return 1 if width < 300 else min(n, 2)
