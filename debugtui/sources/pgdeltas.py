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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from debugtui.sources.pgstats import Interval, StatementDelta

Key = tuple[int, int, int, bool]
"""(userid, dbid, queryid, toplevel)"""

CounterValues = tuple[int, float, int, datetime | None]
"""(calls, total_ms, rows, stats_since): what :func:`compute` reads, by position."""


class Counters(NamedTuple):
    """One entry's running totals. Any tuple of these four values in this order will do:
    the queries source passes the values straight from its result rows, no object per entry
    (a refresh reads thousands)."""

    calls: int
    total_ms: float
    rows: int
    stats_since: datetime | None = None


@dataclass(frozen=True)
class Baseline:
    """Everything a later snapshot needs to compute rates against this one."""

    at: float
    """``time.monotonic()`` when it was read."""
    counters: Mapping[Key, CounterValues]
    dealloc: int | None = None
    stats_reset: datetime | None = None


def _restarted(now: CounterValues, before: CounterValues) -> bool:
    """A counter went down, or the entry's own ``stats_since`` moved: it was re-created."""
    return (
        now[0] < before[0]
        or now[1] < before[1]
        or now[2] < before[2]
        or (now[3] is not None and before[3] is not None and now[3] != before[3])
    )


def compute(
    previous: Baseline | None, current: Baseline, keys: Iterable[Key] | None = None
) -> tuple[dict[Key, StatementDelta], Interval | None]:
    """Per-entry deltas and the top-level totals; nothing when there is no usable previous.

    An entry that is new or restarted since ``previous`` counts from zero: all of its current
    totals happened inside the interval (it did not exist, or was emptied, at the previous
    look), so its delta is its current value, never a negative difference.

    The totals always cover every entry; ``keys`` limits the per-entry deltas to those
    entries (the statements shown), since building one for each of thousands of entries
    costs more than the rest of the computation.
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
    earlier = previous.counters.get
    restarted_entries = 0
    calls = 0
    total_ms = 0.0
    # This runs on every refresh over thousands of entries, most of them unchanged in a
    # quiet interval: one pass, no object made per entry, and an unchanged entry (nothing
    # to add, not restarted) costs one comparison. A reset restarts every entry.
    for key, now in current.counters.items():
        before = earlier(key)
        if now == before and not reset:
            continue
        if before is not None and (reset or _restarted(now, before)):
            restarted_entries += 1
            before = None
        if key[3]:
            if before is None:
                calls += now[0]
                total_ms += now[1]
            else:
                calls += now[0] - before[0]
                total_ms += now[1] - before[1]
    wanted = current.counters if keys is None else keys
    deltas: dict[Key, StatementDelta] = {}
    for key in wanted:
        now = current.counters.get(key)
        if now is not None:
            deltas[key] = _delta(seconds, now, earlier(key), reset)
    interval = Interval(
        seconds=seconds,
        calls_per_s=calls / seconds,
        ms_per_s=total_ms / seconds,
        reset=reset,
        evicted=evicted,
        restarted_entries=restarted_entries,
    )
    return deltas, interval


def _delta(
    seconds: float, now: CounterValues, before: CounterValues | None, reset: bool
) -> StatementDelta:
    if before is None:
        return StatementDelta(seconds, now[0], now[1], now[2], restarted=False)
    if reset or _restarted(now, before):
        return StatementDelta(seconds, now[0], now[1], now[2], restarted=True)
    return StatementDelta(
        seconds, now[0] - before[0], now[1] - before[1], now[2] - before[2], restarted=False
    )
