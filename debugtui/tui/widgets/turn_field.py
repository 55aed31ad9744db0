"""A text field for type-ahead: its keys act in the field's own turn, and keys the field no
longer takes go back to the app.

Textual hands each key to the focused widget as it reads it, so a burst (a fast typist, a
paste, an SSH link catching up under load) sits in the field's queue before its first key
is handled. Input types a character in its turn, but its editing keys (backspace, delete,
the arrows, home, end, ctrl+w, enter) are bindings, run once the key has bubbled back up
to the app: by then the field has typed the keys behind it. "rolled back" + enter + ``e``
saved "rolled backe"; "x", backspace, "y" left "x" (the backspace deleted the "y"). This
is Textual's (textual#6605; reproduced on a bare Input). A :class:`TurnField` runs its own
bindings in its turn; keys reaching it once it no longer takes them (the form saved or
closed) are read again by the app, in order, as if just typed, so they land where the user
meant them. Tab, the screen's key, is the app's priority key (see ``DebugApp``).
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from debugtui.tui.typeahead import is_holding, replay_key


class TurnField(Input):
    """An Input whose keys all act in its own turn; subclasses say when it takes keys."""

    def takes_keys(self) -> bool:
        """Whether a key reaching the field now is text for it."""
        return True

    def entered(self) -> bool:
        """Enter, in the field's turn; True if handled (else Input's enter binding runs)."""
        return False

    async def on_key(self, event: events.Key) -> None:
        if not self.takes_keys():
            event.prevent_default()  # not typed here
            # Read again by the app once it cannot come back here: focus has moved on, or
            # the app holds keys for a screen on its way.
            if self.screen.focused is not self or is_holding(self.app):
                event.stop()
                replay_key(self.app, event)
        elif (event.key == "enter" and self.entered()) or await self._run_own_binding(event):
            event.prevent_default()
            event.stop()

    async def _run_own_binding(self, event: events.Key) -> bool:
        """Run the field's own binding for ``event`` now, as the app would once the key had
        bubbled up (priority bindings ran before the key got here); True if one ran."""
        # Textual keeps a node's bindings, keymap applied, in the private _bindings map.
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if binding.priority:
                continue
            if await self.app.run_action(binding.action, self):
                return True
        return False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.takes_keys()
