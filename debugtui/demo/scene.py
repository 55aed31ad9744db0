"""The demo incident frozen at one moment, for pictures: the screenshots and snapshot tests.

:func:`build_scene` builds the incident's files for a fixed ``now``, a notebook holding the
demo investigation under a fixed id (a few entries into the response), and the config, with
paths relative to the scene's directory; :meth:`Scene.app` is the TUI on it with the clock
frozen and the live sources replayed (:mod:`debugtui.demo.replay`). Run the app with the
scene's directory as the working directory: that is where the config's paths point.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from debugtui.config import Config, parse_config
from debugtui.demo.incident import BAD_COMMIT_SUBJECT, DEPLOY_TAG, DemoFiles, build_incident
from debugtui.demo.replay import PG_PORT, replay_sources
from debugtui.demo.run import FIRST_NOTE, TITLE
from debugtui.demo.sandbox import Engines, demo_config
from debugtui.notebook.model import (
    Entry,
    EntryKind,
    HypothesisData,
    Investigation,
    Phase,
    Severity,
)
from debugtui.notebook.store import NotebookStore

if TYPE_CHECKING:
    from debugtui.tui.app import DebugApp

NOW = datetime(2026, 1, 31, 14, 42, tzinfo=timezone.utc)
"""The scene's frozen "now"."""
INVESTIGATION_ID = "dem524"
ENGINES = Engines(
    postgres_dsn=f"host=/run/postgresql port={PG_PORT} dbname=shop user=debugtui_monitor",
    docker_host="unix:///run/podman/podman.sock",
    postgres_port=PG_PORT,
)
"""Where the replayed engines would be (nothing connects: their sources are replayed)."""


@dataclass(frozen=True)
class Scene:
    root: Path
    files: DemoFiles
    db: Path
    config: Config
    investigation_id: str = INVESTIGATION_ID

    def clock(self) -> datetime:
        return self.files.now

    def app(self, store: NotebookStore, *, open_investigation: bool = True) -> DebugApp:
        """The TUI on ``store`` (opened on :attr:`db`), frozen at the scene's moment."""
        from debugtui.tui.app import make_app

        return make_app(
            store,
            open_id=self.investigation_id if open_investigation else None,
            config=self.config,
            clock=self.clock,
            sources=replay_sources(self.clock),
        )


def build_scene(root: Path, now: datetime = NOW) -> Scene:
    """Files, config and notebook of the demo incident under ``root``, ``now`` frozen."""
    files = build_incident(root, now)
    text = demo_config(files, ENGINES, relative=True)
    config_path = root / "debugtui.toml"
    config_path.write_text(text, encoding="utf-8")
    db = root / "notebook.db"
    with NotebookStore(db) as store:
        store.import_investigation(*_investigation(files))
    return Scene(root=root, files=files, db=db, config=parse_config(text, config_path))


def _investigation(files: DemoFiles) -> tuple[Investigation, list[Entry]]:
    """Ten minutes into the response, in Hypothesize: a note, a hypothesis, a decision."""
    now, spike = files.now, files.spike_at
    detected = spike + timedelta(minutes=4)
    opened = now - timedelta(minutes=18)
    inv = Investigation(
        id=INVESTIGATION_ID,
        title=TITLE,
        severity=Severity.SEV2,
        phase=Phase.HYPOTHESIZE,
        tags=("demo",),
        created_at=opened,
        updated_at=now - timedelta(minutes=2),
        impact_started_at=spike,
        detected_at=detected,
        acknowledged_at=detected + timedelta(minutes=3),
    )

    def entry(n: int, kind: EntryKind, phase: Phase, text: str, at: datetime) -> Entry:
        return Entry(n, inv.id, kind, phase, text, at, at)

    hypothesis = HypothesisData(
        because=f"the 502s start 6 minutes after {DEPLOY_TAG}, which changed the checkout query",
        disproof="the checkout join is not on top of pg_stat_statements",
    )
    entries = [
        entry(1, EntryKind.NOTE, Phase.REPRODUCE, FIRST_NOTE, detected),
        entry(
            2,
            EntryKind.NOTE,
            Phase.ISOLATE,
            "Only POST /api/checkout fails; search and cart are fine.",
            now - timedelta(minutes=12),
        ),
        Entry(
            3,
            inv.id,
            EntryKind.HYPOTHESIS,
            Phase.HYPOTHESIZE,
            f"{DEPLOY_TAG} ('{BAD_COMMIT_SUBJECT}') made checkout slow",
            now - timedelta(minutes=6),
            now - timedelta(minutes=6),
            data=hypothesis.to_dict(),
        ),
        entry(
            4,
            EntryKind.DECISION,
            Phase.HYPOTHESIZE,
            f"Prepare a rollback to v2.3.0 while we confirm {DEPLOY_TAG} is the cause",
            now - timedelta(minutes=2),
        ),
    ]
    return inv, entries
