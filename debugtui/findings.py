"""Cross-source correlation: snapshots in, findings out, as pure functions.

This is where debugtui becomes more than the sum of ``git log``, ``rg``, ``psql``,
``docker stats`` and ``ss``: each rule looks at one or more source snapshots and states what
a responder should look at next. Rules never do IO and never raise on odd data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class Severity:
    """Finding severities, most urgent first."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    """One statement about the incident, with the evidence behind it and a next step."""

    rule: str
    severity: str
    statement: str
    next_step: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    """Which sources and records support it: {"source": ..., "columns": [...], "rows": [...]}."""
    key: str = ""
    """Stable identity across refreshes (rule + subject), for the UI's row keys."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "statement": self.statement,
            "next_step": self.next_step,
            "evidence": dict(self.evidence),
            "key": self.key or self.rule,
        }


RULES: Mapping[str, str] = {
    "deploy_before_errors": "a deploy shortly before a rise in log errors",
    "error_spike": "an error-rate spike in the logs against the preceding baseline",
    "container_restarts": "a container restarting or crash-looping",
    "container_killed": "a container killed (exit 137) or OOM-killed",
    "container_unhealthy": "a container whose health check fails",
    "query_dominates": "one statement dominating database time",
    "query_mean_jump": "a statement whose mean time jumped between snapshots",
    "blocking_chain": "sessions waiting on locks held by others",
    "connections_near_max": "connections near max_connections",
    "idle_in_transaction": "sessions idle in transaction",
    "socket_pileup": "CLOSE_WAIT / TIME_WAIT pile-ups by process or remote",
    "disk_full": "disk or inodes nearly full",
    "memory_pressure": "memory or swap pressure",
    "cpu_saturation": "CPU saturation or load above the core count",
}
"""Every rule id, with what it detects. Playbook ``check`` steps name these ids."""


def evaluate(snapshots: Mapping[str, Any], thresholds: Any) -> list[Finding]:
    """Every finding the snapshots support, most severe first."""
    found: list[Finding] = []
    for rule in _RULE_FUNCTIONS:
        found.extend(rule(snapshots, thresholds))
    order = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}
    return sorted(found, key=lambda f: order.get(f.severity, 3))


_RULE_FUNCTIONS: list[Any] = []
