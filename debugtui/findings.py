"""Cross-source correlation: snapshots in, findings out, as pure functions.

This is where debugtui becomes more than the sum of ``git log``, ``rg``, ``psql``,
``docker stats`` and ``ss``: each rule looks at one or more source snapshots and states what
a responder should look at next. Rules never do IO and never raise on odd data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from itertools import accumulate
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
    subject: str = ""
    """What the finding is about, as a responder names it: a deploy, a container."""
    at: datetime | None = None
    """When what it states happened (a deploy, the start of a rise, a kill); None: now."""
    because: str = ""
    """Why, in a line, for a hypothesis made from it; empty: its evidence's first rows say
    it (a rule whose evidence is in time order, the telling rows last, writes its own)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "statement": self.statement,
            "next_step": self.next_step,
            "evidence": dict(self.evidence),
            "key": self.key or self.rule,
            "subject": self.subject,
            "at": self.at.isoformat() if self.at else None,
            "because": self.because,
        }


RULES: Mapping[str, str] = {
    "deploy_before_errors": "a deploy shortly before a rise in log errors",
    "deploy_suspect": "a deploy in the window before the impact start: a suspect",
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
    """When the impact started, if the responder said so; deploys before it are suspects."""
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Source name -> the params its snapshot was collected with (to re-run the evidence)."""
    collected_at: Mapping[str, datetime] = field(default_factory=dict)
    """Source name -> when its snapshot was taken (the end of an open-ended log window)."""
    memo: dict[str, Any] = field(default_factory=dict, compare=False)
    """What several rules derive from the same data (the error spike), computed once."""


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
        params={name: snap.params for name, snap in snapshots.items() if snap.ok and snap.data},
        collected_at={name: snap.collected_at for name, snap in snapshots.items()},
    )
    found: list[Finding] = []
    for rule in RULE_FUNCTIONS:
        try:
            found.extend(_rerunnable(f, ctx) for f in rule(ctx))
        except Exception:  # see the docstring: a broken rule costs one rule
            continue
    order = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}
    return sorted(found, key=lambda f: (order.get(f.severity, 3), f.rule, f.key))


def _rerunnable(finding: Finding, ctx: Context) -> Finding:
    """The finding with its evidence's collect params, so pinned evidence can be re-run."""
    evidence = finding.evidence
    source = evidence.get("source")
    if "params" in evidence or source not in ctx.params:
        return finding
    return replace(finding, evidence={**evidence, "params": dict(ctx.params[source])})


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


# --- logs and deploys -----------------------------------------------------------------------

BASELINE_MINUTES = 60
"""How far back the baseline error rate is averaged."""
MIN_BASELINE_MINUTES = 10
"""A rise needs this much quiet history before it; a window that opens mid-spike has none."""
RISE_MINUTES = 5
"""The rise must hold (on average) over this many minutes, or as many as the window has."""
MIN_SPIKE_PER_MINUTE = 1.0
"""A spike is at least one matching line a minute, however quiet the baseline."""
MAX_HISTOGRAM_MINUTES = 7 * 24 * 60
"""Minutes of histogram looked at (the newest); a week is more than an incident needs."""
UNUSUAL_P = 0.01
"""A minute the baseline rate would give less often than this is unusual (Poisson tail)."""


@dataclass(frozen=True)
class Spike:
    """A rise of the log error rate: where it starts and how it compares with before."""

    start: datetime
    """The first minute (UTC) of the rise."""
    baseline_from: datetime
    baseline_minutes: int
    baseline_matches: int
    minutes: int
    """Minutes from the start to the end of the searched window."""
    matches: int
    """Matches from the start to the end of the window."""
    peak_at: datetime
    peak: int
    pattern: str

    @property
    def baseline_rate(self) -> float:
        return self.baseline_matches / self.baseline_minutes

    @property
    def rate(self) -> float:
        return self.matches / self.minutes

    @property
    def ratio(self) -> float:
        """How many times the baseline rate; infinite when the baseline had no error."""
        return self.rate / self.baseline_rate if self.baseline_matches else math.inf

    def ratio_text(self) -> str:
        return f"{self.ratio:.0f}x" if self.baseline_matches else "from none"


def _floor_minute(when: datetime) -> datetime:
    return when.astimezone(timezone.utc).replace(second=0, microsecond=0)


def minute_series(
    histogram: Sequence[tuple[datetime, int]],
    since: datetime | None,
    until: datetime | None,
    now: datetime,
) -> tuple[datetime, list[int]]:
    """The sparse per-minute histogram as a dense list from its first minute, zeros filled.

    It spans the searched window (``since`` to ``until``, else to ``now``) and at least the
    histogram's own minutes, capped to the newest ``MAX_HISTOGRAM_MINUTES``.
    """
    minutes = [(_floor_minute(t), n) for t, n in histogram]
    firsts = [m for m, _ in minutes[:1]] + ([_floor_minute(since)] if since else [])
    lasts = [m for m, _ in minutes[-1:]]
    lasts.append(_floor_minute(until - timedelta(microseconds=1)) if until else _floor_minute(now))
    if not firsts:
        return _floor_minute(now), []
    first, last = min(firsts), max(lasts)
    first = max(first, last - timedelta(minutes=MAX_HISTOGRAM_MINUTES - 1))
    counts = [0] * (int((last - first).total_seconds()) // 60 + 1)
    for minute, n in minutes:
        index = int((minute - first).total_seconds()) // 60
        if 0 <= index < len(counts):
            counts[index] += n
    return first, counts


def _unusual(rate: float) -> float:
    """The smallest count a Poisson process of ``rate`` reaches less often than UNUSUAL_P."""
    if rate <= 0:
        return 1.0
    if rate >= 30:  # the normal approximation is close enough and costs nothing
        return math.ceil(rate + 2.33 * math.sqrt(rate) + 1)
    term = total = math.exp(-rate)
    k = 0
    while 1.0 - total >= UNUSUAL_P:
        k += 1
        term *= rate / k
        total += term
    return float(k + 1)


def find_spike(logs: Any, factor: float, now: datetime) -> Spike | None:
    """The first rise of the log match rate in a logs snapshot's per-minute histogram.

    A minute starts a rise when it has at least ``MIN_BASELINE_MINUTES`` of history and its
    count is both ``factor`` times the baseline (the mean of the preceding hour) and unusual
    for it (a Poisson tail under 1%), and the next ``RISE_MINUTES`` hold it: their mean is
    ``factor`` times the baseline and at least one a minute, their total unusual too. An
    isolated error in a quiet log is not a spike; a quiet log suddenly logging errors is.
    ``now`` ends a window left open (when the search ran).
    """
    first, counts = minute_series(logs.histogram, logs.since, logs.until, now)
    sums = [0, *accumulate(counts)]
    for i in range(MIN_BASELINE_MINUTES, len(counts)):
        base_from = max(0, i - BASELINE_MINUTES)
        base_matches = sums[i] - sums[base_from]
        base = base_matches / (i - base_from)
        if counts[i] < max(factor * base, _unusual(base)):
            continue
        held = min(RISE_MINUTES, len(counts) - i)
        held_matches = sums[i + held] - sums[i]
        if held_matches / held < max(factor * base, MIN_SPIKE_PER_MINUTE):
            continue
        if held_matches < _unusual(base * held):
            continue
        peak_index = max(range(i, len(counts)), key=lambda j: (counts[j], -j))
        return Spike(
            start=first + timedelta(minutes=i),
            baseline_from=first + timedelta(minutes=base_from),
            baseline_minutes=i - base_from,
            baseline_matches=base_matches,
            minutes=len(counts) - i,
            matches=sums[-1] - sums[i],
            peak_at=first + timedelta(minutes=peak_index),
            peak=counts[peak_index],
            pattern=logs.pattern,
        )
    return None


def _clock(when: datetime, now: datetime) -> str:
    """``14:02 UTC``, with the date when it is not today's."""
    utc = when.astimezone(timezone.utc)
    if utc.date() == now.astimezone(timezone.utc).date():
        return f"{utc:%H:%M} UTC"
    return f"{utc:%Y-%m-%d %H:%M} UTC"


def _rate(value: float) -> str:
    return f"{value:.1f}/min"


def _spike(ctx: Context) -> Spike | None:
    if "spike" not in ctx.memo:
        logs = ctx.data.get("logs")
        end = ctx.collected_at.get("logs", ctx.now)
        found = None
        if logs is not None and logs.histogram:
            found = find_spike(logs, ctx.thresholds.error_spike_factor, end)
        ctx.memo["spike"] = found
    return ctx.memo["spike"]


def error_spike(ctx: Context) -> Iterator[Finding]:
    spike = _spike(ctx)
    if spike is None:
        return
    base_to = spike.baseline_from + timedelta(minutes=spike.baseline_minutes)
    end = spike.start + timedelta(minutes=spike.minutes)
    yield Finding(
        rule="error_spike",
        severity=(
            Severity.CRITICAL
            if spike.ratio >= 3 * ctx.thresholds.error_spike_factor
            else Severity.WARNING
        ),
        statement=(
            f"log errors rose at {_clock(spike.start, ctx.now)}: {_rate(spike.baseline_rate)} "
            f"before, {_rate(spike.rate)} since ({spike.ratio_text()}), peak {spike.peak} "
            f"at {_clock(spike.peak_at, ctx.now)}"
        ),
        next_step="read the first errors of the rise (Logs tab, window from "
        f"{spike.start:%H:%M}); what changed just before: deploys, config, traffic, a dependency",
        evidence=_evidence(
            "logs",
            ("period", "from", "to", "minutes", "matches", "per minute"),
            [
                (
                    "baseline",
                    _stamp(spike.baseline_from),
                    _stamp(base_to),
                    spike.baseline_minutes,
                    spike.baseline_matches,
                    f"{spike.baseline_rate:.2f}",
                ),
                (
                    "rise",
                    _stamp(spike.start),
                    _stamp(end),
                    spike.minutes,
                    spike.matches,
                    f"{spike.rate:.2f}",
                ),
                (
                    "peak minute",
                    _stamp(spike.peak_at),
                    _stamp(spike.peak_at + timedelta(minutes=1)),
                    1,
                    spike.peak,
                    str(spike.peak),
                ),
                ("pattern", "", "", "", "", _short(spike.pattern, 80)),
            ],
        ),
        key="error_spike",
        subject=f"log errors ({_short(spike.pattern, 40)})",
        at=spike.start,
    )


def _minutes(delay: timedelta) -> str:
    """A delay between minutes of the histogram: whole minutes are all it knows."""
    return f"{int(delay.total_seconds() // 60)} min"


def _stamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def _deploy_subject(marker: Any) -> str:
    return f"{marker.name} ({marker.repo} {marker.short_sha})"


def _deploy_key(rule: str, marker: Any) -> str:
    return f"{rule}:{marker.repo}:{marker.sha}"


def _deploys_before_rise(ctx: Context, spike: Spike) -> list[Any]:
    """Per repository, the newest deploy in the window before the rise (the minute of the
    rise included: the histogram only knows minutes)."""
    deploys = ctx.data.get("deploys")
    if deploys is None:
        return []
    window = timedelta(minutes=ctx.thresholds.deploy_window_minutes)
    latest: dict[str, Any] = {}
    for marker in deploys.markers:
        if spike.start - window <= marker.at < spike.start + timedelta(minutes=1):
            best = latest.get(marker.repo)
            if best is None or marker.at > best.at:
                latest[marker.repo] = marker
    return sorted(latest.values(), key=lambda m: m.at, reverse=True)


def _previous_deploy(deploys: Any, marker: Any) -> Any | None:
    older = [
        m
        for m in deploys.markers
        if m.repo == marker.repo and m.at < marker.at and m.sha != marker.sha
    ]
    return max(older, key=lambda m: m.at) if older else None


def deploy_before_errors(ctx: Context) -> Iterator[Finding]:
    spike = _spike(ctx)
    deploys = ctx.data.get("deploys")
    if spike is None or deploys is None:
        return
    for marker in _deploys_before_rise(ctx, spike):
        delay = spike.start - _floor_minute(marker.at)
        previous = _previous_deploy(deploys, marker)
        # What it shipped by ancestry, as the source worked out (not by commit times: a
        # branch merged after the previous deploy carries commits older than it).
        shipped = [
            c for c in deploys.commits if c.repo == marker.repo and c.shipped_in == marker.label
        ]
        rows: list[tuple[object, ...]] = [
            (
                _stamp(marker.at),
                "deploy",
                marker.repo,
                marker.name,
                marker.short_sha,
                marker.subject,
            )
        ]
        rows += [
            (
                _stamp(c.committed_at),
                "commit",
                c.repo,
                c.deploy or "",
                c.short_sha,
                f"{c.subject} ({c.files_changed} files, +{c.insertions} -{c.deletions})",
            )
            for c in shipped
        ]
        rows.append(
            (
                _stamp(spike.start),
                "errors rose",
                "",
                "",
                "",
                f"{_rate(spike.baseline_rate)} -> {_rate(spike.rate)} ({spike.ratio_text()})",
            )
        )
        rows.sort(key=lambda r: str(r[0]))
        if previous is not None:
            next_step = (
                f"what changed: git -C <{marker.repo}> diff --stat {previous.name}..{marker.name}"
                f"; if the errors point at it, roll back to {previous.name} first, debug after"
            )
        else:
            next_step = (
                f"what changed: git -C <{marker.repo}> show --stat {marker.short_sha}; "
                "if the errors point at it, roll back first, debug after"
            )
        yield Finding(
            rule="deploy_before_errors",
            severity=Severity.CRITICAL
            if spike.ratio >= 3 * ctx.thresholds.error_spike_factor
            else Severity.WARNING,
            statement=(
                f"deploy {marker.name} ({marker.repo} {marker.short_sha} "
                f"“{_short(marker.subject, 50)}”) {_minutes(delay)} before log errors "
                f"rose {spike.ratio_text()} ({_rate(spike.baseline_rate)} -> "
                f"{_rate(spike.rate)})"
            ),
            next_step=next_step,
            evidence=_evidence("deploys", ("at", "what", "repo", "ref", "sha", "detail"), rows),
            key=_deploy_key("deploy_before_errors", marker),
            subject=_deploy_subject(marker),
            at=marker.at,
            because=_shipped(marker.name, previous, shipped),
        )


def _shipped(name: str, previous: Any, commits: list[Any]) -> str:
    """What a deploy shipped, newest commit first: the part of its evidence a hypothesis
    about it rests on (the statement already names the deploy and the rise)."""
    if not commits:
        return ""
    since = f" since {previous.name}" if previous is not None else ""
    listed = "; ".join(
        f"{c.short_sha} {c.subject} ({c.files_changed} files, +{c.insertions} -{c.deletions})"
        for c in sorted(commits, key=lambda c: c.committed_at, reverse=True)
    )
    return f"{name} shipped {_plural(len(commits), 'commit')}{since}: {listed}"


def deploy_suspect(ctx: Context) -> Iterator[Finding]:
    """Deploys in ``deploy_window_minutes`` before the impact start (else the rise's start);
    the one ``deploy_before_errors`` already names is left to it."""
    deploys = ctx.data.get("deploys")
    if deploys is None:
        return
    spike = _spike(ctx)
    anchor = ctx.impact_start or (spike.start if spike else None)
    if anchor is None:
        return
    named = {(m.repo, m.sha) for m in _deploys_before_rise(ctx, spike)} if spike else set()
    window = timedelta(minutes=ctx.thresholds.deploy_window_minutes)
    what = "the impact start" if ctx.impact_start else "log errors rose"
    for marker in deploys.markers:
        if not anchor - window <= marker.at < anchor + timedelta(minutes=1):
            continue
        if (marker.repo, marker.sha) in named:
            continue
        before = anchor - marker.at
        when = f"{format_duration(before)} before" if before >= timedelta(0) else "at"
        yield Finding(
            rule="deploy_suspect",
            severity=Severity.INFO,
            statement=(
                f"suspect: deploy {marker.name} ({marker.repo} {marker.short_sha} "
                f"“{_short(marker.subject, 50)}”) {when} {what}"
            ),
            next_step="rule it in or out: what did it change, and did the errors start on "
            "the hosts it reached first? (S marks it a suspect in the notebook)",
            evidence=_evidence(
                "deploys",
                ("at", "repo", "kind", "name", "sha", "subject"),
                [
                    (
                        _stamp(marker.at),
                        marker.repo,
                        marker.kind,
                        marker.name,
                        marker.short_sha,
                        marker.subject,
                    )
                ],
            ),
            key=_deploy_key("deploy_suspect", marker),
            subject=_deploy_subject(marker),
            at=marker.at,
        )


# --- containers -----------------------------------------------------------------------------

CRASH_LOOP_RESTARTS = 3
"""Restarts (or deaths) in the window that make a container crash-looping."""


def _container_events(containers: Any, name: str, *actions: str) -> list[Any]:
    return [e for e in containers.events if e.container == name and e.action in actions]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _recent(when: datetime | None, since: datetime) -> bool:
    return when is not None and when >= since


def _container_state(c: Any) -> str:
    parts = [c.status]
    if c.health:
        parts.append(c.health)
    if c.restart_count:
        parts.append(f"{c.restart_count} restarts")
    if c.exit_code is not None:
        parts.append(f"exit code {c.exit_code}")
    parts.extend(c.flags)
    parts.append(f"image {c.image}")
    return ", ".join(parts)


def _container_evidence(c: Any, events: Sequence[Any], limit: int = 20) -> dict:
    """One table of what happened to a container: its state now, then its events."""
    when = c.finished_at or c.started_at
    rows: list[tuple[object, ...]] = [
        (_stamp(when) if when else "-", _short(c.name, 40), "state", _container_state(c))
    ]
    rows += [
        (_stamp(e.time), _short(e.container, 40), e.action, _short(e.detail, 60))
        for e in events[-limit:]
    ]
    return _evidence("containers", ("time", "container", "event", "detail"), rows)


def container_restarts(ctx: Context) -> Iterator[Finding]:
    containers = ctx.data.get("containers")
    if containers is None:
        return
    since = containers.since
    for c in containers.containers:
        deaths = _container_events(containers, c.name, "die", "restart")
        dies = [e for e in deaths if e.action == "die"]
        restarts = c.restart_count or 0
        restarting = c.status == "restarting"
        if not (restarts > 0 or len(dies) >= 2 or restarting):
            continue
        recent = bool(deaths) or _recent(c.started_at, since) or _recent(c.finished_at, since)
        looping = (
            restarting
            or len(dies) >= CRASH_LOOP_RESTARTS
            or (restarts >= CRASH_LOOP_RESTARTS and recent)
        )
        severity = Severity.CRITICAL if looping else Severity.WARNING if recent else Severity.INFO
        state = "crash-looping" if looping else "restarting" if recent else "restarted"
        counted = [_plural(restarts, "restart")] if restarts else []
        if dies:
            counted.append(f"{_plural(len(dies), 'exit')} since {_clock(since, ctx.now)}")
        if c.exit_code is not None:
            counted.append(f"last exit code {c.exit_code}")
        yield Finding(
            rule="container_restarts",
            severity=severity,
            statement=f"container {_short(c.name, 40)} {state}"
            + (f": {', '.join(counted)}" if counted else ""),
            next_step=f"read why it exits: docker logs --tail 50 {_short(c.name, 40)} (the "
            "Containers tab jumps to its logs); a config or dependency failing at start-up?",
            evidence=_container_evidence(c, deaths),
            key=f"container_restarts:{c.name}",
            subject=f"container {c.name}",
            at=(deaths[-1].time if deaths else c.finished_at or c.started_at),
        )


def container_killed(ctx: Context) -> Iterator[Finding]:
    containers = ctx.data.get("containers")
    if containers is None:
        return
    since = containers.since
    for c in containers.containers:
        ooms = _container_events(containers, c.name, "oom")
        kill_deaths = [
            e for e in _container_events(containers, c.name, "die") if e.exit_code == 137
        ]
        if not (c.killed or c.oom or ooms or kill_deaths):
            continue
        oom = c.oom or bool(ooms)
        events = sorted(ooms + kill_deaths, key=lambda e: e.time)
        recent = bool(events) or _recent(c.finished_at, since)
        if oom:
            how = "OOM-killed"
            if len(ooms) > 1:
                how += f" {len(ooms)} times"
        else:
            how = "killed (exit 137: SIGKILL, from the OOM killer or a kill/stop timeout)"
            if len(kill_deaths) > 1:
                how = f"killed {len(kill_deaths)} times (exit 137: SIGKILL)"
        if not recent:
            severity = Severity.INFO
        else:
            severity = Severity.CRITICAL if oom or len(kill_deaths) > 1 else Severity.WARNING
        name = _short(c.name, 40)
        yield Finding(
            rule="container_killed",
            severity=severity,
            statement=f"container {name} {how}",
            next_step=f"was it memory? dmesg -T | grep -i -e oom -e 'killed process'; "
            f"docker inspect {name} (State.OOMKilled, HostConfig.Memory); raise the limit or "
            "find what grew",
            evidence=_container_evidence(c, events),
            key=f"container_killed:{c.name}",
            subject=f"container {c.name}",
            at=events[-1].time if events else c.finished_at,
        )


def container_unhealthy(ctx: Context) -> Iterator[Finding]:
    containers = ctx.data.get("containers")
    if containers is None:
        return
    for c in containers.containers:
        if c.health != "unhealthy":
            continue
        changes = _container_events(containers, c.name, "health_status")
        name = _short(c.name, 40)
        yield Finding(
            rule="container_unhealthy",
            severity=Severity.WARNING if c.running else Severity.INFO,
            statement=f"container {name} is unhealthy ({c.status})",
            next_step=f"see what the check says: docker inspect --format "
            f"'{{{{json .State.Health}}}}' {name}; then its logs",
            evidence=_container_evidence(c, changes),
            key=f"container_unhealthy:{c.name}",
            subject=f"container {c.name}",
            at=changes[-1].time if changes else None,
        )


RULE_FUNCTIONS: tuple[Rule, ...] = (
    disk_full,
    memory_pressure,
    cpu_saturation,
    socket_pileup,
    connections_near_max,
    idle_in_transaction,
    blocking_chain,
    query_dominates,
    query_mean_jump,
    error_spike,
    deploy_before_errors,
    deploy_suspect,
    container_restarts,
    container_killed,
    container_unhealthy,
)
"""Every rule evaluate() runs, in order; a catalogued id in RULES without a function here
never fires (a playbook check on it stays "unknown")."""
