"""The system source against this machine's real values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from debugtui.sources.system import (
    FIRST_SAMPLE_S,
    PSEUDO_FILESYSTEMS,
    SystemData,
    SystemSource,
    _is_data_mount,
    read_file_handles,
    read_pressure,
    read_process,
)

ME = os.getpid()


def collect(source: SystemSource | None = None, **params: object) -> SystemData:
    snap = (source or SystemSource()).collect(params)
    assert snap.ok, (snap.error, snap.hint)
    assert isinstance(snap.data, SystemData)
    return snap.data


def in_percent_range(value: float | None) -> bool:
    return value is not None and 0.0 <= value <= 100.0


def test_first_collect_measures_cpu_over_a_short_sample() -> None:
    data = collect()
    assert data.interval_s >= FIRST_SAMPLE_S
    assert data.cpu.cpu == "all"
    for usage in (data.cpu, *data.cores):
        for value in (usage.busy, usage.user, usage.system, usage.iowait, usage.steal):
            assert in_percent_range(value)


def test_two_collects_give_a_percent_per_core_over_the_time_between() -> None:
    source = SystemSource()
    first = collect(source)
    second = collect(source)
    assert second.cpu_count == psutil.cpu_count()
    assert [c.cpu for c in second.cores] == [f"cpu{i}" for i in range(len(first.cores))]
    assert len(second.cores) == second.cpu_count
    assert all(in_percent_range(c.busy) for c in second.cores)


def test_a_busy_process_tops_the_cpu_list() -> None:
    source = SystemSource()
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        collect(source)
        # The burner has run for at least a few clock ticks since that first collect (on a
        # busy machine it may not be scheduled for a while: 0.0% was seen once in CI).
        burning = psutil.Process(burner.pid)
        start = sum(burning.cpu_times()[:2])
        deadline = time.monotonic() + 30
        while sum(burning.cpu_times()[:2]) - start < 0.05 and time.monotonic() < deadline:
            time.sleep(0.01)
        data = collect(source)
    finally:
        burner.kill()
        burner.wait()
    row = next(p for p in data.top_cpu if p.pid == burner.pid)
    assert row.cpu_percent > 0
    assert "while True" in row.command


def test_load_averages_are_also_given_per_core() -> None:
    data = collect()
    load = data.load
    assert min(load.one, load.five, load.fifteen) >= 0
    assert load.per_core == pytest.approx(
        (load.one / data.cpu_count, load.five / data.cpu_count, load.fifteen / data.cpu_count)
    )


def test_memory_and_swap_are_within_range() -> None:
    memory = collect().memory
    assert 0 < memory.used <= memory.total
    assert 0 < memory.available <= memory.total
    assert in_percent_range(memory.percent)
    assert in_percent_range(memory.swap_percent)
    assert memory.swap_used <= memory.swap_total


def test_disks_include_root_and_skip_pseudo_filesystems() -> None:
    disks = collect().disks
    root = next(d for d in disks if d.mountpoint == "/")
    assert root.total and root.used is not None and root.free is not None
    assert in_percent_range(root.percent)
    assert all(d.fstype not in PSEUDO_FILESYSTEMS for d in disks)
    assert not any(d.mountpoint.startswith(("/proc", "/sys")) for d in disks)


def test_disk_and_inode_use_match_df() -> None:
    root = next(d for d in collect().disks if d.mountpoint == "/")
    df = subprocess.run(
        ["df", "--output=pcent,ipcent", "/"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[1]
    pcent, ipcent = (v.strip().rstrip("%") for v in df.split())
    assert root.percent is not None
    assert abs(root.percent - int(pcent)) <= 1  # df rounds up
    if ipcent != "-":
        assert root.inodes_percent is not None
        assert abs(root.inodes_percent - int(ipcent)) <= 1
        assert root.inodes_used == (root.inodes_total or 0) - (root.inodes_free or 0)


def test_container_internals_are_not_disks() -> None:
    assert not _is_data_mount("/var/lib/docker/overlay2/abc/merged", "overlay")
    assert not _is_data_mount("/var/lib/containers/storage/overlay/x/merged", "overlay")
    assert not _is_data_mount("/run/user/1000", "tmpfs")
    assert _is_data_mount("/var/lib/docker", "xfs")
    assert _is_data_mount("/dev/shm", "tmpfs")
    assert not _is_data_mount("/dev/pts", "devpts")


def test_network_mount_is_asked_in_a_thread_and_its_failure_is_shown(tmp_path: Path) -> None:
    source = SystemSource()
    usage = source._usage(str(tmp_path / "gone"), "nfs-server:/export", "nfs")
    assert usage is not None
    assert usage.total is None
    assert usage.error == "No such file or directory"
    answered = source._usage(str(tmp_path), "nfs-server:/export", "nfs")
    assert answered is not None and answered.total and answered.error is None
    assert answered.mountpoint == str(tmp_path)


def test_top_memory_includes_this_process() -> None:
    ballast = b"x" * (256 * 1024 * 1024)  # written, so resident
    data = collect()
    mine = next(p for p in data.top_memory if p.pid == ME)
    assert mine.memory_rss >= len(ballast)
    assert mine.name == psutil.Process().name()
    assert in_percent_range(mine.memory_percent)
    assert mine.user == psutil.Process().username()
    del ballast


def test_top_lists_are_capped() -> None:
    data = collect(top=3)
    assert len(data.top_cpu) == 3
    assert len(data.top_memory) == 3
    assert data.processes > 3


def test_a_process_that_exited_is_skipped() -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()
    assert read_process(psutil, gone.pid) is None
    here = read_process(psutil, ME)
    assert here is not None and here.pid == ME


def test_pressure_is_read_where_the_kernel_has_it() -> None:
    pressure = read_pressure()
    if not Path("/proc/pressure").is_dir():
        assert pressure is None
        return
    assert pressure is not None
    assert [p.resource for p in pressure] == ["cpu", "memory", "io"]
    for item in pressure:
        assert item.some is not None
        assert in_percent_range(item.some.avg10)
        assert item.some.total_us >= 0


def test_pressure_files_are_parsed(tmp_path: Path) -> None:
    (tmp_path / "cpu").write_text("some avg10=1.53 avg60=0.87 avg300=0.40 total=1234567\n")
    (tmp_path / "memory").write_text(
        "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
        "full avg10=12.50 avg60=3.25 avg300=1.00 total=987\n"
    )
    cpu, memory = read_pressure(tmp_path) or ()
    assert (cpu.resource, cpu.full) == ("cpu", None)
    assert cpu.some is not None and (cpu.some.avg10, cpu.some.total_us) == (1.53, 1234567)
    assert memory.full is not None and memory.full.avg60 == 3.25


def test_no_pressure_directory_means_none(tmp_path: Path) -> None:
    assert read_pressure(tmp_path / "absent") is None


def test_open_file_handles_are_read() -> None:
    handles = read_file_handles()
    assert handles is not None
    assert 0 < handles.open <= handles.max
    assert read_file_handles(Path("/nonexistent")) is None


def test_uptime_and_boot_time_agree() -> None:
    data = collect()
    assert data.uptime_s > 0
    assert data.boot_time.timestamp() == pytest.approx(psutil.boot_time())


def test_snapshot_is_json_serialisable_with_tables() -> None:
    snap = SystemSource().collect()
    out = json.loads(json.dumps(snap.to_dict()))
    assert out["data"]["cpu_count"] == psutil.cpu_count()
    assert any(d["mountpoint"] == "/" for d in out["data"]["disks"])
    tables = snap.tables()
    assert {"cpu", "memory", "disks", "top_cpu", "top_memory", "pressure"} <= set(tables)
    assert tables["cpu"].rows[0][0] == "all"
    assert [r[0] for r in tables["memory"].rows] == ["memory", "swap"]
    assert "/" in {r[0] for r in tables["disks"].rows}
