"""Turning one engine stats payload (``GET /containers/{id}/stats``) into the numbers a
responder reads: CPU % between two samples, memory working set against the limit, network
and block IO totals, pids.

Kept apart from the source because the payload is where Docker and podman differ:

- CPU: a one-shot sample (and every podman sample) leaves ``precpu_stats`` empty, and podman's
  ``system_cpu_usage`` does not move with the container's usage, so Docker's formula
  (container delta / system delta * cores) gives nonsense there. The source keeps its own
  previous sample per container and divides the container's CPU time delta by the wall time
  between the two samples: 100 % is one full core, as ``top`` counts it. Refreshes can
  come tens of milliseconds apart, far too close for a CPU %, so the source keeps the few
  recent samples of each container and measures from one at least a minimum span back
  (:func:`cpu_baseline`, :func:`kept_samples`). A container with no sample that far back
  (its first reading) gets the average since it started instead: its CPU time over the
  time since ``StartedAt``, which is what ``podman stats --no-stream`` reports for a first
  reading (podman 4.x: with no previous stats, libpod measures from the container's start
  time; its ``CPU`` then equals its ``AvgCPU``). The reading says which of the two it is
  (:attr:`ContainerStats.cpu_since_start`), because a lifetime average hides a spike that
  a current rate shows.
- Memory: ``usage`` counts page cache the kernel can drop at will; the working set (what
  ``docker stats`` shows and what the OOM killer weighs) is usage minus inactive file pages,
  ``inactive_file`` on cgroup v2, ``total_inactive_file`` on v1. podman on cgroup v1 sends no
  breakdown at all; then usage is all there is.

podman also answers for every running container in one request (``GET
/libpod/containers/stats?stream=false``), in a shape of its own: :func:`from_libpod` puts
one of its entries in the Docker payload's shape, so the functions here read both.

Plain functions of dicts, no docker import: the source module does the talking.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from debugtui.sources.engineapi import format_engine_time

_ZERO_TIME_PREFIX = "0001-01-01"
"""Go's zero time, which engines send for "never" (not started, not finished, no preread)."""


@dataclass(frozen=True)
class ContainerStats:
    """One running container's resource use at the time of the collect."""

    cpu_percent: float | None
    """Of one core (100 = one full core busy) over ``cpu_interval_s``; None when the engine
    sent no CPU time (or no read time for a first reading)."""
    cpu_interval_s: float | None
    """The span the CPU % is measured over: between two samples, or since the start."""
    memory_bytes: int | None
    """Working set: usage minus inactive page cache where the engine reports it."""
    memory_limit_bytes: int | None
    """The cgroup limit; engines report the host's memory for an unlimited container."""
    memory_percent: float | None
    net_rx_bytes: int | None
    """Totals since the container started, over all its networks; None without a network."""
    net_tx_bytes: int | None
    block_read_bytes: int | None
    block_write_bytes: int | None
    pids: int | None
    cpu_since_start: bool = False
    """True when ``cpu_percent`` is the average since the container started (a first reading:
    no earlier sample of this run to measure a current rate from), over ``cpu_interval_s``
    (the time since it started); False when it is the rate over the last ``cpu_interval_s``."""


@dataclass(frozen=True)
class CpuReading:
    """A container's CPU % and what it is measured over."""

    percent: float
    """Of one core: 100 = one full core busy."""
    interval_s: float
    since_start: bool
    """The average since the container started, not the rate over a recent interval."""


@dataclass(frozen=True)
class CpuSample:
    """What the next collect needs to compute CPU %: usage and when it was read."""

    started_at: str
    """The run of the container the sample belongs to: a restart resets the usage."""
    usage_ns: int
    read_at: datetime | None
    """The engine's own read time, when it sends one."""
    local_ns: int
    """Our monotonic clock when the answer arrived: the fallback for ``read_at``."""


def parse_engine_time(value: Any) -> datetime | None:
    """An engine timestamp (RFC 3339, nanoseconds, ``Z``); None for Go's zero time or junk."""
    if not isinstance(value, str) or not value or value.startswith(_ZERO_TIME_PREFIX):
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    date, sep, rest = text.partition(".")
    if sep:
        # Python takes at most microseconds: cut the fraction to six digits, keep the zone.
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{date}.{rest[: min(digits, 6)]}{rest[digits:]}"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def cpu_sample(payload: Mapping[str, Any], started_at: str, local_ns: int) -> CpuSample | None:
    """The CPU part of a stats payload, or None when it has no usage counter."""
    usage = _dig(payload, "cpu_stats", "cpu_usage", "total_usage")
    if not isinstance(usage, int):
        return None
    return CpuSample(started_at, usage, parse_engine_time(payload.get("read")), local_ns)


def _span_s(earlier: CpuSample, later: CpuSample) -> float:
    if earlier.read_at is not None and later.read_at is not None:
        return (later.read_at - earlier.read_at).total_seconds()
    return (later.local_ns - earlier.local_ns) / 1e9


def cpu_baseline(
    history: Sequence[CpuSample], current: CpuSample, min_interval_s: float
) -> CpuSample | None:
    """The sample to measure ``current``'s CPU % from: the newest of the same run at least
    ``min_interval_s`` older, else the oldest of that run; None without one."""
    same_run = [s for s in history if s.started_at == current.started_at]
    old_enough = [s for s in same_run if _span_s(s, current) >= min_interval_s]
    if old_enough:
        return old_enough[-1]
    return same_run[0] if same_run else None


def kept_samples(
    history: Sequence[CpuSample], current: CpuSample, min_interval_s: float
) -> tuple[CpuSample, ...]:
    """The samples a later collect may measure from, oldest first: the newest of the run
    at least ``min_interval_s`` before ``current`` and every one since, ``current`` last."""
    baseline = cpu_baseline(history, current, min_interval_s)
    if baseline is None:
        return (current,)
    newer = [
        s
        for s in history
        if s.started_at == current.started_at and s is not baseline and _span_s(baseline, s) > 0
    ]
    return (baseline, *newer, current)


def cpu_percent(
    previous: CpuSample | None, current: CpuSample | None
) -> tuple[float, float] | None:
    """(CPU % of one core, interval in seconds) between two samples of the same run."""
    if previous is None or current is None or previous.started_at != current.started_at:
        return None
    interval_s = _span_s(previous, current)
    used_ns = current.usage_ns - previous.usage_ns
    if interval_s <= 0 or used_ns < 0:
        return None
    return used_ns / (interval_s * 1e9) * 100.0, interval_s


def cpu_since_start(current: CpuSample | None) -> tuple[float, float] | None:
    """(average CPU % of one core since the run started, seconds since it started) from one
    sample: its CPU time over the time between ``StartedAt`` and the engine's read time
    (both the engine's clock). None without a start time, a read time or time passed."""
    if current is None or current.read_at is None:
        return None
    started = parse_engine_time(current.started_at)
    if started is None:
        return None
    span_s = (current.read_at - started).total_seconds()
    if span_s <= 0 or current.usage_ns < 0:
        return None
    return current.usage_ns / (span_s * 1e9) * 100.0, span_s


def cpu_reading(
    history: Sequence[CpuSample], current: CpuSample | None, min_interval_s: float
) -> CpuReading | None:
    """The CPU % to show for ``current``: the rate since a sample of the same run at least
    ``min_interval_s`` back (see :func:`cpu_baseline`); without one, the average since the
    container started, marked as such. None when neither can be measured."""
    if current is None:
        return None
    baseline = cpu_baseline(history, current, min_interval_s)
    if baseline is not None and _span_s(baseline, current) >= min_interval_s:
        rate = cpu_percent(baseline, current)
        if rate is not None:
            return CpuReading(rate[0], rate[1], since_start=False)
    average = cpu_since_start(current)
    if average is None:
        return None
    return CpuReading(average[0], average[1], since_start=True)


def container_stats(payload: Mapping[str, Any], cpu: CpuReading | None) -> ContainerStats:
    """The numbers of one stats payload; ``cpu`` comes from :func:`cpu_reading`."""
    memory, limit = working_set(payload.get("memory_stats") or {})
    rx, tx = network_totals(payload.get("networks"))
    read, write = block_io_totals(payload.get("blkio_stats"))
    pids = _dig(payload, "pids_stats", "current")
    return ContainerStats(
        cpu_percent=None if cpu is None else cpu.percent,
        cpu_interval_s=None if cpu is None else cpu.interval_s,
        memory_bytes=memory,
        memory_limit_bytes=limit,
        memory_percent=100.0 * memory / limit if memory is not None and limit else None,
        net_rx_bytes=rx,
        net_tx_bytes=tx,
        block_read_bytes=read,
        block_write_bytes=write,
        pids=pids if isinstance(pids, int) else None,
        cpu_since_start=cpu is not None and cpu.since_start,
    )


def working_set(memory_stats: Mapping[str, Any]) -> tuple[int | None, int | None]:
    """(usage minus inactive file pages, limit) from ``memory_stats``."""
    usage = memory_stats.get("usage")
    limit = memory_stats.get("limit")
    limit = limit if isinstance(limit, int) and limit > 0 else None
    if not isinstance(usage, int):
        return None, limit
    breakdown = memory_stats.get("stats") or {}
    inactive = breakdown.get("inactive_file", breakdown.get("total_inactive_file"))
    if isinstance(inactive, int) and 0 <= inactive <= usage:
        usage -= inactive
    return usage, limit


def network_totals(networks: Any) -> tuple[int | None, int | None]:
    """Received and sent bytes summed over every interface; None when there are none."""
    if not isinstance(networks, Mapping) or not networks:
        return None, None
    rx = sum(int(n.get("rx_bytes") or 0) for n in networks.values() if isinstance(n, Mapping))
    tx = sum(int(n.get("tx_bytes") or 0) for n in networks.values() if isinstance(n, Mapping))
    return rx, tx


def block_io_totals(blkio: Any) -> tuple[int | None, int | None]:
    """Bytes read and written, summed over devices; None when the engine sends no list."""
    if not isinstance(blkio, Mapping):
        return None, None
    entries = blkio.get("io_service_bytes_recursive")
    if not isinstance(entries, list):
        return None, None
    read = write = 0
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        op = str(entry.get("op", "")).lower()
        value = entry.get("value")
        if not isinstance(value, int):
            continue
        if op == "read":
            read += value
        elif op == "write":
            write += value
    return read, write


def from_libpod(entry: Mapping[str, Any]) -> dict[str, Any]:
    """One entry of podman's bulk stats as a Docker stats payload (the parts read here).

    ``CPUNano`` is the container's CPU time (Docker's ``total_usage``) and ``SystemNano``
    the wall clock when podman read it (Docker's ``read``); ``MemUsage`` is already the
    working set where the cgroup tells it (podman subtracts ``inactive_file`` on cgroup v2),
    so it comes without a breakdown, as podman's Docker-compatible stats do.
    """
    payload: dict[str, Any] = {
        "memory_stats": {"usage": entry.get("MemUsage"), "limit": entry.get("MemLimit")},
        "pids_stats": {"current": entry.get("PIDs")},
    }
    usage = entry.get("CPUNano")
    if isinstance(usage, int):
        payload["cpu_stats"] = {"cpu_usage": {"total_usage": usage}}
    read_ns = entry.get("SystemNano")
    if isinstance(read_ns, int) and read_ns > 0:
        payload["read"] = format_engine_time(read_ns)
    rx, tx = entry.get("NetInput"), entry.get("NetOutput")
    if isinstance(rx, int) and isinstance(tx, int):
        payload["networks"] = {"all": {"rx_bytes": rx, "tx_bytes": tx}}
    read, write = entry.get("BlockInput"), entry.get("BlockOutput")
    if isinstance(read, int) and isinstance(write, int):
        payload["blkio_stats"] = {
            "io_service_bytes_recursive": [
                {"op": "read", "value": read},
                {"op": "write", "value": write},
            ]
        }
    return payload


def _dig(payload: Mapping[str, Any], *keys: str) -> Any:
    value: Any = payload
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value
