"""Opening an investigation: the notebook is drawn before any evidence panel collects, and
every panel still collects (the Findings tab needs each source) without a tab being visited.

The sources are the notebook tests' quiet stand-ins, wrapped to record what the screen
showed when each one collected.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from test_tui_support import QuietSource, frozen_clock, settle
from textual import events
from textual.app import ComposeResult
from textual.message_pump import MessagePump
from textual.widgets import TabbedContent, TabPane

from debugtui.config import Config
from debugtui.notebook.model import EntryKind, Investigation
from debugtui.notebook.store import NotebookStore
from debugtui.sources.base import Snapshot, Source
from debugtui.tui.app import DebugApp, make_app
from debugtui.tui.panels.base import SourcePanel
from debugtui.tui.panels.findings import FindingsPanel
from debugtui.tui.screens.investigation import PANELS, InvestigationScreen
from debugtui.tui.store_queue import StoreQueue

NOTES = 40
EVIDENCE_TABS = {"Deploys", "Logs", "Queries", "Containers", "Sockets", "System"}


@pytest.fixture
def inv(store: NotebookStore) -> Investigation:
    inv = store.create_investigation("checkout 502s")
    for n in range(NOTES):
        store.add_entry(inv.id, EntryKind.NOTE, f"note {n}")
    return inv


def recording_app(store: NotebookStore, inv: Investigation) -> tuple[DebugApp, list[str]]:
    """The app, and a list of "source: entries the timeline showed" for every collect."""
    seen: list[str] = []
    app: DebugApp

    def sources(name: str, config: Config) -> Source:
        class Recording(QuietSource):
            def collect(self, params: Mapping[str, Any] | None = None) -> Snapshot:
                screen = app.screen
                shown = (
                    len(screen.timeline.entries) if isinstance(screen, InvestigationScreen) else 0
                )
                seen.append(f"{name}: {shown}")
                return super().collect(params)

        return Recording(name, config)

    app = make_app(store, open_id=inv.id, clock=frozen_clock, sources=sources)
    return app, seen


def tab_titles(kind: Callable[[str], bool]) -> list[str]:
    return [title for title, _ in PANELS if kind(title)]


async def test_panels_collect_only_once_the_notebook_is_shown(
    store: NotebookStore, inv: Investigation
) -> None:
    app, seen = recording_app(store, inv)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
    # the note "opened" entry aside, the timeline held every entry before any source ran
    entries = len(store.entries(inv.id))
    assert sorted(seen) == sorted(f"{name.lower()}: {entries}" for name in EVIDENCE_TABS)


async def test_every_panel_collects_and_feeds_the_findings_without_its_tab_shown(
    store: NotebookStore, inv: Investigation
) -> None:
    app, _ = recording_app(store, inv)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert screen.query_one("#panels", TabbedContent).active == "tab-findings"
        panels = list(screen.query(SourcePanel))
        assert {p.source_name for p in panels} == {t.lower() for t in EVIDENCE_TABS}
        assert all(p.started and p.snapshot is not None for p in panels)
        findings = screen.query_one(FindingsPanel)
        # The Logs panel feeds only its error-pattern search, which the stand-in does not echo.
        fed = {t.lower() for t in EVIDENCE_TABS - {"Logs"}}
        assert set(findings.snapshots) == fed


async def test_a_tab_chosen_at_once_shows_its_panel(
    store: NotebookStore, inv: Investigation
) -> None:
    app, _ = recording_app(store, inv)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(str(tab_titles(lambda _: True).index("Sockets") + 1))
        await settle(pilot)
        screen = pilot.app.screen
        assert screen.query_one("#panels", TabbedContent).active == "tab-sockets"
        pane = screen.query_one("#tab-sockets", TabPane)
        panel = pane.query_one(SourcePanel)
        assert panel.active and panel.snapshot is not None
        assert panel.table.has_focus


async def test_leaving_at_once_while_the_panels_mount_is_quiet(
    store: NotebookStore, inv: Investigation
) -> None:
    app, _ = recording_app(store, inv)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(20):  # until the notebook is shown, then leave straight away
            if isinstance(pilot.app.screen, InvestigationScreen) and pilot.app.screen.investigation:
                break
            await pilot.pause(0.01)
        await pilot.press("q")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, InvestigationScreen)
    assert app.return_code in (None, 0)


async def test_opening_styles_the_screen_once_and_a_later_resume_restyles_it(
    store: NotebookStore, inv: Investigation, monkeypatch: pytest.MonkeyPatch
) -> None:
    restyled: list[InvestigationScreen] = []
    update = InvestigationScreen.update_node_styles

    def recording(screen: InvestigationScreen, animate: bool = True) -> None:
        restyled.append(screen)
        update(screen, animate)

    monkeypatch.setattr(InvestigationScreen, "update_node_styles", recording)
    app, _ = recording_app(store, inv)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, InvestigationScreen)
        assert restyled == []  # its widgets were styled as they mounted, not all again
        screen.post_message(events.ScreenResume())
        await settle(pilot)
        assert restyled == [screen]


async def test_the_notebook_is_asked_for_before_the_screen_is_built(
    store: NotebookStore, inv: Investigation, monkeypatch: pytest.MonkeyPatch
) -> None:
    happened: list[str] = []
    submit = StoreQueue.submit
    compose = InvestigationScreen.compose

    def asking(queue: StoreQueue, target: MessagePump, what: str, *args: Any) -> None:
        happened.append(what)
        submit(queue, target, what, *args)

    def composing(screen: InvestigationScreen) -> ComposeResult:
        happened.append("build the screen")
        return compose(screen)

    monkeypatch.setattr(StoreQueue, "submit", asking)
    monkeypatch.setattr(InvestigationScreen, "compose", composing)
    app, _ = recording_app(store, inv)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, InvestigationScreen)
        assert happened[:2] == ["open the investigation", "build the screen"]
        assert screen.timeline.entries == store.entries(inv.id)


async def test_the_heap_is_frozen_while_the_panels_run_and_given_back_when_the_app_ends(
    store: NotebookStore, inv: Investigation
) -> None:
    app, seen = recording_app(store, inv)
    assert gc.get_freeze_count() == 0
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert len(seen) == len(EVIDENCE_TABS), "every panel started"
        assert gc.get_freeze_count() > 0, "a full collection skips the long-lived heap"
    assert gc.get_freeze_count() == 0, "the closed screen's widgets are collectable again"
