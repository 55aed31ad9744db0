"""A text field for type-ahead: enter acts in the field's own turn, and keys the field no
longer takes go back to the app.

Textual hands each key to the focused widget as it reads it, so a burst (a fast typist, a
paste, a terminal catching up under load) sits in the field's queue before its first key
is handled. Input's own enter is a binding, run once the key has bubbled back up to the
app: by then the field has typed the keys behind it into the text being saved ("rolled
back" + enter + ``e`` saved "rolled backe"). A :class:`TurnField` acts on enter in its
turn; keys reaching it once it no longer takes them (the form saved or closed) are read
again by the app, in order, as if just typed, so they land where the user meant them.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from debugtui.tui.typeahead import is_holding, replay_key


class TurnField(Input):
    """An Input with enter in its own turn; subclasses say when it takes keys."""

    def takes_keys(self) -> bool:
        """Whether a key reaching the field now is text for it."""
        return True

    def entered(self) -> bool:
        """Enter, in the field's turn; True if handled (else Input's enter binding runs)."""
        return False

    def on_key(self, event: events.Key) -> None:
        if not self.takes_keys():
            event.prevent_default()  # not typed here
            # Read again by the app once it cannot come back here: focus has moved on, or
            # the app holds keys for a screen on its way.
            if self.screen.focused is not self or is_holding(self.app):
                event.stop()
                replay_key(self.app, event)
        elif event.key == "enter" and self.entered():
            event.prevent_default()
            event.stop()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.takes_keys()
