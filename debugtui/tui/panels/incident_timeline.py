"""The Timeline tab: the incident on one time axis.

Above, a strip: the log error rate per minute as a sparkline over the Logs panel's window,
with the deploys (▲) and container events (◆) marked under it at their minute, and the
highlighted row's time (│). Below, every event in time order, one row each: deploys, the
start and peak of the error rise, container deaths/kills/restarts/health changes,
milestones, phase and status changes and every notebook entry. Arrow keys move through it,
enter shows the whole record. The rows are :func:`debugtui.incident_events.incident_events`,
the same events the post-mortem's timeline uses.

(The notebook's own entry list under the tabs is :mod:`debugtui.tui.widgets.timeline`.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import ClassVar

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import OptionList, Static

from debugtui.incident_events import IncidentEvent, error_rate, incident_events
from debugtui.notebook.model import EntryKind
from debugtui.sources.base import Snapshot
from debugtui.tui.literal import literal
from debugtui.tui.panels.detail import DetailScreen
from debugtui.tui.panels.incident_tab import IncidentTab, KeyedList
from debugtui.tui.widgets.timeline import KIND_LABELS, KIND_STYLES, STAR, entry_time

TIMED_SOURCES = frozenset({"deploys", "logs", "containers"})
"""The sources whose snapshots put events on the axis."""

BARS = "▂▃▄▅▆▇█"
"""Sparkline levels for a non-zero minute; a quiet minute is a dim ▁."""

MARKS: dict[str, tuple[str, str]] = {
    "deploy": ("▲", "bold yellow"),
    "container": ("◆", "bold magenta"),
}
"""Events marked under the sparkline, with their glyph and style (deploys win a column)."""
CURSOR = ("│", "bold reverse")

SOURCE_KINDS: dict[str, tuple[str, str]] = {
    "deploy": ("deploy", "bold yellow"),
    "errors": ("errors", "bold red"),
    "container": ("container", "magenta"),
    "milestone": ("milestone", "bold yellow"),
}
"""The kind column for events that are not notebook entries."""


def columns_of(counts: Sequence[int], width: int) -> list[int]:
    """``counts`` squeezed (or stretched) into ``width`` columns, each the max of its minutes."""
    n = len(counts)
    if n == 0 or width <= 0:
        return []
    out = []
    for column in range(width):
        lo = column * n // width
        hi = max((column + 1) * n // width, lo + 1)
        out.append(max(counts[lo:hi]))
    return out


def sparkline(values: Sequence[int]) -> Text:
    """One row of bars scaled to the largest value; zero is a dim baseline."""
    top = max(values, default=0)
    text = Text(no_wrap=True, overflow="crop")
    for value in values:
        if value <= 0 or top <= 0:
            text.append("▁", style="dim")
        else:
            level = min(len(BARS) - 1, (value * len(BARS) - 1) // top)
            text.append(BARS[level], style="red" if value * 2 > top else "yellow")
    return text


def column_at(when: datetime, start: datetime, end: datetime, width: int) -> int | None:
    """The strip column of ``when`` on an axis from ``start`` to ``end``; None if outside."""
    if width <= 0 or end <= start or not start <= when < end:
        return None
    return min(width - 1, int((when - start) / (end - start) * width))


def marker_line(
    events: Sequence[IncidentEvent],
    start: datetime,
    end: datetime,
    width: int,
    cursor: datetime | None = None,
) -> Text:
    """The row under the sparkline: deploy and container marks, and the cursor's column."""
    cells: list[tuple[str, str]] = [(" ", "")] * width
    for kind in ("container", "deploy"):  # deploys drawn last: they win a shared column
        for event in events:
            if event.kind == kind:
                column = column_at(event.at, start, end, width)
                if column is not None:
                    cells[column] = MARKS[kind]
    if cursor is not None:
        column = column_at(cursor, start, end, width)
        if column is not None:
            cells[column] = (cells[column][0] if cells[column][0] != " " else CURSOR[0], CURSOR[1])
    text = Text(no_wrap=True, overflow="crop")
    for glyph, style in cells:
        text.append(glyph, style=style)
    return text


def _hhmm(when: datetime, now: datetime) -> str:
    """Minutes are the strip's resolution: ``14:02``, with the day when not today."""
    text = entry_time(when, now)
    return text[:-3] if text.endswith(f":{when.second:02d}") else text


class RateStrip(Widget):
    """The sparkline of log errors per minute and the marks under it (two rows)."""

    DEFAULT_CSS = """
    RateStrip { height: 2; padding: 0 1; }
    """

    counts: reactive[tuple[int, ...]] = reactive(())
    cursor: reactive[datetime | None] = reactive(None)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.start: datetime | None = None
        self.end: datetime | None = None
        self.events: Sequence[IncidentEvent] = ()

    def show(
        self,
        start: datetime | None,
        end: datetime | None,
        counts: Sequence[int],
        events: Sequence[IncidentEvent],
    ) -> None:
        self.start, self.end, self.events = start, end, events
        self.counts = tuple(counts)
        self.refresh()

    def render(self) -> RenderableType:
        width = self.content_size.width
        if self.start is None or self.end is None:
            return Text("no time axis yet: a log search or a deploy gives one", style="dim")
        if self.counts:
            spark = sparkline(columns_of(self.counts, width))
        else:
            spark = Text("no log search yet (the Logs tab's search feeds this)", style="dim")
        marks = marker_line(self.events, self.start, self.end, width, self.cursor)
        return Text("\n").join([spark, marks])


class IncidentTimelinePanel(IncidentTab):
    """The Timeline tab (see the module docstring)."""

    DEFAULT_CSS = """
    IncidentTimelinePanel {
        height: 1fr;
        #itl-caption {
            height: 1; color: $text-muted; padding: 0 1;
            text-wrap: nowrap; text-overflow: ellipsis;
        }
        #itl-list { height: 1fr; border: none; }
    }
    """

    source_kinds: ClassVar[dict[str, tuple[str, str]]] = SOURCE_KINDS

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id or "panel-incident-timeline")
        self.events: list[IncidentEvent] = []

    def compose(self) -> ComposeResult:
        yield Static(id="itl-caption")
        yield RateStrip(id="itl-strip")
        yield KeyedList(id="itl-list")

    def feed(self, snapshot: Snapshot) -> None:
        if snapshot.source in TIMED_SOURCES:  # the others have nothing for the axis
            super().feed(snapshot)

    @property
    def strip(self) -> RateStrip:
        return self.query_one(RateStrip)

    def redraw(self) -> None:
        if not self.is_mounted:
            return
        now = self.now()
        factor = self.session.config.thresholds.error_spike_factor
        first_fill = not self.events
        self.events = incident_events(
            self.entries, self.snapshots, inv=self.investigation, factor=factor, now=now
        )
        width = max((len(entry_time(e.at, now)) for e in self.events), default=8)
        rows = [
            (
                e.key,
                f"{width}\x1f{e.starred}\x1f{e.at}\x1f{e.title}",
                partial(self._row, e, now, width),
            )
            for e in self.events
        ]
        listing = self.listing
        listing.show(rows)
        if first_fill and self.events:  # start at the newest, as the notebook does
            listing.highlighted = len(self.events) - 1
        self._draw_strip(now)

    def _axis(self, now: datetime) -> tuple[datetime | None, datetime | None, list[int]]:
        logs = self.snapshots.get("logs")
        try:
            first, counts = error_rate(logs.data, logs.collected_at) if logs else (now, [])
        except (AttributeError, TypeError, ValueError):  # not a log search's data: no rate
            first, counts = now, []
        if counts:
            return first, first + timedelta(minutes=len(counts)), counts
        source_times = [e.at for e in self.events if e.source != "notebook"]
        times = source_times or [e.at for e in self.events]
        if not times:
            return None, None, []
        return min(times), max(max(times), min(times) + timedelta(minutes=1)), []

    def _draw_strip(self, now: datetime) -> None:
        start, end, counts = self._axis(now)
        self.strip.show(start, end, counts, self.events)
        self._sync_cursor()
        caption = Text("log errors/min" if counts else "events", style="bold")
        if start is not None and end is not None:
            caption.append(f" {_hhmm(start, now)}–{_hhmm(end, now)} UTC")
        if counts and start is not None:
            peak = max(counts)
            peak_at = start + timedelta(minutes=counts.index(peak))
            caption.append(f", peak {peak} at {_hhmm(peak_at, now)}")
        caption.append(" · ")
        caption.append("▲", style=MARKS["deploy"][1])
        caption.append(" deploy ")
        caption.append("◆", style=MARKS["container"][1])
        caption.append(" container ")
        caption.append(CURSOR[0], style=CURSOR[1])
        caption.append(" selected")
        self.query_one("#itl-caption", Static).update(caption)

    def _row(self, event: IncidentEvent, now: datetime, width: int) -> RenderableType:
        label, style = self.source_kinds.get(event.kind, (event.kind, ""))
        if event.source == "notebook" and event.kind not in self.source_kinds:
            kind = EntryKind(event.kind)
            label, style = KIND_LABELS[kind], KIND_STYLES.get(kind, "")
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(width=width, no_wrap=True)
        grid.add_column(width=1, no_wrap=True)
        grid.add_column(width=10, no_wrap=True)
        grid.add_column(ratio=1, overflow="fold")
        grid.add_row(
            Text(entry_time(event.at, now), style="dim"),
            Text(STAR if event.starred else " ", style="bold yellow"),
            Text(label, style=style),
            literal(event.title),
        )
        return grid

    @property
    def selected(self) -> IncidentEvent | None:
        key = self.listing.highlighted_key
        return next((e for e in self.events if e.key == key), None) if key else None

    def _sync_cursor(self) -> None:
        event = self.selected
        self.strip.cursor = event.at if event is not None else None

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._sync_cursor()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        selected = self.selected
        if selected is not None:
            title = f"{selected.kind} at {selected.at:%Y-%m-%d %H:%M:%S} UTC"
            self.app.push_screen(DetailScreen(title, selected.detail or selected.title))
