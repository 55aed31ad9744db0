"""Stats payload arithmetic: CPU % of one core from two samples (or, for a first reading, the
average since the start), working set, IO totals.

These are pure functions of the engine's JSON, so the payloads here are written out in the
shapes Docker (cgroup v1 and v2) and podman send; the podman ones are also exercised live
in test_containers_inventory.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from debugtui.sources.containerstats import (
    CpuReading,
    CpuSample,
    block_io_totals,
    container_stats,
    cpu_baseline,
    cpu_percent,
    cpu_reading,
    cpu_sample,
    cpu_since_start,
    from_libpod,
    kept_samples,
    network_totals,
    parse_engine_time,
    working_set,
)

T0 = datetime(2026, 1, 31, 14, 0, tzinfo=timezone.utc)


def sample(usage_ns: int, at_s: float, started: str = "run-1") -> CpuSample:
    return CpuSample(started, usage_ns, T0 + timedelta(seconds=at_s), int(at_s * 1e9))


def test_cpu_percent_is_usage_over_wall_time_of_one_core() -> None:
    # half a second of CPU in two seconds: a quarter of one core
    assert cpu_percent(sample(1_000_000_000, 0), sample(1_500_000_000, 2)) == (25.0, 2.0)


def test_cpu_percent_can_exceed_100_for_several_cores() -> None:
    result = cpu_percent(sample(0, 0), sample(3_000_000_000, 1))
    assert result is not None and result[0] == 300.0


def test_cpu_percent_needs_a_previous_sample_of_the_same_run() -> None:
    assert cpu_percent(None, sample(5, 1)) is None
    assert cpu_percent(sample(9_000, 0, "run-1"), sample(10, 1, "run-2")) is None


def test_cpu_percent_rejects_usage_going_backwards_or_no_time_passing() -> None:
    assert cpu_percent(sample(900, 0), sample(100, 1)) is None
    assert cpu_percent(sample(100, 1), sample(900, 1)) is None


def test_cpu_percent_falls_back_to_local_clock_without_engine_read_times() -> None:
    before = CpuSample("r", 0, None, 0)
    after = CpuSample("r", 100_000_000, None, 1_000_000_000)
    assert cpu_percent(before, after) == (10.0, 1.0)


def test_cpu_sample_reads_total_usage_and_read_time() -> None:
    payload = {
        "read": "2026-01-31T14:00:01.123456789Z",
        "cpu_stats": {"cpu_usage": {"total_usage": 42}, "system_cpu_usage": 1},
    }
    got = cpu_sample(payload, "run", 7)
    assert got == CpuSample("run", 42, datetime(2026, 1, 31, 14, 0, 1, 123456, timezone.utc), 7)
    assert cpu_sample({"cpu_stats": {}}, "run", 7) is None


def test_working_set_subtracts_inactive_file_on_cgroup_v2() -> None:
    stats = {"usage": 100_000, "limit": 400_000, "stats": {"inactive_file": 30_000}}
    assert working_set(stats) == (70_000, 400_000)


def test_working_set_subtracts_total_inactive_file_on_cgroup_v1() -> None:
    stats = {"usage": 100_000, "limit": 400_000, "stats": {"total_inactive_file": 60_000}}
    assert working_set(stats) == (40_000, 400_000)


def test_working_set_is_usage_without_a_breakdown_as_podman_sends() -> None:
    assert working_set({"usage": 245_760, "limit": 25_276_063_744}) == (245_760, 25_276_063_744)
    assert working_set({}) == (None, None)


def test_network_totals_sum_interfaces_and_none_without_networks() -> None:
    networks = {"eth0": {"rx_bytes": 10, "tx_bytes": 1}, "eth1": {"rx_bytes": 5, "tx_bytes": 2}}
    assert network_totals(networks) == (15, 3)
    assert network_totals(None) == (None, None)
    assert network_totals({}) == (None, None)


def test_block_io_totals_sum_reads_and_writes_in_either_case() -> None:
    blkio = {
        "io_service_bytes_recursive": [
            {"major": 8, "minor": 0, "op": "Read", "value": 100},
            {"major": 8, "minor": 16, "op": "read", "value": 20},
            {"major": 8, "minor": 0, "op": "Write", "value": 7},
            {"major": 8, "minor": 0, "op": "Total", "value": 127},
        ]
    }
    assert block_io_totals(blkio) == (120, 7)
    assert block_io_totals({"io_service_bytes_recursive": []}) == (0, 0)
    assert block_io_totals({"io_service_bytes_recursive": None}) == (None, None)


def test_container_stats_memory_percent_against_limit() -> None:
    payload = {
        "memory_stats": {"usage": 50, "limit": 200},
        "pids_stats": {"current": 3},
    }
    stats = container_stats(payload, CpuReading(12.5, 1.0, since_start=False))
    assert stats.memory_percent == 25.0
    assert stats.cpu_percent == 12.5
    assert stats.cpu_since_start is False
    assert stats.pids == 3
    assert stats.net_rx_bytes is None


def test_engine_times_with_nanoseconds_and_go_zero_time() -> None:
    assert parse_engine_time("2026-11-25T12:16:29.245747844Z") == datetime(
        2026, 11, 25, 12, 16, 29, 245747, timezone.utc
    )
    assert parse_engine_time("2026-11-25T13:16:29.5+01:00") == datetime(
        2026, 11, 25, 12, 16, 29, 500000, timezone.utc
    )
    assert parse_engine_time("0001-01-01T00:00:00Z") is None
    assert parse_engine_time("garbage") is None
    assert parse_engine_time(None) is None


def test_cpu_is_measured_from_a_sample_at_least_the_minimum_span_back() -> None:
    """Refreshes tens of milliseconds apart still get a CPU % over a real span."""
    history = (sample(0, 0.0), sample(100_000_000, 0.2), sample(110_000_000, 0.25))
    current = sample(120_000_000, 0.3)
    assert cpu_baseline(history, current, 0.2) is history[0]
    assert cpu_baseline(history, sample(200_000_000, 0.5), 0.2) is history[2]


def test_cpu_baseline_falls_back_to_the_oldest_sample_of_the_same_run() -> None:
    history = (sample(0, 0.0, "run-1"), sample(5, 0.1, "run-2"), sample(9, 0.15, "run-2"))
    assert cpu_baseline(history, sample(10, 0.2, "run-2"), 0.2) is history[1]
    assert cpu_baseline(history, sample(10, 0.2, "run-3"), 0.2) is None


def test_kept_samples_drop_what_no_later_refresh_needs() -> None:
    history = (sample(0, 0.0), sample(1, 0.1), sample(2, 0.3), sample(3, 0.45))
    current = sample(4, 0.55)
    kept = kept_samples(history, current, 0.2)
    assert kept == (history[2], history[3], current)
    assert kept_samples((), current, 0.2) == (current,)


def test_podman_bulk_stats_entry_reads_like_a_docker_payload() -> None:
    entry = {
        "ContainerID": "a" * 64,
        "CPUNano": 47_967_533,
        "SystemNano": 1_769_868_001_123_456_789,
        "MemUsage": 331_776,
        "MemLimit": 1 << 30,
        "NetInput": 10,
        "NetOutput": 20,
        "BlockInput": 4096,
        "BlockOutput": 8192,
        "PIDs": 3,
    }
    payload = from_libpod(entry)
    cpu = cpu_sample(payload, "run-1", 0)
    assert cpu is not None and cpu.usage_ns == 47_967_533
    assert cpu.read_at == datetime(2026, 1, 31, 14, 0, 1, 123456, tzinfo=timezone.utc)
    stats = container_stats(payload, None)
    assert (stats.memory_bytes, stats.memory_limit_bytes, stats.pids) == (331_776, 1 << 30, 3)
    assert (stats.net_rx_bytes, stats.net_tx_bytes) == (10, 20)
    assert (stats.block_read_bytes, stats.block_write_bytes) == (4096, 8192)


STARTED = "2026-01-31T13:59:00.000000000Z"
"""A run that started a minute before T0."""


def test_first_reading_is_cpu_time_over_the_time_since_start() -> None:
    """As podman stats --no-stream reports a first reading: 3 s of CPU in the 60 s since the
    start is 5 % of one core, over 60 s."""
    first = sample(3_000_000_000, 0, STARTED)
    assert cpu_since_start(first) == (5.0, 60.0)
    assert cpu_reading((), first, 0.2) == CpuReading(5.0, 60.0, since_start=True)


def test_since_start_needs_a_start_time_and_a_read_time() -> None:
    assert cpu_since_start(sample(1, 0, "0001-01-01T00:00:00Z")) is None
    assert cpu_since_start(CpuSample(STARTED, 1, None, 0)) is None
    assert cpu_since_start(sample(1, -60, STARTED)) is None  # read at the start instant
    assert cpu_reading((), None, 0.2) is None


def test_a_later_reading_is_the_current_rate_not_the_lifetime_average() -> None:
    """Busy for its first minute, idle since: the rate over the last 2 s is 0, however busy
    its lifetime average."""
    first = sample(30_000_000_000, 0, STARTED)
    later = sample(30_000_000_000, 2, STARTED)
    assert cpu_reading((first,), later, 0.2) == CpuReading(0.0, 2.0, since_start=False)


def test_a_sample_too_recent_to_measure_from_leaves_the_average_since_start() -> None:
    """Back-to-back collects: 50 ms is too short a span for a rate."""
    first = sample(3_000_000_000, 0, STARTED)
    right_after = sample(3_000_000_000, 0.05, STARTED)
    got = cpu_reading((first,), right_after, 0.2)
    assert got is not None and got.since_start and got.interval_s == 60.05


def test_a_restarted_container_reads_since_its_new_start() -> None:
    old_run = sample(90_000_000_000, -10, "2026-01-31T13:00:00Z")
    new_run = sample(600_000_000, 0, STARTED)
    assert cpu_reading((old_run,), new_run, 0.2) == CpuReading(1.0, 60.0, since_start=True)


def test_container_stats_carries_the_since_start_mark() -> None:
    stats = container_stats({}, CpuReading(5.0, 60.0, since_start=True))
    assert (stats.cpu_percent, stats.cpu_interval_s, stats.cpu_since_start) == (5.0, 60.0, True)
    assert container_stats({}, None).cpu_since_start is False
