"""One time axis for the incident: deploys, the log error rate, container events, milestones
and notebook entries as :class:`IncidentEvent` records, merged into one sorted list.

The TUI's Timeline tab and the post-mortem's timeline are built from these same pure
functions: live snapshots feed the tab, and the deploy markers and container events frozen
in pinned evidence feed both (so the post-mortem places a deploy at the time it shipped, not
at the time someone pinned it). Nothing here does IO or imports Textual.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from debugtui.findings import CRASH_LOOP_RESTARTS, find_spike, minute_series
from debugtui.notebook.model import Entry, EntryKind, Investigation, Milestone
from debugtui.sources.base import Snapshot
from debugtui.textsafe import one_line
from debugtui.timewindow import format_duration

KIND_ORDER: Mapping[str, int] = {
    "milestone": 0,
    "deploy": 1,
    "container": 2,
    "errors": 3,
}
"""Among events of the same second, causes before effects before what people wrote."""

MILESTONE_LABELS: Mapping[Milestone, str] = {
    Milestone.IMPACT_STARTED: "impact started",
    Milestone.DETECTED: "detected",
    Milestone.ACKNOWLEDGED: "acknowledged",
    Milestone.MITIGATED: "mitigated",
    Milestone.RESOLVED: "resolved",
}

STAMP = "%Y-%m-%d %H:%M:%SZ"
"""How the deploys and containers tables write times (and so pinned evidence holds them)."""


@dataclass(frozen=True)
class IncidentEvent:
    """A point on the incident's time axis."""

    at: datetime
    kind: str
    """deploy, errors, container, milestone, or a notebook entry's kind (note, phase_change,
    status_change, hypothesis, evidence, ...)."""
    title: str
    """One line, raw (untrusted text: show it literally)."""
    source: str
    """deploys, logs, containers, or notebook."""
    key: str
    """Stable identity: the same deploy seen live and in pinned evidence has one key."""
    detail: str = ""
    """The full record, for a detail view."""
    entry_id: int | None = None
    """The notebook entry this comes from (the entry itself, or the evidence holding it)."""
    starred: bool = False
    subject: str = ""
    """For a container event, the container's name (see :func:`collapse_crash_loops`)."""
    action: str = ""
    """For a container event, the engine's action: die, restart, kill, oom, health_status."""
    note: str = ""
    """For a container event, what the engine said of it (``exit code 1``, ``signal 9``)."""


def _utc_seconds(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S")


def _deploy_key(repo: str, name: str, sha: str) -> str:
    return f"deploy:{repo}:{name}:{sha[:7]}"


def _container_key(name: str, action: str, when: datetime) -> str:
    return f"container:{name}:{action}:{_utc_seconds(when)}"


def deploy_event(
    at: datetime, repo: str, name: str, sha: str, subject: str, entry_id: int | None = None
) -> IncidentEvent:
    return IncidentEvent(
        at=at,
        kind="deploy",
        title=f"deploy {name} ({repo} {sha[:12]}) {subject}",
        source="deploys",
        key=_deploy_key(repo, name, sha),
        detail=f"deploy {name}\nrepository {repo}\ncommit {sha}\nat {at:%Y-%m-%d %H:%M:%S} "
        f"UTC\n\n{subject}",
        entry_id=entry_id,
    )


def container_event(
    at: datetime, name: str, action: str, detail: str, entry_id: int | None = None
) -> IncidentEvent:
    return IncidentEvent(
        at=at,
        kind="container",
        title=f"{name}: {action} ({detail})" if detail else f"{name}: {action}",
        source="containers",
        key=_container_key(name, action, at),
        detail=f"container {name}\nevent {action}\n{detail}\nat {at:%Y-%m-%d %H:%M:%S} UTC",
        entry_id=entry_id,
        subject=name,
        action=action,
        note=detail,
    )


def deploy_events(deploys: Any) -> list[IncidentEvent]:
    """Every deploy marker (tag or merge to the default branch) of a deploys snapshot."""
    return [deploy_event(m.at, m.repo, m.name, m.sha, m.subject) for m in deploys.markers]


def container_events(containers: Any) -> list[IncidentEvent]:
    """The die / kill / oom / restart / health events of a containers snapshot."""
    return [
        container_event(
            e.time,
            e.container,
            e.action,
            e.detail + (" (seen by comparing collects)" if e.synthesized else ""),
        )
        for e in containers.events
    ]


def error_events(logs: Any, factor: float, now: datetime) -> list[IncidentEvent]:
    """The start of a rise of the log error rate (see ``findings.find_spike``) and its peak."""
    spike = find_spike(logs, factor, now)
    if spike is None:
        return []
    pattern = one_line(spike.pattern, 60)
    rise = (
        f"log errors rose {spike.ratio_text()}: {spike.baseline_rate:.1f}/min before, "
        f"{spike.rate:.1f}/min since"
    )
    return [
        IncidentEvent(
            at=spike.start,
            kind="errors",
            title=rise,
            source="logs",
            key=f"errors:rise:{_utc_seconds(spike.start)}",
            detail=f"{rise}\npattern {pattern}\nbaseline over {spike.baseline_minutes} min "
            f"from {spike.baseline_from:%H:%M} UTC: {spike.baseline_matches} matches",
        ),
        IncidentEvent(
            at=spike.peak_at,
            kind="errors",
            title=f"log errors peak: {spike.peak} in one minute",
            source="logs",
            key=f"errors:peak:{_utc_seconds(spike.peak_at)}",
            detail=f"{spike.peak} matches of {pattern} in the minute from "
            f"{spike.peak_at:%H:%M} UTC",
        ),
    ]


def error_rate(logs: Any, now: datetime) -> tuple[datetime, list[int]]:
    """The log matches per minute as a dense series (first minute, counts), for a sparkline."""
    return minute_series(logs.histogram, logs.since, logs.until, now)


def snapshot_events(
    snapshots: Mapping[str, Snapshot], factor: float, now: datetime
) -> list[IncidentEvent]:
    """The events of the latest snapshots (deploys, logs, containers) that succeeded."""
    readers = {
        "deploys": lambda snap: deploy_events(snap.data),
        "containers": lambda snap: container_events(snap.data),
        "logs": lambda snap: error_events(snap.data, factor, snap.collected_at or now),
    }
    events: list[IncidentEvent] = []
    for name, snap in snapshots.items():
        read = readers.get(name)
        if read is None or not snap.ok or snap.data is None:
            continue
        try:
            events += read(snap)
        except Exception:  # like a findings rule: data it did not expect costs its events only
            continue
    return events


def milestone_events(inv: Investigation) -> list[IncidentEvent]:
    """The incident clock's milestones that are set."""
    events = []
    for milestone, label in MILESTONE_LABELS.items():
        when = inv.milestone(milestone)
        if when is not None:
            events.append(
                IncidentEvent(
                    at=when,
                    kind="milestone",
                    title=label,
                    source="notebook",
                    key=f"milestone:{milestone.value}",
                    detail=f"{label} at {when:%Y-%m-%d %H:%M:%S} UTC",
                )
            )
    return events


def _is_milestone_marker(inv: Investigation | None, entry: Entry) -> bool:
    """A MILESTONE entry that the investigation's own milestone already shows."""
    if inv is None or entry.kind is not EntryKind.MILESTONE:
        return False
    try:
        milestone = Milestone(entry.data.get("milestone"))
    except ValueError:
        return False
    return inv.milestone(milestone) == entry.happened_at


def entry_events(entries: Iterable[Entry], inv: Investigation | None = None) -> list[IncidentEvent]:
    """Every notebook entry (notes, hypotheses, evidence, phase and status changes...)."""
    return [
        IncidentEvent(
            at=entry.happened_at,
            kind=entry.kind.value,
            title=entry.text,
            source="notebook",
            key=f"entry:{entry.id}",
            detail=entry.text,
            entry_id=entry.id,
            starred=entry.starred,
        )
        for entry in entries
        if not _is_milestone_marker(inv, entry)
    ]


def _parse_stamp(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, STAMP).replace(tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return None


def _table_events(
    columns: Sequence[str], rows: Iterable[Sequence[str]], entry_id: int
) -> list[IncidentEvent]:
    """Deploy markers and container events in a captured table, recognised by its columns:
    the deploys source's markers, the containers source's events, and the evidence of the
    deploy and container findings."""
    index = {name: i for i, name in enumerate(columns)}

    def cell(row: Sequence[str], name: str) -> str:
        i = index[name]
        return str(row[i]) if i < len(row) else ""

    events: list[IncidentEvent] = []
    if {"at", "repo", "name", "sha", "subject"} <= index.keys():
        for row in rows:
            at = _parse_stamp(cell(row, "at"))
            if at is not None:
                name, sha = cell(row, "name"), cell(row, "sha")
                events.append(
                    deploy_event(at, cell(row, "repo"), name, sha, cell(row, "subject"), entry_id)
                )
    elif {"at", "what", "repo", "ref", "sha", "detail"} <= index.keys():
        for row in rows:
            at = _parse_stamp(cell(row, "at"))
            if at is not None and cell(row, "what") == "deploy":
                ref, sha = cell(row, "ref"), cell(row, "sha")
                events.append(
                    deploy_event(at, cell(row, "repo"), ref, sha, cell(row, "detail"), entry_id)
                )
    elif {"time", "container", "event", "detail"} <= index.keys():
        for row in rows:
            at = _parse_stamp(cell(row, "time"))
            action = cell(row, "event")
            if at is not None and action != "state":
                events.append(
                    container_event(
                        at, cell(row, "container"), action, cell(row, "detail"), entry_id
                    )
                )
    return events


def evidence_events(entries: Iterable[Entry]) -> list[IncidentEvent]:
    """The deploy markers and container events frozen in pinned evidence entries."""
    events: list[IncidentEvent] = []
    for entry in entries:
        if entry.kind is not EntryKind.EVIDENCE:
            continue
        columns = entry.data.get("columns")
        rows = entry.data.get("rows")
        if not isinstance(columns, list | tuple) or not isinstance(rows, list | tuple):
            continue
        good_rows = [r for r in rows if isinstance(r, list | tuple)]
        events += _table_events([str(c) for c in columns], good_rows, entry.id)
    return events


def merge(*groups: Iterable[IncidentEvent]) -> list[IncidentEvent]:
    """All events in time order, one per key (the first group that has a key wins: pass live
    events before those recovered from pinned evidence)."""
    seen: dict[str, IncidentEvent] = {}
    for group in groups:
        for event in group:
            seen.setdefault(event.key, event)
    return sorted(
        seen.values(),
        key=lambda e: (e.at, KIND_ORDER.get(e.kind, len(KIND_ORDER)), e.entry_id or 0, e.key),
    )


def incident_events(
    entries: Sequence[Entry],
    snapshots: Mapping[str, Snapshot],
    *,
    inv: Investigation | None = None,
    factor: float = 3.0,
    now: datetime | None = None,
) -> list[IncidentEvent]:
    """The whole axis: milestones, live source events, events in pinned evidence, entries."""
    now = now or datetime.now(timezone.utc)
    return collapse_crash_loops(
        merge(
            milestone_events(inv) if inv is not None else [],
            snapshot_events(snapshots, factor, now),
            evidence_events(entries),
            entry_events(entries, inv),
        )
    )


LOOP_ACTIONS = frozenset({"die", "restart"})
"""The two events a crash loop repeats; a kill or an OOM kill stays an event of its own."""
LOOP_GAP = timedelta(minutes=10)
"""Deaths and restarts of one container this close to the one before are one loop."""


def collapse_crash_loops(events: Sequence[IncidentEvent]) -> list[IncidentEvent]:
    """``events`` (in time order) with each crash loop as one event at its start.

    A worker dying every few seconds wrote two lines per cycle ("die (exit code 1)",
    "restart"), hundreds within minutes, burying every other event of the axis. A run of a
    container's deaths and restarts, each within :data:`LOOP_GAP` of the one before and with
    at least :data:`~debugtui.findings.CRASH_LOOP_RESTARTS` deaths, becomes "crash loop: 40
    exits, 40 restarts over 2m40s (exit code 1)"; its detail lists every event.
    """
    runs: dict[str, list[list[IncidentEvent]]] = {}
    for event in events:
        if event.kind == "container" and event.action in LOOP_ACTIONS:
            loops = runs.setdefault(event.subject, [])
            if loops and event.at - loops[-1][-1].at <= LOOP_GAP:
                loops[-1].append(event)
            else:
                loops.append([event])
    replaced: dict[str, IncidentEvent | None] = {}
    for loops in runs.values():
        for run in loops:
            if sum(1 for e in run if e.action == "die") >= CRASH_LOOP_RESTARTS:
                replaced[run[0].key] = _crash_loop(run)
                replaced.update((e.key, None) for e in run[1:])
    if not replaced:
        return list(events)
    out: list[IncidentEvent] = []
    for event in events:
        if event.key not in replaced:
            out.append(event)
        elif (loop := replaced[event.key]) is not None:
            out.append(loop)
    return out


def _crash_loop(run: Sequence[IncidentEvent]) -> IncidentEvent:
    first, last = run[0], run[-1]
    dies = [e for e in run if e.action == "die"]
    restarts = len(run) - len(dies)
    title = (
        f"{first.subject}: crash loop, {len(dies)} exits, {restarts} restarts over "
        f"{format_duration(last.at - first.at)}"
    )
    if dies[-1].note:
        title += f" (last: {dies[-1].note})"
    lines = [f"{e.at:%H:%M:%S}  {e.title}" for e in run]
    return IncidentEvent(
        at=first.at,
        kind="container",
        title=title,
        source="containers",
        key=f"container:{first.subject}:loop:{_utc_seconds(first.at)}",
        detail=f"{title}\nfrom {first.at:%Y-%m-%d %H:%M:%S} to {last.at:%H:%M:%S} UTC\n\n"
        + "\n".join(lines),
        entry_id=first.entry_id,
        subject=first.subject,
        action="loop",
    )
