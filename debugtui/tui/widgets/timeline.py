"""The notebook timeline: every entry in ``happened_at`` order, newest at the bottom.

Each row is a grid (time, star, phase, kind, text) so long text wraps under its own column
instead of under the time. The highlighted row is the selection the screen's star and
hypothesis keys act on. Entry text is shown literally (see :mod:`debugtui.tui.literal`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from datetime import datetime, timezone

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from debugtui.notebook.model import Entry, EntryKind, HypothesisStatus
from debugtui.tui.literal import literal

KIND_LABELS: dict[EntryKind, str] = {
    EntryKind.NOTE: "note",
    EntryKind.HYPOTHESIS: "hypothesis",
    EntryKind.EVIDENCE: "evidence",
    EntryKind.ACTION: "action",
    EntryKind.DECISION: "decision",
    EntryKind.PHASE_CHANGE: "phase",
    EntryKind.STATUS_CHANGE: "status",
    EntryKind.MILESTONE: "milestone",
    EntryKind.CHECKLIST_TICK: "check",
}
"""The kind column's word for each kind (at most 10 characters)."""

KIND_STYLES: dict[EntryKind, str] = {
    EntryKind.HYPOTHESIS: "magenta",
    EntryKind.EVIDENCE: "green",
    EntryKind.ACTION: "cyan",
    EntryKind.DECISION: "bold blue",
    EntryKind.PHASE_CHANGE: "dim",
    EntryKind.STATUS_CHANGE: "bold yellow",
    EntryKind.MILESTONE: "yellow",
}

HYPOTHESIS_STYLES: dict[HypothesisStatus, str] = {
    HypothesisStatus.OPEN: "bold yellow",
    HypothesisStatus.SUPPORTED: "bold green",
    HypothesisStatus.REFUTED: "bold red",
}

STAR = "★"

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
"""Month names for dates, independent of the locale (``%b`` is not)."""


def entry_time(when: datetime, today: datetime) -> str:
    """UTC ``HH:MM:SS``; other days get ``Jan 30`` in front, other years the full date."""
    utc = when.astimezone(timezone.utc)
    now = today.astimezone(timezone.utc)
    if utc.date() == now.date():
        return f"{utc:%H:%M:%S}"
    if utc.year == now.year:
        return f"{MONTHS[utc.month - 1]} {utc.day:02d} {utc:%H:%M:%S}"
    return f"{utc:%Y-%m-%d %H:%M:%S}"


def entry_text(entry: Entry) -> Text:
    """The text column: the entry's words plus the structured part of its kind."""
    if entry.kind is EntryKind.HYPOTHESIS:
        hyp = entry.hypothesis
        text = Text.assemble((f"[{hyp.status.value}] ", HYPOTHESIS_STYLES[hyp.status]))
        refuted = hyp.status is HypothesisStatus.REFUTED
        text.append_text(literal(entry.text, "strike" if refuted else ""))
        if hyp.because:
            text.append(" because ", style="dim")
            text.append_text(literal(hyp.because))
        if hyp.disproof:
            text.append(" · disprove by ", style="dim")
            text.append_text(literal(hyp.disproof))
        return text
    if entry.kind is EntryKind.ACTION:
        action = entry.action
        text = literal(entry.text)
        details = [action.type.value, action.owner and f"@{action.owner}"]
        details += [action.due and f"due {action.due}", action.ticket]
        text.append(" — ", style="dim")
        text.append_text(literal(" · ".join(d for d in details if d), "dim"))
        return text
    return literal(entry.text)


def entry_row(entry: Entry, today: datetime, time_width: int) -> RenderableType:
    """One timeline row as a grid: the meta columns never wrap, the text column does."""
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(width=time_width, no_wrap=True)
    grid.add_column(width=1, no_wrap=True)
    grid.add_column(width=11, no_wrap=True)
    grid.add_column(width=10, no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    grid.add_row(
        Text(entry_time(entry.happened_at, today), style="dim"),
        Text(STAR if entry.starred else " ", style="bold yellow"),
        Text(entry.phase.value, style="dim"),
        Text(KIND_LABELS[entry.kind], style=KIND_STYLES.get(entry.kind, "")),
        entry_text(entry),
    )
    return grid


def _order(entry: Entry) -> tuple[datetime, int]:
    return (entry.happened_at, entry.id)


class Timeline(OptionList):
    """The investigation's entries; the highlighted one is the selection."""

    def __init__(self, clock: Callable[[], datetime], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock
        self._entries: list[Entry] = []
        self._shown_time_width = 8

    @property
    def entries(self) -> list[Entry]:
        """The entries shown, in timeline order."""
        return list(self._entries)

    @property
    def selected_entry(self) -> Entry | None:
        """The highlighted entry, if any."""
        index = self.highlighted
        if index is None or not 0 <= index < len(self._entries):
            return None
        return self._entries[index]

    def show_entries(self, entries: Iterable[Entry]) -> None:
        """Replace everything shown; highlight the newest entry."""
        self._entries = sorted(entries, key=_order)
        self._rebuild(len(self._entries) - 1)

    def add_entry(self, entry: Entry) -> None:
        """Show a newly recorded entry in its place and highlight it."""
        keys = [_order(e) for e in self._entries]
        index = bisect.bisect_right(keys, _order(entry))
        self._entries.insert(index, entry)
        time_changes = self._time_width() != self._shown_time_width
        if index == len(self._entries) - 1 and not time_changes:
            self.add_option(self._option(entry))
            self.highlighted = index
            self.scroll_to_highlight()
        else:
            self._rebuild(index)

    def replace_entry(self, entry: Entry) -> None:
        """Show an entry's new state (starred, hypothesis status) where it is."""
        for index, shown in enumerate(self._entries):
            if shown.id == entry.id:
                self._entries[index] = entry
                self.replace_option_prompt(str(entry.id), self._prompt(entry))
                return

    def _time_width(self) -> int:
        today = self._clock()
        return max((len(entry_time(e.happened_at, today)) for e in self._entries), default=8)

    def _prompt(self, entry: Entry) -> RenderableType:
        return entry_row(entry, self._clock(), self._shown_time_width)

    def _option(self, entry: Entry) -> Option:
        return Option(self._prompt(entry), id=str(entry.id))

    def _rebuild(self, highlight: int) -> None:
        self._shown_time_width = self._time_width()
        self.set_options(self._option(e) for e in self._entries)
        if self._entries:
            self.highlighted = max(0, min(highlight, len(self._entries) - 1))
            self.scroll_to_highlight()
