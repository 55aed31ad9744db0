"""The Logs panel, driven by keys through Pilot against real log files and the real source.

The logs are the scripted incident's (``build_incident``: rotated, gzipped, an error spike
after a deploy, a stack trace) or written by the test. The other evidence panels get the
notebook tests' quiet stand-in: they are not under test here, and the host's live sockets
and load (or a database that is not there) would only add noise and load to these tests.
"""

from __future__ import annotations

import gzip
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import pytest
from rich.text import Text
from test_tui_support import NOW, QuietSource, burst, frozen_clock, no_blink, settle
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Sparkline, Static, TabbedContent

from debugtui.config import Config, LogsConfig
from debugtui.demo.incident import DemoFiles, build_incident
from debugtui.export.markdown import render_markdown
from debugtui.notebook.model import EntryKind, Investigation, Severity
from debugtui.notebook.store import NotebookStore
from debugtui.sources.base import Snapshot, Source
from debugtui.sources.logpattern import PatternError, validate_pattern
from debugtui.sources.logresults import (
    ContextLine,
    LogMatch,
    LogQuery,
    LogSearchResult,
    MatchBatch,
    SearchProgress,
)
from debugtui.sources.logs import query_from_params, run_search
from debugtui.sources.registry import make_source
from debugtui.tui.app import DebugApp, make_app
from debugtui.tui.panels.base import SourcePanel
from debugtui.tui.panels.detail import DetailScreen
from debugtui.tui.panels.log_child import NICENESS, ChildSearchError, search_in_child
from debugtui.tui.panels.log_stream import Feed
from debugtui.tui.panels.log_view import (
    MAX_BUCKETS,
    below,
    context_text,
    find_match,
    match_row,
    parse_paths,
    series,
    shared_directory,
    short_time,
    without_leading_time,
)
from debugtui.tui.panels.logs import LogsPanel
from debugtui.tui.panels.table import MAX_ROWS
from debugtui.tui.screens.investigation import PANELS, InvestigationScreen

# -- fixtures and helpers ----------------------------------------------------------------


@pytest.fixture
def inv(store: NotebookStore) -> Investigation:
    return store.create_investigation("checkout 500s", Severity.SEV2)


@pytest.fixture
def demo(tmp_path: Path) -> DemoFiles:
    return build_incident(tmp_path / "incident", now=NOW)


def sources(name: str, config: Config) -> Source:
    """The real logs source; the quiet stand-in for the panels not under test."""
    return make_source(name, config) if name == "logs" else QuietSource(name, config)


def app_for(
    store: NotebookStore, inv: Investigation, paths: tuple[str, ...], **logs: Any
) -> DebugApp:
    config = Config(logs=LogsConfig(paths=paths, **logs))
    return make_app(store, open_id=inv.id, config=config, clock=frozen_clock, sources=sources)


def tab_key(title: str) -> str:
    return str([t for t, _ in PANELS].index(title) + 1)


async def open_panel(pilot: Pilot[None]) -> LogsPanel:
    """Wait for the first search, then jump to the Logs tab (its table focused)."""
    await settle(pilot)
    no_blink(pilot)
    await pilot.press(tab_key("Logs"))
    await pilot.pause()
    return pilot.app.screen.query_one(LogsPanel)


async def until(pilot: Pilot[None], condition: Callable[[], bool]) -> None:
    """Let the app run until ``condition`` holds (the test's timeout bounds the wait)."""
    while not condition():
        await pilot.pause(0.05)


async def search_for(pilot: Pilot[None], panel: LogsPanel, **inputs: str) -> None:
    """Type into the inputs (pattern, since, until, paths) and press enter."""
    for name, value in inputs.items():
        field = panel.query_one(f"#logs-{name}", Input)
        field.value = value
    panel.query_one("#logs-pattern", Input).focus()
    await pilot.press("enter")
    await settle(pilot)


def truth(config: Config, **params: Any) -> LogSearchResult:
    """The source's own answer to the same search, for comparison."""
    return run_search(query_from_params(params, config, NOW))


def cell_texts(panel: LogsPanel) -> list[list[Text]]:
    table = panel.table
    return [list(table.get_row_at(index)) for index in range(table.row_count)]


def line(when: datetime, text: str) -> str:
    return f"{when:%Y-%m-%dT%H:%M:%S}.000Z {text}\n"


@pytest.fixture
def collected(monkeypatch: pytest.MonkeyPatch) -> list[Snapshot]:
    """Every snapshot that reached the investigation screen (what feeds the findings)."""
    seen: list[Snapshot] = []
    previous = InvestigationScreen.__dict__.get("on_source_panel_collected")

    def record(screen: InvestigationScreen, message: SourcePanel.Collected) -> None:
        seen.append(message.snapshot)
        if previous is not None:
            previous(screen, message)

    monkeypatch.setattr(InvestigationScreen, "on_source_panel_collected", record, raising=False)
    return seen


# -- the panel ---------------------------------------------------------------------------


async def test_mount_searches_the_error_pattern_and_sends_its_histogram_to_the_screen(
    store: NotebookStore, inv: Investigation, demo: DemoFiles, collected: list[Snapshot]
) -> None:
    app = app_for(store, inv, (str(demo.logs),), since="6h")
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot)
        expected = truth(app.session.config, pattern=app.session.config.logs.error_pattern)
        result = panel.result
        assert result is not None and result.total == expected.total > 0
        assert result.histogram == expected.histogram
        logs_snaps = [s for s in collected if s.source == "logs"]
        assert len(logs_snaps) == 1 and logs_snaps[0].data.histogram == expected.histogram
        assert logs_snaps[0].params["pattern"] == app.session.config.logs.error_pattern
        assert panel.query_one("#logs-pattern", Input).value == LogsConfig().error_pattern
        assert panel.table.row_count == min(expected.total, MAX_ROWS)
        spark = panel.query_one("#logs-spark", Sparkline)
        assert sum(spark.data or []) == expected.total
        label = str(panel.query_one("#logs-range", Static).render())
        assert f"{NOW - timedelta(hours=6):%H:%M}–{NOW:%H:%M} UTC" in label


async def test_invalid_pattern_is_one_inline_message_and_searches_nothing(
    store: NotebookStore, inv: Investigation, demo: DemoFiles
) -> None:
    app = app_for(store, inv, (str(demo.logs),))
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot)
        before = panel.snapshot
        await pilot.press("g")
        await pilot.press(*"err(or")
        message = panel.query_one("#logs-invalid", Static)
        assert message.has_class("-shown")
        assert "missing ), unterminated subpattern at position 3" in str(message.render())
        await pilot.press("enter")
        await settle(pilot)
        assert panel.snapshot is before and not panel.searching
        assert not app._notifications, "typing a bad pattern must not raise notifications"
        await pilot.press("backspace", "backspace", "backspace", "o", "r")
        assert not message.has_class("-shown")


async def test_keys_typed_right_after_g_slash_and_enter_go_where_they_were_meant(
    store: NotebookStore, inv: Investigation, demo: DemoFiles
) -> None:
    """``g`` and ``/`` focus their field before the next key is handed out: before, a burst
    (a paste, a lagging link) reached the table, ``n`` of "nada" opened a note with "ada"
    in it, and ``r``, ``s``, ``p`` would have refreshed, sorted, pinned."""
    app = app_for(store, inv, (str(demo.logs),))
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, InvestigationScreen)
        burst(pilot, "g", *"nada")
        await pilot.pause()
        assert panel.query_one("#logs-pattern", Input).value.endswith("nada")
        assert not screen.composer.is_open
        await pilot.press("escape")
        panel.table.focus()
        await pilot.pause()
        burst(pilot, "slash", *"psr/")
        await pilot.pause()
        assert panel.query_one("#panel-filter", Input).value == "psr/"
        assert not screen.composer.is_open
        assert store.entries(inv.id) == []  # nothing pinned
        burst(pilot, "enter", "t")  # and right after enter, the table's keys again
        for _ in range(40):
            if panel.view_index == 1:
                break
            await pilot.pause(0.05)
        assert panel.view_index == 1  # the histogram
        assert screen.focused is panel.table
        assert panel.table.filter_text == ""  # a view of its own, unfiltered


async def test_enter_searches_the_typed_pattern_window_and_case(
    store: NotebookStore, inv: Investigation, demo: DemoFiles, collected: list[Snapshot]
) -> None:
    app = app_for(store, inv, (str(demo.logs),))
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot)
        config = app.session.config
        await search_for(pilot, panel, pattern="UPSTREAM TIMED OUT", since="30m")
        assert panel.result is not None and panel.result.total == 0
        assert panel.table.has_focus, "enter leaves the input for the matches"
        await pilot.press("i")
        await settle(pilot)
        assert panel.query_one("#logs-case", Checkbox).value is True
        expected = truth(config, pattern="UPSTREAM TIMED OUT", since="30m", ignore_case=True)
        assert panel.result.total == expected.total > 0
        assert panel.snapshot.params["since"] == "30m"
        assert all("upstream timed out" in row[3] for row in panel.table.view_rows())
        assert collected[-1].params["ignore_case"] is True


async def test_the_file_set_input_overrides_the_configured_paths(
    store: NotebookStore, inv: Investigation, demo: DemoFiles, tmp_path: Path
) -> None:
    other = tmp_path / "other.log"
    other.write_text(line(NOW - timedelta(minutes=3), "ERROR only here"), encoding="utf-8")
    extra = tmp_path / "extra.log"
    extra.write_text(line(NOW - timedelta(minutes=2), "ERROR and here"), encoding="utf-8")
    app = app_for(store, inv, (str(demo.logs),))
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot)
        await search_for(pilot, panel, pattern="ERROR", paths=f"{other} , {extra},")
        assert panel.result is not None
        assert {m.path for m in panel.result.matches} == {str(other), str(extra)}
        assert panel.snapshot.params["paths"] == [str(other), str(extra)]


def test_the_time_column_shows_todays_times_alone_and_other_days_without_the_year() -> None:
    shown = short_time(lambda: NOW)
    assert shown(f"{NOW:%Y-%m-%d} 09:15:02") == "09:15:02"
    yesterday = NOW - timedelta(days=1)
    assert shown(f"{yesterday:%Y-%m-%d} 23:59:58") == f"{yesterday:%m-%d} 23:59:58"
    assert shown("") == ""  # a line with no time of its own
    assert shown("abcdefghij klmnopqr") == "abcdefghij klmnopqr"  # the length, not a time


async def test_at_80_columns_the_file_column_leaves_out_the_shared_directory(
    store: NotebookStore, inv: Investigation, demo: DemoFiles, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere" / "api.log"
    elsewhere.parent.mkdir()
    elsewhere.write_text(line(NOW - timedelta(minutes=2), "ERROR 502 from api"), encoding="utf-8")
    app = app_for(store, inv, (str(demo.logs),))
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await open_panel(pilot)
        await search_for(pilot, panel, pattern="502")
        assert {cells[1].plain for cells in cell_texts(panel)} <= {"app.log", "app.log.1"}
        assert all(row[1].startswith(str(demo.logs)) for row in panel.table.source_table.rows)
        # the text column leaves out the line's leading time, which the time column shows
        first_text, first_row = cell_texts(panel)[0][3].plain, panel.table.source_table.rows[0]
        assert first_row[3].startswith(first_row[0][:10]) and first_row[3].endswith(first_text)
        assert not first_text[:1].isdigit()
        # the time column: the clock time alone, the date being the frozen today's
        assert NOW.hour >= 3  # the 2 h window is all today, so every row reads HH:MM:SS
        for cells, row in zip(cell_texts(panel), panel.table.source_table.rows, strict=True):
            assert row[0].startswith(f"{NOW:%Y-%m-%d} ") and cells[0].plain == row[0][11:]
        panel.table.focus()
        await pilot.press("t", "t")  # the Files view: whole paths
        await settle(pilot)
        for cells, row in zip(cell_texts(panel), panel.table.source_table.rows, strict=True):
            assert row[0].startswith(cells[0].plain.rstrip("…"))  # cut at 60 columns only
            assert cells[0].plain.startswith("/")  # the whole path, not its name below a dir
        await pilot.press("t")
        await settle(pilot)
        panel.table.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert f"{demo.logs}/app.log" in str(app.screen.query_one("#detail-text", Static).content)
        await pilot.press("escape")
        await search_for(pilot, panel, paths=f"{demo.logs / 'app.log'}, {elsewhere}")
        shown = {cells[1].plain for cells in cell_texts(panel)}
        assert shown == {str(demo.logs.relative_to(tmp_path) / "app.log"), "elsewhere/api.log"}


async def test_enter_on_a_match_shows_its_context_and_its_entry_first_line(
    store: NotebookStore, inv: Investigation, demo: DemoFiles
) -> None:
    app = app_for(store, inv, (str(demo.logs),))
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot)
        await search_for(pilot, panel, pattern="QueryCanceled")
        assert panel.result is not None and panel.result.total > 0
        panel.table.focus()
        await pilot.press("enter")
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, DetailScreen)
        text = detail.query_one("#detail-text", Static).content
        assert isinstance(text, Text)
        lines = text.plain.splitlines()
        assert any(":" in ln and "QueryCanceled" in ln for ln in lines)
        entry = next(ln for ln in lines if "Unhandled exception in checkout worker" in ln)
        assert entry.split(" ", 1)[0].endswith("-"), "the entry's first line is context"
        assert any("Traceback (most recent call last):" in ln for ln in lines)
        await pilot.press("escape")
        assert isinstance(app.screen, InvestigationScreen)


async def test_pinned_match_happened_when_the_log_line_did_and_exports(
    store: NotebookStore, inv: Investigation, demo: DemoFiles
) -> None:
    app = app_for(store, inv, (str(demo.logs),))
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot)
        await search_for(pilot, panel, pattern="502")
        result = panel.result
        assert result is not None and result.total > 2
        panel.table.focus()
        await pilot.press("down", "x", "x", "p")
        await settle(pilot)
    evidence = [e for e in store.entries(inv.id) if e.kind is EntryKind.EVIDENCE]
    assert len(evidence) == 1
    entry = evidence[0]
    first, second = result.matches[1], result.matches[2]
    assert entry.happened_at == first.time
    assert entry.data["columns"] == ["time", "file", "line", "text"]
    assert entry.data["rows"] == [list(match_row(first)), list(match_row(second))]
    assert entry.data["params"]["pattern"] == "502"
    markdown = render_markdown(store.get_investigation(inv.id), store.entries(inv.id), now=NOW)
    assert "| time | file | line | text |" in markdown
    assert first.text.split(" ", 2)[2] in markdown


async def test_a_pinned_histogram_minute_happened_at_that_minute(
    store: NotebookStore, inv: Investigation, demo: DemoFiles
) -> None:
    app = app_for(store, inv, (str(demo.logs),))
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot)
        await pilot.press("t")
        assert panel.current_table() is not None
        assert panel.current_table().columns == ("minute", "matches")
        await pilot.press("down", "p")
        await settle(pilot)
        minute, count = panel.result.histogram[1]
    (entry,) = [e for e in store.entries(inv.id) if e.kind is EntryKind.EVIDENCE]
    assert entry.happened_at == minute
    assert entry.data["rows"] == [[f"{minute:%Y-%m-%d %H:%M:%S}", str(count)]]


async def test_r_searches_again(store: NotebookStore, inv: Investigation, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text(line(NOW - timedelta(minutes=5), "ERROR first"), encoding="utf-8")
    app = app_for(store, inv, (str(log),))
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot)
        assert panel.result is not None and panel.result.total == 1
        with log.open("a", encoding="utf-8") as handle:
            handle.write(line(NOW - timedelta(minutes=4), "ERROR second"))
        await pilot.press("r")
        await settle(pilot)
        assert panel.result.total == 2 and panel.table.row_count == 2


async def test_missing_files_show_the_error_and_hint_in_place(
    store: NotebookStore, inv: Investigation, tmp_path: Path
) -> None:
    app = app_for(store, inv, (str(tmp_path / "nowhere"),))
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot)
        box = panel.query_one("#panel-error", Static)
        assert box.has_class("-shown")
        shown = str(box.render())
        alone = make_source("logs", app.session.config).collect(panel.last_error.params)
        assert not alone.ok and alone.error and alone.hint
        assert shown == f"✖ {alone.error}\nhint: {alone.hint}"
        assert panel.last_error is not None and not panel.searching


async def test_untrusted_log_text_is_shown_literally_in_table_detail_and_screen(
    store: NotebookStore, inv: Investigation, tmp_path: Path
) -> None:
    when = NOW - timedelta(minutes=1)
    nasty = [
        "ERROR [bold]x[/bold]",
        "ERROR [link=http://evil]y[/link]",
        "ERROR \x1b]0;pwn\x07title",
        "ERROR c1\x9b31mred\x85",
        "ERROR cut\x1b[",
    ]
    log = tmp_path / "nasty.log"
    log.write_text("".join(line(when, text) for text in nasty), encoding="utf-8")
    app = app_for(store, inv, (str(log),))
    async with app.run_test(size=(160, 40)) as pilot:
        panel = await open_panel(pilot)
        await search_for(pilot, panel, pattern="ERROR")
        texts = [row[3] for row in cell_texts(panel)]
        plain = [t.plain for t in texts]
        assert any(p.endswith("ERROR [bold]x[/bold]") for p in plain)
        assert any(p.endswith("ERROR [link=http://evil]y[/link]") for p in plain)
        assert any(p.endswith("ERROR \\x1b]0;pwn\\x07title") for p in plain)
        assert any(p.endswith("ERROR c1\\x9b31mred\\x85") for p in plain)
        assert any(p.endswith("ERROR cut\\x1b[") for p in plain)
        for text in texts:
            assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text.plain)
            assert all("link" not in str(span.style) for span in text.spans)
            assert "link" not in str(text.style) and "bold" not in str(text.style)
        svg = app.export_screenshot()
        assert "[bold]x[/bold]" in svg and "[link=http://evil]y[/link]" in svg
        assert "\\x1b]0;pwn\\x07title" in svg and "\x1b" not in svg and "\x9b" not in svg
        panel.table.focus()
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        shown = app.screen.query_one("#detail-text", Static).content
        assert isinstance(shown, Text) and not shown.spans and not shown.style
        assert "ERROR \\x1b]0;pwn\\x07title" in shown.plain and "\x1b" not in shown.plain


@pytest.mark.timeout(120)
async def test_follow_appends_new_matches_across_rotation_and_truncation_until_f(
    store: NotebookStore, inv: Investigation, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "app.log"
    log.write_text(line(NOW - timedelta(minutes=9), "ERROR before following"), encoding="utf-8")
    app = app_for(store, inv, (str(log),))
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot)
        assert panel.result is not None and panel.result.total == 1
        await pilot.press("f")
        assert panel.following

        def texts() -> list[str]:
            return [row[3] for row in panel.table.view_rows()]

        with log.open("a", encoding="utf-8") as handle:
            handle.write(line(NOW - timedelta(minutes=1), "ERROR appended while following"))
            handle.write(line(NOW - timedelta(minutes=1), "INFO not a match"))
        await until(pilot, lambda: any("appended while following" in t for t in texts()))

        log.rename(logs / "app.log.1")
        log.write_text(line(NOW, "ERROR in the new file after rotation"), encoding="utf-8")
        await until(pilot, lambda: any("after rotation" in t for t in texts()))

        with log.open("w", encoding="utf-8") as handle:
            handle.write(line(NOW, "ERROR trunc"))
        await until(pilot, lambda: any(t.endswith("ERROR trunc") for t in texts()))
        await until(pilot, lambda: "truncated" in panel.status_text())

        await pilot.press("f")
        assert not panel.following
        await settle(pilot)
        assert panel.result is not None and panel.result.total == 4
        assert [t for t in texts() if "INFO" in t] == []
        followed = find_match(panel.result.matches, panel.table.view_rows()[-1])
        assert followed is not None and followed.time == NOW


async def test_search_api_fills_the_inputs_brings_the_tab_forward_and_searches(
    store: NotebookStore, inv: Investigation, demo: DemoFiles, tmp_path: Path
) -> None:
    other = tmp_path / "svc.log"
    other.write_text(line(NOW - timedelta(hours=3), "WARN disk slow"), encoding="utf-8")
    app = app_for(store, inv, (str(demo.logs),))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        tabs = screen.query_one("#panels", TabbedContent)
        tabs.active = "tab-guide"
        panel = screen.query_one(LogsPanel)
        assert panel.search("disk SLOW", paths=[str(other)], since="4h", ignore_case=True)
        await settle(pilot)
        assert tabs.active == "tab-logs" and panel.table.has_focus
        assert panel.query_one("#logs-pattern", Input).value == "disk SLOW"
        assert panel.query_one("#logs-paths", Input).value == str(other)
        assert panel.query_one("#logs-since", Input).value == "4h"
        assert panel.result is not None and panel.result.total == 1
        assert not panel.search("(", reveal=False)
        assert panel.query_one("#logs-invalid", Static).has_class("-shown")


async def test_a_short_panel_shows_matches_and_brings_the_inputs_back_on_g(
    store: NotebookStore, inv: Investigation, demo: DemoFiles
) -> None:
    for n in range(12):  # a full timeline leaves the tabs little room on a small terminal
        store.add_entry(inv.id, EntryKind.NOTE, f"note {n}", happened_at=NOW - timedelta(minutes=n))
    app = app_for(store, inv, (str(demo.logs),))
    async with app.run_test(size=(80, 16)) as pilot:
        panel = await open_panel(pilot)
        controls = panel.query_one("#logs-controls")
        assert panel.has_class("-short") and not controls.display
        assert panel.table.row_count and panel.table.size.height >= 2, "a header and a match"
        await pilot.press("g")
        assert controls.display and panel.query_one("#logs-pattern", Input).has_focus
        await pilot.press("escape")
        assert not controls.display and panel.table.has_focus


# -- a big file: the UI keeps working while the search runs, and it stops when asked ----


BIG_BLOCK_LINES = 16_000


@dataclass(frozen=True)
class BigLog:
    path: Path
    blocks: int
    """How many times the block of lines was written."""


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> BigLog:
    """About 200 MB where every line matches: millions of matches, only counted past the cap.
    The same block of lines is written again and again."""
    path = tmp_path_factory.mktemp("big") / "big.log"
    start = NOW - timedelta(hours=1)
    block = "".join(
        line(start + timedelta(seconds=n % 3600), f"ERROR request {n} upstream timeout")
        for n in range(BIG_BLOCK_LINES)
    ).encode()
    blocks = 200 * 1024 * 1024 // len(block)
    with path.open("wb") as handle:
        for _ in range(blocks):
            handle.write(block)
    return BigLog(path, blocks)


def big_log_app(store: NotebookStore, inv: Investigation, big_log: BigLog) -> DebugApp:
    """The app on the big log; its mount search looks for a pattern rg finds nowhere (quick,
    and not under test)."""
    return app_for(store, inv, (str(big_log.path),), since="", error_pattern="NO SUCH LINE")


@pytest.mark.timeout(240)
async def test_keys_work_while_a_big_search_runs_and_escape_cancels_it(
    store: NotebookStore, inv: Investigation, big_log: BigLog, collected: list[Snapshot]
) -> None:
    app = big_log_app(store, inv, big_log)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot)
        screen = app.screen
        assert isinstance(screen, InvestigationScreen)
        await pilot.press("g", *"ERROR(?=.*timeout)", "enter")
        assert panel.table.has_focus
        # A look-ahead is searched by the Python engine: the slow path, holding the GIL most.
        await until(
            pilot,
            lambda: (
                not panel.searching
                or (panel.table.row_count > 0 and not panel.table.pending_rows and panel._progress)
            ),
        )
        assert panel.searching, "the search should still be running"
        assert panel.table.row_count == MAX_ROWS, "the first matches stream in, capped"

        tabs = screen.query_one("#panels", TabbedContent)
        await pilot.press(tab_key("Sockets"))
        assert tabs.active == "tab-sockets"
        await pilot.press("n", *"still typing")
        assert screen.composer.is_open
        assert screen.composer.query_one("#field-text", Input).value == "still typing"
        await pilot.press("escape")
        assert not screen.composer.is_open
        await pilot.press(tab_key("Logs"))
        assert tabs.active == "tab-logs" and panel.table.has_focus
        assert panel.searching, "the search should outlast the keys"
        assert re.match(r"searching \d+% of \d+\.\d MB, [\d,]+ found", panel.status_text())
        bar, spark = panel.query_one("#logs-progress"), panel.query_one("#logs-spark")
        assert bar.display and not spark.display, "the bar stands in for the partial histogram"

        await pilot.press("escape")
        await settle(pilot)
        assert not panel.searching
        result = panel.result
        assert result is not None and result.cancelled
        assert MAX_ROWS < result.total < big_log.blocks * BIG_BLOCK_LINES, "stopped early"
        assert len(result.matches) == app.session.config.logs.max_matches
        assert "cancelled" in panel.status_text()
        assert spark.display and not bar.display
        assert all(s.params.get("pattern") != "ERROR(?=.*timeout)" for s in collected)


@pytest.mark.timeout(240)
async def test_a_running_search_brings_its_total_up_to_date_without_remaking_its_rows(
    store: NotebookStore, inv: Investigation, big_log: BigLog
) -> None:
    app = big_log_app(store, inv, big_log)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot)
        assert panel.search("ERROR(?=.*timeout)")
        await until(
            pilot,
            lambda: (
                not panel.searching
                or (panel.table.row_count == MAX_ROWS and not panel.table.pending_rows)
            ),
        )
        shown = panel.table.source_table
        before = panel.current_table()
        assert before is not None
        await until(pilot, lambda: not panel.searching or panel.current_table() is not before)
        assert panel.searching, "the search should still be running"
        after = panel.current_table()
        assert after is not None and after.rows == before.rows
        assert panel.table.source_table is shown, "the rows were left as they were"
        total = int(after.title.split()[0])
        assert total > int(before.title.split()[0])
        assert after.title == f"{total} matches of 'ERROR(?=.*timeout)' (first {MAX_ROWS} kept)"
        assert panel.snapshot is not None and panel.snapshot.data.total == total
        minutes = panel.snapshot.data.histogram
        assert sum(n for _, n in minutes) > MAX_ROWS, "every kept match, not just the rows shown"
        panel.action_stop()
        await settle(pilot)


@pytest.mark.timeout(240)
async def test_a_new_pattern_and_enter_cancel_the_running_search(
    store: NotebookStore, inv: Investigation, big_log: BigLog
) -> None:
    app = big_log_app(store, inv, big_log)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot)
        assert panel.search("ERROR(?=.*timeout)")
        first = panel._search_feed
        await until(pilot, lambda: not panel.searching or panel._progress is not None)
        assert panel.searching
        await pilot.press("g", *"request 7 ", "enter")
        assert first is not None and first.cancel.is_set()
        await settle(pilot)
        result = panel.result
        assert result is not None and result.pattern == "request 7 " and not result.cancelled
        assert result.total == big_log.blocks, "once per block: the line of request 7"


# -- the pure parts ----------------------------------------------------------------------


def _match(
    line_no: int | None = 12,
    time: datetime | None = NOW,
    **kwargs: Any,
) -> LogMatch:
    return LogMatch("/var/log/app.log", line_no, 900, time, "ERROR boom", **kwargs)


def test_match_row_is_the_sources_matches_table_row() -> None:
    matches = (_match(), _match(line_no=None, time=None))
    result = LogSearchResult("x", False, None, None, "rg", matches, 2, (), ())
    assert result.tables()["matches"].rows == tuple(match_row(m) for m in matches)


def test_find_match_finds_the_row_and_nothing_for_a_stranger() -> None:
    wanted = _match(line_no=40)
    assert find_match([_match(), wanted], match_row(wanted)) is wanted
    assert find_match([_match()], ("", "nope", "1", "x")) is None


@pytest.mark.parametrize(
    ("paths", "shared"),
    [
        (["/var/log/app.log", "/var/log/app.log.1"], "/var/log"),
        (["/var/log/app.log"], "/var/log"),
        (["/var/log/nginx/error.log", "/var/log/app.log"], "/var/log"),
        (["/a.log", "/var/b.log"], None),
        (["/app.log"], None),
        (["logs/app.log", "logs/old/app.log"], "logs"),
        (["app.log"], None),
        (["/var/log/app.log", "logs/app.log"], None),
        ([], None),
    ],
)
def test_the_shared_directory_is_what_every_path_lies_below(
    paths: list[str], shared: str | None
) -> None:
    assert shared_directory(paths) == shared


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("2026-01-31T14:05:00.123Z ERROR boom", "ERROR boom"),
        ("2026-01-31 14:05:00,123 ERROR boom", "ERROR boom"),
        ("2026-01-31T14:05:00+02:00  WARN x", "WARN x"),
        ("Jan 31 14:05:00 host app: ERROR boom", "Jan 31 14:05:00 host app: ERROR boom"),
        ("2026-01-31T14:05:00Z ", "2026-01-31T14:05:00Z "),
        ("ERROR 2026-01-31T14:05:00Z later", "ERROR 2026-01-31T14:05:00Z later"),
    ],
)
def test_the_text_column_leaves_out_only_a_leading_iso_time(line: str, shown: str) -> None:
    assert without_leading_time(line) == shown


def test_a_path_below_the_directory_reads_from_there_and_another_is_unchanged() -> None:
    shown = below("/var/log")
    assert shown("/var/log/nginx/error.log") == "nginx/error.log"
    assert shown("/var/logs/app.log") == "/var/logs/app.log"
    assert below("/var/log/")("/var/log/app.log") == "app.log"


def test_paths_input_is_comma_separated_with_blanks_dropped() -> None:
    assert parse_paths(" /var/log/a.log, ,/srv/*.log ,") == ("/var/log/a.log", "/srv/*.log")
    assert parse_paths("   ") == ()


def test_context_puts_the_entry_line_first_with_a_gap_mark() -> None:
    entry = ContextLine(3, 100, "2026-01-31T14:00:00Z ERROR Unhandled exception")
    before = (ContextLine(10, 400, "  File x"), ContextLine(11, 420, "  File y"))
    after = (ContextLine(13, 500, "next"),)
    text = context_text(_match(entry=entry, before=before, after=after))
    lines = text.splitlines()
    body = lines[2:7]
    assert body == [
        "3- 2026-01-31T14:00:00Z ERROR Unhandled exception",
        "…",
        "10-   File x",
        "11-   File y",
        "12: ERROR boom",
    ]
    assert "13- next" in lines


def test_context_has_no_gap_mark_when_the_entry_is_right_above() -> None:
    entry = ContextLine(11, 100, "head")
    text = context_text(_match(entry=entry))
    assert text.splitlines()[2:4] == ["11- head", "12: ERROR boom"]


def test_series_fills_quiet_minutes_and_spans_the_window() -> None:
    since = NOW - timedelta(minutes=10)
    bars = series([(NOW - timedelta(minutes=8), 2), (NOW - timedelta(minutes=2), 5)], since, NOW)
    assert bars is not None
    assert bars.counts == (0, 0, 2, 0, 0, 0, 0, 0, 5, 0)
    assert bars.start == since and bars.end == NOW
    assert bars.label == "14:32–14:42 UTC max 5/min"


def test_series_groups_minutes_when_the_span_is_long() -> None:
    since = NOW - timedelta(days=30)
    bars = series([(since, 1), (NOW - timedelta(minutes=1), 1)], since, NOW)
    assert bars is not None
    assert len(bars.counts) <= MAX_BUCKETS and sum(bars.counts) == 2
    assert bars.minutes_per_bar > 1 and "/30min" in bars.label
    assert series([], None, None) is None


def test_feed_keeps_the_newest_matches_but_counts_them_all() -> None:
    feed = Feed(keep=2)
    feed.add(tuple(_match(line_no=n, time=NOW - timedelta(minutes=n % 2)) for n in range(5)))
    taken = feed.take()
    assert [m.line for m in taken.matches] == [3, 4]
    assert taken.counted == 5 and sum(taken.minutes.values()) == 5
    assert feed.take().counted == 0


def test_live_and_final_histograms_agree_on_a_real_search(tmp_path: Path) -> None:
    log = tmp_path / "app.log.1.gz"
    with gzip.open(log, "wt", encoding="utf-8") as handle:
        for n in range(30):
            handle.write(line(NOW - timedelta(minutes=n % 7), f"ERROR {n}"))
    config = Config(logs=LogsConfig(paths=(str(log),)))
    feed = Feed(keep=1000)
    params = {"pattern": "ERROR", "since": ""}
    from debugtui.tui.panels.log_stream import collect_streaming

    snap = collect_streaming(make_source("logs", config), params, feed, NOW)
    taken = feed.take()
    assert snap.ok and snap.data.total == taken.counted == 30
    assert tuple(sorted(taken.minutes.items())) == snap.data.histogram
    assert snap.data.files[0].compression == "gzip"


# -- the search in a child process ---------------------------------------------------------


def test_a_search_in_a_child_finds_what_a_search_in_a_thread_finds(demo: DemoFiles) -> None:
    params = {
        "pattern": "timed out|Traceback",
        "since": "6h",
        "context": 2,
        "paths": [str(demo.logs)],
    }
    query = query_from_params(params, Config(), NOW)
    streamed: list[LogMatch] = []

    def on_event(event: object) -> None:
        if isinstance(event, MatchBatch):
            streamed.extend(event.matches)

    in_child = search_in_child(query, threading.Event(), on_event)
    in_thread = run_search(query)
    assert in_child.total == in_thread.total > 0
    assert in_child.matches == in_thread.matches == tuple(streamed)
    assert in_child.histogram == in_thread.histogram
    assert [f.path for f in in_child.files] == [f.path for f in in_thread.files]
    assert not in_child.cancelled


def test_a_child_refuses_a_bad_pattern_as_the_search_does(tmp_path: Path) -> None:
    query = LogQuery("err(or", paths=(str(tmp_path),))
    with pytest.raises(PatternError) as raised:
        search_in_child(query, threading.Event(), lambda event: None)
    assert raised.value.message == validate_pattern("err(or")


def test_a_search_cancelled_before_its_child_begins_is_empty_and_cancelled(
    tmp_path: Path,
) -> None:
    cancel = threading.Event()
    cancel.set()
    result = search_in_child(LogQuery("x", paths=(str(tmp_path),)), cancel, lambda e: None)
    assert result.cancelled and result.total == 0 and result.files == ()


@pytest.mark.timeout(240)
def test_a_cancelled_child_sends_its_partial_summary(big_log: BigLog) -> None:
    cancel = threading.Event()

    def on_event(event: object) -> None:
        if isinstance(event, SearchProgress) and event.bytes_done:
            cancel.set()

    query = LogQuery("ERROR(?=.*timeout)", paths=(str(big_log.path),))
    result = search_in_child(query, cancel, on_event)
    assert result.cancelled
    assert 0 < result.total < big_log.blocks * BIG_BLOCK_LINES
    assert len(result.matches) == query.max_matches
    assert not _children(), "the child has exited"


@pytest.mark.timeout(240)
def test_a_child_that_dies_mid_search_is_an_error_not_a_hang(big_log: BigLog) -> None:
    def on_event(event: object) -> None:
        if isinstance(event, SearchProgress):
            for child in _children():
                child.kill()

    query = LogQuery("ERROR(?=.*timeout)", paths=(str(big_log.path),))
    with pytest.raises(ChildSearchError, match="ended early"):
        search_in_child(query, threading.Event(), on_event)


@pytest.mark.timeout(240)
def test_a_search_child_and_its_rg_yield_the_cpu_to_the_ui(big_log: BigLog) -> None:
    cancel = threading.Event()
    seen: dict[str, int] = {}

    def on_event(event: object) -> None:
        if isinstance(event, SearchProgress) and not seen:
            for child in _children():
                for process in (child, *child.children(recursive=True)):
                    seen[process.name()] = process.nice()
            cancel.set()

    query = LogQuery("ERROR .*timeout", paths=(str(big_log.path),), engine="rg")
    search_in_child(query, cancel, on_event)
    wanted = min(os.nice(0) + NICENESS, 19)
    assert "rg" in seen, f"rg searched: {seen}"
    assert set(seen.values()) == {wanted}, seen


def _children() -> list[psutil.Process]:
    """This test process's search children still alive."""
    return [
        p
        for p in psutil.Process().children()
        if p.is_running()
        and p.status() != psutil.STATUS_ZOMBIE
        and "log_child" in " ".join(p.cmdline())
    ]


async def test_a_search_of_ones_own_does_not_feed_the_findings(
    store: NotebookStore, inv: Investigation, demo: DemoFiles
) -> None:
    from debugtui.tui.panels.incident_tab import IncidentTab

    app = app_for(store, inv, (str(demo.logs),), since="6h")
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot)
        error_pattern = app.session.config.logs.error_pattern
        tabs = list(pilot.app.screen.query(IncidentTab))
        assert tabs and all(t.snapshots["logs"].params["pattern"] == error_pattern for t in tabs)
        await search_for(pilot, panel, pattern="healthz")
        assert panel.result is not None and panel.result.total > 0
        assert all(t.snapshots["logs"].params["pattern"] == error_pattern for t in tabs)


def test_matches_title_quotes_the_pattern_as_typed_with_controls_visible() -> None:
    result = LogSearchResult(r"\d{3}ms$" + "\x1b", False, None, None, "rg", (), 7, (), ())
    assert result.matches_title() == "7 matches of '\\d{3}ms$\\x1b' (first 0 kept)"
