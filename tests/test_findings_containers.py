"""Container findings against a real podman: the crash-looping, killed, OOM-killed and
unhealthy containers of the fixture each give their finding; the calm ones give none. Odd
states the fixture cannot produce (an engine-reported OOM, a kill long ago) are the real
snapshot changed with ``dataclasses.replace``."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

import pytest

from debugtui.findings import CRASH_LOOP_RESTARTS, Finding, Severity, evaluate
from debugtui.sources.base import Snapshot
from debugtui.sources.containerevents import ContainerEvent
from debugtui.sources.containers import ContainersSource
from tests.fixtures.podman import PodmanEngine


@pytest.fixture
def snap(podman_engine: PodmanEngine, containers_source: ContainersSource) -> Snapshot:
    # The engine is shared by the session and waits for one restart only; run on its own,
    # this file would read the crash loop before it has looped (each round takes ~1 s).
    deadline = time.monotonic() + 60
    while podman_engine.restart_count(podman_engine.names.crashloop) < CRASH_LOOP_RESTARTS:
        assert time.monotonic() < deadline, "the crash-looping container stopped restarting"
        time.sleep(0.2)
    snapshot = containers_source.collect({"since": "1h"})
    assert snapshot.ok, (snapshot.error, snapshot.hint)
    return snapshot


def findings(snapshot: Snapshot, rule: str) -> dict[str, Finding]:
    """Findings of ``rule`` by the container they name."""
    found = [f for f in evaluate({"containers": snapshot}) if f.rule == rule]
    return {f.subject.removeprefix("container "): f for f in found}


def with_containers(snapshot: Snapshot, names: set[str], **changes: object) -> Snapshot:
    data = snapshot.data
    kept = tuple(replace(c, **changes) for c in data.containers if c.name in names)
    events = tuple(e for e in data.events if e.container in names)
    return replace(snapshot, data=replace(data, containers=kept, events=events))


def test_crash_looping_container_is_a_critical_restart_finding(
    podman_engine: PodmanEngine, snap: Snapshot
) -> None:
    name = podman_engine.names.crashloop
    finding = findings(snap, "container_restarts")[name]
    restarts = next(c for c in snap.data.containers if c.name == name).restart_count
    assert finding.severity == Severity.CRITICAL
    assert f"container {name} crash-looping: {restarts} restarts" in finding.statement
    assert "last exit code 1" in finding.statement
    assert finding.key == f"container_restarts:{name}"
    assert f"docker logs --tail 50 {name}" in finding.next_step


def test_restart_evidence_holds_the_state_and_the_deaths(
    podman_engine: PodmanEngine, snap: Snapshot
) -> None:
    finding = findings(snap, "container_restarts")[podman_engine.names.crashloop]
    evidence = finding.evidence
    assert evidence["columns"] == ["time", "container", "event", "detail"]
    assert evidence["rows"][0][2] == "state"
    assert "restarts" in evidence["rows"][0][3]
    assert {row[2] for row in evidence["rows"][1:]} <= {"die", "restart"}
    assert evidence["params"] == {"since": "1h"}


def test_sigkilled_containers_are_killed_findings_not_oom(
    podman_engine: PodmanEngine, snap: Snapshot
) -> None:
    killed = findings(snap, "container_killed")
    for name in (podman_engine.names.killed, podman_engine.names.oom):
        assert f"container {name} killed (exit 137" in killed[name].statement
        assert "OOM-killed" not in killed[name].statement
        assert killed[name].severity == Severity.WARNING


def test_engine_reported_oom_is_critical_and_says_so(
    podman_engine: PodmanEngine, snap: Snapshot
) -> None:
    name = podman_engine.names.oom
    oom = with_containers(snap, {name}, oom=True)
    finding = findings(oom, "container_killed")[name]
    assert finding.statement == f"container {name} OOM-killed"
    assert finding.severity == Severity.CRITICAL


def test_oom_events_count_the_kills(podman_engine: PodmanEngine, snap: Snapshot) -> None:
    name = podman_engine.names.oom
    base = with_containers(snap, {name})
    info = base.data.containers[0]
    at = info.finished_at or base.data.at
    ooms = tuple(
        ContainerEvent(at - timedelta(minutes=m), info.id, name, "oom", "out of memory")
        for m in (1, 5, 9)
    )
    snapshot = replace(base, data=replace(base.data, events=base.data.events + ooms))
    finding = findings(snapshot, "container_killed")[name]
    assert "OOM-killed 3 times" in finding.statement
    assert [row[2] for row in finding.evidence["rows"]].count("oom") == 3


def test_a_kill_before_the_window_is_only_information(
    podman_engine: PodmanEngine, snap: Snapshot
) -> None:
    name = podman_engine.names.killed
    long_ago = snap.data.since - timedelta(days=3)
    old = with_containers(snap, {name}, finished_at=long_ago)
    old = replace(old, data=replace(old.data, events=()))
    assert findings(old, "container_killed")[name].severity == Severity.INFO


def test_unhealthy_container_is_a_finding(podman_engine: PodmanEngine, snap: Snapshot) -> None:
    name = podman_engine.names.unhealthy
    finding = findings(snap, "container_unhealthy")[name]
    assert finding.statement == f"container {name} is unhealthy (running)"
    assert finding.severity == Severity.WARNING
    assert "State.Health" in finding.next_step


def test_calm_containers_give_no_finding(podman_engine: PodmanEngine, snap: Snapshot) -> None:
    names = podman_engine.names
    calm = with_containers(snap, {names.running, names.busy, names.exited})
    assert len(calm.data.containers) == 3
    assert evaluate({"containers": calm}) == []


def test_a_restart_long_ago_is_only_information(
    podman_engine: PodmanEngine, snap: Snapshot
) -> None:
    name = podman_engine.names.running
    days_ago = snap.data.since - timedelta(days=2)
    once = with_containers(snap, {name}, restart_count=1, started_at=days_ago)
    [finding] = findings(once, "container_restarts").values()
    assert finding.severity == Severity.INFO
    assert f"container {name} restarted: 1 restart" in finding.statement


def test_a_restarting_container_is_crash_looping(
    podman_engine: PodmanEngine, snap: Snapshot
) -> None:
    name = podman_engine.names.exited
    state = with_containers(snap, {name}, status="restarting", restart_count=0)
    finding = findings(state, "container_restarts")[name]
    assert finding.severity == Severity.CRITICAL
    assert "crash-looping" in finding.statement
