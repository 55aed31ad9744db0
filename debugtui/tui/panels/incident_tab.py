"""What the Findings and Timeline tabs share: they collect nothing themselves, they are fed.

The investigation screen forwards every panel's snapshot (:meth:`IncidentTab.feed`) and the
notebook's entries whenever they change (:meth:`IncidentTab.show_entries`); each tab keeps
the latest good snapshot of every source and redraws from those. Their lists are
:class:`KeyedList`: options keyed by a stable id, so a redraw rewrites only the rows that
changed and the highlight stays on the row it was on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from rich.console import RenderableType
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from debugtui.notebook.model import Entry, Investigation
from debugtui.sources.base import Snapshot
from debugtui.tui.session import Session


class KeyedList(OptionList):
    """Rows keyed by a stable id, in the order given; a redraw keeps the highlighted row."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: list[tuple[str, str]] = []
        """(key, signature) of each row shown: the signature says whether it changed."""

    @property
    def keys(self) -> list[str]:
        return [key for key, _ in self._shown]

    @property
    def highlighted_key(self) -> str | None:
        index = self.highlighted
        if index is None or not 0 <= index < len(self._shown):
            return None
        return self._shown[index][0]

    def show(self, rows: Sequence[tuple[str, str, Callable[[], RenderableType]]]) -> None:
        """Show ``rows`` of (key, signature, make_prompt); keys must be unique. A prompt is
        made only for a row that is new or whose signature changed."""
        keys = [key for key, _, _ in rows]
        old = self._shown
        head = len(old)
        if keys[:head] == [key for key, _ in old]:
            # Same rows first (the common case: nothing moved, or new rows at the end):
            # rewrite the changed ones, append the rest; the highlight does not move.
            for (key, signature, make), (_, before) in zip(rows, old, strict=False):
                if signature != before:
                    self.replace_option_prompt(key, make())
            self.add_options(Option(make(), id=key) for key, _, make in rows[head:])
            if self.highlighted is None and rows:
                self.highlighted = 0
        else:
            current, index = self.highlighted_key, self.highlighted or 0
            self.set_options(Option(make(), id=key) for key, _, make in rows)
            if rows:
                self.highlighted = (
                    keys.index(current) if current in keys else min(index, len(rows) - 1)
                )
                self.scroll_to_highlight()
        self._shown = [(key, signature) for key, signature, _ in rows]


class IncidentTab(Vertical, can_focus=False):
    """Base of the tabs built from other panels' snapshots and the notebook."""

    investigation: reactive[Investigation | None] = reactive(None)
    """The investigation open on the screen (its impact start, playbook, milestones)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.snapshots: dict[str, Snapshot] = {}
        """Source name -> its latest snapshot that succeeded."""
        self.failed: dict[str, Snapshot] = {}
        """Source name -> its latest snapshot, when that one failed."""
        self.entries: list[Entry] = []
        self._visible = False
        self._stale = True
        """Something changed while the tab was hidden: redraw when it is shown."""

    @property
    def session(self) -> Session:
        return self.screen.session  # type: ignore[attr-defined, no-any-return]

    @property
    def listing(self) -> KeyedList:
        return self.query_one(KeyedList)

    def now(self) -> datetime:
        return self.session.clock()

    def feed(self, snapshot: Snapshot) -> None:
        """A panel collected: keep it (a failure keeps the last good one, noted)."""
        if snapshot.ok and snapshot.data is not None:
            self.snapshots[snapshot.source] = snapshot
            self.failed.pop(snapshot.source, None)
        elif not snapshot.ok:
            self.failed[snapshot.source] = snapshot
        self.changed()

    def show_entries(self, entries: Sequence[Entry]) -> None:
        self.entries = list(entries)
        self.changed()

    def watch_investigation(self) -> None:
        self.changed()

    def changed(self) -> None:
        """Redraw now if the tab is visible, else once it is shown (a hidden tab costs
        nothing however often the panels collect)."""
        if self._visible and self.is_mounted:
            self._stale = False
            self.redraw()
        else:
            self._stale = True

    def on_show(self) -> None:
        self._visible = True
        if self._stale:
            self.changed()

    def on_hide(self) -> None:
        self._visible = False

    def redraw(self) -> None:
        """Rebuild what the tab shows from ``snapshots``, ``entries`` and ``investigation``."""
        raise NotImplementedError
