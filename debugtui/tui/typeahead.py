"""Type-ahead: keys typed while the screen they are meant for is on its way wait for it.

Textual hands each key to whatever has focus the moment it reads the key. A key that opens
a screen (``n`` for a new investigation, enter to open one, ``d`` to delete one) has that
screen mounted, focused and, for an investigation, loaded a few frames later; keys typed
meanwhile went to the screen being left. The title typed right after ``n`` was lost, and a
note typed right after opening an investigation ran as commands. Now such a key makes the
app hold the keys that follow until the new screen says it is ready, then read them again,
in order, as if just typed. ``HOLD_LIMIT_S`` bounds the wait, so a screen that never says
so (or a store call that fails) costs at most that long and still loses no key.
"""

from __future__ import annotations

from textual import events
from textual._context import active_message_pump  # see replay_key
from textual.app import App
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input

HOLD_LIMIT_S = 3.0
"""The longest keys are held: a 10,000-entry investigation opens in well under a second."""


class TypeAhead:
    """The keys held for a screen on its way, for one app."""

    def __init__(self, app: App[object]) -> None:
        self._app = app
        self._held: list[events.Key] | None = None
        self._timer: Timer | None = None

    @property
    def holding(self) -> bool:
        return self._held is not None

    def hold(self) -> None:
        """Hold the keys typed from now on, until :meth:`release` or ``HOLD_LIMIT_S``."""
        if self._held is None:
            self._held = []
        if self._timer is not None:
            self._timer.stop()
        self._timer = self._app.set_timer(HOLD_LIMIT_S, self.release, name="typeahead")

    def take(self, event: events.Event) -> bool:
        """Keep ``event`` if it is a key fresh from the terminal and keys are held."""
        if self._held is None or not isinstance(event, events.Key) or event.is_forwarded:
            return False
        self._held.append(event)
        return True

    def release(self) -> None:
        """Read the held keys again, in order (a key among them may start a new hold)."""
        held, self._held = self._held, None
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        for key in held or ():
            replay_key(self._app, key)


def replay_key(app: App[object], key: events.Key) -> None:
    """Have ``app`` read ``key`` again, as if just typed.

    The copy is the app's own: a message remembers the pump that was running when it was
    made, and a key made while a panel handles a message stops bubbling at that panel, so
    the app never looked up its bindings (``t`` typed right after the filter's enter was
    lost).
    """
    token = active_message_pump.set(app)
    try:
        again = events.Key(key.key, key.character)
    finally:
        active_message_pump.reset(token)
    app.post_message(again)


def is_holding(app: App[object]) -> bool:
    """Whether ``app`` holds the keys typed now."""
    typeahead = getattr(app, "typeahead", None)
    return isinstance(typeahead, TypeAhead) and typeahead.holding


def hold_keys(app: App[object]) -> None:
    """Hold ``app``'s keys for a screen on its way (nothing on an app without type-ahead)."""
    typeahead = getattr(app, "typeahead", None)
    if isinstance(typeahead, TypeAhead):
        typeahead.hold()


def release_keys(app: App[object]) -> None:
    """The screen the keys were held for is ready: hand them on."""
    typeahead = getattr(app, "typeahead", None)
    if isinstance(typeahead, TypeAhead):
        typeahead.release()


def typing_in_a_field(app: App[object]) -> bool:
    """Whether a text field has focus: a priority key that opens a field (``/``, ``g``, the
    composer's letters) stands aside there, the letter is text."""
    return isinstance(app.focused, Input)


def focus_now(widget: Widget) -> None:
    """Focus ``widget`` before the app hands out the next key (``focus()`` waits a turn, and
    the keys typed after the one that asked for it went to the widget being left).

    With a priority binding, which runs as the app reads its key, the keys typed right after
    ``/`` or ``g`` become the filter or the pattern, not commands of the table under it.
    """
    widget.screen.set_focus(widget)
