"""Helpers the fault, safety and hostile-input suites share (no tests here): what the whole
screen shows, notes typed the way a user types them, and the store's view of them.
"""

from __future__ import annotations

from panel_support import open_panel, refresh
from test_tui_support import settle
from textual.pilot import Pilot

from debugtui.notebook.model import EntryKind, Investigation
from debugtui.notebook.store import NotebookStore
from debugtui.tui.panels.base import SourcePanel
from debugtui.tui.panels.system import SystemPanel
from debugtui.tui.screens.investigation import InvestigationScreen


def screen_text(pilot: Pilot[None]) -> str:
    """Every character on the screen, as the terminal would show it (one line per row).

    Textual has no public "what is on screen" call; the compositor's strips are what the
    driver writes, so this reads them (private, read only).
    """
    strips = pilot.app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


async def type_note(pilot: Pilot[None], text: str) -> None:
    """``n``, the text, enter (from the timeline, where the screen's keys apply)."""
    screen = pilot.app.screen
    assert isinstance(screen, InvestigationScreen), type(screen)
    screen.timeline.focus()
    await pilot.press("n", *text, "enter")
    await settle(pilot)


def note_texts(store: NotebookStore, inv: Investigation) -> list[str]:
    return [e.text for e in store.entries(inv.id) if e.kind is EntryKind.NOTE]


async def still_collects(pilot: Pilot[None], kind: type[SourcePanel] = SystemPanel) -> bool:
    """Another panel (System by default) collects afresh and gets an ok snapshot."""
    panel = await open_panel(pilot, kind)
    before = panel.snapshot
    await refresh(pilot, panel)
    after = panel.snapshot
    return after is not None and after is not before and after.ok and panel.last_error is None
