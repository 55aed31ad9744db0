"""The incident's one time axis (``debugtui.incident_events``): deploys, the error rise,
container events, milestones and notebook entries merged in time order, and the same
deploys and container events recovered from pinned evidence for the post-mortem. Built on
the scripted incident's real repository and logs, a real notebook file and real podman."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from debugtui.config import Config, DeploysConfig, LogsConfig
from debugtui.demo.incident import DEPLOY_TAG, DemoFiles, build_incident
from debugtui.export.markdown import render_markdown
from debugtui.incident_events import (
    IncidentEvent,
    collapse_crash_loops,
    container_event,
    container_events,
    deploy_events,
    evidence_events,
    incident_events,
    merge,
)
from debugtui.notebook.model import Entry, EntryKind, EvidenceData, Milestone, Severity
from debugtui.notebook.store import NotebookStore
from debugtui.sources.base import Snapshot
from debugtui.sources.collect import default_params
from debugtui.sources.containers import ContainersSource
from debugtui.sources.deploys import DeploysSource
from debugtui.sources.logs import LogsSource


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return build_incident(tmp_path_factory.mktemp("incident"))


@pytest.fixture(scope="module")
def snaps(demo: DemoFiles) -> dict[str, Snapshot]:
    config = Config(
        logs=LogsConfig(paths=(str(demo.logs),)),
        deploys=DeploysConfig(repos=(str(demo.repo),)),
    )
    out = {
        "logs": LogsSource(config).collect(default_params("logs", config)),
        "deploys": DeploysSource(config).collect(default_params("deploys", config)),
    }
    assert all(s.ok for s in out.values())
    return out


@pytest.fixture
def store(tmp_path: Path) -> NotebookStore:
    with NotebookStore(tmp_path / "notebook.db") as opened:
        yield opened


def pin(
    store: NotebookStore, inv_id: str, snap: Snapshot, table: str, when: datetime | None = None
) -> Entry:
    captured = snap.tables()[table]
    evidence = EvidenceData(
        title=f"{snap.source}: {table}",
        source=snap.source,
        params=dict(snap.params),
        columns=captured.columns,
        rows=captured.rows,
        captured_at=snap.collected_at.isoformat(),
    )
    return store.add_entry(
        inv_id, EntryKind.EVIDENCE, evidence.title, data=evidence.to_dict(), happened_at=when
    )


def test_one_axis_holds_deploy_rise_and_entries_in_time_order(
    demo: DemoFiles, snaps: dict[str, Snapshot], store: NotebookStore
) -> None:
    inv = store.create_investigation("checkout 502s", Severity.SEV2)
    note = store.add_entry(
        inv.id, EntryKind.NOTE, "first 502 report", happened_at=demo.spike_at + timedelta(minutes=3)
    )
    events = incident_events(store.entries(inv.id), snaps, inv=inv, now=demo.now)
    kinds = [(e.kind, e.title.split(" (")[0]) for e in events]
    deploy = kinds.index(("deploy", f"deploy {DEPLOY_TAG}"))
    rise = next(i for i, e in enumerate(events) if e.key.startswith("errors:rise"))
    noted = next(i for i, e in enumerate(events) if e.entry_id == note.id)
    assert deploy < rise < noted
    start = demo.spike_at.replace(second=0)
    assert events[rise].at in (start, start + timedelta(minutes=1))
    assert [e.at for e in events] == sorted(e.at for e in events)


def test_milestones_show_once(demo: DemoFiles, store: NotebookStore) -> None:
    inv = store.create_investigation("checkout 502s", Severity.SEV2)
    inv, _ = store.set_milestone(inv.id, Milestone.IMPACT_STARTED, demo.spike_at)
    events = incident_events(store.entries(inv.id), {}, inv=inv)
    assert [(e.kind, e.title) for e in events] == [("milestone", "impact started")]


def test_pinned_deploy_markers_come_back_at_the_deploy_time(
    demo: DemoFiles, snaps: dict[str, Snapshot], store: NotebookStore
) -> None:
    inv = store.create_investigation("checkout 502s")
    entry = pin(store, inv.id, snaps["deploys"], "markers")
    recovered = evidence_events([entry])
    live = deploy_events(snaps["deploys"].data)
    assert [e.key for e in recovered] == [e.key for e in live]
    assert [e.at for e in recovered] == [e.at for e in live]
    assert {e.entry_id for e in recovered} == {entry.id}
    # seen live and pinned, a deploy is one point on the axis
    assert len(merge(live, recovered)) == len(live)


def test_evidence_without_times_or_with_odd_rows_gives_no_event(store: NotebookStore) -> None:
    inv = store.create_investigation("odd")
    odd = store.add_entry(
        inv.id,
        EntryKind.EVIDENCE,
        "hand-made",
        data={
            "columns": ["at", "repo", "kind", "name", "sha", "subject"],
            "rows": [["yesterday", "r", "tag", "v1", "abc", "s"], "not a row", ["2026"]],
        },
    )
    broken = store.add_entry(inv.id, EntryKind.EVIDENCE, "broken", data={"columns": 3})
    assert evidence_events([odd, broken]) == []


def test_post_mortem_timeline_places_a_pinned_deploy_when_it_shipped(
    demo: DemoFiles, snaps: dict[str, Snapshot], store: NotebookStore
) -> None:
    inv = store.create_investigation("checkout 502s", Severity.SEV2)
    store.add_entry(
        inv.id, EntryKind.NOTE, "rollback started", happened_at=demo.now - timedelta(minutes=1)
    )
    pin(store, inv.id, snaps["deploys"], "markers", when=demo.now)
    markdown = render_markdown(store.get_investigation(inv.id), store.entries(inv.id), now=demo.now)
    timeline = markdown.split("## Timeline", 1)[1]
    deploy_line = next(line for line in timeline.splitlines() if f"deploy {DEPLOY_TAG}" in line)
    assert f"`{demo.deploy_at:%Y-%m-%d %H:%M:%S}` **Deploy**:" in deploy_line
    assert "_(from E1)_" in deploy_line
    assert timeline.index(deploy_line) < timeline.index("rollback started")


def test_pinned_container_events_are_the_live_ones(
    containers_source: ContainersSource, store: NotebookStore
) -> None:
    snap = containers_source.collect({"since": "1h"})
    assert snap.ok, snap.error
    live = container_events(snap.data)
    assert live, "the fixture's containers died, restarted and were killed"
    inv = store.create_investigation("crash loop")
    recovered = evidence_events([pin(store, inv.id, snap, "events")])
    assert {e.key for e in recovered} == {e.key for e in live}
    assert {e.kind for e in recovered} == {"container"}


T0 = datetime(2026, 12, 7, 13, 20, 2, tzinfo=timezone.utc)


def crash_loop(name: str, cycles: int, start: datetime = T0) -> list[IncidentEvent]:
    """What the containers source reports of a worker dying every four seconds."""
    events = []
    for n in range(cycles):
        at = start + timedelta(seconds=4 * n)
        events.append(container_event(at, name, "die", "exit code 1"))
        events.append(container_event(at + timedelta(milliseconds=90), name, "restart", ""))
    return events


def note(at: datetime, text: str) -> IncidentEvent:
    return IncidentEvent(at=at, kind="note", title=text, source="notebook", key=f"n:{text}")


def test_a_crash_loop_is_one_event_at_its_start_and_the_rest_stays() -> None:
    """Two lines per cycle buried every other event of the axis (the demo's worker)."""
    web_died = container_event(T0 + timedelta(seconds=5), "web", "die", "exit code 2")
    killed = container_event(T0 + timedelta(seconds=6), "worker", "oom", "OOM killed")
    events = merge(crash_loop("worker", 4), [note(T0 + timedelta(seconds=9), "paged"), web_died])
    shown = collapse_crash_loops(merge(events, [killed]))
    assert [e.title for e in shown] == [
        "worker: crash loop, 4 exits, 4 restarts over 12s (last: exit code 1)",
        "web: die (exit code 2)",
        "worker: oom (OOM killed)",
        "paged",
    ]
    assert shown[0].at == T0 and shown[0].kind == "container"
    assert shown[0].detail.count("die (exit code 1)") == 4  # every event, in its detail


def test_two_deaths_or_a_quiet_gap_is_no_loop() -> None:
    assert len(collapse_crash_loops(merge(crash_loop("worker", 2)))) == 4
    later = T0 + timedelta(minutes=30)
    split = collapse_crash_loops(merge(crash_loop("worker", 3), crash_loop("worker", 3, later)))
    assert [e.at for e in split] == [T0, later]  # two loops: 30 minutes apart


def test_the_post_mortem_shows_a_pinned_crash_loop_as_one_line(store: NotebookStore) -> None:
    inv = store.create_investigation("worker down", Severity.SEV2)
    rows = [[f"{e.at:%Y-%m-%d %H:%M:%SZ}", e.subject, e.action, e.note] for e in crash_loop("w", 5)]
    evidence = EvidenceData(
        title="containers: events",
        source="containers",
        params={},
        columns=("time", "container", "event", "detail"),
        rows=tuple(tuple(row) for row in rows),
        captured_at=T0.isoformat(),
    )
    store.add_entry(inv.id, EntryKind.EVIDENCE, evidence.title, data=evidence.to_dict())
    markdown = render_markdown(store.get_investigation(inv.id), store.entries(inv.id), now=T0)
    timeline = markdown.split("## Timeline", 1)[1].split("\n## ", 1)[0]
    assert "w: crash loop, 5 exits, 5 restarts over 16s (last: exit code 1)" in timeline
    assert "w: die" not in timeline and "w: restart" not in timeline
