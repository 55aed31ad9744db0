"""A playbook's checklist as the notebook records it: ticks, step states and check outcomes.

A tick is a CHECKLIST_TICK entry with ``data={"playbook": id, "step": step_id, "done": bool}``.
The checklist's state is derived from those entries and nothing else, so it survives a
restart, is the same in every window, and the post-mortem shows exactly what the TUI showed.
A step's ``check`` is a findings rule; its outcome is read from the findings of the latest
snapshots. Pure functions, shared by the TUI and the export.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from debugtui import findings as findings_module
from debugtui.findings import Finding
from debugtui.notebook.model import Entry, EntryKind, Investigation, Phase, Status

if TYPE_CHECKING:
    # Only types: the TUI imports this module at start-up and loads playbooks (YAML) later.
    from debugtui.playbooks import Playbook, Step

TICK_PLAYBOOK = "playbook"
TICK_STEP = "step"
TICK_DONE = "done"


def tick_data(playbook_id: str, step_id: str, done: bool) -> dict[str, Any]:
    """The ``data`` of the CHECKLIST_TICK entry that ticks (or unticks) one step."""
    return {TICK_PLAYBOOK: playbook_id, TICK_STEP: step_id, TICK_DONE: done}


def tick_text(step: Step, done: bool) -> str:
    """The tick entry's text: the step itself, so the timeline reads as what was done."""
    return step.text if done else f"Unticked: {step.text}"


def tick_done(entry: Entry) -> bool:
    """Whether a tick entry ticks (True) or unticks; ``checked`` is the older name."""
    data = entry.data
    return data.get(TICK_DONE, data.get("checked", True)) is not False


def latest_ticks(entries: Iterable[Entry], playbook_id: str) -> dict[str, Entry]:
    """Each step of ``playbook_id`` with its latest tick entry (in recording order)."""
    found: dict[str, Entry] = {}
    ticks = (e for e in entries if e.kind is EntryKind.CHECKLIST_TICK)
    for entry in sorted(ticks, key=lambda e: e.id):
        if entry.data.get(TICK_PLAYBOOK) == playbook_id and isinstance(
            entry.data.get(TICK_STEP), str
        ):
            found[entry.data[TICK_STEP]] = entry
    return found


def done_steps(entries: Iterable[Entry], playbook_id: str) -> frozenset[str]:
    """The ids of the steps whose latest tick is a tick, not an untick."""
    return frozenset(s for s, e in latest_ticks(entries, playbook_id).items() if tick_done(e))


def unmet_exit_criteria(playbook: Playbook, done: Iterable[str]) -> tuple[Step, ...]:
    """The verify phase's exit criteria not ticked yet."""
    ticked = set(done)
    return tuple(step for step in playbook.exit_criteria if step.id not in ticked)


# --- done, skipped, not reached ---------------------------------------------------------------


class StepState(str, Enum):
    DONE = "done"
    OPEN = "open"
    """In the phase the investigation is in, not done yet (the incident is still open)."""
    SKIPPED = "skipped"
    NOT_REACHED = "not reached"

    def __str__(self) -> str:
        return str(self.value)


def furthest_phase(inv: Investigation, entries: Iterable[Entry]) -> Phase:
    """The furthest phase the investigation has been in (it may have stepped back since)."""
    furthest = inv.phase
    for entry in entries:
        if entry.kind is EntryKind.PHASE_CHANGE:
            for key in ("from", "to"):
                try:
                    phase = Phase(entry.data.get(key))
                except ValueError:
                    continue
                furthest = max(furthest, phase, key=lambda p: p.index)
    return furthest


@dataclass(frozen=True)
class StepReport:
    """One step of the post-mortem's checklist: its state and the tick that made it so."""

    step: Step
    state: StepState
    tick: Entry | None = None


def step_report(
    playbook: Playbook, inv: Investigation, entries: Sequence[Entry]
) -> list[StepReport]:
    """Every step of ``playbook`` in loop order: done, open, skipped or not reached.

    A step not done is *not reached* in a phase after the furthest one visited, *open* in the
    current phase while the incident is not resolved, and *skipped* otherwise.
    """
    ticks = latest_ticks(entries, playbook.id)
    furthest = furthest_phase(inv, entries).index
    ongoing = inv.status is not Status.RESOLVED
    report = []
    for step in playbook.steps():
        tick = ticks.get(step.id)
        if tick is not None and tick_done(tick):
            state = StepState.DONE
        elif step.phase.index > furthest:
            state = StepState.NOT_REACHED
        elif ongoing and step.phase is inv.phase:
            state = StepState.OPEN
        else:
            state = StepState.SKIPPED
        report.append(StepReport(step, state, tick))
    return report


# --- check outcomes ------------------------------------------------------------------------


RULE_SOURCES: Mapping[str, tuple[str, ...]] = {
    "deploy_before_errors": ("deploys", "logs"),
    "deploy_suspect": ("deploys",),
    "error_spike": ("logs",),
    "container_restarts": ("containers",),
    "container_killed": ("containers",),
    "container_unhealthy": ("containers",),
    "query_dominates": ("queries",),
    "query_mean_jump": ("queries",),
    "blocking_chain": ("queries",),
    "connections_near_max": ("queries",),
    "idle_in_transaction": ("queries",),
    "socket_pileup": ("sockets",),
    "disk_full": ("system",),
    "memory_pressure": ("system",),
    "cpu_saturation": ("system",),
}
"""The sources each findings rule reads: a rule can only pass when all of them answered."""


class Outcome(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return str(self.value)


@dataclass(frozen=True)
class CheckResult:
    outcome: Outcome
    reason: str
    """Why, in a few words: the finding's statement, or what data is missing."""
    finding: Finding | None = None


def implemented_rules() -> frozenset[str]:
    """The rules ``findings.evaluate`` runs: a catalogued rule without code cannot pass."""
    return frozenset(rule.__name__ for rule in findings_module.RULE_FUNCTIONS)


def check_result(
    rule: str, found: Sequence[Finding], sources_ok: Mapping[str, bool]
) -> CheckResult:
    """The outcome of ``rule`` given the current findings and which sources last answered.

    A finding of the rule fails the check (the most severe one is kept, ``found`` being in
    ``evaluate``'s order); no finding passes only when every source the rule reads answered
    in its latest snapshot; anything else is unknown.
    """
    hits = [f for f in found if f.rule == rule]
    if hits:
        extra = f" (+{len(hits) - 1} more)" if len(hits) > 1 else ""
        return CheckResult(Outcome.FAIL, hits[0].statement + extra, hits[0])
    if rule not in implemented_rules():
        return CheckResult(Outcome.UNKNOWN, f"findings cannot check {rule} yet")
    needed = RULE_SOURCES.get(rule, ())
    missing = [name for name in needed if not sources_ok.get(name, False)]
    if not needed or missing:
        what = " and ".join(missing) or "the sources"
        return CheckResult(Outcome.UNKNOWN, f"no {what} data yet")
    return CheckResult(Outcome.PASS, f"no {rule} finding in the latest {' and '.join(needed)}")


def check_results(
    playbook: Playbook, found: Sequence[Finding], sources_ok: Mapping[str, bool]
) -> dict[str, CheckResult]:
    """Each step with a ``check``, by step id."""
    return {
        step.id: check_result(step.check, found, sources_ok)
        for step in playbook.steps()
        if step.check
    }


def findings_suggestion(
    found: Sequence[Finding], playbooks: Mapping[str, Playbook], current: str | None
) -> tuple[Playbook, str] | None:
    """A better playbook for these findings than ``current``, with why ("3 container_killed
    findings"), or None.

    A playbook the responder chose is second-guessed only when no finding fits it and a
    critical one fits the other: a CPU warning (a busy build on the box) must not nag someone
    who picked "Connection exhaustion" from what they saw."""
    from debugtui.findings import Severity
    from debugtui.playbooks import suggest

    ranked = suggest(found, playbooks)
    if not ranked or ranked[0][0].id == current:
        return None
    best = ranked[0][0]
    wanted = set(best.symptoms) | {s.check for s in best.steps() if s.check}
    fitting = [f for f in found if f.rule in wanted]
    if current is not None and (
        any(pb.id == current for pb, _ in ranked)
        or not any(f.severity == Severity.CRITICAL for f in fitting)
    ):
        return None
    # The reason given is a finding the playbook is for, not one it merely checks: the demo
    # read "1 container_restarts finding: try the deploy-errors playbook".
    reasons = [f for f in fitting if f.rule in best.symptoms] or fitting
    counts: dict[str, int] = {}
    for finding in reasons:
        counts[finding.rule] = counts.get(finding.rule, 0) + 1
    if not counts:
        return None
    rule, count = max(counts.items(), key=lambda item: item[1])
    return best, f"{count} {rule} finding{'s' if count != 1 else ''}"
