"""Stakeholder updates: the Conditions / Actions / Needs message an incident commander posts.

Writing an update mid-incident means re-reading the whole notebook; this drafts it from the
notebook instead, in the shape incident commanders use (conditions, actions, needs, next
update time), for the responder to edit and post. Pure functions: no IO, no clock of their
own, so the TUI and the tests decide what "now" is.

Once posted, the TUI records the update as a note with ``data={"status_update": True}``;
:func:`last_status_update` finds it and :func:`update_overdue` says when the next is due.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from debugtui.notebook.model import (
    PHASES,
    ActionStatus,
    Entry,
    EntryKind,
    HypothesisStatus,
    Investigation,
    Status,
)
from debugtui.playbooks import DEFAULT_CADENCE_MINUTES
from debugtui.textsafe import one_line
from debugtui.timewindow import format_duration

if TYPE_CHECKING:
    from debugtui.findings import Finding

STATUS_UPDATE_KEY = "status_update"
"""The ``data`` key marking a note as a posted stakeholder update."""

_TEXT_LIMIT = 160
_SHOWN = 3
"""Items shown per line of hypotheses or key entries before "and N more"."""


def is_status_update(entry: Entry) -> bool:
    return entry.kind is EntryKind.NOTE and entry.data.get(STATUS_UPDATE_KEY) is True


def last_status_update(entries: Iterable[Entry]) -> Entry | None:
    """The most recently recorded stakeholder update, or None if none was posted."""
    updates = [e for e in entries if is_status_update(e)]
    return max(updates, key=lambda e: (e.recorded_at, e.id), default=None)


def update_overdue(last_update_at: datetime | None, cadence_minutes: int, now: datetime) -> bool:
    """Whether an update is due: none was posted yet, or the last is ``cadence`` old."""
    if cadence_minutes <= 0:
        raise ValueError("cadence_minutes must be positive")
    if last_update_at is None:
        return True
    return now - last_update_at >= timedelta(minutes=cadence_minutes)


def is_open_question(entry: Entry) -> bool:
    """A note asking something not yet answered: text ending in "?" or ``data.question``."""
    if entry.kind is not EntryKind.NOTE or is_status_update(entry):
        return False
    if entry.data.get("answered"):
        return False
    return bool(entry.data.get("question")) or entry.text.rstrip().endswith("?")


def draft_status_update(
    inv: Investigation,
    entries: Sequence[Entry],
    now: datetime,
    *,
    cadence_minutes: int = DEFAULT_CADENCE_MINUTES,
    findings: Sequence[Finding] = (),
) -> str:
    """The draft update for ``inv`` from its notebook ``entries`` as of ``now``, with the
    critical ``findings`` of the live evidence as what is seen.

    Follow-up action items (post-incident work) are left out: stakeholders want what is being
    done about the incident now. Every piece of notebook text is flattened to one visible line.
    Before, a notebook with no hypothesis or starred entry yet said nothing but the status
    while the evidence tabs showed a crash loop and an error rate 83x its baseline.
    """
    timeline = sorted(
        (e for e in entries if not is_status_update(e)), key=lambda e: (e.happened_at, e.id)
    )
    lines = _header(inv, now, cadence_minutes)
    lines += ["", "**Conditions**", *_conditions(inv, timeline, now), *_seen(findings, now)]
    lines += ["", "**Actions**", *(_actions(timeline, now) or ["- None recorded yet."])]
    lines += ["", "**Needs**", *(_needs(timeline, now) or ["- Nothing at the moment."])]
    lines += ["", _next_update(inv, now, cadence_minutes)]
    return "\n".join(lines)


def _clock(when: datetime, now: datetime) -> str:
    """``14:05 UTC``, with the date when it is not today."""
    utc = when.astimezone(timezone.utc)
    today = now.astimezone(timezone.utc).date()
    return f"{utc:%H:%M} UTC" if utc.date() == today else f"{utc:%Y-%m-%d %H:%M} UTC"


def _text(entry: Entry) -> str:
    return one_line(entry.text.strip(), _TEXT_LIMIT)


def _some(items: Sequence[str]) -> str:
    shown = "; ".join(items[:_SHOWN])
    more = len(items) - _SHOWN
    return f"{shown}; and {more} more" if more > 0 else shown


def _elapsed(delta: timedelta) -> str:
    """Minutes are the resolution stakeholders care about: ``47m``, ``2h05m``, ``1d04h``."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    return f"{minutes}m" if minutes < 60 else format_duration(timedelta(minutes=minutes))


def _header(inv: Investigation, now: datetime, cadence_minutes: int) -> list[str]:
    title = one_line(inv.title.strip() or "(untitled incident)", _TEXT_LIMIT)
    elapsed = _elapsed(now - inv.impact_start)
    started = "Impact started" if inv.impact_started_at else "Response started"
    return [
        f"[{inv.severity}] {str(inv.status).upper()}: {title}",
        f"{started} {_clock(inv.impact_start, now)} ({elapsed} ago). "
        f"Update as of {_clock(now, now)}.",
    ]


def _conditions(inv: Investigation, timeline: Sequence[Entry], now: datetime) -> list[str]:
    lines = [f"- Status: {inv.status}; phase {inv.phase.index + 1}/{len(PHASES)} {inv.phase}."]
    if inv.impact.strip():
        lines.append(f"- Impact: {one_line(inv.impact.strip(), _TEXT_LIMIT)}")
    if inv.mitigated_at:
        lines.append(f"- Mitigated at {_clock(inv.mitigated_at, now)}.")
    if inv.resolved_at:
        lines.append(f"- Resolved at {_clock(inv.resolved_at, now)}.")
    hypotheses: dict[HypothesisStatus, list[str]] = {s: [] for s in HypothesisStatus}
    for entry in reversed(timeline):
        if entry.kind is EntryKind.HYPOTHESIS:
            data = entry.hypothesis
            because = f" (because {one_line(data.because, 80)})" if data.because else ""
            hypotheses[data.status].append(_text(entry) + because)
    labels = {
        HypothesisStatus.SUPPORTED: "Likely cause",
        HypothesisStatus.OPEN: "Still investigating",
        HypothesisStatus.REFUTED: "Ruled out",
    }
    for status, label in labels.items():
        if hypotheses[status]:
            lines.append(f"- {label}: {_some(hypotheses[status])}")
    key = [e for e in reversed(timeline) if e.starred]
    label = "Key"
    if not key:
        key = [e for e in reversed(timeline) if e.kind is EntryKind.EVIDENCE]
        label = "Evidence"
    for entry in key[:_SHOWN]:
        lines.append(f"- {label} {_clock(entry.happened_at, now)}: {_text(entry)}")
    return lines


def _seen(findings: Sequence[Finding], now: datetime) -> list[str]:
    """The critical findings, most recent first (a finding's time is when it happened)."""
    critical = [f for f in findings if f.severity == "critical"]
    critical.sort(key=lambda f: f.at or now, reverse=True)
    lines = []
    for finding in critical[:_SHOWN]:
        when = f" {_clock(finding.at, now)}" if finding.at else ""
        lines.append(f"- Seen{when}: {one_line(finding.statement, _TEXT_LIMIT)}")
    if len(critical) > _SHOWN:
        lines.append(f"- and {len(critical) - _SHOWN} more critical findings")
    return lines


def _actions(timeline: Sequence[Entry], now: datetime) -> list[str]:
    done, doing = [], []
    for entry in timeline:
        if entry.kind is EntryKind.ACTION:
            action = entry.action
            if action.followup:
                continue
            owner = f" ({one_line(action.owner, 40)})" if action.owner.strip() else ""
            if action.status is ActionStatus.DONE:
                done.append(f"- Done {_clock(entry.happened_at, now)}: {_text(entry)}{owner}")
            elif action.status is ActionStatus.OPEN and owner:
                doing.append(f"- In progress: {_text(entry)}{owner}")
        elif entry.kind is EntryKind.DECISION:
            done.append(f"- Decided {_clock(entry.happened_at, now)}: {_text(entry)}")
    return done + doing


def _needs(timeline: Sequence[Entry], now: datetime) -> list[str]:
    lines = []
    for entry in timeline:
        if entry.kind is EntryKind.ACTION:
            action = entry.action
            if action.status is ActionStatus.OPEN and not action.followup and not action.owner:
                lines.append(f"- Owner needed: {_text(entry)}")
    for entry in timeline:
        if is_open_question(entry):
            lines.append(f"- Question: {_text(entry)}")
    return lines


def _next_update(inv: Investigation, now: datetime, cadence_minutes: int) -> str:
    if inv.status is Status.RESOLVED:
        return "Final update: the incident is resolved. A post-mortem will follow."
    due = now + timedelta(minutes=cadence_minutes)
    return f"Next update by {_clock(due, now)} (in {cadence_minutes} minutes)."
