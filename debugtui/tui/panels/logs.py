"""The Logs panel: ``grep -r`` over the log files, streamed, windowed, followed, pinned.

On mount it searches the configured files for the error pattern over the default window, so
the findings (error rate, a deploy before the errors) have their histogram from the start.
Above the table: the pattern (validated as it is typed; a broken regex is one line under
the inputs, never a notification), the window (``since``/``until``: 30m, 2h or ISO times),
the file set (comma separated; empty means ``[logs] paths``) and ``-i``. Enter searches;
a new search cancels the one running.

Matches stream in while the search runs (see ``log_stream``: the worker fills a feed, a
timer empties it five times a second, so a million matches cost the UI no more than ten),
with a progress bar over the bytes to read and a sparkline of matches per minute labelled
with its range. ``escape`` stops the search (what was found stays, marked cancelled, and is
not fed to the findings); ``f`` follows the files (``tail -F`` with the pattern: new
matches are appended live across rotation and truncation) until ``f`` again. ``enter`` on a
match opens it with its context and the first line of its entry; a pinned match happened
when the log line did.

Other panels and playbook steps search through :meth:`LogsPanel.search`.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Checkbox, Input, ProgressBar, Sparkline, Static, TabbedContent, TabPane

from debugtui.config import Config
from debugtui.sources.base import Snapshot, Source, SourceError, Table, describe, failure
from debugtui.sources.logpattern import validate_pattern
from debugtui.sources.logresults import LogMatch, LogQuery, LogSearchResult, SearchProgress
from debugtui.sources.logs import query_from_params
from debugtui.sources.logtimes import minute_of
from debugtui.timewindow import TimeParseError, parse_when
from debugtui.tui.literal import literal_line
from debugtui.tui.panels.base import SourcePanel
from debugtui.tui.panels.log_stream import Feed, Taken, collect_streaming, follow_into
from debugtui.tui.panels.log_view import (
    below,
    context_text,
    find_match,
    merge_histograms,
    parse_paths,
    series,
    shared_directory,
    short_time,
    without_leading_time,
)
from debugtui.tui.panels.table import MAX_ROWS
from debugtui.tui.typeahead import focus_now
from debugtui.tui.widgets.turn_field import TurnField

UPDATE_SECONDS = 0.2
"""How often streamed matches and progress reach the screen while a search or follow runs."""
LIVE_TOTAL_SECONDS = 1.0
"""How often the running total in the matches table's title is brought up to date once the
kept matches are all shown."""
FOLLOW_POST_SECONDS = 2.0
"""Least time between two snapshots posted to the screen (findings, timeline) while following."""
DETAIL_CONTEXT = 3
"""Lines of context kept around each match when ``[logs] context`` is 0 (the CLI's rg-like
default): opening a match should show what surrounds it."""
MATCH_COLUMNS = ("time", "file", "line", "text")
INPUTS = frozenset({"logs-pattern", "logs-since", "logs-until", "logs-paths"})
SHORT_HEIGHT = 5
"""Below this many lines (a small terminal, a full timeline, the composer open) the inputs
row shows only while one of them has focus (``g``), so the table keeps rows for matches."""


class LogsPanel(SourcePanel):
    source_name = "logs"
    views = (
        ("matches", ("file", "line")),
        ("histogram", ("minute",)),
        ("files", ("file",)),
    )

    DEFAULT_CSS = """
    LogsPanel {
        #logs-top { height: 1; }
        #logs-top #panel-status { width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
        #logs-controls { height: 1; }
        &.-short #logs-controls { display: none; }
        &.-short.-editing #logs-controls { display: block; }
        #logs-controls Input { margin: 0 1 0 0; }
        #logs-pattern { width: 1fr; }
        #logs-since, #logs-until { width: 10; }
        #logs-paths { width: 22; }
        #logs-case { width: auto; }
        #logs-invalid { height: auto; color: $error; padding: 0 1; display: none; }
        #logs-invalid.-shown { display: block; }
        #logs-progress { width: auto; display: none; }
        /* While a search runs its bar takes the place of the (partial) histogram. */
        #logs-top.-running #logs-progress { display: block; }
        #logs-top.-running #logs-spark, #logs-top.-running #logs-range { display: none; }
        #logs-progress Bar { width: 12; }
        #logs-spark { width: 16; height: 1; margin: 0 1; }
        #logs-range { width: auto; color: $text-muted; padding: 0 1 0 0; }
    }
    """

    FIELD_ACTIONS = frozenset({"filter", "edit_pattern"})

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "edit_pattern", "Pattern", priority=True, tooltip="Type a new search pattern"),
        Binding("f", "follow", "Follow", tooltip="Follow the files for new matches (tail -F)"),
        Binding("i", "toggle_case", "Ignore case", show=False, tooltip="Toggle -i and search"),
        Binding("escape", "stop", "Stop", tooltip="Stop the search (or the follow)"),
    ]

    class SearchFinished(Message):
        """A search ended (done, cancelled or failed) with its snapshot."""

        def __init__(self, generation: int, snapshot: Snapshot) -> None:
            super().__init__()
            self.generation = generation
            self.snapshot = snapshot

    class FollowEnded(Message):
        """A follow's worker returned: cancelled (``reason`` None) or on its own."""

        def __init__(self, feed: Feed, reason: str | None) -> None:
            super().__init__()
            self.feed = feed
            self.reason = reason

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._generation = 0
        """Counts searches; a finished search that is not the latest is ignored."""
        self._search_feed: Feed | None = None
        """The running search's feed; None when no search runs."""
        self._search_query: LogQuery | None = None
        self._search_params: dict[str, Any] = {}
        self._search_started = datetime.now(timezone.utc)
        self._files_below: str | None = None
        """The directory left out of the file column (see :meth:`_shorten_files`)."""
        self._live: list[LogMatch] = []
        """Matches the running search streamed so far (for the table while it runs)."""
        self._progress: SearchProgress | None = None
        self._live_shown_at = 0.0
        self._live_snapshot: Snapshot | None = None
        """The running search's matches as last shown, while they are the panel's snapshot."""
        self._live_rows = 0
        """Rows the running search's table showed at its last full show."""
        self._live_minutes: Counter[datetime] = Counter()
        """The running search's kept matches per minute."""
        self._search_result: Snapshot | None = None
        """The last finished search, before followed matches are added to it."""
        self._follow_feed: Feed | None = None
        self._follow_query: LogQuery | None = None
        self._followed: deque[LogMatch] = deque()
        self._follow_total = 0
        self._follow_minutes: Counter[datetime] = Counter()
        self._follow_notice = ""
        self._follow_unposted = False
        self._follow_posted_at = 0.0
        self._ticker: Timer | None = None
        self._tables_of: Snapshot | None = None
        self._tables: Mapping[str, Table] = {}
        self._shown_status: str | None = None
        self._shown_range = ""

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # The base's layout with the progress bar and the histogram beside the status line:
        # on a small terminal every line counts, and the matches need them most.
        for widget in super().compose():
            if widget.id != "panel-status":
                yield widget
                continue
            with Horizontal(id="logs-top"):
                yield widget
                yield ProgressBar(id="logs-progress", show_eta=False, show_percentage=False)
                yield Sparkline([], id="logs-spark")
                yield Static(id="logs-range")

    def compose_controls(self) -> ComposeResult:
        logs = self.app_config.logs
        with Horizontal(id="logs-controls"):
            yield TurnField(
                logs.error_pattern,
                placeholder="pattern (Python re), enter searches",
                id="logs-pattern",
                compact=True,
                tooltip="A Python regular expression; enter searches, escape stops",
            )
            yield TurnField(
                logs.since,
                placeholder="since",
                id="logs-since",
                compact=True,
                tooltip="Since: 30m, 2h, 2d or an ISO time; empty: no lower bound",
            )
            yield TurnField(
                placeholder="until",
                id="logs-until",
                compact=True,
                tooltip="Until: 30m, 2h or an ISO time; empty: now",
            )
            yield TurnField(
                placeholder=", ".join(logs.paths),
                id="logs-paths",
                compact=True,
                tooltip="Files, globs or directories, comma separated; empty: [logs] paths",
            )
            yield Checkbox("-i", id="logs-case", compact=True, tooltip="Ignore case (i)")
        yield Static(id="logs-invalid")

    def on_mount(self) -> None:
        # Runs before the base's on_mount, which starts the first search through collect().
        self._ticker = self.set_interval(UPDATE_SECONDS, self._drain, pause=True)
        self.table.show_column_as("text", without_leading_time)
        self.table.show_column_as("time", short_time(self.session.clock))

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.height < SHORT_HEIGHT, "-short")

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.set_class(event.widget.id in INPUTS or event.widget.id == "logs-case", "-editing")

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self.remove_class("-editing")

    def on_unmount(self) -> None:
        for feed in (self._search_feed, self._follow_feed):
            if feed is not None:
                feed.cancel.set()

    # -- state -----------------------------------------------------------------------------

    @property
    def searching(self) -> bool:
        """True while a search runs."""
        return self._search_feed is not None

    @property
    def following(self) -> bool:
        """True while follow mode is on."""
        return self._follow_feed is not None

    @property
    def result(self) -> LogSearchResult | None:
        """The search result shown (with followed matches added), if any."""
        data = self.snapshot.data if self.snapshot is not None else None
        return data if isinstance(data, LogSearchResult) else None

    def _cap(self) -> int:
        return max(self.app_config.logs.max_matches, MAX_ROWS)

    # -- the search's parameters -----------------------------------------------------------

    def params(self) -> dict[str, Any]:
        """What the inputs ask for, as ``LogsSource`` params (pinned evidence keeps them)."""
        logs = self.app_config.logs
        params: dict[str, Any] = {
            "pattern": self._input("logs-pattern").value,
            "since": self._input("logs-since").value.strip(),
            "ignore_case": self.query_one("#logs-case", Checkbox).value,
            "context": logs.context or DETAIL_CONTEXT,
        }
        until = self._input("logs-until").value.strip()
        if until:
            params["until"] = until
        paths = parse_paths(self._input("logs-paths").value)
        if paths:
            params["paths"] = list(paths)
        return params

    def _input(self, name: str) -> Input:
        return self.query_one(f"#{name}", Input)

    def problem(self, params: dict[str, Any], times: bool = True) -> str | None:
        """What is wrong with ``params`` in one line (a bad regex, a bad time), or None."""
        reason = validate_pattern(str(params.get("pattern", "")), bool(params.get("ignore_case")))
        if reason is not None:
            return reason
        if times:
            now = self.session.clock()
            for key in ("since", "until"):
                value = str(params.get(key) or "")
                try:
                    if value:
                        parse_when(value, now)
                except TimeParseError as exc:
                    return f"{key}: {exc}"
        return None

    def _show_problem(self, reason: str | None) -> None:
        box = self.query_one("#logs-invalid", Static)
        if reason is None:
            box.remove_class("-shown")
            return
        box.update(literal_line(f"✖ {reason}"))
        box.add_class("-shown")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id in INPUTS:
            event.stop()
            self._show_problem(self.problem(self.params()))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id in INPUTS:
            event.stop()
            if self._start(self.params()):
                self.table.focus()  # the matches are what to look at now; g comes back

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if event.checkbox.id == "logs-case":
            event.stop()
            self.collect()

    # -- searching -------------------------------------------------------------------------

    def search(
        self,
        pattern: str | None = None,
        *,
        paths: Sequence[str] | str | None = None,
        since: str | None = None,
        until: str | None = None,
        ignore_case: bool | None = None,
        context: int | None = None,
        max_matches: int | None = None,
        reveal: bool = True,
    ) -> bool:
        """(Re)start the search with these parameters (None keeps what the input holds).

        The inputs show what is searched. ``context`` and ``max_matches`` (a playbook step's)
        have no inputs: they hold for this run only, the next one from the inputs uses the
        config's. With ``reveal`` the Logs tab is brought to the front. Returns False, with
        the reason under the inputs, when a parameter is invalid. For other panels (a
        container's logs) and playbook steps.
        """
        if pattern is not None:
            self._input("logs-pattern").value = pattern
        if paths is not None:
            self._input("logs-paths").value = paths if isinstance(paths, str) else ", ".join(paths)
        if since is not None:
            self._input("logs-since").value = since
        if until is not None:
            self._input("logs-until").value = until
        if ignore_case is not None:
            box = self.query_one("#logs-case", Checkbox)
            with box.prevent(Checkbox.Changed):  # one search, not one per changed input
                box.value = ignore_case
        if reveal:
            self.reveal()
        params = self.params()
        if context is not None:
            params["context"] = context
        if max_matches is not None:
            params["max_matches"] = max_matches
        return self._start(params)

    def reveal(self) -> None:
        """Bring the Logs tab to the front and focus the matches."""
        pane: TabPane | None = None
        for node in self.ancestors:
            if isinstance(node, TabPane):
                pane = node
            elif isinstance(node, TabbedContent) and pane is not None and pane.id:
                node.active = pane.id
                break
        self.table.focus()

    def collect(self, params: dict[str, Any] | None = None) -> None:
        """Start a search with the inputs' parameters (or ``params``), cancelling any running."""
        self._start(params if params is not None else self.params())

    def _start(self, params: dict[str, Any]) -> bool:
        self.loading = False  # the progress bar and the streamed rows show the search instead
        reason = self.problem(params)
        self._show_problem(reason)
        if reason is not None:
            return False
        now = self.session.clock()
        try:
            query = self._query(params, now)
        except SourceError as exc:
            self._show_problem(exc.message)
            return False
        if self._search_feed is not None:
            self._search_feed.cancel.set()
        self._generation += 1
        feed = Feed(keep=max(query.max_matches or 0, MAX_ROWS))
        fresh = params != self._search_params
        self._search_feed, self._search_query, self._search_params = feed, query, dict(params)
        self._search_started, self._live, self._progress = now, [], None
        self._live_minutes, self._live_rows = Counter(), 0
        self.query_one("#panel-error", Static).remove_class("-shown")
        if fresh or self.snapshot is None:
            self._show_live()  # a different search: the old rows must not pass for its results
        self.query_one("#logs-top").add_class("-running")
        self.query_one("#logs-progress", ProgressBar).update(total=None, progress=0)
        if self.following:
            self._start_follow()
        self._resume()
        self._search_worker(
            self._generation, params, feed, self.session.sources, self.app_config, now
        )
        self._show_status()
        return True

    def _query(self, params: dict[str, Any], now: datetime) -> LogQuery:
        return query_from_params(params, self.app_config, now)

    @work(thread=True, exit_on_error=False, group="logs-search", description="log search")
    def _search_worker(
        self,
        generation: int,
        params: dict[str, Any],
        feed: Feed,
        factory: Callable[[str, Config], Source],
        config: Config,
        now: datetime,
    ) -> None:
        try:
            with self._lock:
                if self._source is None:
                    self._source = factory(self.source_name, config)
                source: Source = self._source
        except Exception as exc:  # a source that cannot load is shown like any failure
            hint = "reinstall debugtui: a module or dependency of this source is broken"
            snapshot = failure(self.source_name, params, describe(exc), hint)
        else:
            snapshot = collect_streaming(source, params, feed, now)
        self.post_message(self.SearchFinished(generation, snapshot))

    def on_logs_panel_search_finished(self, message: SearchFinished) -> None:
        message.stop()
        if message.generation != self._generation:
            return  # superseded: a newer search is running or done
        self._search_feed = None
        self._search_result = message.snapshot
        self.query_one("#logs-top").remove_class("-running")
        snapshot = message.snapshot
        if snapshot.ok:
            snapshot = self._with_followed(snapshot)
            self._follow_unposted = False
        self.post_message(self.Collected(self, snapshot))

    def on_source_panel_collected(self, message: SourcePanel.Collected) -> None:
        """Runs before the base's handler, which shows the snapshot."""
        if message.panel is not self:
            return
        data = message.snapshot.data
        if isinstance(data, LogSearchResult) and data.cancelled:
            message.stop()  # a partial search is shown here, not fed to the findings

    def action_stop(self) -> None:
        if self._search_feed is not None:
            self._search_feed.cancel.set()
            self._show_status()
        elif self._follow_feed is not None:
            self._stop_follow()
        elif isinstance(self.app.focused, Input) and self.app.focused.id in INPUTS:
            self.table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            focused = self.app.focused
            in_inputs = isinstance(focused, Input) and focused.id in INPUTS
            return self.searching or self.following or in_inputs
        return super().check_action(action, parameters)

    def action_edit_pattern(self) -> None:
        focus_now(self._input("logs-pattern"))

    def action_toggle_case(self) -> None:
        self.query_one("#logs-case", Checkbox).toggle()

    # -- streamed updates ------------------------------------------------------------------

    def _resume(self) -> None:
        if self._ticker is not None:
            self._ticker.resume()

    def _drain(self) -> None:
        """Timer: take what the workers found since the last tick and show it.

        Once the kept matches are all on screen only the progress bar, the status line and
        (once a second) the count change: a search with a million matches costs the UI the
        same as one with a thousand.
        """
        feed = self._search_feed
        if feed is not None:
            taken = feed.take()
            self._live.extend(taken.matches)
            self._live_minutes.update(
                minute_of(m.time) for m in taken.matches if m.time is not None
            )
            if taken.progress is not None:
                progress = self._progress = taken.progress
                bar = self.query_one("#logs-progress", ProgressBar)
                bar.update(total=max(progress.bytes_total, 1), progress=progress.bytes_done)
            if taken.matches and self._live_rows < MAX_ROWS:
                self._show_live()
            elif taken.matches or (
                taken.progress is not None
                and time.monotonic() - self._live_shown_at >= LIVE_TOTAL_SECONDS
            ):
                self._show_live_counts()
        if self._follow_feed is not None:
            self._take_followed(self._follow_feed.take())
        if self._search_feed is None and self._follow_feed is None and self._ticker is not None:
            self._ticker.pause()
        self._show_status()

    def _show_live(self) -> None:
        """Show the running search's matches so far as the panel's (partial) snapshot."""
        query = self._search_query
        if query is None:
            return
        progress = self._progress
        self._live_shown_at = time.monotonic()
        shown = tuple(self._live[:MAX_ROWS])
        result = LogSearchResult(
            pattern=query.pattern,
            ignore_case=query.ignore_case,
            since=query.since,
            until=query.until,
            engine="",
            matches=shown,
            total=max(progress.total_matches if progress else 0, len(self._live)),
            histogram=tuple(sorted(self._live_minutes.items())),
            files=(),
        )
        self.snapshot = Snapshot(
            source=self.source_name,
            ok=True,
            collected_at=self._search_started,
            duration_s=0.0,
            params=dict(self._search_params),
            data=result,
        )
        self._live_snapshot, self._live_rows = self.snapshot, len(shown)
        self.show_snapshot(self.snapshot)

    def _show_live_counts(self) -> None:
        """Bring the running total and the histogram up to date when the rows shown are what
        they were (no match kept since, or the table already full): only the table's title
        and the sparkline are made again (rebuilding and comparing 500 rows took 20-40 ms of
        the UI thread, every second and on every batch of matches past the 500th)."""
        snapshot, progress = self.snapshot, self._progress
        data = snapshot.data if snapshot is not None else None
        if (
            snapshot is None
            or progress is None
            or not isinstance(data, LogSearchResult)
            or snapshot is not self._live_snapshot
            or self._tables_of is not snapshot
            or self.views[self.view_index % len(self.views)][0] != "matches"
        ):
            self._show_live()
            return
        self._live_shown_at = time.monotonic()
        result = replace(
            data,
            total=max(progress.total_matches, len(self._live)),
            histogram=tuple(sorted(self._live_minutes.items())),
        )
        matches = self._tables.get("matches")
        self.snapshot = self._live_snapshot = self._tables_of = replace(snapshot, data=result)
        if matches is not None:
            retitled = Table(matches.columns, matches.rows, result.matches_title())
            self._tables = {**self._tables, "matches": retitled}
        self._show_histogram(self.snapshot)

    # -- follow ----------------------------------------------------------------------------

    def action_follow(self) -> None:
        if self.following:
            self._stop_follow()
        else:
            self._start_follow()

    def _start_follow(self) -> None:
        params = self.params()
        reason = self.problem(params, times=False)
        self._show_problem(reason)
        if reason is not None:
            return
        if self._follow_feed is not None:
            self._follow_feed.cancel.set()
        query = self._query({**params, "since": "", "until": ""}, self.session.clock())
        feed = Feed(keep=self._cap())
        self._follow_feed, self._follow_query = feed, query
        self._followed = deque(maxlen=self._cap())
        self._follow_total, self._follow_minutes, self._follow_notice = 0, Counter(), ""
        self._resume()
        self._follow_worker(query, feed)
        self._show_status()

    def _stop_follow(self) -> None:
        feed, self._follow_feed = self._follow_feed, None
        if feed is None:
            return
        feed.cancel.set()
        self._take_followed(feed.take())
        self._post_followed()
        self._show_status()

    @work(thread=True, exit_on_error=False, group="logs-follow", description="log follow")
    def _follow_worker(self, query: LogQuery, feed: Feed) -> None:
        self.post_message(self.FollowEnded(feed, follow_into(query, feed)))

    def on_logs_panel_follow_ended(self, message: FollowEnded) -> None:
        message.stop()
        if message.feed is not self._follow_feed:
            return  # stopped (or restarted) from here already
        self._follow_feed = None
        self._take_followed(message.feed.take())
        self._post_followed()
        if message.reason:
            self._follow_notice = f"follow stopped: {message.reason}"
        self._show_status()

    def _take_followed(self, taken: Taken) -> None:
        if taken.notices:
            self._follow_notice = taken.notices[-1]
        if not taken.counted:
            return
        self._followed.extend(taken.matches)
        self._follow_total += taken.counted
        self._follow_minutes.update(taken.minutes)
        self._follow_unposted = True
        if self._search_feed is not None:
            return  # the search's end adds them (its rows are on screen meanwhile)
        self.snapshot = self._with_followed(self._search_result)
        self.show_snapshot(self.snapshot)
        if time.monotonic() - self._follow_posted_at >= FOLLOW_POST_SECONDS:
            self._post_followed()

    def _post_followed(self) -> None:
        """Send the screen the search with what follow added (findings, timeline)."""
        if self._follow_unposted and self.snapshot is not None and self._search_feed is None:
            self._follow_unposted = False
            self._follow_posted_at = time.monotonic()
            self.post_message(self.Collected(self, self.snapshot))

    def _with_followed(self, snapshot: Snapshot | None) -> Snapshot:
        """``snapshot`` (the last search) with the followed matches after its own."""
        base = snapshot if snapshot is not None and snapshot.ok else None
        data = base.data if base is not None else None
        if not isinstance(data, LogSearchResult):
            query = self._follow_query or self._search_query
            data = LogSearchResult(
                pattern=query.pattern if query else "",
                ignore_case=query.ignore_case if query else False,
                since=None,
                until=None,
                engine="",
                matches=(),
                total=0,
                histogram=(),
                files=(),
            )
        if not self._followed and not self._follow_total:
            return base or self._snapshot_of(data)
        merged = replace(
            data,
            matches=(data.matches + tuple(self._followed))[-self._cap() :],
            total=data.total + self._follow_total,
            histogram=merge_histograms(data.histogram, self._follow_minutes.items()),
        )
        return self._snapshot_of(merged, base)

    def _snapshot_of(self, data: LogSearchResult, base: Snapshot | None = None) -> Snapshot:
        when = self.session.clock()
        if base is not None:
            return replace(base, data=data, collected_at=when)
        return Snapshot(
            source=self.source_name,
            ok=True,
            collected_at=when,
            duration_s=0.0,
            params=dict(self._search_params),
            data=data,
        )

    # -- showing ---------------------------------------------------------------------------

    def show_snapshot(self, snap: Snapshot) -> None:
        table = self.current_table()
        if table is not None:
            if self.following and table.columns == MATCH_COLUMNS and len(table.rows) > MAX_ROWS:
                table = Table(table.columns, table.rows[-MAX_ROWS:], table.title)
            live = self.table
            at_end = live.row_count > 0 and live.cursor_row >= live.row_count - 1
            if table.columns == MATCH_COLUMNS:
                self._shorten_files(table)
            elif self._files_below is not None:  # the Files view lists whole paths
                self._files_below = None
                live.show_column_as("file", None)
            if table.rows and not live.source_table.rows:
                # Column widths are fixed by the first rows shown; an empty table (a search
                # just started) must not fix them at the headers' widths.
                live.show(Table((), ()))
            live.show(table, cursor_at_end=self.following and at_end)
        self._show_histogram(snap)

    def _shorten_files(self, table: Table) -> None:
        """The file column below the directory its files share (the detail view, the Files
        view and pins keep the whole path)."""
        directory = shared_directory(row[1] for row in table.rows if len(row) > 1)
        if directory is None and not table.rows:
            return  # a search just started: keep the form until its rows say otherwise
        if directory != self._files_below:
            self._files_below = directory
            self.table.show_column_as("file", None if directory is None else below(directory))

    def current_table(self) -> Table | None:
        """The base's, with the snapshot's tables built once per snapshot (the status line
        asks for the title every tick, and a result's tables are rebuilt on each call)."""
        if self.snapshot is None:
            return None
        if self._tables_of is not self.snapshot:
            self._tables_of, self._tables = self.snapshot, self.snapshot.tables()
        return self._tables.get(self.views[self.view_index % len(self.views)][0])

    def _show_status(self) -> None:
        """The base's, without a layout pass: the status line is one line of fixed width,
        and it changes five times a second while a search runs."""
        if not self.is_mounted:
            return
        text = self.status_text()
        if text != self._shown_status:
            self._shown_status = text
            self.query_one("#panel-status", Static).update(Text(text), layout=False)

    def _show_range(self, text: str) -> None:
        if text != self._shown_range:
            grew = len(text) != len(self._shown_range)
            self._shown_range = text
            self.query_one("#logs-range", Static).update(Text(text), layout=grew)

    def _show_histogram(self, snap: Snapshot) -> None:
        spark = self.query_one("#logs-spark", Sparkline)
        data = snap.data if isinstance(snap.data, LogSearchResult) else None
        if data is None:
            spark.data = []
            self._show_range("")
            return
        # An open-ended window ends when the search ran (by the screen's clock, like since).
        until = data.until or (self._search_started if data.since else None)
        bars = series(data.histogram, data.since, until)
        if bars is None:
            spark.data = []
            self._show_range("no matches")
            return
        spark.data = list(bars.counts)
        self._show_range(bars.label)

    def status_text(self) -> str:
        parts: list[str] = []
        feed = self._search_feed
        if feed is not None:
            progress = self._progress
            what = "stopping" if feed.cancel.is_set() else "searching"
            if progress is not None and progress.bytes_total:
                parts.append(
                    f"{what} {progress.fraction:.0%} of {_size(progress.bytes_total)}, "
                    f"{progress.total_matches:,} found"
                )
            else:
                parts.append(f"{what}…")
        else:
            result = self.result
            if result is not None and result.cancelled:
                parts.append("cancelled: partial results")
        if self.following:
            parts.append(f"following (+{self._follow_total:,})")
        if self._follow_notice:
            parts.append(self._follow_notice)
        base = super().status_text()
        return " · ".join([*parts, base] if base else parts)

    # -- records behind rows ---------------------------------------------------------------

    def _matches(self) -> tuple[LogMatch, ...]:
        result = self.result
        return result.matches if result is not None else ()

    def detail_title(self, row: Sequence[str]) -> str:
        table = self.current_table()
        if table is not None and table.columns == MATCH_COLUMNS and len(row) >= 3:
            return f"logs: {row[1]}:{row[2]}"
        return super().detail_title(row)

    def detail_text(self, table: Table, row: Sequence[str]) -> str:
        if table.columns == MATCH_COLUMNS:
            match = find_match(self._matches(), row)
            if match is not None:
                return context_text(match)
        return super().detail_text(table, row)

    def feeds_findings(self, snapshot: Snapshot) -> bool:
        """Only the error-pattern search describes the incident's error rate; a search the
        responder typed ("healthz") must not become an error spike."""
        return snapshot.params.get("pattern") == self.app_config.logs.error_pattern

    def happened_at(self, rows: Sequence[Sequence[str]]) -> datetime | None:
        """The earliest time among the pinned rows: a match's log time, a histogram minute."""
        table = self.current_table()
        if table is None:
            return None
        times: list[datetime] = []
        if table.columns == MATCH_COLUMNS:
            matches = self._matches()
            for row in rows:
                match = find_match(matches, row)
                if match is not None and match.time is not None:
                    times.append(match.time)
        elif table.columns and table.columns[0] == "minute":
            for row in rows:
                try:
                    times.append(datetime.fromisoformat(row[0]).replace(tzinfo=timezone.utc))
                except (ValueError, IndexError):
                    continue
        return min(times, default=None)


def _size(count: int) -> str:
    """Bytes for the status line: 812 B, 3.4 MB, 1.2 GB."""
    if count < 1024:
        return f"{count} B"
    value = count / 1024
    for unit in ("KB", "MB", "GB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"
