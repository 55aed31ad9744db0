"""How the host itself is doing: CPU, load, memory, disks, top processes, pressure stalls.

The ``top`` + ``free`` + ``df -h`` + ``df -i`` + ``cat /proc/pressure/*`` a responder types
on every box, in one snapshot. Values come from psutil and /proc.

CPU use is a rate, so it needs two samples. The source keeps the previous sample (CPU times
of the host, of each core and of each process) and reports use over the time since the last
collect. The first collect has no previous sample: it takes one, waits ``FIRST_SAMPLE_S``
(0.1 s) and takes another, because the alternative (the average since boot) hides exactly
the saturation an outage is about. ``interval_s`` says which span the percentages cover.

A process's CPU percent is of one core, as ``top`` shows it (a busy 4-thread process can
show 400). Processes that vanish or refuse while being read are skipped, never an error.
Network mounts are asked for their size in a separate thread with a timeout, so a hung NFS
server shows up as a disk error instead of hanging the collect.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from debugtui.config import Config
from debugtui.sources.base import Source, Table

FIRST_SAMPLE_S = 0.1
"""Gap between the two CPU samples of the first collect."""

TOP = 10
"""Processes kept in each of the top lists."""

COMMAND_CHARS = 1000
"""Command lines are cut to this length (java class paths run to kilobytes)."""

NETWORK_FS_TIMEOUT_S = 2.0
"""How long a network filesystem may take to report its size before it counts as hung."""

PSEUDO_FILESYSTEMS = frozenset(
    {
        "autofs",
        "binfmt_misc",
        "bpf",
        "cgroup",
        "cgroup2",
        "configfs",
        "debugfs",
        "devpts",
        "devtmpfs",
        "efivarfs",
        "fusectl",
        "hugetlbfs",
        "mqueue",
        "nsfs",
        "proc",
        "pstore",
        "ramfs",
        "rpc_pipefs",
        "securityfs",
        "selinuxfs",
        "squashfs",
        "sysfs",
        "tracefs",
        "nfsd",
        "fuse.gvfsd-fuse",
        "fuse.portal",
        "fuse.lxcfs",
    }
)
"""Filesystems that hold no user data (or, like snap's squashfs, are always 100% full)."""

NETWORK_FILESYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "glusterfs", "fuse.sshfs", "9p", "afs"}
)

RUNTIME_STORAGE_DIRS = frozenset(
    {"docker", "containers", "vfs-containers", "containerd", "overlay2", "kubelet"}
)
"""Mounts *below* these directories are container internals (each container's root and
shm), not disks a responder watches; the directory itself, if a mount, is kept."""

_PSEUDO_PREFIXES = ("/proc", "/sys", "/dev/pts", "/run/netns", "/run/user/")
_PRESSURE = Path("/proc/pressure")
_PRESSURE_COLUMNS = (
    "resource",
    "some 10s",
    "some 60s",
    "some 300s",
    "full 10s",
    "full 60s",
    "full 300s",
)
_FILE_NR = Path("/proc/sys/fs/file-nr")


@dataclass(frozen=True)
class CpuUsage:
    """Percent of the interval a CPU (or all of them, ``cpu="all"``) spent in each state."""

    cpu: str
    busy: float
    """Everything but idle and iowait."""
    user: float
    """User time, nice included."""
    system: float
    """Kernel time, interrupts included."""
    iowait: float
    steal: float
    """Time the hypervisor gave to other guests: a noisy neighbour."""
    idle: float


@dataclass(frozen=True)
class LoadAverage:
    one: float
    five: float
    fifteen: float
    per_core: tuple[float, float, float]
    """The three averages divided by the number of CPUs: above 1 means a run queue."""


@dataclass(frozen=True)
class MemoryUsage:
    total: int
    used: int
    available: int
    percent: float
    swap_total: int
    swap_used: int
    swap_free: int
    swap_percent: float


@dataclass(frozen=True)
class DiskUsage:
    mountpoint: str
    device: str
    fstype: str
    total: int | None
    used: int | None
    free: int | None
    """Available to unprivileged users (what df shows as Avail)."""
    percent: float | None
    """used / (used + free), as df computes Use%."""
    inodes_total: int | None
    inodes_used: int | None
    inodes_free: int | None
    inodes_percent: float | None
    """None where the filesystem has no fixed inode count (btrfs, some network filesystems)."""
    error: str | None = None
    """Why the sizes are missing (a hung network mount, a permission refusal)."""


@dataclass(frozen=True)
class ProcessUsage:
    pid: int
    name: str
    """Untrusted text: a process can name itself anything."""
    user: str
    cpu_percent: float
    """Of one core over the interval (top's %CPU)."""
    memory_rss: int
    memory_percent: float
    command: str
    """The command line, cut to ``COMMAND_CHARS``; empty for kernel threads."""


@dataclass(frozen=True)
class PressureStall:
    """Share of time some (or all) tasks were stalled waiting on a resource, in percent."""

    avg10: float
    avg60: float
    avg300: float
    total_us: int


@dataclass(frozen=True)
class Pressure:
    resource: str
    """cpu, memory or io."""
    some: PressureStall | None
    full: PressureStall | None


@dataclass(frozen=True)
class FileHandles:
    """Open file handles of the whole host against fs.file-max (/proc/sys/fs/file-nr)."""

    open: int
    max: int

    @property
    def percent(self) -> float:
        return 100.0 * self.open / self.max if self.max else 0.0


@dataclass(frozen=True)
class SystemData:
    cpu_count: int
    interval_s: float
    """The span the CPU percentages cover (since the previous collect)."""
    cpu: CpuUsage
    cores: tuple[CpuUsage, ...]
    load: LoadAverage
    memory: MemoryUsage
    disks: tuple[DiskUsage, ...]
    top_cpu: tuple[ProcessUsage, ...]
    top_memory: tuple[ProcessUsage, ...]
    processes: int
    boot_time: datetime
    uptime_s: float
    file_handles: FileHandles | None
    pressure: tuple[Pressure, ...] | None
    """None where the kernel has no pressure stall information (before 4.20, or psi=0)."""

    def to_dict(self) -> dict[str, Any]:
        out = _plain(self)
        if self.file_handles is not None:
            out["file_handles"]["percent"] = round(self.file_handles.percent, 1)
        return out

    def tables(self) -> Mapping[str, Table]:
        load = self.load
        return {
            "cpu": Table(
                columns=("cpu", "busy %", "user %", "system %", "iowait %", "steal %"),
                rows=tuple(_cpu_row(c) for c in (self.cpu, *self.cores)),
                title=(
                    f"CPU: {self.cpu_count} cores, load {load.one:.2f} {load.five:.2f} "
                    f"{load.fifteen:.2f} ({load.per_core[0]:.2f}/core), "
                    f"over {self.interval_s:.1f} s"
                ),
            ),
            "memory": Table(
                columns=("", "total", "used", "available", "use %"),
                rows=(
                    (
                        "memory",
                        _size(self.memory.total),
                        _size(self.memory.used),
                        _size(self.memory.available),
                        _pct(self.memory.percent),
                    ),
                    (
                        "swap",
                        _size(self.memory.swap_total),
                        _size(self.memory.swap_used),
                        _size(self.memory.swap_free),
                        _pct(self.memory.swap_percent),
                    ),
                ),
                title="Memory",
            ),
            "disks": Table(
                columns=("mount", "type", "size", "used", "avail", "use %", "inodes %"),
                rows=tuple(
                    (
                        d.mountpoint,
                        d.fstype,
                        _size(d.total),
                        _size(d.used),
                        _size(d.free),
                        _pct(d.percent) if d.error is None else d.error,
                        _pct(d.inodes_percent),
                    )
                    for d in self.disks
                ),
                title="Disks",
            ),
            "top_cpu": _process_table(self.top_cpu, f"Top CPU over {self.interval_s:.1f} s"),
            "top_memory": _process_table(self.top_memory, "Top memory (RSS)"),
            "pressure": Table(
                columns=_PRESSURE_COLUMNS,
                rows=tuple(
                    (p.resource, *_stall(p.some), *_stall(p.full)) for p in self.pressure or ()
                ),
                title=(
                    "Pressure stalls (% of time)"
                    if self.pressure is not None
                    else "Pressure stalls: not available on this kernel"
                ),
            ),
            "host": Table(
                columns=("what", "value"),
                rows=(
                    ("uptime", _duration(self.uptime_s)),
                    ("booted", self.boot_time.strftime("%Y-%m-%d %H:%M:%SZ")),
                    ("cpus", str(self.cpu_count)),
                    ("load 1/5/15 min", f"{load.one:.2f} {load.five:.2f} {load.fifteen:.2f}"),
                    ("load per core", " ".join(f"{v:.2f}" for v in load.per_core)),
                    ("processes", str(self.processes)),
                    (
                        "open files",
                        f"{self.file_handles.open}/{self.file_handles.max}"
                        if self.file_handles
                        else "-",
                    ),
                ),
                title="Host",
            ),
        }


@dataclass(frozen=True)
class _ProcessSample:
    pid: int
    created: float
    name: str
    uid: int
    cpu_s: float
    rss: int


@dataclass(frozen=True)
class _Sample:
    at: float
    cpu: Any
    cores: list[Any]
    processes: dict[tuple[int, float], _ProcessSample]


class SystemSource(Source):
    """Params: ``top`` (processes per list, 10). Keeps the previous CPU sample between
    collects, so a panel should reuse one source object."""

    name = "system"

    def __init__(self, config: Config | None = None) -> None:
        super().__init__(config)
        self._previous: _Sample | None = None
        self._hung: dict[str, threading.Event] = {}
        """Network mounts whose size query has not returned yet: not asked again until it does."""

    def _collect(self, params: dict[str, Any]) -> tuple[SystemData, list[str]]:
        import psutil

        top = int(params.get("top", TOP))
        warnings: list[str] = []
        sample = _sample(psutil)
        previous = self._previous
        if previous is None:
            time.sleep(FIRST_SAMPLE_S)
            previous, sample = sample, _sample(psutil)
        self._previous = sample
        interval = max(sample.at - previous.at, 1e-6)

        cpu_count = psutil.cpu_count() or len(sample.cores) or 1
        one, five, fifteen = psutil.getloadavg()
        vm = psutil.virtual_memory()
        swap = psutil.swap_memory()
        boot = psutil.boot_time()
        usage = [
            _process_usage(p, previous.processes.get(key), interval, vm.total)
            for key, p in sample.processes.items()
        ]
        disks = self._disks(psutil)
        warnings.extend(f"{d.mountpoint}: {d.error}" for d in disks if d.error)
        data = SystemData(
            cpu_count=cpu_count,
            interval_s=interval,
            cpu=_cpu_usage("all", previous.cpu, sample.cpu),
            cores=tuple(
                _cpu_usage(f"cpu{i}", before, after)
                # not strict: a CPU can go offline between two samples
                for i, (before, after) in enumerate(zip(previous.cores, sample.cores, strict=False))
            ),
            load=LoadAverage(
                one,
                five,
                fifteen,
                (one / cpu_count, five / cpu_count, fifteen / cpu_count),
            ),
            memory=MemoryUsage(
                vm.total,
                vm.used,
                vm.available,
                vm.percent,
                swap.total,
                swap.used,
                swap.free,
                swap.percent,
            ),
            disks=disks,
            top_cpu=_with_commands(
                psutil, sorted(usage, key=lambda u: (-u.cpu_percent, -u.memory_rss))[:top]
            ),
            top_memory=_with_commands(
                psutil, sorted(usage, key=lambda u: (-u.memory_rss, -u.cpu_percent))[:top]
            ),
            processes=len(sample.processes),
            boot_time=datetime.fromtimestamp(boot, timezone.utc),
            uptime_s=max(time.time() - boot, 0.0),
            file_handles=read_file_handles(),
            pressure=read_pressure(),
        )
        return data, warnings

    def _disks(self, psutil: Any) -> tuple[DiskUsage, ...]:
        seen_devices: set[str] = set()
        by_mount: dict[str, DiskUsage] = {}
        partitions = sorted(psutil.disk_partitions(all=True), key=lambda p: len(p.mountpoint))
        for part in partitions:
            if not _is_data_mount(part.mountpoint, part.fstype):
                continue
            if part.device.startswith("/"):
                if part.device in seen_devices:
                    continue  # a bind mount of a filesystem already listed
                seen_devices.add(part.device)
            usage = self._usage(part.mountpoint, part.device, part.fstype)
            if usage is not None:
                by_mount[part.mountpoint] = usage
        return tuple(by_mount[m] for m in sorted(by_mount))

    def _usage(self, mountpoint: str, device: str, fstype: str) -> DiskUsage | None:
        """Sizes from one statvfs; None for a filesystem of size 0 (nothing to watch)."""
        try:
            if fstype in NETWORK_FILESYSTEMS:
                st = self._statvfs_bounded(mountpoint)
            else:
                st = os.statvfs(mountpoint)
        except (OSError, TimeoutError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            return DiskUsage(mountpoint, device, fstype, *([None] * 8), error=reason)
        return disk_usage(mountpoint, device, fstype, st)

    def _statvfs_bounded(self, path: str) -> os.statvfs_result:
        pending = self._hung.get(path)
        if pending is not None and not pending.is_set():
            raise TimeoutError("still not answering (hung network mount?)")
        done = threading.Event()
        result: list[Any] = []

        def ask() -> None:
            try:
                result.append(os.statvfs(path))
            except OSError as exc:
                result.append(exc)
            finally:
                done.set()

        threading.Thread(target=ask, name=f"statvfs {path}", daemon=True).start()
        if not done.wait(NETWORK_FS_TIMEOUT_S):
            self._hung[path] = done
            raise TimeoutError(f"no answer within {NETWORK_FS_TIMEOUT_S:g} s (hung network mount?)")
        self._hung.pop(path, None)
        if isinstance(result[0], OSError):
            raise result[0]
        return result[0]


def _sample(psutil: Any) -> _Sample:
    processes: dict[tuple[int, float], _ProcessSample] = {}
    for pid in psutil.pids():
        proc = read_process(psutil, pid)
        if proc is not None:
            processes[(proc.pid, proc.created)] = proc
    return _Sample(
        at=time.monotonic(),
        cpu=psutil.cpu_times(),
        cores=psutil.cpu_times(percpu=True),
        processes=processes,
    )


def read_process(psutil: Any, pid: int) -> _ProcessSample | None:
    """One process's counters, or None when it vanished or refused while being read."""
    try:
        proc = psutil.Process(pid)
        with proc.oneshot():
            times = proc.cpu_times()
            return _ProcessSample(
                pid=pid,
                created=proc.create_time(),
                name=proc.name(),
                uid=proc.uids().real,
                cpu_s=times.user + times.system,
                rss=proc.memory_info().rss,
            )
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None  # ZombieProcess is a NoSuchProcess too


def _process_usage(
    now: _ProcessSample,
    before: _ProcessSample | None,
    interval: float,
    memory_total: int,
) -> ProcessUsage:
    if before is not None:
        cpu = 100.0 * max(now.cpu_s - before.cpu_s, 0.0) / interval
    else:  # started since the previous sample: its average over its short life
        age = max(time.time() - now.created, interval)
        cpu = 100.0 * now.cpu_s / age
    return ProcessUsage(
        pid=now.pid,
        name=now.name,
        user=_user(now.uid),
        cpu_percent=cpu,
        memory_rss=now.rss,
        memory_percent=100.0 * now.rss / memory_total if memory_total else 0.0,
        command="",
    )


def _with_commands(psutil: Any, rows: list[ProcessUsage]) -> tuple[ProcessUsage, ...]:
    """Command lines for the few processes shown (reading them for all would cost more)."""
    out = []
    for row in rows:
        try:
            command = " ".join(psutil.Process(row.pid).cmdline())
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            command = ""
        out.append(
            ProcessUsage(
                row.pid,
                row.name,
                row.user,
                row.cpu_percent,
                row.memory_rss,
                row.memory_percent,
                command[:COMMAND_CHARS],
            )
        )
    return tuple(out)


@lru_cache(maxsize=1024)
def _user(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _cpu_usage(name: str, before: Any, after: Any) -> CpuUsage:
    """Percentages between two ``cpu_times`` samples, computed as psutil does on Linux
    (guest time is already counted in user time, so it is left out of the total)."""
    fields = after._fields
    delta = {f: max(getattr(after, f) - getattr(before, f), 0.0) for f in fields}
    total = sum(delta.values()) - delta.get("guest", 0.0) - delta.get("guest_nice", 0.0)
    if total <= 0:
        return CpuUsage(name, 0.0, 0.0, 0.0, 0.0, 0.0, 100.0)

    def pct(value: float) -> float:
        return min(max(100.0 * value / total, 0.0), 100.0)

    idle = delta.get("idle", 0.0)
    iowait = delta.get("iowait", 0.0)
    return CpuUsage(
        cpu=name,
        busy=pct(total - idle - iowait),
        user=pct(delta.get("user", 0.0) + delta.get("nice", 0.0)),
        system=pct(delta.get("system", 0.0) + delta.get("irq", 0.0) + delta.get("softirq", 0.0)),
        iowait=pct(iowait),
        steal=pct(delta.get("steal", 0.0)),
        idle=pct(idle),
    )


def _is_data_mount(mountpoint: str, fstype: str) -> bool:
    if fstype in PSEUDO_FILESYSTEMS:
        return False
    if mountpoint.startswith(_PSEUDO_PREFIXES):
        return False
    parents = Path(mountpoint).parts[:-1]
    return not RUNTIME_STORAGE_DIRS.intersection(parents)


def disk_usage(mountpoint: str, device: str, fstype: str, st: Any) -> DiskUsage | None:
    """A DiskUsage from a statvfs result, the way df computes Use% and IUse%."""
    total = st.f_blocks * st.f_frsize
    if total == 0:
        return None
    used = (st.f_blocks - st.f_bfree) * st.f_frsize
    free = st.f_bavail * st.f_frsize
    percent = 100.0 * used / (used + free) if used + free else 0.0
    inodes_used = inodes_percent = inodes_free = inodes_total = None
    if st.f_files:
        inodes_total = st.f_files
        inodes_free = st.f_ffree
        inodes_used = st.f_files - st.f_ffree
        inodes_percent = 100.0 * inodes_used / st.f_files
    return DiskUsage(
        mountpoint,
        device,
        fstype,
        total,
        used,
        free,
        percent,
        inodes_total,
        inodes_used,
        inodes_free,
        inodes_percent,
    )


def read_pressure(base: Path = _PRESSURE) -> tuple[Pressure, ...] | None:
    """PSI for cpu, memory and io, or None where the kernel has none.

    Each file holds lines like ``some avg10=1.53 avg60=0.87 avg300=0.40 total=1234567``.
    A kernel booted with psi=0 has the files but refuses to read them: also None.
    """
    found = []
    for resource in ("cpu", "memory", "io"):
        try:
            text = (base / resource).read_text()
        except OSError:
            continue
        stalls: dict[str, PressureStall] = {}
        for line in text.splitlines():
            kind, _, rest = line.partition(" ")
            values = dict(pair.split("=", 1) for pair in rest.split() if "=" in pair)
            try:
                stalls[kind] = PressureStall(
                    float(values["avg10"]),
                    float(values["avg60"]),
                    float(values["avg300"]),
                    int(values["total"]),
                )
            except (KeyError, ValueError):
                continue
        if stalls:
            found.append(Pressure(resource, stalls.get("some"), stalls.get("full")))
    return tuple(found) or None


def read_file_handles(path: Path = _FILE_NR) -> FileHandles | None:
    """``allocated unused max`` from /proc/sys/fs/file-nr; open = allocated - unused."""
    try:
        allocated, unused, most = (int(v) for v in path.read_text().split()[:3])
    except (OSError, ValueError):
        return None
    return FileHandles(allocated - unused, most)


def _process_table(rows: tuple[ProcessUsage, ...], title: str) -> Table:
    return Table(
        columns=("pid", "user", "cpu %", "mem %", "rss", "name", "command"),
        rows=tuple(
            (
                str(p.pid),
                p.user,
                f"{p.cpu_percent:.1f}",
                f"{p.memory_percent:.1f}",
                _size(p.memory_rss),
                p.name,
                p.command,
            )
            for p in rows
        ),
        title=title,
    )


def _cpu_row(c: CpuUsage) -> tuple[str, ...]:
    return (c.cpu, _pct(c.busy), _pct(c.user), _pct(c.system), _pct(c.iowait), _pct(c.steal))


def _stall(stall: PressureStall | None) -> tuple[str, str, str]:
    if stall is None:
        return ("-", "-", "-")
    return (f"{stall.avg10:.2f}", f"{stall.avg60:.2f}", f"{stall.avg300:.2f}")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _size(value: int | None) -> str:
    """Bytes in binary units, df -h style: 512B, 3.4K, 12M, 1.5G."""
    if value is None:
        return "-"
    size = float(value)
    for unit in ("B", "K", "M", "G", "T", "P"):
        if size < 1024 or unit == "P":
            return f"{size:.0f}{unit}" if unit == "B" or size >= 10 else f"{size:.1f}{unit}"
        size /= 1024
    return f"{size:.1f}P"


def _duration(seconds: float) -> str:
    minutes, _ = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}d {hours:02d}h{minutes:02d}m" if days else f"{hours}h{minutes:02d}m"


def _plain(value: Any) -> Any:
    """JSON-able form of the dataclasses above: datetimes as ISO strings, tuples as lists."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return value
