"""Helpers the TUI tests share (no tests here): a seeded store, a frozen clock, settling.

Tests build the real app with ``make_app`` on a real SQLite notebook in ``tmp_path``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerState

from debugtui.config import Config
from debugtui.notebook.model import EntryKind, Investigation, Phase, Severity
from debugtui.notebook.store import NotebookStore
from debugtui.sources.base import Snapshot, Source, Table
from debugtui.tui.app import DebugApp, make_app

NOW = datetime(2026, 1, 31, 14, 42, 0, tzinfo=timezone.utc)
"""The frozen "now" of every TUI test."""

_TIME = "%Y-%m-%dT%H:%M:%S.%f+00:00"


def frozen_clock() -> datetime:
    return NOW


def open_store(tmp_path: Path) -> NotebookStore:
    return NotebookStore(tmp_path / "notebook.db")


class _NoData:
    def to_dict(self) -> dict[str, object]:
        return {}

    def tables(self) -> dict[str, Table]:
        return {}


class QuietSource(Source):
    """Stands in for every evidence source in the notebook tests: the live host's sockets
    and load would make these screenshots differ run to run. The panel tests use the real
    sources (and real engines)."""

    def __init__(self, name: str, config: Config) -> None:
        super().__init__(config)
        self.name = name  # type: ignore[misc]

    def collect(self, params: Mapping[str, Any] | None = None) -> Snapshot:
        return Snapshot(source=self.name, ok=True, collected_at=NOW, duration_s=0.0, data=_NoData())

    def _collect(self, params: dict[str, Any]) -> tuple[_NoData, list[str]]:
        return _NoData(), []


def app_on(store: NotebookStore, open_id: str | None = None) -> DebugApp:
    return make_app(store, open_id=open_id, clock=frozen_clock, sources=QuietSource)


def pin_investigation(
    store: NotebookStore, inv: Investigation, new_id: str, created_at: datetime
) -> Investigation:
    """Give ``inv`` a fixed id and creation time, for reproducible screenshots.

    The store API deliberately lets no one choose these, so this edits the row with plain
    SQL on the same file; call it before adding entries (no foreign keys to follow).
    """
    with sqlite3.connect(store.path) as conn:
        conn.execute(
            "UPDATE investigations SET id = ?, created_at = ?, updated_at = ? WHERE id = ?",
            (new_id, created_at.strftime(_TIME), created_at.strftime(_TIME), inv.id),
        )
    conn.close()
    return store.get_investigation(new_id)


def seed_incident(store: NotebookStore) -> Investigation:
    """The demo incident of the screenshots: a SEV2 in Isolate with one of each entry kind."""
    inv = store.create_investigation(
        "Checkout returns 500s after the 14:00 deploy",
        Severity.SEV2,
        impact_started_at=NOW - timedelta(minutes=44),
    )
    inv = pin_investigation(store, inv, "chk500", NOW - timedelta(minutes=30))
    at = NOW - timedelta(minutes=28)
    store.add_entry(
        inv.id,
        EntryKind.NOTE,
        "Errors started 13:58 UTC on /checkout only, all regions",
        happened_at=at,
    )
    store.add_entry(
        inv.id,
        EntryKind.NOTE,
        "First report from support, yesterday evening",
        happened_at=NOW - timedelta(days=1),
        starred=True,
    )
    inv = store.update_investigation(replace(inv, phase=Phase.ISOLATE))
    store.add_entry(
        inv.id,
        EntryKind.HYPOTHESIS,
        "the new pool size starves checkout",
        data={"status": "open", "because": "pool timeouts since 13:58", "disproof": "revert it"},
        happened_at=at + timedelta(minutes=5),
    )
    store.add_entry(
        inv.id,
        EntryKind.ACTION,
        "roll back v1.4.2",
        data={"type": "mitigate", "owner": "alice", "due": "2026-01-31", "ticket": "OPS-12"},
        happened_at=at + timedelta(minutes=9),
    )
    store.add_entry(
        inv.id,
        EntryKind.DECISION,
        "roll back rather than hotfix",
        happened_at=at + timedelta(minutes=10),
    )
    return store.get_investigation(inv.id)


def no_blink(pilot: Pilot[object]) -> None:
    """Stop every input's cursor blinking, so screenshots do not depend on timing."""
    for screen in pilot.app.screen_stack:
        for field in screen.query(Input):
            field.cursor_blink = False


async def settle(pilot: Pilot[object]) -> None:
    """Wait until every store call asked for so far has run and its result is shown."""
    app = pilot.app
    while True:
        await app.workers.wait_for_complete()
        await pilot.pause()
        busy = any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers)
        if not busy and isinstance(app, DebugApp) and app.session.queue.pending == 0:
            return


def burst(pilot: Pilot[object], *keys: str) -> None:
    """Queue ``keys`` all at once, as a paste or a lagging terminal delivers them: none is
    handled before the last is queued (``pilot.press`` waits for each)."""
    from textual import events
    from textual.keys import key_to_character

    for key in keys:
        # The character a terminal sends with the key, as Pilot.press gives it ("left" has
        # none: as a character it would be typed as the word "left").
        character = "\r" if key == "enter" else key_to_character(key)
        pilot.app.post_message(events.Key(key, character))
