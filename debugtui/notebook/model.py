"""The investigation model: what an incident notebook holds, as frozen dataclasses.

Everything else (the SQLite store, the TUI, the exports) speaks in these types, so they stay
free of IO and of Textual. Times are timezone-aware UTC datetimes everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any


class _StrEnum(str, Enum):
    """A str-valued enum whose str() is its value (Python 3.10 has no StrEnum)."""

    def __str__(self) -> str:
        return str(self.value)


class Phase(_StrEnum):
    """The seven phases of the debugging loop, in order."""

    REPRODUCE = "reproduce"
    ISOLATE = "isolate"
    HYPOTHESIZE = "hypothesize"
    TEST = "test"
    FIX = "fix"
    VERIFY = "verify"
    PREVENT = "prevent"

    @property
    def index(self) -> int:
        return PHASES.index(self)

    @property
    def title(self) -> str:
        return self.value.capitalize()

    @property
    def guidance(self) -> str:
        return PHASE_GUIDANCE[self]

    def next(self) -> Phase:
        return PHASES[min(self.index + 1, len(PHASES) - 1)]

    def previous(self) -> Phase:
        return PHASES[max(self.index - 1, 0)]


PHASES: tuple[Phase, ...] = tuple(Phase)

PHASE_GUIDANCE: Mapping[Phase, str] = {
    Phase.REPRODUCE: (
        "Can you reliably trigger the issue? Write down the exact request, user, time and "
        "error. Backdate the impact start to the first error you can find."
    ),
    Phase.ISOLATE: (
        "What is the smallest case that shows the bug? Which hosts, endpoints, tenants, "
        "versions? What changed recently: deploys, config, traffic, dependencies?"
    ),
    Phase.HYPOTHESIZE: (
        "What could cause this? Write each idea as: we think X because Y; we can disprove it "
        "by Z. Keep the ones you rule out: they are worth reading later."
    ),
    Phase.TEST: (
        "Validate or invalidate each hypothesis with evidence. Pin what you see; mark "
        "hypotheses supported or refuted."
    ),
    Phase.FIX: (
        "Stop the bleeding first (rollback, failover, scale), then address the root cause, "
        "not the symptom. Record each action and decision."
    ),
    Phase.VERIFY: (
        "Does the fix work? Error rate and latency back to baseline, no regressions. "
        "Mark the incident mitigated, then resolved."
    ),
    Phase.PREVENT: (
        "Add tests, monitoring, alerts or docs so it cannot happen silently again. Every "
        "follow-up is an action item with an owner."
    ),
}


class Severity(_StrEnum):
    SEV1 = "SEV1"
    SEV2 = "SEV2"
    SEV3 = "SEV3"
    SEV4 = "SEV4"


class Status(_StrEnum):
    INVESTIGATING = "investigating"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"


class Milestone(_StrEnum):
    """Points on the incident clock; durations are measured from impact start."""

    IMPACT_STARTED = "impact_started"
    DETECTED = "detected"
    ACKNOWLEDGED = "acknowledged"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"


class EntryKind(_StrEnum):
    NOTE = "note"
    HYPOTHESIS = "hypothesis"
    EVIDENCE = "evidence"
    ACTION = "action"
    DECISION = "decision"
    PHASE_CHANGE = "phase_change"
    STATUS_CHANGE = "status_change"
    MILESTONE = "milestone"
    CHECKLIST_TICK = "checklist_tick"


class HypothesisStatus(_StrEnum):
    OPEN = "open"
    SUPPORTED = "supported"
    REFUTED = "refuted"

    def cycle(self) -> HypothesisStatus:
        order = list(HypothesisStatus)
        return order[(order.index(self) + 1) % len(order)]


class ActionType(_StrEnum):
    MITIGATE = "mitigate"
    PREVENT = "prevent"
    PROCESS = "process"


class ActionStatus(_StrEnum):
    OPEN = "open"
    DONE = "done"
    WONT_DO = "wont_do"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Investigation:
    """One incident. ``created_at`` is when the response started (the second clock)."""

    id: str
    title: str
    severity: Severity = Severity.SEV3
    status: Status = Status.INVESTIGATING
    phase: Phase = Phase.REPRODUCE
    playbook_id: str | None = None
    tags: tuple[str, ...] = ()
    summary: str = ""
    impact: str = ""
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    impact_started_at: datetime | None = None
    detected_at: datetime | None = None
    acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None

    def milestone(self, which: Milestone) -> datetime | None:
        return getattr(self, f"{which.value}_at")

    def with_milestone(self, which: Milestone, when: datetime) -> Investigation:
        """Return a copy with ``which`` set; refuse one before the impact start."""
        problem = milestone_problem(self, which, when)
        if problem:
            raise ValueError(problem)
        return replace(self, **{f"{which.value}_at": when})

    @property
    def impact_start(self) -> datetime:
        """The clock durations are measured from: impact start, else response start."""
        return self.impact_started_at or self.created_at

    def time_to(self, which: Milestone) -> timedelta | None:
        """Time to detect / acknowledge / mitigate / resolve, from impact start."""
        when = self.milestone(which)
        return None if when is None else when - self.impact_start


def milestone_problem(inv: Investigation, which: Milestone, when: datetime) -> str | None:
    """Why ``when`` cannot be ``which`` for ``inv``, or None when it can."""
    if when.tzinfo is None:
        return "times must carry a timezone"
    if which is Milestone.IMPACT_STARTED:
        later = [
            (m, inv.milestone(m))
            for m in Milestone
            if m is not Milestone.IMPACT_STARTED and inv.milestone(m) is not None
        ]
        for m, t in later:
            if t is not None and t < when:
                return f"impact cannot start after it was {m.value} ({t:%Y-%m-%d %H:%M:%S} UTC)"
        return None
    start = inv.impact_started_at
    if start is not None and when < start:
        return (
            f"{which.value} at {when:%Y-%m-%d %H:%M:%S} UTC would come before the impact start "
            f"({start:%Y-%m-%d %H:%M:%S} UTC)"
        )
    return None


@dataclass(frozen=True)
class Entry:
    """One line of the notebook.

    ``happened_at`` is when the thing happened (a log line's or commit's time, editable) and
    sorts the timeline; ``recorded_at`` is when it was typed. ``data`` holds the structured
    part of each kind (see the ``*Data`` classes below), JSON-serialisable.
    """

    id: int
    investigation_id: str
    kind: EntryKind
    phase: Phase
    text: str
    happened_at: datetime
    recorded_at: datetime
    starred: bool = False
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def hypothesis(self) -> HypothesisData:
        return HypothesisData.from_dict(self.data)

    @property
    def action(self) -> ActionData:
        return ActionData.from_dict(self.data)

    @property
    def evidence(self) -> EvidenceData:
        return EvidenceData.from_dict(self.data)


@dataclass(frozen=True)
class HypothesisData:
    """We think <entry text> because ``because``; we can disprove it by ``disproof``."""

    status: HypothesisStatus = HypothesisStatus.OPEN
    because: str = ""
    disproof: str = ""
    supporting: tuple[int, ...] = ()
    refuting: tuple[int, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HypothesisData:
        return cls(
            status=HypothesisStatus(data.get("status", "open")),
            because=str(data.get("because", "")),
            disproof=str(data.get("disproof", "")),
            supporting=tuple(int(i) for i in data.get("supporting", ())),
            refuting=tuple(int(i) for i in data.get("refuting", ())),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "because": self.because,
            "disproof": self.disproof,
            "supporting": list(self.supporting),
            "refuting": list(self.refuting),
        }


@dataclass(frozen=True)
class ActionData:
    """An action item. ``followup`` separates post-incident work from in-incident tasks."""

    type: ActionType = ActionType.MITIGATE
    owner: str = ""
    due: str = ""
    ticket: str = ""
    status: ActionStatus = ActionStatus.OPEN
    followup: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ActionData:
        return cls(
            type=ActionType(data.get("type", "mitigate")),
            owner=str(data.get("owner", "")),
            due=str(data.get("due", "")),
            ticket=str(data.get("ticket", "")),
            status=ActionStatus(data.get("status", "open")),
            followup=bool(data.get("followup", False)),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type.value,
            "owner": self.owner,
            "due": self.due,
            "ticket": self.ticket,
            "status": self.status.value,
            "followup": self.followup,
        }


@dataclass(frozen=True)
class EvidenceData:
    """A frozen capture from an evidence source, re-runnable from ``source`` + ``params``."""

    title: str = ""
    source: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    captured_at: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvidenceData:
        return cls(
            title=str(data.get("title", "")),
            source=str(data.get("source", "")),
            params=dict(data.get("params", {})),
            columns=tuple(str(c) for c in data.get("columns", ())),
            rows=tuple(tuple(str(c) for c in row) for row in data.get("rows", ())),
            captured_at=str(data.get("captured_at", "")),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "source": self.source,
            "params": dict(self.params),
            "columns": list(self.columns),
            "rows": [list(r) for r in self.rows],
            "captured_at": self.captured_at,
        }
