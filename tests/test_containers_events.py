"""Container events (engine-reported, kept across collects, synthesized from changes) and
container logs, against a real podman; the two event dialects as data."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from debugtui.config import Config, ContainersConfig
from debugtui.sources.base import SourceError
from debugtui.sources.containerevents import ContainerEvent, EventHistory, parse_event
from debugtui.sources.containers import ContainersData, ContainersSource
from tests.fixtures.podman import PodmanEngine, PodmanError


def collect(source: ContainersSource, **params: str) -> ContainersData:
    snapshot = source.collect(params)
    assert snapshot.ok, (snapshot.error, snapshot.hint)
    assert isinstance(snapshot.data, ContainersData)
    return snapshot.data


def events_of(data: ContainersData, name: str) -> list[ContainerEvent]:
    return [e for e in data.events if e.container == name]


def wait_for(condition: object, what: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.1)


def release(engine: PodmanEngine, name: str) -> None:
    """Create /tmp/go in ``name``, which the container waits for before it exits.

    The container may exit before podman has read its exec's end from the event log, and
    podman 4.3 then fails the exec itself ("exec died event ... not found") though the file
    was made: that failure is the race, not the test's; what follows waits for the exit.
    """
    try:
        engine.podman("exec", name, "touch", "/tmp/go")
    except PodmanError as exc:
        if "exec died event" not in str(exc):
            raise


def test_events_include_die_of_crash_looper_with_exit_code(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    data = collect(containers_source)
    looper = events_of(data, podman_engine.names.crashloop)
    dies = [e for e in looper if e.action == "die"]
    assert dies and all(e.exit_code == 1 and e.detail == "exit code 1" for e in dies)
    assert any(e.action == "restart" for e in looper)
    assert not any(e.synthesized for e in looper)
    assert data.events_complete
    assert [e.time for e in data.events] == sorted(e.time for e in data.events)


def test_events_include_kill_and_die_137_of_killed_container(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    killed = events_of(collect(containers_source), podman_engine.names.killed)
    assert [e.action for e in killed] == ["kill", "die"]
    assert killed[1].exit_code == 137


def test_events_tables_row_per_event(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    table = collect(containers_source).tables()["events"]
    assert table.columns == ("time", "container", "event", "detail")
    assert (podman_engine.names.exited, "die", "exit code 3") in {r[1:] for r in table.rows}


def test_events_window_leaves_out_older_events(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    data = collect(containers_source, since="now")
    assert events_of(data, podman_engine.names.exited) == []
    assert data.since > datetime.now(timezone.utc) - timedelta(minutes=5)


def test_event_history_outlives_the_engine_forgetting(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    """dockerd keeps a short ring of events and podman only what its log holds: once the
    engine forgets, a source that read the events before still has them."""
    exited = podman_engine.names.exited
    assert events_of(collect(containers_source), exited)
    fresh = ContainersSource(Config(containers=ContainersConfig(host=podman_engine.host)))
    podman_engine.hide_events()
    try:
        assert events_of(collect(fresh), exited) == []
        assert [e.detail for e in events_of(collect(containers_source), exited)] == ["exit code 3"]
    finally:
        podman_engine.restore_events()
        fresh.close()


def test_restart_and_exit_no_event_reported_are_synthesized(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    """A container restarts and exits between two collects, and the engine has forgotten
    the events by the second: the changes are found by comparing the two collects."""
    name = "dt-flaky"
    podman_engine.run_container(
        name,
        "sh",
        "-c",
        "while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 2",
        options=("--restart", "on-failure:1"),
    )
    try:
        before = {c.name: c for c in collect(containers_source).containers}[name]
        assert before.running and before.restart_count == 0
        release(podman_engine, name)
        # the restarted run finds /tmp/go at once and exits 2 again; then the policy is spent
        wait_for(
            lambda: (
                podman_engine.restart_count(name) == 1
                and podman_engine.inspect(name)["State"]["Status"] == "exited"
            ),
            "dt-flaky restarted once and exited",
        )
        podman_engine.hide_events()
        try:
            data = collect(containers_source)
        finally:
            podman_engine.restore_events()
    finally:
        podman_engine.remove_container(name)
    synthesized = [e for e in events_of(data, name) if e.synthesized]
    assert {(e.action, e.detail) for e in synthesized} == {
        ("restart", "restart count 0 -> 1"),
        ("die", "exit code 2"),
    }
    flaky = {c.name: c for c in data.containers}[name]
    assert flaky.exit_code == 2 and flaky.restart_count == 1
    rows = {r[1:] for r in data.tables()["events"].rows}
    assert (name, "restart", "restart count 0 -> 1 (seen by comparing collects)") in rows


def test_engine_reported_changes_are_not_synthesized_twice(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    name = "dt-flaky-reported"
    podman_engine.run_container(
        name,
        "sh",
        "-c",
        "while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 2",
        options=("--restart", "on-failure:1"),
    )
    try:
        collect(containers_source)
        release(podman_engine, name)
        wait_for(
            lambda: podman_engine.inspect(name)["State"]["Status"] == "exited",
            "dt-flaky-reported exited",
        )
        data = collect(containers_source)
    finally:
        podman_engine.remove_container(name)
    events = events_of(data, name)
    assert {e.action for e in events} >= {"die", "restart"}
    assert not [e for e in events if e.synthesized]


def test_health_turning_healthy_shows_in_state_and_events(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    name = "dt-recovering"
    podman_engine.run_container(
        name,
        "sleep",
        "3600",
        options=(
            "--health-cmd",
            "test -e /tmp/ok",
            "--health-interval",
            "disable",
            "--health-retries",
            "1",
        ),
    )
    try:
        podman_engine.podman("healthcheck", "run", name, check=False)
        assert {c.name: c for c in collect(containers_source).containers}[name].health == (
            "unhealthy"
        )
        podman_engine.podman("exec", name, "touch", "/tmp/ok")
        podman_engine.podman("healthcheck", "run", name)
        data = collect(containers_source)
    finally:
        podman_engine.remove_container(name)
    assert {c.name: c for c in data.containers}[name].health == "healthy"
    assert any(e.action == "health_status" for e in events_of(data, name))


# -- the two dialects of an event, and the comparison rules, as data --------------------------


def test_docker_dialect_health_and_exit_code() -> None:
    health = {
        "Type": "container",
        "Action": "health_status: unhealthy",
        "Actor": {"ID": "a" * 64, "Attributes": {"name": "web"}},
        "time": 1_700_000_000,
        "timeNano": 1_700_000_000_123_456_789,
    }
    parsed = parse_event(health)
    assert parsed is not None
    assert parsed[2].action == "health_status" and parsed[2].detail == "unhealthy"
    assert parsed[2].container_id == "a" * 12
    die = {**health, "Action": "die"}
    die["Actor"] = {"ID": "a" * 64, "Attributes": {"name": "web", "exitCode": "137"}}
    parsed = parse_event(die)
    assert parsed is not None and parsed[2].exit_code == 137


def test_podman_dialect_health_and_exit_code() -> None:
    base = {
        "status": "health_status",
        "id": "b" * 64,
        "Type": "container",
        "Action": "health_status",
        "Actor": {"ID": "b" * 64, "Attributes": {"name": "db", "containerExitCode": "0"}},
        "time": 1_700_000_000,
        "timeNano": 1_700_000_000_000_000_000,
        "HealthStatus": "healthy",
    }
    parsed = parse_event(base)
    assert parsed is not None and parsed[2].detail == "healthy"
    died = {**base, "Action": "died", "status": "died"}
    died["Actor"] = {"ID": "b" * 64, "Attributes": {"name": "db", "containerExitCode": "1"}}
    parsed = parse_event(died)
    assert parsed is not None and (parsed[2].action, parsed[2].exit_code) == ("die", 1)


def test_uninteresting_and_non_container_events_are_dropped() -> None:
    assert parse_event({"Type": "container", "Action": "start", "Actor": {"ID": "c"}}) is None
    assert parse_event({"Type": "image", "Action": "die", "Actor": {"ID": "c"}}) is None
    assert parse_event({"Type": "container", "Action": "die", "Actor": {}}) is None


def test_health_change_between_collects_is_synthesized() -> None:
    history = EventHistory(limit=100)
    t0 = datetime(2026, 1, 31, 14, 0, tzinfo=timezone.utc)
    history.compare(t0, [("abc", "web", 0, None, None, "healthy")])
    history.compare(t0 + timedelta(seconds=5), [("abc", "web", 0, None, None, "unhealthy")])
    (event,) = history.window(t0)
    assert (event.action, event.detail, event.synthesized) == (
        "health_status",
        "healthy -> unhealthy",
        True,
    )


def test_history_keeps_only_the_newest_events() -> None:
    history = EventHistory(limit=3)
    history.add_raw(
        {
            "Type": "container",
            "Action": "die",
            "Actor": {"ID": f"{i:064d}", "Attributes": {"name": f"c{i}", "exitCode": "1"}},
            "timeNano": 1_700_000_000_000_000_000 + i,
        }
        for i in range(5)
    )
    kept = history.window(datetime(2000, 1, 1, tzinfo=timezone.utc))
    assert [e.container for e in kept] == ["c2", "c3", "c4"]


def test_history_knows_the_newest_start_of_each_container_read() -> None:
    """Start events are not kept as events (noise for a responder) but their times are: a
    container's list entry with a start event needs no inspect for its exact start."""
    history = EventHistory(limit=2)

    def start(full_id: str, ns: int, action: str = "start") -> dict[str, object]:
        return {"Type": "container", "Action": action, "Actor": {"ID": full_id}, "timeNano": ns}

    history.add_raw([start("a", 5), start("a", 9), start("a", 7), start("b", 3, "create")])
    assert history.started_ns("a") == 9
    assert history.started_ns("b") is None
    assert history.window(datetime(2000, 1, 1, tzinfo=timezone.utc)) == ()
    history.add_raw([start("b", 4), start("c", 6)])  # the oldest started beyond the limit go
    assert (history.started_ns("a"), history.started_ns("b"), history.started_ns("c")) == (
        None,
        4,
        6,
    )


# -- logs ---------------------------------------------------------------------------------------


def test_container_logs_returns_the_output_lines(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    lines = containers_source.container_logs(podman_engine.names.crashloop)
    assert lines and set(lines) == {"boom"}


def test_container_logs_tail_keeps_the_last_lines(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    name = "dt-counting"
    podman_engine.run_container(name, "sh", "-c", "for i in 1 2 3 4 5; do echo line $i; done")
    try:
        wait_for(lambda: podman_engine.inspect(name)["State"]["Status"] == "exited", "dt-counting")
        assert containers_source.container_logs(name, tail=2) == ["line 4", "line 5"]
        assert containers_source.container_logs(name, since="now") == []
    finally:
        podman_engine.remove_container(name)


def test_container_logs_replace_bytes_that_are_not_utf8(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    name = "dt-binary"
    podman_engine.run_container(name, "sh", "-c", r"printf 'ok \377\376 bytes\n'")
    try:
        wait_for(lambda: podman_engine.inspect(name)["State"]["Status"] == "exited", "dt-binary")
        assert containers_source.container_logs(name) == ["ok \ufffd\ufffd bytes"]
    finally:
        podman_engine.remove_container(name)


def test_container_logs_of_unknown_container_is_a_source_error_with_hint(
    containers_source: ContainersSource,
) -> None:
    with pytest.raises(SourceError) as caught:
        containers_source.container_logs("dt-no-such-container")
    assert caught.value.message == "no container named 'dt-no-such-container'"
    assert caught.value.hint


def test_container_logs_since_is_precise_below_a_second(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    name = "dt-two-lines"
    podman_engine.run_container(name, "sh", "-c", "echo first; sleep 0.3; echo second")
    try:
        wait_for(lambda: podman_engine.inspect(name)["State"]["Status"] == "exited", name)
        stamped = podman_engine.podman("logs", "--timestamps", name).splitlines()
        second_at = datetime.fromisoformat(stamped[1].split()[0].replace("Z", "+00:00"))
        since = second_at - timedelta(seconds=0.1)
        assert containers_source.container_logs(name, since=since) == ["second"]
    finally:
        podman_engine.remove_container(name)
