"""Rates between two pg_stat_statements snapshots that never go negative.

pg_stat_statements only has running totals; "what is hurting *now*" needs the difference
from the previous look. Totals also go *down*: ``pg_stat_statements_reset()``, an entry
evicted when the table is full (``pg_stat_statements.max``) and re-created later, a server
restart that lost the stats file. pgwatch and pgcenter treat a shrinking counter as a
restart of that counter; so does this module, and it also reads the evidence the server
gives since 14 (``pg_stat_statements_info``: ``dealloc``, ``stats_reset``) and since 17
(each entry's ``stats_since``).

Entries are keyed on (userid, dbid, queryid, toplevel). Interval totals sum only top-level
entries: with ``pg_stat_statements.track = all`` a statement run inside a function is an entry
of its own *and* part of its caller's time, so summing everything would count it twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from debugtui.sources.pgstats import Interval, StatementDelta

Key = tuple[int, int, int, bool]
"""(userid, dbid, queryid, toplevel)"""


@dataclass(frozen=True)
class Counters:
    calls: int
    total_ms: float
    rows: int
    stats_since: datetime | None = None


@dataclass(frozen=True)
class Baseline:
    """Everything a later snapshot needs to compute rates against this one."""

    at: float
    """``time.monotonic()`` when it was read."""
    counters: Mapping[Key, Counters]
    dealloc: int | None = None
    stats_reset: datetime | None = None


def _restarted(now: Counters, before: Counters, reset: bool) -> bool:
    if reset:
        return True
    if now.calls < before.calls or now.total_ms < before.total_ms or now.rows < before.rows:
        return True
    return (
        now.stats_since is not None
        and before.stats_since is not None
        and now.stats_since != before.stats_since
    )


def compute(
    previous: Baseline | None, current: Baseline
) -> tuple[dict[Key, StatementDelta], Interval | None]:
    """Per-entry deltas and the top-level totals; nothing when there is no usable previous.

    An entry that is new or restarted since ``previous`` counts from zero: all of its current
    totals happened inside the interval (it did not exist, or was emptied, at the previous
    look), so its delta is its current value, never a negative difference.
    """
    if previous is None:
        return {}, None
    seconds = current.at - previous.at
    if seconds <= 0:
        return {}, None
    reset = (
        current.stats_reset is not None
        and previous.stats_reset is not None
        and current.stats_reset != previous.stats_reset
    )
    evicted: int | None = None
    if current.dealloc is not None and previous.dealloc is not None:
        if current.dealloc >= previous.dealloc:
            evicted = current.dealloc - previous.dealloc
        else:  # the counter itself went back: only a reset or a restart does that
            reset = True
    deltas: dict[Key, StatementDelta] = {}
    restarted_entries = 0
    calls = 0
    total_ms = 0.0
    for key, now in current.counters.items():
        before = previous.counters.get(key)
        if before is None:
            delta = StatementDelta(seconds, now.calls, now.total_ms, now.rows, restarted=False)
        elif _restarted(now, before, reset):
            delta = StatementDelta(seconds, now.calls, now.total_ms, now.rows, restarted=True)
            restarted_entries += 1
        else:
            delta = StatementDelta(
                seconds,
                now.calls - before.calls,
                now.total_ms - before.total_ms,
                now.rows - before.rows,
                restarted=False,
            )
        deltas[key] = delta
        if key[3]:
            calls += delta.calls
            total_ms += delta.total_ms
    interval = Interval(
        seconds=seconds,
        calls_per_s=calls / seconds,
        ms_per_s=total_ms / seconds,
        reset=reset,
        evicted=evicted,
        restarted_entries=restarted_entries,
    )
    return deltas, interval
