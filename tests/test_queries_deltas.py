"""Rates between pg_stat_statements snapshots: resets, evictions and nesting never mislead.

These are plain values through the pure delta function; the real-server versions of the
common cases (more workload, a reset) are in test_queries_statements.py. Eviction and
PostgreSQL 17's per-entry ``stats_since`` cannot be produced on demand here, so they are
checked as values.
"""

from __future__ import annotations

from datetime import datetime, timezone

from debugtui.sources.pgdeltas import Baseline, Counters, compute

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
T1 = datetime(2026, 1, 2, tzinfo=timezone.utc)
TOP = (10, 1, 111, True)
NESTED = (10, 1, 222, False)
OTHER = (10, 1, 333, True)


def test_first_snapshot_has_no_rates() -> None:
    deltas, interval = compute(None, Baseline(1.0, {TOP: Counters(5, 50.0, 5)}))
    assert deltas == {} and interval is None


def test_rates_are_differences_over_the_interval() -> None:
    before = Baseline(10.0, {TOP: Counters(10, 100.0, 10)})
    after = Baseline(12.0, {TOP: Counters(30, 300.0, 40)})
    deltas, interval = compute(before, after)
    delta = deltas[TOP]
    assert (delta.calls, delta.total_ms, delta.rows) == (20, 200.0, 30)
    assert delta.calls_per_s == 10.0 and delta.ms_per_s == 100.0 and delta.mean_ms == 10.0
    assert interval is not None and interval.calls_per_s == 10.0 and not interval.reset


def test_totals_count_only_top_level_statements() -> None:
    before = Baseline(0.0, {TOP: Counters(0, 0.0, 0), NESTED: Counters(0, 0.0, 0)})
    after = Baseline(1.0, {TOP: Counters(1, 200.0, 1), NESTED: Counters(1, 190.0, 1)})
    _, interval = compute(before, after)
    assert interval is not None
    assert interval.ms_per_s == 200.0 and interval.calls_per_s == 1.0


def test_shrinking_counter_counts_from_zero_not_negative() -> None:
    before = Baseline(0.0, {TOP: Counters(100, 1000.0, 100)})
    after = Baseline(5.0, {TOP: Counters(3, 30.0, 3)})
    deltas, interval = compute(before, after)
    assert deltas[TOP].calls == 3 and deltas[TOP].restarted
    assert interval is not None and interval.restarted_entries == 1


def test_new_entry_counts_from_zero() -> None:
    before = Baseline(0.0, {TOP: Counters(1, 1.0, 1)})
    after = Baseline(1.0, {TOP: Counters(1, 1.0, 1), OTHER: Counters(4, 8.0, 4)})
    deltas, _ = compute(before, after)
    assert deltas[OTHER].calls == 4 and not deltas[OTHER].restarted


def test_changed_stats_reset_marks_every_entry_restarted() -> None:
    before = Baseline(0.0, {TOP: Counters(5, 50.0, 5)}, dealloc=0, stats_reset=T0)
    after = Baseline(1.0, {TOP: Counters(8, 80.0, 8)}, dealloc=0, stats_reset=T1)
    deltas, interval = compute(before, after)
    # 8 > 5, yet the reset says all 8 calls happened after it
    assert deltas[TOP].calls == 8 and deltas[TOP].restarted
    assert interval is not None and interval.reset


def test_dealloc_growth_is_reported_as_evictions() -> None:
    before = Baseline(0.0, {TOP: Counters(5, 50.0, 5)}, dealloc=7, stats_reset=T0)
    after = Baseline(1.0, {TOP: Counters(6, 60.0, 6)}, dealloc=10, stats_reset=T0)
    _, interval = compute(before, after)
    assert interval is not None and interval.evicted == 3 and not interval.reset


def test_dealloc_going_back_means_a_reset() -> None:
    before = Baseline(0.0, {TOP: Counters(5, 50.0, 5)}, dealloc=7, stats_reset=T0)
    after = Baseline(1.0, {TOP: Counters(6, 60.0, 6)}, dealloc=0, stats_reset=T0)
    _, interval = compute(before, after)
    assert interval is not None and interval.reset and interval.evicted is None


def test_changed_stats_since_marks_an_evicted_and_recreated_entry() -> None:
    before = Baseline(0.0, {TOP: Counters(5, 50.0, 5, stats_since=T0)})
    after = Baseline(1.0, {TOP: Counters(9, 90.0, 9, stats_since=T1)})
    deltas, _ = compute(before, after)
    assert deltas[TOP].calls == 9 and deltas[TOP].restarted


def test_no_time_passed_gives_no_rates() -> None:
    same = Baseline(1.0, {TOP: Counters(1, 1.0, 1)})
    assert compute(same, same) == ({}, None)


def test_deltas_for_chosen_keys_only_while_totals_cover_every_entry() -> None:
    before = Baseline(0.0, {TOP: Counters(1, 10.0, 1), OTHER: Counters(100, 1000.0, 100)})
    after = Baseline(1.0, {TOP: Counters(3, 30.0, 3), OTHER: Counters(2, 5.0, 2)})
    deltas, interval = compute(before, after, keys=[TOP])
    assert set(deltas) == {TOP} and deltas[TOP].calls == 2
    # OTHER shrank (restarted): it counts from zero, TOP by its difference
    assert interval is not None and interval.restarted_entries == 1
    assert interval.calls_per_s == 4.0 and interval.ms_per_s == 25.0


def test_counters_may_be_plain_tuples_in_that_order() -> None:
    before = Baseline(0.0, {TOP: (10, 100.0, 10, None)})
    after = Baseline(2.0, {TOP: (30, 300.0, 40, None)})
    deltas, _ = compute(before, after)
    assert (deltas[TOP].calls, deltas[TOP].total_ms, deltas[TOP].rows) == (20, 200.0, 30)
