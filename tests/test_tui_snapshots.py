"""Screenshots of every screen at 80x24 and 120x36, from fixed data and a frozen clock.

Update the baselines with ``pytest tests/test_tui_snapshots.py --snapshot-update`` and look
at each changed SVG before committing it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from test_tui_support import (
    NOW,
    app_on,
    no_blink,
    pin_investigation,
    seed_incident,
    settle,
)
from textual.pilot import Pilot

from debugtui.notebook.model import Severity, Status
from debugtui.notebook.store import NotebookStore

SIZES = [(80, 24), (120, 36)]
Compare = Callable[..., bool]


def seed_list(store: NotebookStore) -> None:
    seed_incident(store)
    inv = store.create_investigation("Nightly export job stuck [batch]", Severity.SEV4)
    inv = pin_investigation(store, inv, "exp444", NOW - timedelta(days=2, hours=3))
    store.set_status(inv.id, Status.RESOLVED, when=NOW - timedelta(days=2))
    inv = store.create_investigation("Replica lag on db-2 \x1b[31m", Severity.SEV1)
    pin_investigation(store, inv, "lag555", NOW - timedelta(minutes=3))


async def settled(pilot: Pilot[None]) -> None:
    await settle(pilot)
    no_blink(pilot)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x36"])
def test_start_screen(snap_compare: Compare, store: NotebookStore, size: tuple[int, int]) -> None:
    seed_list(store)
    assert snap_compare(app_on(store), terminal_size=size, run_before=settled)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x36"])
def test_investigation_screen(
    snap_compare: Compare, store: NotebookStore, size: tuple[int, int]
) -> None:
    inv = seed_incident(store)
    assert snap_compare(app_on(store, inv.id), terminal_size=size, run_before=settled)


def test_hypothesis_composer(snap_compare: Compare, store: NotebookStore) -> None:
    inv = seed_incident(store)

    async def compose(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("h", *"the cache TTL change", "enter")
        no_blink(pilot)

    assert snap_compare(app_on(store, inv.id), terminal_size=(80, 24), run_before=compose)


def test_help_screen(snap_compare: Compare, store: NotebookStore) -> None:
    inv = seed_incident(store)

    async def help_screen(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("question_mark")

    assert snap_compare(app_on(store, inv.id), terminal_size=(80, 24), run_before=help_screen)
