"""Cross-source correlation: snapshots in, findings out, as pure functions.

This is where debugtui becomes more than the sum of ``git log``, ``rg``, ``psql``,
``docker stats`` and ``ss``: each rule looks at one or more source snapshots and states what
a responder should look at next. Rules never do IO and never raise on odd data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from debugtui.config import ThresholdsConfig
from debugtui.sources.base import Snapshot
from debugtui.textsafe import one_line
from debugtui.timewindow import format_duration


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


Rule = Callable[["Context"], Iterable[Finding]]


@dataclass(frozen=True)
class Context:
    """What every rule sees: the snapshots that succeeded, thresholds, and the clock."""

    data: Mapping[str, Any]
    """Source name -> the snapshot's typed data, for the sources that succeeded."""
    thresholds: ThresholdsConfig
    now: datetime
    impact_start: datetime | None = None


def evaluate(
    snapshots: Mapping[str, Snapshot],
    thresholds: ThresholdsConfig | None = None,
    now: datetime | None = None,
    impact_start: datetime | None = None,
) -> list[Finding]:
    """Every finding the snapshots support, most severe first.

    A rule that trips over data it did not expect is skipped: a finding engine that raises
    in the middle of an outage would be worse than one finding fewer.
    """
    ctx = Context(
        data={name: snap.data for name, snap in snapshots.items() if snap.ok and snap.data},
        thresholds=thresholds or ThresholdsConfig(),
        now=now or datetime.now(timezone.utc),
        impact_start=impact_start,
    )
    found: list[Finding] = []
    for rule in _RULE_FUNCTIONS:
        try:
            found.extend(rule(ctx))
        except Exception:  # see the docstring: a broken rule costs one rule
            continue
    order = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}
    return sorted(found, key=lambda f: (order.get(f.severity, 3), f.rule, f.key))


def _level(value: float, warning: float, critical: float) -> str | None:
    if value >= critical:
        return Severity.CRITICAL
    if value >= warning:
        return Severity.WARNING
    return None


def _evidence(source: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> dict:
    return {
        "source": source,
        "columns": list(columns),
        "rows": [[str(c) for c in row] for row in rows],
    }


def _short(text: str | None, limit: int = 60) -> str:
    return one_line(text or "", limit)


# --- system ---------------------------------------------------------------------------------


def disk_full(ctx: Context) -> Iterator[Finding]:
    system = ctx.data.get("system")
    if system is None:
        return
    t = ctx.thresholds
    for disk in system.disks:
        for what, pct in (("space", disk.percent), ("inodes", disk.inodes_percent)):
            if pct is None:
                continue
            level = _level(pct, t.disk_warning, t.disk_critical)
            if level is None:
                continue
            yield Finding(
                rule="disk_full",
                severity=level,
                statement=f"{disk.mountpoint} is {pct:.0f}% full ({what})",
                next_step=(
                    f"find what grew: du -xh --max-depth=2 {disk.mountpoint} | sort -h | tail; "
                    "check log rotation and deleted-but-open files (lsof +L1)"
                    if what == "space"
                    else f"many small files on {disk.mountpoint}: "
                    "find it with du --inodes -x --max-depth=2"
                ),
                evidence=_evidence(
                    "system",
                    ("mount", "device", what + " %"),
                    [(disk.mountpoint, disk.device, f"{pct:.1f}")],
                ),
                key=f"disk_full:{disk.mountpoint}:{what}",
            )


def memory_pressure(ctx: Context) -> Iterator[Finding]:
    system = ctx.data.get("system")
    if system is None:
        return
    t, mem = ctx.thresholds, system.memory
    level = _level(mem.percent, t.memory_warning, t.memory_critical)
    top = [(p.pid, _short(p.name, 30), f"{p.memory_percent:.1f}") for p in system.top_memory[:5]]
    if level:
        yield Finding(
            rule="memory_pressure",
            severity=level,
            statement=f"memory {mem.percent:.0f}% used",
            next_step="look at the biggest processes and for OOM kills (dmesg -T | grep -i oom)",
            evidence=_evidence("system", ("pid", "process", "mem %"), top),
            key="memory_pressure:memory",
        )
    if mem.swap_total:
        level = _level(mem.swap_percent, t.swap_warning, t.swap_critical)
        if level:
            yield Finding(
                rule="memory_pressure",
                severity=level,
                statement=f"swap {mem.swap_percent:.0f}% used",
                next_step="the host is paging: latency will suffer; find the process that grew",
                evidence=_evidence("system", ("pid", "process", "mem %"), top),
                key="memory_pressure:swap",
            )
    for psi in system.pressure or ():
        if psi.resource == "memory" and psi.some and psi.some.avg10 >= 10:
            yield Finding(
                rule="memory_pressure",
                severity=Severity.WARNING,
                statement=f"tasks stalled on memory {psi.some.avg10:.0f}% of the last 10 s",
                next_step="memory is short: reclaim is slowing work down",
                evidence=_evidence(
                    "system", ("resource", "some avg10 %"), [("memory", psi.some.avg10)]
                ),
                key="memory_pressure:psi",
            )


def cpu_saturation(ctx: Context) -> Iterator[Finding]:
    system = ctx.data.get("system")
    if system is None:
        return
    t, load = ctx.thresholds, system.load
    level = _level(load.per_core[0], t.load_warning, t.load_critical)
    top = [(p.pid, _short(p.name, 30), f"{p.cpu_percent:.0f}") for p in system.top_cpu[:5]]
    if level:
        yield Finding(
            rule="cpu_saturation",
            severity=level,
            statement=(
                f"load {load.one:.1f} on {system.cpu_count} cores ({load.per_core[0]:.1f} per core)"
            ),
            next_step="find the busy processes; high load with idle CPU means IO waits",
            evidence=_evidence("system", ("pid", "process", "cpu %"), top),
            key="cpu_saturation:load",
        )
    cpu = system.cpu
    if cpu.busy >= 90:
        yield Finding(
            rule="cpu_saturation",
            severity=Severity.WARNING,
            statement=f"CPU {cpu.busy:.0f}% busy",
            next_step="find the busy processes (top processes by CPU)",
            evidence=_evidence("system", ("pid", "process", "cpu %"), top),
            key="cpu_saturation:busy",
        )
    if cpu.iowait >= 20:
        yield Finding(
            rule="cpu_saturation",
            severity=Severity.WARNING,
            statement=f"CPU waits on IO {cpu.iowait:.0f}% of the time",
            next_step="a disk is the bottleneck: iostat -x 1 shows which",
            evidence=_evidence("system", ("iowait %",), [(f"{cpu.iowait:.1f}",)]),
            key="cpu_saturation:iowait",
        )
    if cpu.steal >= 10:
        yield Finding(
            rule="cpu_saturation",
            severity=Severity.WARNING,
            statement=f"hypervisor steals {cpu.steal:.0f}% of CPU time",
            next_step="a noisy neighbour: move the VM or ask the provider",
            evidence=_evidence("system", ("steal %",), [(f"{cpu.steal:.1f}",)]),
            key="cpu_saturation:steal",
        )


# --- sockets --------------------------------------------------------------------------------


def socket_pileup(ctx: Context) -> Iterator[Finding]:
    sockets = ctx.data.get("sockets")
    if sockets is None:
        return
    t = ctx.thresholds
    for proc in sockets.processes:
        states = dict(proc.states)
        close_wait = states.get("CLOSE_WAIT", 0)
        if close_wait >= t.close_wait_warning:
            who = _short(proc.process, 30) or "sockets without a visible owner"
            yield Finding(
                rule="socket_pileup",
                severity=Severity.CRITICAL
                if close_wait >= 10 * t.close_wait_warning
                else Severity.WARNING,
                statement=f"{who} (pid {proc.pid}) holds {close_wait} CLOSE_WAIT sockets",
                next_step="the peer closed but this process never did: a connection leak "
                "(missing close, exhausted pool); check its error handling and pool size",
                evidence=_evidence(
                    "sockets", ("pid", "process", "CLOSE_WAIT"), [(proc.pid, who, close_wait)]
                ),
                key=f"socket_pileup:close_wait:{proc.pid}",
            )
    for remote in sockets.remote_hosts:
        time_wait = dict(remote.states).get("TIME_WAIT", 0)
        if time_wait >= t.time_wait_warning:
            yield Finding(
                rule="socket_pileup",
                severity=Severity.WARNING,
                statement=f"{time_wait} TIME_WAIT sockets to {remote.address}",
                next_step="connections are opened and closed per request: use keep-alive or "
                "a pool; ephemeral ports may run out",
                evidence=_evidence(
                    "sockets", ("remote", "TIME_WAIT"), [(remote.address, time_wait)]
                ),
                key=f"socket_pileup:time_wait:{remote.address}",
            )
    if sockets.conntrack is not None and sockets.conntrack.percent >= 90:
        track = sockets.conntrack
        yield Finding(
            rule="socket_pileup",
            severity=Severity.CRITICAL,
            statement=f"conntrack table {track.percent:.0f}% full ({track.count}/{track.max})",
            next_step="new connections will be dropped: raise nf_conntrack_max",
            evidence=_evidence("sockets", ("count", "max"), [(track.count, track.max)]),
            key="socket_pileup:conntrack",
        )


# --- queries --------------------------------------------------------------------------------


def connections_near_max(ctx: Context) -> Iterator[Finding]:
    queries = ctx.data.get("queries")
    if queries is None:
        return
    health = queries.health
    pct = health.connections_pct
    level = _level(pct, ctx.thresholds.connections_warning, 95.0)
    if level:
        yield Finding(
            rule="connections_near_max",
            severity=level,
            statement=(
                f"{health.connections} of {health.usable_connections} PostgreSQL connections "
                f"in use ({pct:.0f}%)"
            ),
            next_step="find who holds them (sessions by application, idle in transaction); "
            "a pooler or lower pool sizes",
            evidence=_evidence(
                "queries",
                ("connections", "usable", "max_connections"),
                [(health.connections, health.usable_connections, health.max_connections)],
            ),
            key="connections_near_max",
        )


def idle_in_transaction(ctx: Context) -> Iterator[Finding]:
    queries = ctx.data.get("queries")
    if queries is None:
        return
    act = queries.activity
    age = act.longest_idle_in_transaction_s or 0.0
    if act.idle_in_transaction and age >= 30:
        rows = [
            (s.pid, _short(s.user, 20), _short(s.application, 20), f"{s.state_age_s or 0:.0f}")
            for s in queries.sessions
            if s.state == "idle in transaction"
        ]
        yield Finding(
            rule="idle_in_transaction",
            severity=Severity.WARNING if age < 300 else Severity.CRITICAL,
            statement=(
                f"{act.idle_in_transaction} session(s) idle in transaction, longest "
                f"{format_duration(timedelta(seconds=age))} (pid "
                f"{act.longest_idle_in_transaction_pid})"
            ),
            next_step="they hold locks and snapshots: find the application that forgot to "
            "commit; pg_terminate_backend(pid) if it is blocking others",
            evidence=_evidence("queries", ("pid", "user", "application", "idle s"), rows),
            key="idle_in_transaction",
        )


def blocking_chain(ctx: Context) -> Iterator[Finding]:
    queries = ctx.data.get("queries")
    if queries is None:
        return
    for blocked in queries.blocking:
        blockers = ", ".join(str(b.pid) for b in blocked.blockers)
        wait = blocked.query_age_s or 0.0
        yield Finding(
            rule="blocking_chain",
            severity=Severity.CRITICAL if wait >= 30 else Severity.WARNING,
            statement=(
                f"pid {blocked.pid} waits for a lock held by pid {blockers} "
                f"for {format_duration(timedelta(seconds=wait))}"
            ),
            next_step="look at what the blocker is doing; ending the blocker "
            "(pg_terminate_backend) releases the chain",
            evidence=_evidence(
                "queries",
                ("pid", "role", "query"),
                [(blocked.pid, "blocked", _short(blocked.query, 80))]
                + [(b.pid, "blocker", _short(b.query, 80)) for b in blocked.blockers],
            ),
            key=f"blocking_chain:{blocked.pid}",
        )


def query_dominates(ctx: Context) -> Iterator[Finding]:
    queries = ctx.data.get("queries")
    if queries is None or not queries.statements.available:
        return
    stats = queries.statements
    if not stats.statements or stats.total_ms <= 0:
        return
    top = max(stats.statements, key=lambda s: s.total_ms)
    if top.share_pct >= 40 and top.total_ms >= 1000:
        yield Finding(
            rule="query_dominates",
            severity=Severity.WARNING,
            statement=(
                f"one statement takes {top.share_pct:.0f}% of database time "
                f"(queryid {top.queryid}, mean {top.mean_ms:.0f} ms, {top.calls} calls): "
                f"{_short(top.query, 70)}"
            ),
            next_step="EXPLAIN (ANALYZE, BUFFERS) it; look for a missing index or a plan "
            "change after the last deploy",
            evidence=_evidence(
                "queries",
                ("queryid", "calls", "total ms", "mean ms", "share %", "query"),
                [
                    (
                        top.queryid,
                        top.calls,
                        f"{top.total_ms:.0f}",
                        f"{top.mean_ms:.1f}",
                        f"{top.share_pct:.0f}",
                        _short(top.query, 200),
                    )
                ],
            ),
            key=f"query_dominates:{top.queryid}",
        )


def query_mean_jump(ctx: Context) -> Iterator[Finding]:
    queries = ctx.data.get("queries")
    if queries is None or not queries.statements.available:
        return
    for st in queries.statements.statements:
        delta = st.delta
        if delta is None or delta.restarted or delta.calls < 3:
            continue
        recent = delta.total_ms / delta.calls
        if recent >= 10 and st.mean_ms > 0 and recent >= 3 * st.mean_ms:
            yield Finding(
                rule="query_mean_jump",
                severity=Severity.WARNING,
                statement=(
                    f"queryid {st.queryid} now averages {recent:.0f} ms, "
                    f"{recent / st.mean_ms:.1f}x its mean of {st.mean_ms:.0f} ms: "
                    f"{_short(st.query, 60)}"
                ),
                next_step="a plan change, lock waits or a data growth spurt; "
                "EXPLAIN it and compare with the last deploy",
                evidence=_evidence(
                    "queries",
                    ("queryid", "recent mean ms", "overall mean ms", "calls in interval"),
                    [(st.queryid, f"{recent:.1f}", f"{st.mean_ms:.1f}", delta.calls)],
                ),
                key=f"query_mean_jump:{st.queryid}",
            )


_RULE_FUNCTIONS: tuple[Rule, ...] = (
    disk_full,
    memory_pressure,
    cpu_saturation,
    socket_pileup,
    connections_near_max,
    idle_in_transaction,
    blocking_chain,
    query_dominates,
    query_mean_jump,
)
