"""The Containers panel against the real podman fixture (running, busy, exited, crash-looping,
OOM-killed, killed and unhealthy containers behind the Docker API), driven through Pilot."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from panel_support import (
    LITERAL_SHOWN,
    column,
    detail_static,
    error_text,
    evidence_entries,
    markdown_of,
    open_panel,
    plain,
    quiet_logs,
    refresh,
    rendered_text,
    shown_rows,
    status,
    table_header,
)
from test_tui_support import settle
from textual.pilot import Pilot
from textual.widgets import Input, Static

from debugtui.config import Config, ContainersConfig
from debugtui.notebook.model import Investigation, Severity
from debugtui.notebook.store import NotebookStore
from debugtui.sources.containers import (
    MIN_CPU_SPAN_S,
    SINCE_START_MARK,
    SINCE_START_NOTE,
    ContainerInfo,
)
from debugtui.sources.containerstats import CpuReading, container_stats
from debugtui.tui.app import DebugApp, make_app
from debugtui.tui.panels.container_logs import ContainerLogsScreen
from debugtui.tui.panels.containers import ContainersPanel, container_text
from debugtui.tui.panels.system import SystemPanel
from tests.fixtures.podman import PodmanEngine


@pytest.fixture
def inv(store: NotebookStore) -> Investigation:
    return store.create_investigation("workers keep restarting", Severity.SEV2)


@pytest.fixture
def exited(podman_engine: PodmanEngine) -> Iterator[str]:
    """A container of this test that said bye and exited with code 7 (its die event is in the
    events window whenever the test runs, unlike the session's containers')."""
    name = "dt-panel-exited"
    podman_engine.run_container(name, "sh", "-c", "echo bye; exit 7")
    podman_engine.podman("wait", name)
    try:
        yield name
    finally:
        podman_engine.remove_container(name)


def app_for(store: NotebookStore, inv: Investigation, tmp_path: Path, host: str) -> DebugApp:
    config = Config(containers=ContainersConfig(host=host), logs=quiet_logs(tmp_path))
    return make_app(store, open_id=inv.id, config=config)


def row_of(panel: ContainersPanel, name: str) -> tuple[str, ...]:
    [row] = [r for r in shown_rows(panel) if r[0] == name]
    return row


def value(panel: ContainersPanel, name: str, col: str) -> str:
    return row_of(panel, name)[panel.table.source_table.columns.index(col)]


def select(panel: ContainersPanel, name: str) -> None:
    """Put the table's cursor on the row of container ``name``."""
    keys = [r.key.value for r in panel.table.ordered_rows]
    panel.table.move_cursor(row=keys.index(name))


async def view(pilot: Pilot[None], panel: ContainersPanel, name: str) -> None:
    while panel.view_name != name:
        await pilot.press("t")
        await settle(pilot)


async def open_logs(pilot: Pilot[None]) -> ContainerLogsScreen:
    await pilot.press("l")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ContainerLogsScreen)
    return screen


def logs_state(screen: ContainerLogsScreen) -> str:
    return plain(screen.query_one("#logs-state", Static))


def logs_text(screen: ContainerLogsScreen) -> str:
    return rendered_text(screen.query_one("#logs-text", Static)).plain


async def test_containers_show_state_health_restarts_and_resources(
    store: NotebookStore, inv: Investigation, tmp_path: Path, podman_engine: PodmanEngine
) -> None:
    names = podman_engine.names
    app = app_for(store, inv, tmp_path, podman_engine.host)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot, ContainersPanel)
        assert error_text(panel) == ""
        shown = set(column(panel, "name"))
        assert {names.running, names.busy, names.crashloop, names.killed, names.unhealthy} <= shown
        assert value(panel, names.unhealthy, "health") == "unhealthy"
        assert int(value(panel, names.crashloop, "restarts")) >= 1
        assert value(panel, names.killed, "exit") == "137"
        assert "killed (137)" in value(panel, names.killed, "flags")
        assert value(panel, names.exited, "exit") == "3"
        assert value(panel, names.running, "state").startswith("up ")
        assert value(panel, names.running, "memory") != "-"
        cpu = value(panel, names.busy, "cpu %")
        assert float(cpu.removesuffix(SINCE_START_MARK)) > 0
        if cpu.endswith(SINCE_START_MARK):
            assert SINCE_START_NOTE in panel.status_text()  # the line may cut it to fit
        assert "Containers on" in status(panel)
        assert "updated" in status(panel) and len(status(panel)) <= 118  # 120 less padding

        await view(pilot, panel, "stats")
        assert value(panel, names.running, "limit") == "64M"
        assert "/" in value(panel, names.running, "block r/w")
        assert names.exited not in column(panel, "name")  # no resources when not running


async def test_a_refresh_shows_the_current_cpu_rate_unmarked(
    store: NotebookStore, inv: Investigation, tmp_path: Path, podman_engine: PodmanEngine
) -> None:
    """The first collect's CPU % is the average since start; a refresh at least the minimum
    span later measures the rate since then, and the record says over how long."""
    busy = podman_engine.names.busy
    app = app_for(store, inv, tmp_path, podman_engine.host)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot, ContainersPanel)
        await asyncio.sleep(MIN_CPU_SPAN_S)
        await refresh(pilot, panel)
        cpu = value(panel, busy, "cpu %")
        assert not cpu.endswith(SINCE_START_MARK)
        assert float(cpu) > 0
        select(panel, busy)
        await pilot.press("enter")
        await pilot.pause()
        assert "% of one core over the last " in rendered_text(detail_static(pilot)).plain


def test_record_says_a_first_reading_is_the_average_since_start() -> None:
    at = datetime(2026, 1, 31, 14, 0, tzinfo=timezone.utc)
    stats = container_stats({}, CpuReading(5.0, 60.0, since_start=True))
    container = ContainerInfo(
        "0123456789ab", "web", "img", "running", None, 0, None, False, False,
        at - timedelta(minutes=1), None, stats,
    )  # fmt: skip
    text = container_text(container, (), at)
    assert "cpu  5.0% of one core, average since the container started" in text


async def test_r_collects_again(
    store: NotebookStore, inv: Investigation, tmp_path: Path, podman_engine: PodmanEngine
) -> None:
    app = app_for(store, inv, tmp_path, podman_engine.host)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot, ContainersPanel)
        assert panel.refresh_seconds == 3.0
        first = panel.snapshot
        assert first is not None
        await refresh(pilot, panel)
        assert panel.snapshot is not None and panel.snapshot.collected_at > first.collected_at
        assert podman_engine.names.running in column(panel, "name")


async def test_enter_shows_the_whole_record_with_its_events(
    store: NotebookStore,
    inv: Investigation,
    tmp_path: Path,
    podman_engine: PodmanEngine,
    exited: str,
) -> None:
    app = app_for(store, inv, tmp_path, podman_engine.host)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot, ContainersPanel)
        select(panel, exited)
        await pilot.press("enter")
        await pilot.pause()
        text = rendered_text(detail_static(pilot)).plain
        assert f"name  {exited}" in text
        assert podman_engine.image in text
        assert "last exit code  7" in text
        assert "resources  - (not running)" in text
        assert "die  exit code 7" in text

        await pilot.press("escape")
        select(panel, podman_engine.names.running)
        await pilot.press("enter")
        await pilot.pause()
        text = rendered_text(detail_static(pilot)).plain
        assert "memory limit  64.0 MiB" in text
        assert "% of one core" in text


async def test_l_opens_the_containers_recent_output_filterable(
    store: NotebookStore,
    inv: Investigation,
    tmp_path: Path,
    podman_engine: PodmanEngine,
    exited: str,
) -> None:
    names = podman_engine.names
    app = app_for(store, inv, tmp_path, podman_engine.host)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot, ContainersPanel)
        select(panel, names.crashloop)
        screen = await open_logs(pilot)
        lines = logs_text(screen).splitlines()
        assert lines and set(lines) == {"boom"}  # each run of the loop says it once
        assert logs_state(screen).startswith(f"{len(lines)} lines")

        await pilot.press("slash", *"nothing-like-this")
        await pilot.pause()
        assert logs_text(screen) == ""
        assert logs_state(screen) == f"0 of {len(lines)} lines contain 'nothing-like-this'"
        await pilot.press("escape")  # clears the filter
        await pilot.pause()
        assert screen.query_one("#logs-filter", Input).value == ""
        assert len(logs_text(screen).splitlines()) == len(lines)
        await pilot.press("escape")  # closes
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ContainerLogsScreen)

        await view(pilot, panel, "events")  # from an event row, the same container's output
        rows = shown_rows(panel)
        index = next(i for i, r in enumerate(rows) if r[1] == exited)
        panel.table.move_cursor(row=index)
        screen = await open_logs(pilot)
        assert logs_text(screen) == "bye"


async def test_output_with_markup_and_escapes_is_shown_literally(
    store: NotebookStore, inv: Investigation, tmp_path: Path, podman_engine: PodmanEngine
) -> None:
    name = "dt-panel-literal"
    podman_engine.run_container(
        name, "printf", r"[bold]x \033]0;pwn\007 [link=http://evil]y[/link]\n"
    )
    podman_engine.podman("wait", name)
    try:
        app = app_for(store, inv, tmp_path, podman_engine.host)
        async with app.run_test(size=(120, 36)) as pilot:
            panel = await open_panel(pilot, ContainersPanel)
            select(panel, name)
            screen = await open_logs(pilot)
            shown = rendered_text(screen.query_one("#logs-text", Static))
            assert shown.plain == LITERAL_SHOWN
            assert shown.spans == [] and not shown.style
            screenshot = pilot.app.export_screenshot()
            assert "[bold]x" in screenshot and "\x1b]0;pwn" not in screenshot

            await pilot.press("slash", *"PWN")
            await pilot.pause()
            marked = rendered_text(screen.query_one("#logs-text", Static))
            assert marked.plain == LITERAL_SHOWN
            assert [marked.plain[s.start : s.end] for s in marked.spans] == ["pwn"]
    finally:
        podman_engine.remove_container(name)


async def test_logs_of_a_container_gone_since_show_error_and_hint(
    store: NotebookStore, inv: Investigation, tmp_path: Path, podman_engine: PodmanEngine
) -> None:
    name = "dt-panel-gone"
    podman_engine.run_container(name, "true")
    try:
        app = app_for(store, inv, tmp_path, podman_engine.host)
        async with app.run_test(size=(120, 36)) as pilot:
            panel = await open_panel(pilot, ContainersPanel)
            select(panel, name)
            podman_engine.remove_container(name)
            screen = await open_logs(pilot)
            state = screen.query_one("#logs-state", Static)
            assert state.has_class("-error")
            assert plain(state).startswith(f"✖ no container named '{name}'")
            assert "\nhint: " in plain(state)
            assert logs_text(screen) == ""
    finally:
        podman_engine.remove_container(name)


async def test_a_missing_engine_shows_error_and_hint_while_the_app_works(
    store: NotebookStore, inv: Investigation, tmp_path: Path
) -> None:
    host = f"unix://{tmp_path / 'no-engine.sock'}"
    app = app_for(store, inv, tmp_path, host)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot, ContainersPanel)
        error = error_text(panel)
        assert error.startswith(f"✖ no container engine at {host}")
        assert "\nhint: is dockerd/podman running?" in error
        assert shown_rows(panel) == []
        await pilot.press("l")  # nothing selected: said, not crashed
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ContainerLogsScreen)
        system = pilot.app.screen.query_one(SystemPanel)
        assert system.snapshot is not None and system.table.row_count > 0


async def test_pinned_container_and_event_are_evidence_and_in_the_export(
    store: NotebookStore,
    inv: Investigation,
    tmp_path: Path,
    podman_engine: PodmanEngine,
    exited: str,
) -> None:
    names = podman_engine.names
    app = app_for(store, inv, tmp_path, podman_engine.host)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot, ContainersPanel)
        select(panel, names.killed)
        row = panel.table.cursor_values
        columns = panel.table.source_table.columns
        await pilot.press("p")
        await settle(pilot)
        [entry] = evidence_entries(store, inv)
        assert entry.evidence.source == "containers"
        assert entry.evidence.columns == columns
        assert entry.evidence.rows == (row,)

        await view(pilot, panel, "events")
        rows = shown_rows(panel)
        panel.table.move_cursor(row=next(i for i, r in enumerate(rows) if r[1] == exited))
        event = panel.event_for(panel.table.cursor_values or ())
        assert event is not None and event.container == exited
        await pilot.press("p")
        await settle(pilot)
        [pinned] = [e for e in evidence_entries(store, inv) if "event" in e.evidence.columns]
        assert pinned.happened_at == event.time  # when it happened, not when it was seen

    markdown = markdown_of(store, inv)
    assert table_header(columns) in markdown
    assert f"| {names.killed} |" in markdown
