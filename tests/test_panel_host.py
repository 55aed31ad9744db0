"""The Sockets and System panels on this machine's real sockets and load, driven through
Pilot: data appears, the port box narrows the sockets, sorting, pinning into the notebook and
the pinned table in the post-mortem, and a process name shown literally."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from panel_support import (
    P,
    column,
    evidence_entries,
    markdown_of,
    open_panel,
    quiet_logs,
    refresh,
    shown_rows,
    status,
    table_header,
)
from test_tui_support import settle
from textual.pilot import Pilot
from textual.widgets import Input, TabPane

from debugtui.config import Config
from debugtui.notebook.model import Investigation, Severity
from debugtui.notebook.store import NotebookStore
from debugtui.tui.app import DebugApp, make_app
from debugtui.tui.panels.base import SourcePanel
from debugtui.tui.panels.findings import FindingsPanel
from debugtui.tui.panels.sockets import SocketsPanel
from debugtui.tui.panels.system import SystemPanel


@pytest.fixture
def inv(store: NotebookStore) -> Investigation:
    return store.create_investigation("connection pile-up on the api hosts", Severity.SEV2)


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    server = socket.create_server(("127.0.0.1", 0), backlog=64)
    clients = [socket.create_connection(server.getsockname()) for _ in range(3)]
    accepted = [server.accept()[0] for _ in clients]
    try:
        yield server
    finally:
        for s in (*clients, *accepted, server):
            s.close()


def app_for(store: NotebookStore, inv: Investigation, tmp_path: Path) -> DebugApp:
    return make_app(store, inv.id, Config(logs=quiet_logs(tmp_path)))


async def show_view(pilot: Pilot[None], panel: SocketsPanel | SystemPanel, name: str) -> None:
    """Press t until the panel shows the named table."""
    for _ in range(len(panel.views)):
        if panel.views[panel.view_index][0] == name:
            return
        panel.table.focus()
        await pilot.press("t")
        await settle(pilot)
    raise AssertionError(f"no view {name}")


async def test_the_port_box_narrows_sockets_to_our_listener_and_pins_it(
    store: NotebookStore, inv: Investigation, tmp_path: Path, listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    app = app_for(store, inv, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot, SocketsPanel)
        box = panel.query_one("#sockets-port", Input)
        box.value = str(port)
        box.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert panel.snapshot is not None and panel.snapshot.params["port"] == port
        await show_view(pilot, panel, "listeners")
        addresses = column(panel, "local address")
        assert addresses == [f"127.0.0.1:{port}"]
        assert str(os.getpid()) in shown_rows(panel)[0][column_index(panel, "pid/program")]
        await pilot.press("p")
        await settle(pilot)
    [pinned] = evidence_entries(store, inv)
    assert pinned.evidence.source == "sockets"
    assert pinned.evidence.params["port"] == port
    assert any(f"127.0.0.1:{port}" in cell for cell in pinned.evidence.rows[0])
    markdown = markdown_of(store, inv)
    assert table_header(pinned.evidence.columns) in markdown
    assert f"127.0.0.1:{port}" in markdown


def column_index(panel: SocketsPanel | SystemPanel, name: str) -> int:
    return panel.table.source_table.columns.index(name)


async def test_system_shows_this_process_and_pins_the_whole_view(
    store: NotebookStore, inv: Investigation, tmp_path: Path
) -> None:
    app = app_for(store, inv, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot, SystemPanel)
        await show_view(pilot, panel, "disks")
        assert "/" in column(panel, "mount")
        await show_view(pilot, panel, "top_memory")
        await refresh(pilot, panel)
        assert "updated" in status(panel)
        assert str(os.getpid()) in column(panel, "pid")
        shown = len(shown_rows(panel))
        await pilot.press("P")
        await settle(pilot)
    [pinned] = evidence_entries(store, inv)
    assert pinned.evidence.source == "system"
    assert "whole view" in pinned.text
    assert len(pinned.evidence.rows) == shown
    assert table_header(pinned.evidence.columns) in markdown_of(store, inv)


async def test_sorting_by_a_column_orders_the_rows(
    store: NotebookStore, inv: Investigation, tmp_path: Path
) -> None:
    app = app_for(store, inv, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot, SystemPanel)
        await show_view(pilot, panel, "top_memory")
        panel.table.move_cursor(column=column_index(panel, "pid"))
        await pilot.press("s")
        await pilot.pause()
        pids = [int(p) for p in column(panel, "pid")]
        assert pids == sorted(pids)
        await pilot.press("s")
        await pilot.pause()
        pids = [int(p) for p in column(panel, "pid")]
        assert pids == sorted(pids, reverse=True)


async def test_a_hostile_process_name_is_shown_literally(
    store: NotebookStore, inv: Investigation, tmp_path: Path
) -> None:
    # A process can name itself anything: prctl(PR_SET_NAME) through /proc/self/comm. It holds
    # 1 GB so that it is among the top processes by memory, where the name is shown.
    code = (
        "import sys, time\n"
        "held = b'x' * (1 << 30)\n"
        "open('/proc/self/comm', 'w').write('[bold]x\\x1b]0;p')\n"
        "sys.stdout.write('ready\\n'); sys.stdout.flush(); time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
        app = app_for(store, inv, tmp_path)
        async with app.run_test(size=(160, 36)) as pilot:
            panel = await open_panel(pilot, SystemPanel)
            await show_view(pilot, panel, "top_memory")
            panel.table.set_filter(str(child.pid))
            await refresh(pilot, panel)
            rendered = [
                cell.plain
                for row in panel.table.ordered_rows
                for cell in panel.table.get_row(row.key)
            ]
            assert "[bold]x\\x1b]0;p" in rendered
            assert not any("\x1b" in text for text in rendered)
    finally:
        child.kill()
        child.wait()


FAST_REFRESH_S = 0.2
"""The panels' auto-refresh period in these tests (3-5 s in the app)."""


async def wait_until(pilot: Pilot[None], done: Callable[[], bool], limit_s: float = 30.0) -> None:
    """Let the app run until ``done()``; a liveness limit, not a speed claim."""
    deadline = time.monotonic() + limit_s
    while not done():
        assert time.monotonic() < deadline, "the app never got there"
        await asyncio.sleep(0.05)
        await pilot.pause()


def collected_at(panel: SourcePanel) -> datetime:
    assert panel.snapshot is not None
    return panel.snapshot.collected_at


async def show_unpaused(pilot: Pilot[None], kind: type[P]) -> P:
    """``kind``'s tab shown with auto-refresh left on, once its first collect is in."""
    panel = await open_panel(pilot, kind)
    panel.paused = False
    return panel


@pytest.fixture
def fast_refresh(monkeypatch: pytest.MonkeyPatch) -> None:
    for kind in (SystemPanel, SocketsPanel):
        monkeypatch.setattr(kind, "refresh_seconds", FAST_REFRESH_S)


@pytest.mark.usefixtures("fast_refresh")
async def test_the_shown_panel_refreshes_itself_quietly(
    store: NotebookStore, inv: Investigation, tmp_path: Path
) -> None:
    async with app_for(store, inv, tmp_path).run_test(size=(120, 36)) as pilot:
        panel = await show_unpaused(pilot, SystemPanel)
        first = collected_at(panel)
        seen: list[str] = []
        await wait_until(pilot, lambda: seen.append(status(panel)) or collected_at(panel) > first)
        # an auto-refresh says "collecting…" only when it is slow: the line stays still
        assert not any("collecting" in line for line in seen)
        assert "auto 0.2s" in status(panel)


@pytest.mark.usefixtures("fast_refresh")
async def test_a_hidden_or_paused_panel_does_not_refresh_itself(
    store: NotebookStore, inv: Investigation, tmp_path: Path
) -> None:
    async with app_for(store, inv, tmp_path).run_test(size=(120, 36)) as pilot:
        hidden = await open_panel(pilot, SocketsPanel)
        hidden.paused = False
        paused = await show_unpaused(pilot, SystemPanel)  # shown now; Sockets is hidden
        await pilot.press("full_stop")  # as a responder pauses it
        await settle(pilot)
        assert paused.paused and "paused" in status(paused)
        pinned = collected_at(hidden), collected_at(paused)
        started = time.monotonic()
        await wait_until(pilot, lambda: time.monotonic() - started > 10 * FAST_REFRESH_S)
        assert (collected_at(hidden), collected_at(paused)) == pinned


@pytest.mark.usefixtures("fast_refresh")
async def test_while_the_findings_tab_is_shown_every_panel_refreshes_behind_it(
    store: NotebookStore, inv: Investigation, tmp_path: Path
) -> None:
    """The findings are drawn from every panel's latest snapshot: with only the panel on
    screen refreshing, a crash loop that began after the first collect never reached them."""
    async with app_for(store, inv, tmp_path).run_test(size=(120, 36)) as pilot:
        sockets = await show_unpaused(pilot, SocketsPanel)
        system = pilot.app.screen.query_one(SystemPanel)
        await pilot.press("1")  # the Findings tab
        await wait_until(pilot, lambda: not sockets.active)
        assert sockets.feeding and system.feeding
        findings = pilot.app.screen.query_one(FindingsPanel)
        first = collected_at(sockets), collected_at(system)
        await wait_until(
            pilot,
            lambda: (
                findings.snapshots["sockets"].collected_at > first[0]
                and findings.snapshots["system"].collected_at > first[1]
            ),
        )


async def test_a_tab_shown_again_with_data_older_than_its_period_collects_at_once(
    store: NotebookStore, inv: Investigation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A period no test outlasts: only showing the tab can start the collect.
    monkeypatch.setattr(SocketsPanel, "refresh_seconds", 600.0)
    ahead = [timedelta(0)]
    app = make_app(
        store,
        inv.id,
        Config(logs=quiet_logs(tmp_path)),
        clock=lambda: datetime.now(timezone.utc) + ahead[0],
    )

    async def show(panel: SourcePanel) -> None:
        """Its tab's digit, as a responder jumps there (the table there takes the focus)."""
        panes = [pane.id for pane in pilot.app.screen.query(TabPane)]
        await pilot.press(str(panes.index(f"tab-{panel.source_name}") + 1))
        await wait_until(pilot, lambda: panel.active)
        await settle(pilot)

    async with app.run_test(size=(120, 36)) as pilot:
        sockets = await show_unpaused(pilot, SocketsPanel)
        system = pilot.app.screen.query_one(SystemPanel)
        first = collected_at(sockets)
        await show(system)
        await show(sockets)  # back at once: its reading is still fresh
        assert collected_at(sockets) == first
        await show(system)
        ahead[0] = timedelta(minutes=11)  # as if the responder read System for 11 minutes
        await show(sockets)
        await wait_until(pilot, lambda: collected_at(sockets) > first)
