"""B4: containers refresh with running containers against ``podman stats --no-stream``.

The engine is the test fixture's :class:`PodmanEngine` (a ``podman system service`` with its
own storage and config in a temp dir, the busybox image imported from the host), running N
``sleep`` containers. Two rows:

- B4, refresh: ``ContainersSource.collect()`` repeated on one open source in this process
  (every container inspected, stats of the running ones read concurrently, the events of
  the last hour) against the whole ``podman stats --no-stream`` process on the same storage;
- B4F, first snapshot: the whole ``debugtui snapshot --source containers --json`` process
  (start-up, the ``/_ping`` handshake on the socket, no docker SDK, a first collect: the
  list, the events, one bulk stats request, an inspect of each container the list does not
  say everything about: none of the bench's) against the same ``podman stats --no-stream``.
  Both report a first reading's CPU % as the average since the container started (podman
  measures from its start time when it has no previous reading), so neither waits for a
  second sample. Alongside, a bare Python importing only :data:`FLOOR_MODULES`: the floor.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.engines import Unavailable, fixture_module
from bench.harness import (
    CACHE,
    Result,
    Run,
    alternate,
    median_s,
    peak_mb,
    run_call,
    run_measured,
)
from bench.logs import debugtui_binary

REFRESH_TARGET = 1.0
FIRST_TARGET = 1.5
CONTAINERS = {"tiny": 3, "full": 20}


def run(size: str, runs: int) -> list[Result]:
    count = CONTAINERS[size]
    try:
        engine = _start(count)
    except Unavailable as exc:
        note = f"no podman: {exc}"
        missing = {"unavailable": 1}
        return [
            Result("B4", "containers refresh", 0.0, None, "-", False, note=note, extra=missing),
            Result(
                "B4F", "first containers snapshot", 0.0, None, "-", False, note=note, extra=missing
            ),
        ]
    try:
        return [_refresh(engine, count, runs), _first(engine, count, runs)]
    finally:
        engine.teardown()


def _start(count: int) -> Any:
    """A podman service with ``count`` running containers (Unavailable if it cannot run)."""
    module = fixture_module("podman")
    reason = module.missing_requirement()
    if reason is not None:
        raise Unavailable(reason)
    root = Path(tempfile.mkdtemp(prefix="dtbench-podman-"))
    engine = module.PodmanEngine(root)
    try:
        engine.import_image()
        engine.start_service()
        for n in range(count):
            engine.run_container(f"bench-{n:02d}", "sleep", "3600")
    except Exception as exc:
        log = engine.log_tail()
        engine.teardown()
        raise Unavailable(f"podman could not start: {exc}\n{log}") from exc
    return engine


PODMAN_STATS = ["podman", "stats", "--no-stream", "--no-reset"]
FLOOR_MODULES = ("argparse", "dataclasses", "datetime", "json", "socket", "threading")
"""What any whole-process snapshot loads before it does anything (the CLI's parser, the
frozen dataclasses of every snapshot, the engine's socket): B4F times a bare Python
importing them alongside, the floor below which no snapshot of ours can go."""


def _stats_rows(output: str) -> int:
    """Containers listed by ``podman stats`` (the lines after the header)."""
    return max(0, len([line for line in output.splitlines() if line.strip()]) - 1)


def _refresh(engine: Any, count: int, runs: int) -> Result:
    from debugtui.config import Config, ContainersConfig
    from debugtui.sources.containers import ContainersSource

    source = ContainersSource(Config(containers=ContainersConfig(host=engine.host)))
    snapshots = []

    def refresh() -> None:
        snapshots.append(source.collect())

    ref = PODMAN_STATS
    try:
        mine, theirs = alternate(
            lambda: run_call(refresh),
            lambda: run_measured(ref, env=engine.env),
            runs,
            warmup=2,
        )
    finally:
        source.close()
    last = snapshots[-1]
    with_stats = sum(1 for c in last.data.containers if c.stats is not None) if last.ok else 0
    listed = _stats_rows(theirs[-1].output)
    ratio = median_s(mine) / median_s(theirs)
    note = f"containers with stats: debugtui {with_stats}, podman stats {listed} (of {count})"
    if not last.ok:
        note = f"collect failed: {last.error}; " + note
    elif last.warnings:
        note += f"; warnings: {'; '.join(last.warnings)}"
    return Result(
        key="B4",
        what=f"containers refresh, {count} running",
        ours_s=median_s(mine),
        ref_s=median_s(theirs),
        target=f"<= {REFRESH_TARGET}x",
        ok=last.ok and with_stats == listed == count and ratio <= REFRESH_TARGET,
        ours_rss_mb=peak_mb(mine),
        ref_rss_mb=peak_mb(theirs),
        note=note,
        extra={"expected": count, "ours": with_stats, "ref": listed},
    )


def _first(engine: Any, count: int, runs: int) -> Result:
    ours = [debugtui_binary(), "snapshot", "--source", "containers", "--json"]
    env = {"DOCKER_HOST": engine.host}
    home = CACHE / "home"  # no config file: the engine is asked before the config loads
    home.mkdir(parents=True, exist_ok=True)
    env.update(XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"))
    ref = PODMAN_STATS
    floor: list[Run] = []

    def ours_and_floor() -> Run:
        floor.append(run_measured([sys.executable, "-c", f"import {', '.join(FLOOR_MODULES)}"]))
        return run_measured(ours, env=env, cwd=home)

    mine, theirs = alternate(ours_and_floor, lambda: run_measured(ref, env=engine.env), runs)
    with_stats = _snapshot_stats(mine[-1].output)
    listed = _stats_rows(theirs[-1].output)
    ratio = median_s(mine) / median_s(theirs)
    floor_ratio = median_s(floor) / median_s(theirs)
    return Result(
        key="B4F",
        what=f"first containers snapshot, {count} running",
        ours_s=median_s(mine),
        ref_s=median_s(theirs),
        target=f"<= {FIRST_TARGET}x",
        ok=with_stats == listed == count and ratio <= FIRST_TARGET,
        ours_rss_mb=peak_mb(mine),
        ref_rss_mb=peak_mb(theirs),
        note=f"containers with stats: debugtui {with_stats}, podman stats {listed} (of {count}); "
        f"a Python importing only {', '.join(FLOOR_MODULES)}: "
        f"{median_s(floor) * 1000:.0f} ms ({floor_ratio:.2f}x)",
        extra={"expected": count, "ours": with_stats, "ref": listed, "floor_ratio": floor_ratio},
    )


def _snapshot_stats(output: str) -> int:
    """Containers with stats in ``debugtui snapshot --json`` output (-1 if unreadable)."""
    try:
        snap = json.loads(output)["sources"]["containers"]
        return sum(1 for c in snap["data"]["containers"] if c.get("stats"))
    except (ValueError, KeyError, TypeError):
        return -1
