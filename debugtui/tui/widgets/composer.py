"""The composer: where a note, hypothesis, action item or decision is typed.

It shows the fields of one entry kind at a time. While text is typed it posts
:class:`Composer.DraftChanged` at most every ``DRAFT_INTERVAL`` seconds (the screen saves the
draft), so a killed process loses well under a second of typing. Enter moves through the
kind's main fields and saves on the last one; tab reaches the rest; escape (a screen key)
closes it and keeps the draft. It never touches the store.

A paste of several lines (a stack trace, a command's output) is kept whole in the fields
that take prose: the field is one line, so each line break shows as ``⏎`` (as the timeline
writes a note on one line) and is a line break again in the entry and its draft. Textual's
Input keeps only a paste's first line, which would lose the rest without a word.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from datetime import date, timedelta
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Label, Select

from debugtui.notebook.model import ActionData, ActionType, EntryKind, HypothesisData, Phase
from debugtui.tui.widgets.turn_field import TurnField

DRAFT_INTERVAL = 0.5
"""Seconds from the first unsaved keystroke to the draft being handed over for saving."""

FIELDS: Mapping[EntryKind, tuple[str, ...]] = {
    EntryKind.NOTE: ("text",),
    EntryKind.HYPOTHESIS: ("text", "because", "disproof"),
    EntryKind.ACTION: ("text", "type", "owner", "due", "ticket"),
    EntryKind.DECISION: ("text",),
}
"""The fields each composable kind has; ``text`` is the entry's text and is required."""

ENTER_STOPS: Mapping[EntryKind, tuple[str, ...]] = {
    EntryKind.HYPOTHESIS: ("text", "because", "disproof"),
}
"""Fields enter walks through before saving; other kinds save on enter (defaults prefilled)."""

TEXT_LABELS: Mapping[EntryKind, tuple[str, str]] = {
    EntryKind.NOTE: ("Note", "what you saw, did or found"),
    EntryKind.HYPOTHESIS: ("We think", "X is what goes wrong"),
    EntryKind.ACTION: ("Action", "what needs doing"),
    EntryKind.DECISION: ("Decision", "what was decided, and why"),
}
"""Label and placeholder of the text field, per kind."""

MULTILINE_FIELDS = frozenset({"text", "because", "disproof"})
"""Fields where a paste of several lines is kept whole (the short ones keep its first)."""
LINE_BREAK = "⏎"
"""How a line break shows in a one-line field (and in the timeline's one-line views)."""

FOLLOWUP_DAYS = 14
"""Prevent and process items are post-incident work, due this many days out by default."""


def default_due(kind: ActionType, today: date) -> str:
    """Mitigations are due today; prevention and process work in ``FOLLOWUP_DAYS`` days."""
    if kind is ActionType.MITIGATE:
        return today.isoformat()
    return (today + timedelta(days=FOLLOWUP_DAYS)).isoformat()


def action_defaults(phase: Phase, today: date, owner: str) -> dict[str, str]:
    """Prefilled action fields: mitigate while fighting the fire, prevent in Prevent."""
    kind = ActionType.PREVENT if phase is Phase.PREVENT else ActionType.MITIGATE
    return {"type": kind.value, "owner": owner, "due": default_due(kind, today), "ticket": ""}


def draft_key(kind: EntryKind, field: str) -> str:
    """The drafts-table key of one composer field: ``note:text``, ``action:owner``."""
    return f"{kind.value}:{field}"


def entry_data(kind: EntryKind, values: Mapping[str, str]) -> dict[str, object]:
    """The structured part of a composed entry (see the model's ``*Data`` classes)."""
    if kind is EntryKind.HYPOTHESIS:
        hyp = HypothesisData(
            because=values.get("because", "").strip(), disproof=values.get("disproof", "").strip()
        )
        return hyp.to_dict()
    if kind is EntryKind.ACTION:
        kind_of = ActionType(values.get("type") or ActionType.MITIGATE.value)
        action = ActionData(
            type=kind_of,
            owner=values.get("owner", "").strip(),
            due=values.get("due", "").strip(),
            ticket=values.get("ticket", "").strip(),
            followup=kind_of is not ActionType.MITIGATE,
        )
        return action.to_dict()
    return {}


def default_owner() -> str:
    """Who an action item is for unless changed: the logged-in user."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


class ComposerField(TurnField):
    """A text field of the composer: it takes keys while the composer is open on its kind
    (see :mod:`debugtui.tui.widgets.turn_field`); enter where it saves saves. ``n``, text,
    enter, ``e`` in one burst saves the note and then exports it."""

    def _composer(self) -> Composer | None:
        for node in self.ancestors:
            if isinstance(node, Composer):
                return node
        return None

    def takes_keys(self) -> bool:
        """Keys queued here were typed while it had focus: they are text for it, even once
        enter has moved focus on, as long as the composer is open on a kind with this field."""
        composer = self._composer()
        if composer is None or composer.kind is None or self.id is None:
            return False
        return self.id.removeprefix("field-") in FIELDS[composer.kind]

    def on_paste(self, event: events.Paste) -> None:
        if self.id is None or self.id.removeprefix("field-") not in MULTILINE_FIELDS:
            return  # Input's own handler runs next (Textual calls each class's in turn)
        event.prevent_default()  # not Input's, which would add the first line again
        event.stop()
        text = event.text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
        if not text:
            return
        shown = text.replace("\n", LINE_BREAK)
        if self.selection.is_empty:
            self.insert_text_at_cursor(shown)
        else:
            self.replace(shown, *self.selection)

    def entered(self) -> bool:
        composer = self._composer()
        if composer is None or composer.check_action("next_field", ()):
            return False  # the composer's own enter moved on to the next field
        composer.submit()
        return True


class Composer(Vertical):
    """The entry editor; hidden until :meth:`open` is called with a kind."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # A priority binding runs in the app's own key handling, before the next key is
        # dispatched: focus moves before anything typed after enter arrives. Waiting for the
        # field's Submitted message would let fast typing (or a paste) land in the field
        # just left. On the last stop the field saves in its own turn (``ComposerField``).
        Binding(
            "enter",
            "next_field",
            "Next field",
            show=False,
            priority=True,
            tooltip="Move to the next field; on the last one enter saves",
        ),
    ]

    class Submitted(Message):
        """The user confirmed an entry (text is not blank)."""

        def __init__(self, kind: EntryKind, values: dict[str, str]) -> None:
            super().__init__()
            self.kind = kind
            self.values = values
            """Every field of the kind, by name."""

    class DraftChanged(Message):
        """The fields of ``kind`` changed since the last draft; save these values."""

        def __init__(self, kind: EntryKind, values: dict[str, str]) -> None:
            super().__init__()
            self.kind = kind
            self.values = values

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.kind: EntryKind | None = None
        """The kind being composed; None while closed."""
        self._dirty = False
        self._draft_timer: Timer | None = None
        self._today = date.today()

    def compose(self) -> ComposeResult:
        yield Label(id="composer-title")
        with Horizontal(classes="composer-row"):
            yield Label("Note", id="label-text", classes="field-label")
            yield ComposerField(id="field-text", compact=True)
        with Horizontal(classes="composer-row -hypothesis"):
            yield Label("Because", classes="field-label")
            yield ComposerField(
                id="field-because", compact=True, placeholder="Y, the evidence pointing there"
            )
        with Horizontal(classes="composer-row -hypothesis"):
            yield Label("Disprove by", classes="field-label")
            yield ComposerField(
                id="field-disproof", compact=True, placeholder="Z, what would show it wrong"
            )
        with Horizontal(classes="composer-row -action"):
            yield Label("Type", classes="field-label")
            yield Select(
                [(t.value, t.value) for t in ActionType],
                id="field-type",
                compact=True,
                allow_blank=False,
                value=ActionType.MITIGATE.value,
            )
            yield Label("Owner", classes="small-label")
            yield ComposerField(id="field-owner", compact=True)
            yield Label("Due", classes="small-label")
            yield ComposerField(id="field-due", compact=True)
            yield Label("Ticket", classes="small-label")
            yield ComposerField(id="field-ticket", compact=True)

    @property
    def is_open(self) -> bool:
        return self.kind is not None

    def open(self, kind: EntryKind, values: Mapping[str, str], today: date) -> None:
        """Show the fields of ``kind`` filled with ``values`` and focus the text field."""
        self._stop_timer()
        self._dirty = False
        self._today = today
        self.kind = kind
        for name in FIELDS:
            self.set_class(name is kind, f"-{name.value}")
        label, placeholder = TEXT_LABELS[kind]
        self.query_one("#label-text", Label).update(label)
        self.query_one("#field-text", Input).placeholder = placeholder
        self.query_one("#composer-title", Label).update(self._title(kind))
        with self.prevent(Input.Changed, Select.Changed):
            for name in FIELDS[kind]:
                self._set_value(name, values.get(name, ""))
        self.add_class("-open")
        text = self.query_one("#field-text", Input)
        # Now, not on the next tick (as ``focus()`` would): keys already queued go here.
        self.screen.set_focus(text)
        text.cursor_position = len(text.value)

    def close(self) -> None:
        """Hide the composer, handing over any unsaved draft first."""
        self._flush_draft()
        self._shut()

    def _shut(self) -> None:
        self.kind = None
        self.remove_class("-open")
        if self.screen.focused in self.query(ComposerField):
            # Now, so the keys queued behind the one that closed it reach the screen.
            self.screen.set_focus(None)

    def values(self) -> dict[str, str]:
        """The current value of every field of the open kind."""
        if self.kind is None:
            return {}
        return {name: self._get_value(name) for name in FIELDS[self.kind]}

    def submit(self) -> None:
        """Confirm the entry: post Submitted and close, or say why not."""
        if self.kind is None:
            return
        values = self.values()
        if not values["text"].strip():
            self.app.notify("Type something first (escape closes).", severity="warning")
            self.query_one("#field-text", Input).focus()
            return
        kind = self.kind
        self._stop_timer()
        self._dirty = False
        self._shut()
        # To the screen itself, not bubbled through this widget's queue: it must get there
        # before the keys typed after enter, which the app hands straight to the screen.
        self.screen.post_message(self.Submitted(kind, values))

    def _title(self, kind: EntryKind) -> str:
        stops = ENTER_STOPS.get(kind, ("text",))
        enter = "enter: next, save on the last" if len(stops) > 1 else "enter: save"
        extra = " · tab: more fields" if len(FIELDS[kind]) > len(stops) else ""
        return f"New {kind.value} — {enter}{extra} · escape: close, draft kept"

    def _get_value(self, name: str) -> str:
        if name == "type":
            value = self.query_one("#field-type", Select).value
            return str(value) if isinstance(value, str) else ActionType.MITIGATE.value
        return self.query_one(f"#field-{name}", Input).value.replace(LINE_BREAK, "\n")

    def _set_value(self, name: str, value: str) -> None:
        if name == "type":
            known = {t.value for t in ActionType}
            choice = value if value in known else ActionType.MITIGATE.value
            self.query_one("#field-type", Select).value = choice
        else:
            self.query_one(f"#field-{name}", Input).value = value.replace("\n", LINE_BREAK)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_field":
            return self._next_stop() is not None
        return True

    def action_next_field(self) -> None:
        following = self._next_stop()
        if following is not None:
            self.screen.set_focus(following)

    def _next_stop(self) -> Input | None:
        """The field enter moves to from the focused one; None where enter saves."""
        focused = self.screen.focused
        if self.kind is None or not isinstance(focused, Input) or focused.id is None:
            return None
        if focused not in self.query(Input):
            return None
        name = focused.id.removeprefix("field-")
        stops = ENTER_STOPS.get(self.kind, ("text",))
        if name in stops and name != stops[-1]:
            return self.query_one(f"#field-{stops[stops.index(name) + 1]}", Input)
        return None

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._changed()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if self.kind is EntryKind.ACTION and isinstance(event.value, str):
            # Follow the new type's default due date unless one was typed.
            due = self.query_one("#field-due", Input)
            if due.value in {default_due(t, self._today) for t in ActionType}:
                due.value = default_due(ActionType(event.value), self._today)
        self._changed()

    def _changed(self) -> None:
        if self.kind is None:
            return
        self._dirty = True
        if self._draft_timer is None:
            self._draft_timer = self.set_timer(DRAFT_INTERVAL, self._flush_draft)

    def take_draft(self) -> tuple[EntryKind, dict[str, str]] | None:
        """The text typed since the last draft, handed over now instead of on the timer."""
        self._stop_timer()
        if not self._dirty or self.kind is None:
            return None
        self._dirty = False
        return self.kind, self.values()

    def _flush_draft(self) -> None:
        self._draft_timer = None
        draft = self.take_draft()
        if draft is not None:
            self.post_message(self.DraftChanged(*draft))

    def _stop_timer(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
