"""The containers source against a real podman: every container with its state, health,
restarts, exit code and kill flags; resource use of the running ones; tables and JSON."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from debugtui.sources.containers import (
    MIN_CPU_SPAN_S,
    SINCE_START_MARK,
    SINCE_START_NOTE,
    ContainerInfo,
    ContainerRead,
    ContainersData,
    ContainersSource,
    _map,
    engine_from_ping,
    engine_name,
)
from debugtui.sources.containerstats import (
    container_stats,
    cpu_sample,
    cpu_since_start,
    from_libpod,
    parse_engine_time,
)
from tests.fixtures.podman import PodmanEngine


def by_name(data: ContainersData) -> dict[str, ContainerInfo]:
    return {c.name: c for c in data.containers}


def collect(source: ContainersSource, **params: str) -> ContainersData:
    snapshot = source.collect(params)
    assert snapshot.ok, (snapshot.error, snapshot.hint)
    assert isinstance(snapshot.data, ContainersData)
    return snapshot.data


def test_lists_every_container_running_or_not(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    data = collect(containers_source)
    names = podman_engine.names
    found = by_name(data)
    for name in (names.running, names.exited, names.crashloop, names.oom, names.killed):
        assert name in found
    assert data.engine.startswith("Podman Engine")
    assert data.host == podman_engine.host
    assert found[names.running].image == podman_engine.image
    assert len(found[names.running].id) == 12


def test_exited_container_has_its_exit_code(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    exited = by_name(collect(containers_source))[podman_engine.names.exited]
    assert exited.status == "exited"
    assert exited.exit_code == 3
    assert not exited.killed
    assert exited.stats is None
    assert exited.finished_at is not None


def test_crash_looping_container_has_restarts_and_exit_code(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    looper = by_name(collect(containers_source))[podman_engine.names.crashloop]
    assert looper.restart_count is not None and looper.restart_count > 0
    assert looper.exit_code == 1


def test_exit_137_is_flagged_killed_not_oom(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    killed = by_name(collect(containers_source))[podman_engine.names.killed]
    assert killed.exit_code == 137
    assert killed.killed
    assert not killed.oom
    assert killed.flags == ("killed (137)",)


def test_kernel_oom_kill_is_at_least_flagged_killed(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    """podman 4.3 (runc, cgroup v1) reports this OOM kill with OOMKilled false: the exit
    code is all there is, and the source says only what it means."""
    oom = by_name(collect(containers_source))[podman_engine.names.oom]
    assert oom.exit_code == 137
    assert "killed (137)" in oom.flags


def test_failing_health_check_shows_unhealthy(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    found = by_name(collect(containers_source))
    assert found[podman_engine.names.unhealthy].health == "unhealthy"
    assert found[podman_engine.names.running].health is None


def test_running_containers_have_memory_pids_and_limit(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    running = by_name(collect(containers_source))[podman_engine.names.running]
    stats = running.stats
    assert stats is not None
    assert stats.memory_bytes is not None and stats.memory_bytes > 0
    assert stats.memory_limit_bytes == podman_engine.memory_limit
    assert stats.memory_percent is not None and 0 < stats.memory_percent < 100
    assert stats.pids is not None and stats.pids >= 1
    assert stats.block_read_bytes is not None and stats.block_write_bytes is not None


def test_every_steadily_running_container_has_stats(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    names = podman_engine.names
    found = by_name(collect(containers_source))
    for name in (names.running, names.busy, names.unhealthy):
        assert found[name].running
        assert found[name].stats is not None, name
    for name in (names.exited, names.killed, names.oom):
        assert found[name].stats is None


def test_first_collect_cpu_is_the_average_since_start_and_marked(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    """A first reading has no earlier sample: its CPU % is the average since the container
    started, as podman stats --no-stream reports it, and the tables say so. The busy
    container spins under --cpus 0.05, so it uses some CPU, never a whole core."""
    busy = podman_engine.names.busy
    data = collect(containers_source)
    container = by_name(data)[busy]
    stats = container.stats
    assert stats is not None and stats.cpu_since_start
    assert stats.cpu_percent is not None and 0 < stats.cpu_percent < 100
    assert container.started_at is not None and stats.cpu_interval_s is not None
    assert stats.cpu_interval_s <= (data.at - container.started_at).total_seconds() + 1
    tables = data.tables()
    row = dict(zip(tables["containers"].columns, rows_by_name(data)[busy], strict=True))
    assert row["cpu %"] == f"{stats.cpu_percent:.1f}{SINCE_START_MARK}"
    assert SINCE_START_NOTE in tables["containers"].title
    assert SINCE_START_NOTE in tables["stats"].title
    assert data.cpu_percent_basis == "one core"
    records = {c["name"]: c for c in json.loads(json.dumps(data.to_dict()))["containers"]}
    assert records[busy]["stats"]["cpu_since_start"] is True


def test_a_later_collect_measures_the_current_rate(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    busy = podman_engine.names.busy
    collect(containers_source)
    time.sleep(MIN_CPU_SPAN_S)
    data = collect(containers_source)
    stats = by_name(data)[busy].stats
    assert stats is not None and not stats.cpu_since_start
    assert stats.cpu_percent is not None and 0 < stats.cpu_percent < 100
    assert stats.cpu_interval_s is not None and stats.cpu_interval_s >= MIN_CPU_SPAN_S
    row = dict(zip(data.tables()["containers"].columns, rows_by_name(data)[busy], strict=True))
    assert row["cpu %"] == f"{stats.cpu_percent:.1f}"


def test_since_start_figure_is_podmans_own_first_reading(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    """Our formula on podman's bulk stats entry gives the CPU % podman computes for a first
    reading itself (its ``CPU``, equal to its ``AvgCPU``, measured from the start time)."""
    busy = podman_engine.names.busy
    api = containers_source._connect(podman_engine.host)
    # podman fails the whole answer ("Stats": null and an "Error") when it catches a
    # container mid-restart, as the fixture's crash-looper is for its first ~25 s: ask again
    deadline = time.monotonic() + 30
    body = api.get_json("/libpod/containers/stats", {"stream": "false"})
    while body.get("Stats") is None and time.monotonic() < deadline:
        time.sleep(0.2)
        body = api.get_json("/libpod/containers/stats", {"stream": "false"})
    assert body.get("Stats") is not None, body
    entry = next(e for e in body["Stats"] if e["Name"] == busy)
    started = str(podman_engine.inspect(busy)["State"]["StartedAt"])  # type: ignore[index]
    sample = cpu_sample(from_libpod(entry), started, 0)
    reading = cpu_since_start(sample)
    assert reading is not None
    assert entry["CPU"] == pytest.approx(entry["AvgCPU"])
    assert reading[0] == pytest.approx(entry["AvgCPU"], rel=1e-3)


def rows_by_name(data: ContainersData) -> dict[str, tuple[str, ...]]:
    return {row[0]: row for row in data.tables()["containers"].rows}


def test_name_param_keeps_only_matching_containers(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    data = collect(containers_source, name="crashloop")
    assert [c.name for c in data.containers] == [podman_engine.names.crashloop]
    assert {e.container for e in data.events} <= {podman_engine.names.crashloop}


def test_tables_show_state_health_restarts_and_flags(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    tables = collect(containers_source).tables()
    rows = {row[0]: row for row in tables["containers"].rows}
    columns = tables["containers"].columns
    unhealthy = dict(zip(columns, rows[podman_engine.names.unhealthy], strict=True))
    killed = dict(zip(columns, rows[podman_engine.names.killed], strict=True))
    exited = dict(zip(columns, rows[podman_engine.names.exited], strict=True))
    assert unhealthy["health"] == "unhealthy"
    assert unhealthy["state"].startswith("up ")
    assert killed["flags"] == "killed (137)"
    assert exited["exit"] == "3" and exited["cpu %"] == "-"
    stats_names = {row[0] for row in tables["stats"].rows}
    assert podman_engine.names.running in stats_names
    assert podman_engine.names.exited not in stats_names


def test_to_dict_is_json_with_flags_and_cpu_basis(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    snapshot = containers_source.collect({})
    out = json.loads(json.dumps(snapshot.to_dict()))
    data = out["data"]
    assert data["cpu_percent_basis"] == "one core"
    records = {c["name"]: c for c in data["containers"]}
    assert records[podman_engine.names.killed]["flags"] == ["killed (137)"]
    assert records[podman_engine.names.running]["running"] is True
    assert records[podman_engine.names.running]["stats"]["pids"] >= 1


def test_container_removed_between_list_and_inspect_is_skipped_with_warning(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    """The list is taken, the container removed, then the per-container step runs on the
    stale list entry: what happens when ``docker rm`` lands mid-collect."""
    name = "dt-vanishing"
    podman_engine.run_container(name, "sleep", "3600")
    try:
        collect(containers_source)  # connects
        api = containers_source._connect(podman_engine.host)
        listed = api.get_json("/containers/json", {"all": "true"})
        summaries = [s for s in listed if s["Names"] == [f"/{name}"]]
        assert len(summaries) == 1
    finally:
        podman_engine.remove_container(name)
    warnings: list[str] = []
    reads = containers_source.read_containers(api, summaries, warnings)
    assert reads == []
    assert warnings == [f"{name}: removed while being read; skipped"]


def test_container_stopped_before_its_stats_keeps_inventory_with_warning(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    """Inspected while running, stopped before the stats request: podman then answers an
    empty body. The container stays, without stats, and the warning says why."""
    name = "dt-stopping"
    podman_engine.run_container(name, "sleep", "3600")
    try:
        collect(containers_source)
        api = containers_source._connect(podman_engine.host)
        listed = api.get_json("/containers/json", {"all": "true"})
        summary = next(s for s in listed if s["Names"] == [f"/{name}"])
        running = ContainerRead(
            summary, api.get_json(f"/containers/{summary['Id']}/json"), None, None
        )
        podman_engine.podman("stop", "-t", "0", name)
        read, warning = containers_source._read_stats(api, running)
    finally:
        podman_engine.remove_container(name)
    assert read is running
    assert warning is not None and warning.startswith(f"{name}: stopped while its stats")


def test_container_removed_mid_collect_never_fails_the_collect(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    """Containers are removed from another thread while collects run: every collect is ok,
    and any that lost a container says so in a warning."""
    names = [f"dt-churn-{i}" for i in range(4)]
    for name in names:
        podman_engine.run_container(name, "sleep", "3600")
    with ThreadPoolExecutor(max_workers=1) as remover:
        removal = remover.submit(lambda: [podman_engine.remove_container(n) for n in names])
        while not removal.done():
            snapshot = containers_source.collect({})
            assert snapshot.ok, (snapshot.error, snapshot.hint)
            for warning in snapshot.warnings:
                assert "dt-churn-" in warning or "crashloop" in warning, warning
            time.sleep(0.01)
        removal.result()
    remaining = {c.name for c in collect(containers_source).containers}
    assert not remaining & set(names)


def test_engine_is_named_from_ping_as_version_names_it(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    """``/_ping`` answers in milliseconds where podman's ``/version`` takes half a second;
    its headers must name the engine exactly as ``/version`` does."""
    collect(containers_source)
    api = containers_source._connect(podman_engine.host)
    headers = api.ping()
    found = engine_from_ping(headers)
    assert found is not None
    api_version, name, podman = found
    assert podman and name == engine_name(api.get_json("/version", versioned=False))
    assert api_version == headers["api-version"]


def test_ping_headers_that_say_too_little_fall_back_to_version() -> None:
    assert engine_from_ping({"api-version": "1.43", "server": "Docker/24.0.7 (linux)"}) == (
        "1.43",
        "Docker Engine 24.0.7",
        False,
    )
    assert engine_from_ping({"api-version": "1.43"}) is None
    assert engine_from_ping({"server": "nginx/1.25"}) is None


def test_bulk_stats_match_the_per_container_stats(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    """podman's one-request stats of every running container read as its per-container
    (Docker-compatible) stats do: same working set basis, limit and pids."""
    running = by_name(collect(containers_source))[podman_engine.names.running]
    api = containers_source._connect(podman_engine.host)
    bulk = containers_source.bulk_stats(api)
    assert bulk is not None
    full_id = next(k for k in bulk.payloads if k.startswith(running.id))
    one = api.get_json(f"/containers/{full_id}/stats", {"stream": "false", "one-shot": "true"})
    from_bulk = container_stats(bulk.payloads[full_id], None)
    from_one = container_stats(one, None)
    assert from_bulk.memory_limit_bytes == from_one.memory_limit_bytes == podman_engine.memory_limit
    assert from_bulk.pids == from_one.pids
    assert from_bulk.memory_bytes is not None and from_one.memory_bytes is not None
    assert abs(from_bulk.memory_bytes - from_one.memory_bytes) <= from_one.memory_bytes // 10


def inspects_counted(source: ContainersSource, engine: PodmanEngine, monkeypatch: Any) -> list[str]:
    """The ids the source inspects from now on (its engine connection, wrapped)."""
    api = source._connect(engine.host)
    inspected: list[str] = []
    real = api.get_json

    def counting(path: str, *args: Any, **kwargs: Any) -> Any:
        if path.startswith("/containers/") and path.endswith("/json"):
            inspected.append(path.split("/")[2])
        return real(path, *args, **kwargs)

    monkeypatch.setattr(api, "get_json", counting)
    return inspected


def test_unchanged_containers_are_not_inspected_again(
    podman_engine: PodmanEngine, containers_source: ContainersSource, monkeypatch: Any
) -> None:
    """A refresh inspects only the containers whose list entry changed or that an event
    named: here, none of the steadily running ones."""
    collect(containers_source)
    inspected = inspects_counted(containers_source, podman_engine, monkeypatch)
    data = collect(containers_source)
    running = by_name(data)[podman_engine.names.running]
    assert running.stats is not None and running.health is None
    assert not any(i.startswith(running.id) for i in inspected)


def test_a_container_just_started_is_not_inspected_again_for_an_event_read_before(
    podman_engine: PodmanEngine, containers_source: ContainersSource, monkeypatch: Any
) -> None:
    """Event reads overlap by a few seconds: its start event, read again by the next
    refresh, must not count as a change."""
    name = "dt-just-started"
    podman_engine.run_container(name, "sleep", "600")
    try:
        first = by_name(collect(containers_source))[name]
        inspected = inspects_counted(containers_source, podman_engine, monkeypatch)
        again = by_name(collect(containers_source))[name]
    finally:
        podman_engine.remove_container(name)
    assert again.running and again.started_at == first.started_at
    assert not any(i.startswith(first.id) for i in inspected)


def test_a_running_container_that_never_exited_is_shown_from_the_list_as_its_inspect_says(
    podman_engine: PodmanEngine, containers_source: ContainersSource, monkeypatch: Any
) -> None:
    """A first collect inspects no container that podman's list (and its start event) says
    everything about, and shows each as an inspect does; the others are inspected."""
    names = podman_engine.names
    fresh = "dt-listed"
    podman_engine.run_container(fresh, "sleep", "600")
    try:
        inspected = inspects_counted(containers_source, podman_engine, monkeypatch)
        shown = by_name(collect(containers_source))
        api = containers_source._connect(podman_engine.host)
        for name in (fresh, names.running, names.unhealthy):
            info = shown[name]
            assert not any(i.startswith(info.id) for i in inspected), name
            real = api.get_json(f"/containers/{name}/json")
            state = real["State"]
            assert info.restart_count == real["RestartCount"] == 0
            started = parse_engine_time(state["StartedAt"])
            assert info.started_at is not None and started is not None
            # the start event is written just after StartedAt: 50.3 ms apart on a loaded CI
            assert abs((info.started_at - started).total_seconds()) < 0.25
            assert info.finished_at is None is parse_engine_time(state["FinishedAt"])
            assert (info.status, info.image, info.exit_code, info.oom) == (
                state["Status"],
                real["Config"]["Image"],
                None,
                state["OOMKilled"],
            )
            assert info.health == ((state.get("Health") or {}).get("Status") or None)
        assert shown[names.unhealthy].health == "unhealthy"
        for name in (names.exited, names.oom, names.killed):
            assert any(i.startswith(shown[name].id) for i in inspected), name
    finally:
        podman_engine.remove_container(fresh)


def test_containers_needing_no_request_are_read_without_worker_threads(
    podman_engine: PodmanEngine, containers_source: ContainersSource, monkeypatch: Any
) -> None:
    """Only what the engine must be asked goes to threads (starting one waits for the
    interpreter lock): steady containers, known and in the bulk stats, are read inline."""
    from debugtui.sources import containers

    given: list[list[Any]] = []
    real_map = containers._map

    def noting_map(work: Any, items: Any, workers: int) -> Any:
        given.append(list(items))
        return real_map(work, given[-1], workers)

    collect(containers_source)
    monkeypatch.setattr(containers, "_map", noting_map)
    data = collect(containers_source)
    assert given, "the source reads containers through _map"
    threaded = sum(len(items) for items in given)
    running = by_name(data)[podman_engine.names.running]
    assert running.stats is not None
    assert threaded < len(data.containers) - 2


def test_a_container_that_exited_before_is_inspected_for_what_the_list_lacks(
    podman_engine: PodmanEngine, containers_source: ContainersSource, monkeypatch: Any
) -> None:
    """Stopped and started again: running, but its list entry keeps the exit, after which
    only an inspect tells the restarts and the last exit."""
    name = "dt-started-again"
    podman_engine.run_container(name, "sleep", "600")
    try:
        podman_engine.podman("stop", "-t", "0", name)
        podman_engine.podman("start", name)
        inspected = inspects_counted(containers_source, podman_engine, monkeypatch)
        info = by_name(collect(containers_source))[name]
    finally:
        podman_engine.remove_container(name)
    assert info.running and info.finished_at is not None
    assert any(i.startswith(info.id) for i in inspected)


def test_a_young_container_whose_start_event_was_not_read_is_inspected(
    podman_engine: PodmanEngine, containers_source: ContainersSource, monkeypatch: Any
) -> None:
    """The list's start time is in whole seconds: without the start event (here, a window
    that begins after it) a container that started moments ago is inspected for it."""
    name = "dt-young"
    podman_engine.run_container(name, "sleep", "600")
    try:
        inspected = inspects_counted(containers_source, podman_engine, monkeypatch)
        later = datetime.now(timezone.utc) + timedelta(minutes=1)
        info = by_name(collect(containers_source, since=later.isoformat()))[name]
        real = containers_source._connect(podman_engine.host).get_json(f"/containers/{name}/json")
    finally:
        podman_engine.remove_container(name)
    assert any(i.startswith(info.id) for i in inspected)
    assert info.started_at == parse_engine_time(real["State"]["StartedAt"])


def test_concurrent_reads_keep_order_bound_workers_and_raise_the_first_failure() -> None:
    """The per-container reads run on plain threads (no ``concurrent.futures``): results in
    the list's order, never more than the workers asked at a time, and the exception of the
    first item that failed, raised once every item is done."""
    running = 0
    most = 0
    done: list[int] = []
    lock = threading.Lock()

    def work(item: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.01)
        with lock:
            running -= 1
            done.append(item)
        if item in (3, 7):
            raise ValueError(f"item {item}")
        return item * 10

    assert _map(lambda i: i * 10, range(20), 4) == [i * 10 for i in range(20)]
    assert _map(lambda i: i, [], 4) == []
    with pytest.raises(ValueError, match="item 3"):
        _map(work, range(12), 3)
    assert sorted(done) == list(range(12))
    assert most <= 3
