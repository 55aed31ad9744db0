"""Snapshots of every screen and evidence tab on the demo incident, the scenes of the README's
screenshots (``python -m debugtui.tui.screenshots``), so that a visual change is deliberate.

Deploys and Logs run their real sources on the incident's real git repository and log files,
built for a frozen ``now``. System, Sockets, Queries and Containers replay fixed data built
from their sources' own dataclasses (:mod:`debugtui.demo.replay`): live host metrics,
sockets, query timings and container stats differ on every run and every machine, so no
snapshot of them could ever match. Their real sources are tested against real engines in
the panel and source tests.

Update the baselines with ``pytest tests/test_screens_snapshots.py --snapshot-update`` and
look at each changed SVG before committing it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from debugtui.demo.scene import build_scene
from debugtui.notebook.store import NotebookStore
from debugtui.tui.screenshots import Shot, drive, shots

Compare = Callable[..., bool]
SIZES = [(80, 24), (120, 36)]
SHOTS = [s for s in shots() if s.name != "export-preview"]
"""The export preview names the absolute path written, a new temp directory every run."""


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x36"])
@pytest.mark.parametrize("shot", SHOTS, ids=[s.name for s in SHOTS])
def test_screen_on_the_demo_incident(
    snap_compare: Compare, tmp_path: Path, shot: Shot, size: tuple[int, int]
) -> None:
    scene = build_scene(tmp_path)  # tests run in tmp_path: the config's relative paths hold

    async def run_before(pilot: Pilot[None]) -> None:
        await drive(pilot, shot)

    with NotebookStore(scene.db) as store:
        app = scene.app(store, open_investigation=shot.open_investigation)
        assert snap_compare(app, terminal_size=size, run_before=run_before)
