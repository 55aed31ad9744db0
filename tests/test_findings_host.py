"""Findings over the host sources: real snapshots of this machine, then one value pushed
past a threshold with ``dataclasses.replace`` to prove the rule fires, and stays quiet below."""

from __future__ import annotations

import os
import socket
import time
from dataclasses import replace

import pytest

from debugtui.config import Config, ThresholdsConfig
from debugtui.findings import Severity, evaluate
from debugtui.sources.base import Snapshot
from debugtui.sources.sockets import SocketsSource
from debugtui.sources.system import SystemSource


@pytest.fixture(scope="module")
def system_snapshot() -> Snapshot:
    snap = SystemSource(Config()).collect()
    assert snap.ok, snap.error
    return snap


def _with(snap: Snapshot, **changes: object) -> dict[str, Snapshot]:
    return {snap.source: replace(snap, data=replace(snap.data, **changes))}


def _rules(snaps: dict[str, Snapshot], thresholds: ThresholdsConfig | None = None) -> list:
    return evaluate(snaps, thresholds or ThresholdsConfig())


def test_healthy_thresholds_raise_no_alarm_when_values_are_low(system_snapshot: Snapshot) -> None:
    data = system_snapshot.data
    calm = _with(
        system_snapshot,
        memory=replace(data.memory, percent=10.0, swap_percent=0.0),
        disks=tuple(replace(d, percent=5.0, inodes_percent=1.0) for d in data.disks),
        load=replace(data.load, per_core=(0.1, 0.1, 0.1)),
        cpu=replace(data.cpu, busy=5.0, iowait=0.0, steal=0.0),
        pressure=None,
    )
    assert _rules(calm) == []


def test_disk_over_critical_is_a_critical_finding_naming_the_mount(
    system_snapshot: Snapshot,
) -> None:
    data = system_snapshot.data
    full = replace(data.disks[0], percent=96.0, inodes_percent=3.0)
    found = [f for f in _rules(_with(system_snapshot, disks=(full,))) if f.rule == "disk_full"]
    assert len(found) == 1
    assert found[0].severity == Severity.CRITICAL
    assert full.mountpoint in found[0].statement


def test_inodes_nearly_full_are_reported_separately(system_snapshot: Snapshot) -> None:
    data = system_snapshot.data
    disk = replace(data.disks[0], percent=10.0, inodes_percent=75.0)
    found = [f for f in _rules(_with(system_snapshot, disks=(disk,))) if f.rule == "disk_full"]
    assert [f.severity for f in found] == [Severity.WARNING]
    assert "inodes" in found[0].statement


def test_memory_warning_at_seventy_percent(system_snapshot: Snapshot) -> None:
    data = system_snapshot.data
    snaps = _with(system_snapshot, memory=replace(data.memory, percent=75.0, swap_total=0))
    found = [f for f in _rules(snaps) if f.key == "memory_pressure:memory"]
    assert [f.severity for f in found] == [Severity.WARNING]


def test_load_five_times_the_cores_is_critical(system_snapshot: Snapshot) -> None:
    data = system_snapshot.data
    snaps = _with(system_snapshot, load=replace(data.load, per_core=(6.0, 4.0, 2.0)))
    found = [f for f in _rules(snaps) if f.key == "cpu_saturation:load"]
    assert [f.severity for f in found] == [Severity.CRITICAL]


def test_thresholds_come_from_the_config(system_snapshot: Snapshot) -> None:
    data = system_snapshot.data
    snaps = _with(system_snapshot, memory=replace(data.memory, percent=75.0, swap_total=0))
    strict = ThresholdsConfig(memory_warning=80.0)
    assert not [f for f in _rules(snaps, strict) if f.key == "memory_pressure:memory"]


def test_close_wait_pileup_names_the_process() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    clients, accepted = [], []
    try:
        for _ in range(12):
            c = socket.create_connection(("127.0.0.1", port))
            clients.append(c)
            accepted.append(server.accept()[0])
        for c in clients:
            c.close()  # the peer hangs up; `accepted` never closes: CLOSE_WAIT on our side
        source = SocketsSource(Config())
        for _ in range(50):  # the kernel moves the sockets to CLOSE_WAIT as the FINs arrive
            snap = source.collect({"port": port})
            assert snap.ok, snap.error
            found = [f for f in evaluate({"sockets": snap}) if f.rule == "socket_pileup"]
            if any("CLOSE_WAIT" in f.statement for f in found):
                break
            time.sleep(0.05)
        assert any(
            "CLOSE_WAIT" in f.statement and f"pid {os.getpid()}" in f.statement for f in found
        )
    finally:
        for a in accepted:
            a.close()
        server.close()


def test_a_rule_that_meets_odd_data_is_skipped_not_raised(system_snapshot: Snapshot) -> None:
    broken = replace(system_snapshot, data=replace(system_snapshot.data, disks=None))
    found = evaluate({"system": broken})
    assert all(f.rule != "disk_full" for f in found)


def test_failed_snapshots_are_ignored() -> None:
    from debugtui.sources.base import failure

    assert evaluate({"system": failure("system", {}, "boom", None)}) == []
