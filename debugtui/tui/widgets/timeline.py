"""The notebook timeline: every entry in ``happened_at`` order, newest at the bottom.

Each row is a grid (time, star, phase, kind, text) so long text wraps under its own column
instead of under the time. The highlighted row is the selection the screen's star and
hypothesis keys act on. Entry text is shown literally (see :mod:`debugtui.tui.literal`).

Opening costs the same however long the investigation is. The newest :data:`PAGE` entries
are rows; the older ones fold into one row at the top ("9,700 earlier entries") that shows
another page when chosen. A row's height comes from wrapping its plain text, as Rich would,
without rendering it: only the rows on screen are ever rendered (rendering a grid to measure
it took 1.7 ms a row, 17 s for a 10,000-entry investigation).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from datetime import datetime, timezone

from rich._wrap import divide_line
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, RichVisual, Visual
from textual.widget import Widget
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


def entry_row(entry: Entry, today: datetime, time_width: int) -> Table:
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


PAGE = 300
"""Entries shown when the timeline opens, and unfolded each time the earlier row is chosen."""

EARLIER_ID = "earlier"
"""The option id of the row standing for the folded, oldest entries."""

META_WIDTH = 26
"""Cells a row gives to everything but its text beyond the time: the star (1), phase (11)
and kind (10) columns and the four one-cell gaps of the grid."""

MIN_TEXT_WIDTH = 4
"""Below this the grid squeezes its other columns too; such rows are measured by rendering."""


def wrapped_height(plain: str, width: int) -> int:
    """Lines ``plain`` takes wrapped at ``width`` cells, folding long words: what
    ``Text.wrap(overflow="fold")`` gives (each paragraph divided by ``divide_line``)."""
    height = 0
    for paragraph in plain.split("\n"):
        if cell_len(paragraph) <= width:
            height += 1
        else:
            height += len(divide_line(paragraph, width, fold=True)) + 1
    return height


class EntryRow(Visual):
    """One entry's row: measured from its plain text, rendered (as :func:`entry_row`'s grid)
    only when it is on screen. Also a Rich renderable (the grid)."""

    def __init__(self, widget: Widget, entry: Entry, today: datetime, time_width: int) -> None:
        self.entry = entry
        self._widget = widget
        self._today = today
        self._time_width = time_width
        self._grid: Table | None = None
        self._visual: RichVisual | None = None
        self._heights: dict[int, int] = {}

    @property
    def grid(self) -> Table:
        """The row as :func:`entry_row` draws it, built the first time it is needed."""
        if self._grid is None:
            self._grid = entry_row(self.entry, self._today, self._time_width)
        return self._grid

    def _rich_visual(self) -> RichVisual:
        if self._visual is None:
            self._visual = RichVisual(self._widget, self.grid)
        return self._visual

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.grid

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return container_width  # the grid expands to whatever it is given

    def get_height(self, rules: RulesMap, width: int) -> int:
        height = self._heights.get(width)
        if height is None:
            plain = entry_text(self.entry).plain
            column = width - self._time_width - META_WIDTH
            if column >= MIN_TEXT_WIDTH and "\t" not in plain:
                height = wrapped_height(plain, column)
            else:  # tabs expand by position; a narrow grid shares the squeeze
                height = self._rich_visual().get_height(rules, width)
            self._heights[width] = height
        return height

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        return self._rich_visual().render_strips(width, height, style, options)


def _order(entry: Entry) -> tuple[datetime, int]:
    return (entry.happened_at, entry.id)


class Timeline(OptionList):
    """The investigation's entries; the highlighted one is the selection."""

    def __init__(self, clock: Callable[[], datetime], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock
        self._entries: list[Entry] = []
        self._first = 0
        """Index in ``_entries`` of the oldest entry with a row of its own."""
        self._shown_time_width = 8

    @property
    def entries(self) -> list[Entry]:
        """Every entry, in timeline order: those with rows and those folded before them."""
        return list(self._entries)

    @property
    def folded(self) -> int:
        """How many of the oldest entries the earlier row stands for (0: it is not shown)."""
        return self._first

    @property
    def selected_entry(self) -> Entry | None:
        """The highlighted entry, if any (the earlier row is none)."""
        index = self.highlighted
        if index is None:
            return None
        index += self._first - (1 if self._first else 0)
        if not self._first <= index < len(self._entries):
            return None
        return self._entries[index]

    def show_entries(self, entries: Iterable[Entry]) -> None:
        """Replace everything shown; highlight the newest entry."""
        self._entries = sorted(entries, key=_order)
        self._first = max(0, len(self._entries) - PAGE)
        self._rebuild(len(self._entries) - 1)

    def show_earlier(self) -> None:
        """Give a page more of the folded entries rows; highlight the newest of them."""
        if self._first:
            newest_folded = self._first - 1
            self._first = max(0, self._first - PAGE)
            self._rebuild(newest_folded)

    def add_entry(self, entry: Entry) -> None:
        """Show a newly recorded entry in its place and highlight it."""
        index = bisect.bisect_right(self._entries, _order(entry), key=_order)
        self._entries.insert(index, entry)
        if index < self._first:
            self._first = index  # it goes where it happened: unfold down to it
            self._rebuild(index)
            return
        time_changes = self._time_width() != self._shown_time_width
        if index == len(self._entries) - 1 and not time_changes:
            self.add_option(self._option(entry))
            self.highlighted = self.option_count - 1
            self.scroll_to_highlight()
        else:
            self._rebuild(index)

    def replace_entry(self, entry: Entry) -> None:
        """Show an entry's new state (starred, hypothesis status) where it is."""
        for index, shown in enumerate(self._entries):
            if shown.id == entry.id:
                self._entries[index] = entry
                if index >= self._first:
                    self.replace_option_prompt(str(entry.id), self._row(entry))
                return

    def action_select(self) -> None:
        if self._first and self.highlighted == 0:
            self.show_earlier()
        else:
            super().action_select()

    def _time_width(self) -> int:
        today = self._clock()
        shown = self._entries[self._first :]
        return max((len(entry_time(e.happened_at, today)) for e in shown), default=8)

    def _row(self, entry: Entry) -> EntryRow:
        return EntryRow(self, entry, self._clock(), self._shown_time_width)

    def _option(self, entry: Entry) -> Option:
        return Option(self._row(entry), id=str(entry.id))

    def _earlier_option(self) -> Option:
        folded = self._first
        what = "entry" if folded == 1 else "entries"
        label = (
            f"▲ {folded:,} earlier {what}: enter shows {min(folded, PAGE):,} more "
            "(the Timeline tab and the export have every entry)"
        )
        return Option(Text(label, style="dim italic"), id=EARLIER_ID)

    def _rebuild(self, highlight: int) -> None:
        """Rows for the unfolded entries, the highlight on entry ``highlight``."""
        self._shown_time_width = self._time_width()
        options = [self._earlier_option()] if self._first else []
        options += [self._option(e) for e in self._entries[self._first :]]
        self.set_options(options)
        if self._entries:
            shown = max(self._first, min(highlight, len(self._entries) - 1))
            self.highlighted = shown - self._first + (1 if self._first else 0)
            self.scroll_to_highlight()
