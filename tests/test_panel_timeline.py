"""The Timeline tab (the incident on one time axis), driven through Pilot on the scripted
incident's real logs and repository, the podman fixture's containers and a real notebook;
plus the strip's drawing functions on their own.

As in the Findings tests, the deploys and containers snapshots come from the real sources
and are handed to the screen the way their panels hand them (``feed``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from panel_support import LITERAL, LITERAL_SHOWN
from rich.console import Console
from test_tui_support import settle
from textual.pilot import Pilot
from textual.widgets import Static, TabbedContent

from debugtui.config import Config, DeploysConfig, LogsConfig
from debugtui.demo.incident import DEPLOY_TAG, DemoFiles, build_incident
from debugtui.incident_events import IncidentEvent, container_event, deploy_event
from debugtui.notebook.model import EntryKind, Investigation, Severity
from debugtui.notebook.store import NotebookStore
from debugtui.sources.base import Snapshot
from debugtui.sources.collect import default_params
from debugtui.sources.containers import ContainersSource
from debugtui.sources.deploys import DeploysSource
from debugtui.sources.logs import LogsSource
from debugtui.tui.app import DebugApp, make_app
from debugtui.tui.panels.base import SourcePanel
from debugtui.tui.panels.detail import DetailScreen
from debugtui.tui.panels.incident_timeline import (
    IncidentTimelinePanel,
    column_at,
    columns_of,
    marker_line,
    sparkline,
)
from debugtui.tui.screens.investigation import InvestigationScreen
from tests.fixtures.podman import PodmanEngine

T0 = datetime(2026, 1, 31, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return build_incident(tmp_path_factory.mktemp("incident"))


@pytest.fixture(scope="module")
def deploys(demo: DemoFiles) -> Snapshot:
    snap = DeploysSource(Config(deploys=DeploysConfig(repos=(str(demo.repo),)))).collect(
        {"since": "48h"}
    )
    assert snap.ok, snap.error
    return snap


@pytest.fixture(scope="module")
def logs(demo: DemoFiles) -> Snapshot:
    return search_logs(demo.logs)


def search_logs(path: Path) -> Snapshot:
    """The Logs panel's search on mount (the error pattern over the default window)."""
    config = Config(logs=LogsConfig(paths=(str(path),)))
    snap = LogsSource(config).collect(default_params("logs", config))
    assert snap.ok, snap.error
    return snap


@pytest.fixture
def inv(store: NotebookStore) -> Investigation:
    return store.create_investigation("checkout 502s", Severity.SEV2)


def app_for(store: NotebookStore, inv: Investigation, demo: DemoFiles) -> DebugApp:
    config = Config(
        logs=LogsConfig(paths=(str(demo.logs),)), deploys=DeploysConfig(repos=(str(demo.repo),))
    )
    return make_app(store, open_id=inv.id, config=config)


async def open_timeline(pilot: Pilot[None]) -> IncidentTimelinePanel:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, InvestigationScreen)
    tabs = screen.query_one("#panels", TabbedContent)
    number = [pane.id for pane in tabs.query("TabPane")].index("tab-timeline") + 1
    await pilot.press(str(number))
    await settle(pilot)
    panel = screen.query_one(IncidentTimelinePanel)
    assert panel.listing.has_focus
    return panel


async def feed(pilot: Pilot[None], *snapshots: Snapshot) -> None:
    """The screen receives each snapshot as from the panel of its source."""
    screen = pilot.app.screen
    panel = screen.query(SourcePanel).first()
    for snapshot in snapshots:
        screen.post_message(SourcePanel.Collected(panel, snapshot))
    await settle(pilot)


def strip_lines(panel: IncidentTimelinePanel) -> list[str]:
    console = Console(width=panel.strip.content_size.width, record=True, color_system=None)
    console.print(panel.strip.render())
    return console.export_text().splitlines()


def caption(panel: IncidentTimelinePanel) -> str:
    return panel.query_one("#itl-caption", Static).visual.plain  # type: ignore[attr-defined]


# -- drawing functions ------------------------------------------------------------------------


def test_columns_keep_the_busiest_minute_of_each_column() -> None:
    assert columns_of([1, 5, 0, 2, 9, 0], 3) == [5, 2, 9]
    assert columns_of([3, 1], 4) == [3, 3, 1, 1]  # stretched
    assert columns_of([], 10) == []


def test_sparkline_scales_to_the_peak_and_marks_quiet_minutes() -> None:
    line = sparkline([0, 1, 4, 8])
    assert line.plain == "▁▂▅█"


def test_marks_fall_in_the_column_of_their_minute() -> None:
    end = T0 + timedelta(minutes=10)
    events = [
        deploy_event(T0 + timedelta(minutes=2), "shop", "v1", "abcdef0", "s"),
        container_event(T0 + timedelta(minutes=7), "web", "die", "exit code 1"),
        container_event(T0 - timedelta(minutes=7), "old", "die", "out of the axis"),
    ]
    line = marker_line(events, T0, end, 10, cursor=T0 + timedelta(minutes=9))
    assert line.plain == "  ▲    ◆ │"
    assert column_at(end, T0, end, 10) is None


def test_a_deploy_wins_a_column_shared_with_a_container_event() -> None:
    at = T0 + timedelta(minutes=1)
    events: list[IncidentEvent] = [
        deploy_event(at, "shop", "v1", "abcdef0", "s"),
        container_event(at, "web", "die", ""),
    ]
    assert marker_line(events, T0, T0 + timedelta(minutes=2), 2).plain == " ▲"


# -- the tab ----------------------------------------------------------------------------------


async def test_deploy_rise_and_notes_are_one_time_ordered_list(
    store: NotebookStore,
    inv: Investigation,
    demo: DemoFiles,
    logs: Snapshot,
    deploys: Snapshot,
) -> None:
    note = store.add_entry(
        inv.id, EntryKind.NOTE, "502s on checkout", happened_at=demo.spike_at + timedelta(minutes=4)
    )
    async with app_for(store, inv, demo).run_test(size=(120, 36)) as pilot:
        panel = await open_timeline(pilot)
        await feed(pilot, logs, deploys)
        keys = panel.listing.keys
        marker = next(m for m in deploys.data.markers if m.name == DEPLOY_TAG)
        deploy = keys.index(f"deploy:shop:{DEPLOY_TAG}:{marker.sha[:7]}")
        rise = next(i for i, k in enumerate(keys) if k.startswith("errors:rise"))
        noted = keys.index(f"entry:{note.id}")
        assert deploy < rise < noted
        times = [e.at for e in panel.events]
        assert times == sorted(times)


async def test_strip_shows_the_error_rate_and_the_deploy(
    store: NotebookStore,
    inv: Investigation,
    demo: DemoFiles,
    logs: Snapshot,
    deploys: Snapshot,
) -> None:
    async with app_for(store, inv, demo).run_test(size=(120, 36)) as pilot:
        panel = await open_timeline(pilot)
        await feed(pilot, logs, deploys)
        bars, marks = strip_lines(panel)
        assert "█" in bars  # the peak minute
        assert "▲" in marks
        # the deploy is marked left of where the bars rise
        assert marks.index("▲") < bars.index("█")
        assert caption(panel).startswith("log errors/min ") and ", peak " in caption(panel)


async def test_keys_move_the_selection_and_the_strip_cursor_follows(
    store: NotebookStore,
    inv: Investigation,
    demo: DemoFiles,
    logs: Snapshot,
    deploys: Snapshot,
) -> None:
    async with app_for(store, inv, demo).run_test(size=(120, 36)) as pilot:
        panel = await open_timeline(pilot)
        await feed(pilot, logs, deploys)
        last = len(panel.events) - 1
        assert panel.listing.highlighted == last  # starts at the newest
        await pilot.press("home")
        await pilot.pause()
        assert panel.listing.highlighted == 0
        assert panel.strip.cursor == panel.events[0].at
        await pilot.press("down")
        await pilot.pause()
        assert panel.strip.cursor == panel.events[1].at
        selected = panel.selected
        assert selected is not None
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, DetailScreen)
        assert pilot.app.screen.text == (selected.detail or selected.title)


async def test_phase_and_status_changes_land_on_the_axis(
    store: NotebookStore, inv: Investigation, demo: DemoFiles, logs: Snapshot
) -> None:
    async with app_for(store, inv, demo).run_test(size=(120, 36)) as pilot:
        panel = await open_timeline(pilot)
        await feed(pilot, logs)
        await pilot.press("right_square_bracket")  # next phase (a screen key)
        await pilot.press("m")  # mitigated
        await settle(pilot)
        kinds = [e.kind for e in panel.events]
        assert "phase_change" in kinds and "status_change" in kinds
        assert ("milestone", "mitigated") in [(e.kind, e.title) for e in panel.events]
        assert panel.listing.highlighted_key is not None


async def test_the_hidden_tab_catches_up_when_shown(
    store: NotebookStore,
    inv: Investigation,
    demo: DemoFiles,
    logs: Snapshot,
    deploys: Snapshot,
) -> None:
    async with app_for(store, inv, demo).run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        panel = pilot.app.screen.query_one(IncidentTimelinePanel)
        await feed(pilot, logs, deploys)  # while the Findings tab is shown
        assert not any(k.startswith("deploy:") for k in panel.listing.keys)
        panel = await open_timeline(pilot)
        assert any(k.startswith("deploy:") for k in panel.listing.keys)


async def test_container_events_are_marked_and_listed(
    store: NotebookStore,
    inv: Investigation,
    demo: DemoFiles,
    podman_engine: PodmanEngine,
    containers_source: ContainersSource,
) -> None:
    snap = containers_source.collect({"since": "1h"})
    assert snap.ok, snap.error
    async with app_for(store, inv, demo).run_test(size=(120, 36)) as pilot:
        panel = await open_timeline(pilot)
        await feed(pilot, search_logs(demo.logs), snap)  # searched after the containers died
        crashes = [e for e in panel.events if e.title.startswith(podman_engine.names.crashloop)]
        assert crashes and {e.kind for e in crashes} == {"container"}
        assert "◆" in strip_lines(panel)[1]


async def test_untrusted_text_on_the_axis_shows_literally(
    store: NotebookStore,
    inv: Investigation,
    demo: DemoFiles,
    logs: Snapshot,
    deploys: Snapshot,
) -> None:
    note = store.add_entry(inv.id, EntryKind.NOTE, LITERAL, happened_at=demo.spike_at)
    marker = deploys.data.markers[0]
    hostile = replace(
        deploys, data=replace(deploys.data, markers=(replace(marker, subject=LITERAL),))
    )
    async with app_for(store, inv, demo).run_test(size=(160, 36)) as pilot:
        panel = await open_timeline(pilot)
        await feed(pilot, logs, hostile)
        console = Console(width=300, record=True, color_system=None)
        for key in (f"entry:{note.id}", f"deploy:shop:{marker.name}:{marker.sha[:7]}"):
            console.print(panel.listing.get_option(key).prompt)
        shown = console.export_text()
        assert shown.count(LITERAL_SHOWN) == 2
        assert "\x1b" not in shown  # the escape is written out, never sent
