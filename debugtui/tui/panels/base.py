"""What every evidence panel does, so each source's panel only says what is its own.

A panel owns one source object (kept between refreshes: an open database session, the
previous container sample) and collects in a thread worker that posts the snapshot back; the
worker never touches widgets. A panel collects nothing when it mounts: it starts (see
:meth:`SourcePanel.start`) when its tab is first shown, or when the screen starts every panel
once its first frame is up, so the findings get their evidence without the user visiting each
tab and opening a notebook waits for no source. The panel shows a loading indicator on the
first load, then a status line with the data's age; ``r`` refreshes, auto-refresh runs only
while the panel's tab or a tab built from every panel (Findings, Timeline) is visible, and can
be paused. A failed source shows its error and hint
in place and keeps the last good rows, marked stale; a snapshot's warnings (partial results,
caveats) show as literal lines above the table. Tables are :class:`LiveTable`: filter, sort,
mark, copy, and ``p`` pins rows (or ``P`` the whole view) into the notebook as evidence.

Panels post two messages that bubble to the investigation screen: :class:`SourcePanel.Collected`
(every snapshot, for the findings and the timeline) and :class:`SourcePanel.PinRequested`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Input, Static

from debugtui.config import Config
from debugtui.notebook.model import EvidenceData, Investigation
from debugtui.sources.base import Snapshot, Source, Table, describe, failure
from debugtui.sources.collect import default_params
from debugtui.textsafe import one_line
from debugtui.timewindow import format_duration
from debugtui.tui.literal import failure_text
from debugtui.tui.panels.detail import DetailScreen
from debugtui.tui.panels.table import LiveTable
from debugtui.tui.panels.warnings import WarningsLine
from debugtui.tui.session import Session
from debugtui.tui.typeahead import focus_now, hold_keys, release_keys, typing_in_a_field
from debugtui.tui.widgets.turn_field import TurnField

PIN_ROW_LIMIT = 1000
"""Rows frozen into one evidence entry; the export caps what it prints further."""

QUIET_COLLECT_S = 1.0
"""An auto-refresh says "collecting…" only once it has run this long: a status line that
flashes every few seconds is noise, a source that has become slow is news."""


def fit_status(text: str, title: str, width: int) -> str:
    """``text`` in ``width`` columns, the table's ``title`` cut first: at 80 columns a long
    title ("Containers on Podman Engine 4.3.1: … * = average since start, not a current
    rate") pushed the data's age and "STALE" off the line. Padding takes 2 of ``width``."""
    room = width - 2
    over = len(text) - room
    if width <= 0 or over <= 0 or not title or title not in text:
        return text
    keep = max(len(title) - over - 1, min(len(title), 12))
    return text.replace(title, title[:keep] + "…", 1) if keep < len(title) else text


class FilterField(TurnField):
    """The rows filter, shown by ``/``. Enter keeps the filter and the keys typed after it
    are the table's again: held until the table has focus, then handed to it."""

    def takes_keys(self) -> bool:
        return self.has_class("-shown")

    def entered(self) -> bool:
        self.remove_class("-shown")
        hold_keys(self.app)
        self.post_message(self.Submitted(self, self.value))
        return True


class SourcePanel(Vertical, can_focus=False):
    """Base of the evidence panels; subclasses set the class attributes below."""

    source_name: ClassVar[str]
    """The registry name of the source this panel shows."""
    views: ClassVar[Sequence[tuple[str, Sequence[str]]]] = ()
    """The snapshot's tables this panel shows, in order, each with its key columns."""
    refresh_seconds: ClassVar[float | None] = None
    """Auto-refresh period while visible; None for sources that change only on demand."""

    DEFAULT_CSS = """
    SourcePanel {
        height: 1fr;
        #panel-status { height: 1; color: $text-muted; padding: 0 1; }
        #panel-error { height: auto; max-height: 4; color: $error; padding: 0 1; display: none; }
        #panel-error.-shown { display: block; }
        #panel-filter { display: none; height: 1; border: none; padding: 0 1; }
        #panel-filter.-shown { display: block; }
    }
    """

    FIELD_ACTIONS: ClassVar[frozenset[str]] = frozenset({"filter"})
    """Actions that open a text field: priority keys, standing aside in a text field."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh_panel", "Refresh", tooltip="Collect this source again now"),
        Binding("t", "next_view", "Next table", tooltip="Show this panel's next table"),
        # Priority, standing aside in a text field: see debugtui.tui.typeahead.focus_now.
        Binding(
            "slash", "filter", "Filter", priority=True, tooltip="Keep rows containing some text"
        ),
        Binding("s", "sort", "Sort", tooltip="Sort by the cursor's column (again: reverse)"),
        Binding("x", "mark", "Mark", show=False, tooltip="Mark the row for pin or copy"),
        Binding("p", "pin", "Pin", tooltip="Pin the marked rows (or the cursor's) as evidence"),
        Binding("P", "pin_view", "Pin view", show=False, tooltip="Pin the whole table"),
        Binding("y", "copy", "Copy", show=False, tooltip="Copy the marked rows as TSV"),
        Binding("full_stop", "pause", "Pause", show=False, tooltip="Pause or resume auto-refresh"),
    ]

    investigation: reactive[Investigation | None] = reactive(None)
    """The investigation open on the screen (panels read its impact start, for one)."""

    class Collected(Message):
        """A snapshot arrived (ok or not); the screen feeds findings and the timeline."""

        def __init__(self, panel: SourcePanel, snapshot: Snapshot) -> None:
            super().__init__()
            self.panel = panel
            self.snapshot = snapshot
            self.feeds_findings = panel.feeds_findings(snapshot)
            """False for a snapshot that answers a user's own question (a log search for
            "healthz") rather than describing the incident: findings must not read it."""

    class PinRequested(Message):
        """Freeze these rows into the notebook as an evidence entry."""

        def __init__(self, evidence: EvidenceData, happened_at: datetime) -> None:
            super().__init__()
            self.evidence = evidence
            self.happened_at = happened_at

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id or f"panel-{self.source_name}")
        self.snapshot: Snapshot | None = None
        """The last snapshot that succeeded (its rows stay shown when a refresh fails)."""
        self.last_error: Snapshot | None = None
        self.active = False
        """True while this panel's tab is the visible one."""
        self.feeding = False
        """True while a tab built from every panel's snapshots (Findings, Timeline) is the
        visible one: the panel refreshes in the background, so what that tab derives is as
        current as the panel's own tab would be (a crash loop that began after the first
        collect never reached the findings)."""
        self.paused = False
        self.view_index = 0
        self.started = False
        """True once :meth:`start` has run: the first collection is asked for, timers run."""
        self._source: Source | None = None
        self._collecting = False
        self._collect_began = 0.0
        """``time.monotonic()`` when the running collection was asked for."""
        self._quiet_collect = False
        """The running collection is an auto-refresh (see :data:`QUIET_COLLECT_S`)."""
        self._lock = threading.Lock()

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="panel-status")
        yield Static(id="panel-error")
        yield WarningsLine(id="panel-warnings")
        yield from self.compose_controls()
        yield LiveTable(key_columns=self._key_columns(0), id="panel-table")
        yield FilterField(placeholder="filter rows (enter keeps, escape clears)", id="panel-filter")

    def compose_controls(self) -> ComposeResult:
        """Widgets between the status line and the table (a pattern input, say)."""
        yield from ()

    @property
    def table(self) -> LiveTable:
        return self.query_one("#panel-table", LiveTable)

    def on_show(self) -> None:
        self.start()
        self._show_status()  # fitted to the width it has now, and no older than showing it

    def on_resize(self) -> None:
        self._show_status()

    def start(self) -> None:
        """The first collection and the refresh timers; later calls do nothing.

        Not at mount: six sources collecting (and their findings drawn) before the notebook's
        first frame made it slow to open. The screen starts every panel once that frame is up;
        a panel whose tab is shown first starts itself.
        """
        if self.started or not self.is_mounted:
            return
        self.started = True
        if self.snapshot is None and self.last_error is None:
            self.loading = True
        self.collect()
        if self.refresh_seconds:
            self.set_interval(self.refresh_seconds, self._refresh_if_watched)
        self.set_interval(1.0, self._tick)

    def on_unmount(self) -> None:
        source, self._source = self._source, None
        if source is not None:  # closing a session may wait on the network: not here
            threading.Thread(target=source.close, daemon=True).start()

    # -- collecting ------------------------------------------------------------------------

    def params(self) -> dict[str, Any]:
        """What to ask the source; panels with inputs override."""
        return default_params(self.source_name, self.app_config)

    @property
    def session(self) -> Session:
        return self.screen.session  # type: ignore[attr-defined, no-any-return]

    @property
    def app_config(self) -> Config:
        return self.session.config

    def collect(self, params: dict[str, Any] | None = None) -> None:
        """Start a collection unless one is running (a slow source is never stacked)."""
        self._begin_collect(params, quiet=False)

    def _begin_collect(self, params: dict[str, Any] | None, *, quiet: bool) -> None:
        if self._collecting:
            return
        self._collecting = True
        self._collect_began = time.monotonic()
        self._quiet_collect = quiet
        if not quiet:
            self._show_status()
        asked = params if params is not None else self.params()
        self._collect_in_thread(asked, self.session.sources, self.app_config)

    @work(thread=True, exit_on_error=False, group="panels")
    def _collect_in_thread(
        self,
        params: dict[str, Any],
        factory: Callable[[str, Config], Source],
        config: Config,
    ) -> None:
        with self._lock:
            try:
                if self._source is None:
                    self._source = factory(self.source_name, config)
            except Exception as exc:  # a source that cannot load is shown like any failure
                hint = "reinstall debugtui: a module or dependency of this source is broken"
                snapshot = failure(self.source_name, params, describe(exc), hint)
            else:
                snapshot = self._source.collect(params)
        self.post_message(self.Collected(self, snapshot))

    def on_source_panel_collected(self, message: Collected) -> None:
        if message.panel is not self:
            return
        self._collecting = False
        self.loading = False
        snap = message.snapshot
        error = self.query_one("#panel-error", Static)
        if snap.ok:
            self.snapshot, self.last_error = snap, None
            error.remove_class("-shown")
            self.query_one(WarningsLine).show_warnings(snap.warnings)
            self.show_snapshot(snap)
        else:
            self.last_error = snap
            error.update(failure_text(snap.error, snap.hint))
            error.add_class("-shown")
        self._show_status()

    def show_snapshot(self, snap: Snapshot) -> None:
        """Put the current view's table on screen; panels with extras extend this."""
        table = self.current_table()
        if table is not None:
            self.table.show(table)

    def current_table(self) -> Table | None:
        if self.snapshot is None or not self.views:
            return None
        name = self.views[self.view_index % len(self.views)][0]
        return self.snapshot.tables().get(name)

    def _key_columns(self, index: int) -> Sequence[str]:
        return self.views[index % len(self.views)][1] if self.views else ()

    def _refresh_if_watched(self) -> None:
        # Not named _auto_refresh: Textual's DOMNode sets an attribute of that name on every
        # node, which hides such a method from the timer (see tests/test_tui_names.py).
        if (self.active or self.feeding) and not self.paused:
            self._begin_collect(None, quiet=True)

    def set_active(self, active: bool, *, feeding: bool = False) -> None:
        """Whether this panel's tab is the one shown, or a tab fed by every panel is (see
        :attr:`feeding`); the screen says so on every switch. Another source's tab shown,
        the panel costs nothing."""
        watched_before = self.active or self.feeding
        self.active, self.feeding = active, feeding and not active
        if self.started and (active or feeding) and not watched_before:
            self._refresh_if_stale()

    def _refresh_if_stale(self) -> None:
        """Coming back to a tab whose data is older than its refresh period collects now:
        the tab loaded in the background at start, and showing a reading many minutes old
        until the next tick (up to a period later) would be showing the past as now."""
        shown = self.snapshot or self.last_error
        if not self.refresh_seconds or self.paused or shown is None:
            return
        age = (self.session.clock() - shown.collected_at).total_seconds()
        if age >= self.refresh_seconds:
            self._begin_collect(None, quiet=True)

    # -- status line -----------------------------------------------------------------------

    def status_title(self) -> str:
        """The status line's first part: the shown table's title (or view name)."""
        if not self.views or self.snapshot is None:
            return ""
        table = self.current_table()
        return (table.title if table else "") or self.views[self.view_index % len(self.views)][0]

    def status_text(self) -> str:
        parts = []
        if title := self.status_title():
            parts.append(title)
        shown = self.snapshot or self.last_error
        if self._collecting and (
            not self._quiet_collect or time.monotonic() - self._collect_began >= QUIET_COLLECT_S
        ):
            parts.append("collecting…")
        if shown is not None:
            age = self.session.clock() - shown.collected_at
            when = f"{shown.collected_at:%H:%M:%S}"
            stale = " STALE" if self.last_error is not None and self.snapshot is not None else ""
            # Nothing was updated when the source never answered: say when it was tried.
            verb = "updated" if self.snapshot is not None else "failed"
            parts.append(f"{verb} {when} ({format_duration(age)} ago){stale}")
        if self.refresh_seconds:
            parts.append("paused" if self.paused else f"auto {self.refresh_seconds:g}s")
        hidden = self.table.hidden_rows if self.is_mounted else 0
        if self.table.filter_text:
            parts.append(f"filter {one_line(self.table.filter_text, 20)!r}")
        if hidden:
            parts.append(f"{hidden} rows not shown")
        if self.table.marked:
            parts.append(f"{len(self.table.marked)} marked")
        return " · ".join(parts)

    def _show_status(self) -> None:
        if self.is_mounted:
            line = self.query_one("#panel-status", Static)
            line.update(Text(fit_status(self.status_text(), self.status_title(), line.size.width)))

    def _tick(self) -> None:
        """Once a second: the visible panel's data age moves on; hidden panels cost nothing."""
        if self.active:
            self._show_status()

    # -- actions ---------------------------------------------------------------------------

    def action_refresh_panel(self) -> None:
        self.collect()

    def action_pause(self) -> None:
        self.paused = not self.paused
        self._show_status()

    def action_next_view(self) -> None:
        if len(self.views) < 2:
            return
        self.view_index = (self.view_index + 1) % len(self.views)
        table = self.table
        table.key_columns = tuple(self._key_columns(self.view_index))
        table.filter_text = ""
        if self.snapshot is not None:
            self.show_snapshot(self.snapshot)
        self._show_status()

    def action_filter(self) -> None:
        box = self.query_one("#panel-filter", Input)
        box.value = self.table.filter_text
        box.add_class("-shown")
        focus_now(box)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in self.FIELD_ACTIONS and typing_in_a_field(self.app))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "panel-filter":
            event.stop()
            self.table.set_filter(event.value)
            self._show_status()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "panel-filter":  # already hidden, in the field's turn
            event.stop()
            focus_now(self.table)
            release_keys(self.app)  # those typed after enter (see FilterField)

    def on_key(self, event: Any) -> None:
        box = self.query_one("#panel-filter", Input)
        if event.key == "escape" and box.has_focus:
            event.stop()
            box.value = ""
            box.remove_class("-shown")
            self.table.set_filter("")
            focus_now(self.table)
            self._show_status()

    def action_sort(self) -> None:
        column = self.table.sort_by_cursor_column()
        if column:
            order = "descending" if self.table.sort_reverse else "ascending"
            self.notify(f"Sorted by {column}, {order}.", markup=False, timeout=2)

    def action_mark(self) -> None:
        self.table.toggle_mark()
        self._show_status()

    def action_copy(self) -> None:
        rows = self.table.selected_rows()
        if not rows:
            return
        self.app.copy_to_clipboard(self.table.as_tsv(rows))
        self.notify(f"Copied {len(rows)} row(s) to the clipboard.", timeout=2)

    def action_pin(self) -> None:
        self._pin(self.table.selected_rows(), whole=False)

    def action_pin_view(self) -> None:
        self._pin(self.table.view_rows(), whole=True)

    def _pin(self, rows: list[tuple[str, ...]], whole: bool) -> None:
        snap = self.snapshot
        table = self.current_table()
        if snap is None or table is None or not rows:
            self.notify("Nothing to pin yet.", timeout=2)
            return
        what = table.title or self.views[self.view_index % len(self.views)][0]
        count = f"{len(rows)} row{'s' if len(rows) != 1 else ''}"
        title = f"{self.source_name}: {what} ({'whole view, ' if whole else ''}{count})"
        evidence = EvidenceData(
            title=title,
            source=self.source_name,
            params=dict(snap.params),
            columns=table.columns,
            rows=tuple(tuple(r) for r in rows[:PIN_ROW_LIMIT]),
            captured_at=snap.collected_at.isoformat(),
        )
        self.post_message(self.PinRequested(evidence, self.happened_at(rows) or snap.collected_at))
        self.table.marked.clear()

    def feeds_findings(self, snapshot: Snapshot) -> bool:
        """Whether the findings and the incident timeline should read ``snapshot``."""
        return True

    def happened_at(self, rows: Sequence[Sequence[str]]) -> datetime | None:
        """When the pinned rows happened (a log line's, a commit's time); None: collect time."""
        return None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.table.cursor_values
        table = self.current_table()
        if row is None or table is None:
            return
        self.app.push_screen(self.detail_screen(table, row))

    def detail_screen(self, table: Table, row: Sequence[str]) -> DetailScreen:
        """The screen ``enter`` opens on a row: its record; panels may add what loads later."""
        return DetailScreen(self.detail_title(row), self.detail_text(table, row))

    def detail_title(self, row: Sequence[str]) -> str:
        return f"{self.source_name}: {one_line(row[0] if row else '', 60)}"

    def detail_text(self, table: Table, row: Sequence[str]) -> str:
        """The full record behind a row; panels override with what the source knows."""
        width = max((len(c) for c in table.columns), default=0)
        return "\n".join(f"{c:>{width}}  {v}" for c, v in zip(table.columns, row, strict=False))
