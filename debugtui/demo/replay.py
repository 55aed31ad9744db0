"""The demo incident's live evidence, fixed: what the System, Sockets, Queries and Containers
tabs would show during it, built from the sources' own dataclasses.

Host metrics, sockets, query timings and container stats differ on every run and every
machine, so the screenshots (``python -m debugtui.tui.screenshots``) and the snapshot tests
replay these instead; the numbers tell the demo's story (the v2.4.0 checkout join on top of
pg_stat_statements, the checkout worker crash-looping, PostgreSQL's port busy). Deploys and
logs need no replay: the incident's git repository and log files are real and, built for a
fixed ``now``, the same on every run. :func:`replay_sources` is a ``make_app(sources=...)``
factory: these four replayed, the others real.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from debugtui.config import Config
from debugtui.demo.workload import CHECKOUT_QUERY
from debugtui.sources.base import Snapshot, Source
from debugtui.sources.registry import make_source
from debugtui.timewindow import TimeParseError, parse_when

GIB = 1024**3
MIB = 1024**2
PG_PORT = 5432


def system_data(now: datetime) -> Any:
    from debugtui.sources.system import (
        CpuUsage,
        DiskUsage,
        FileHandles,
        LoadAverage,
        MemoryUsage,
        Pressure,
        PressureStall,
        ProcessUsage,
        SystemData,
    )

    def cpu(name: str, busy: float, user: float, system: float, iowait: float) -> CpuUsage:
        return CpuUsage(name, busy, user, system, iowait, 0.0, 100.0 - busy - iowait)

    postgres = ProcessUsage(
        2210, "postgres", "postgres", 97.5, 182 * MIB, 2.3, "postgres: shop shop [local] SELECT"
    )
    worker = ProcessUsage(
        3302, "python3", "app", 22.1, 412 * MIB, 5.1, "python3 -m shop.worker --queue checkout"
    )
    web = ProcessUsage(3120, "gunicorn", "app", 12.4, 236 * MIB, 2.9, "gunicorn shop.wsgi -w 8")
    conmon = ProcessUsage(3300, "conmon", "root", 1.2, 2 * MIB, 0.0, "/usr/bin/conmon -c 5c66a9")
    return SystemData(
        cpu_count=4,
        interval_s=3.0,
        cpu=cpu("all", 71.8, 58.2, 13.6, 2.1),
        cores=(
            cpu("cpu0", 98.7, 90.1, 8.6, 0.0),
            cpu("cpu1", 64.2, 50.3, 13.9, 3.5),
            cpu("cpu2", 61.0, 47.8, 13.2, 2.6),
            cpu("cpu3", 63.3, 44.6, 18.7, 2.3),
        ),
        load=LoadAverage(5.62, 3.41, 1.27, (1.41, 0.85, 0.32)),
        memory=MemoryUsage(
            8 * GIB, int(5.1 * GIB), int(2.9 * GIB), 63.8, 2 * GIB, 64 * MIB, 1984 * MIB, 3.1
        ),
        disks=(
            DiskUsage(
                "/",
                "/dev/vda1",
                "ext4",
                80 * GIB,
                41 * GIB,
                35 * GIB,
                53.9,
                5_242_880,
                1_310_720,
                3_932_160,
                25.0,
            ),
            DiskUsage(
                "/var/lib/postgresql",
                "/dev/vdb1",
                "xfs",
                200 * GIB,
                143 * GIB,
                57 * GIB,
                71.5,
                104_857_600,
                9_437_184,
                95_420_416,
                9.0,
            ),
        ),
        top_cpu=(postgres, worker, web, conmon),
        top_memory=(worker, web, postgres, conmon),
        processes=212,
        boot_time=now - timedelta(days=23, hours=4),
        uptime_s=timedelta(days=23, hours=4).total_seconds(),
        file_handles=FileHandles(open=4128, max=9_223_372),
        pressure=(
            Pressure("cpu", PressureStall(38.2, 21.5, 8.9, 912_000_000), None),
            Pressure(
                "memory", PressureStall(0.0, 0.0, 0.0, 120_000), PressureStall(0.0, 0.0, 0.0, 0)
            ),
            Pressure(
                "io",
                PressureStall(1.8, 1.1, 0.6, 41_000_000),
                PressureStall(0.9, 0.5, 0.2, 20_000_000),
            ),
        ),
    )


def sockets_data() -> Any:
    from debugtui.sources.sockets import (
        Connection,
        Listener,
        LocalPort,
        ProcessSockets,
        RemoteHost,
        SocketsData,
    )

    established = 37
    waiting = 9
    conns = tuple(
        Connection(
            "tcp", "10.0.4.12", PG_PORT, f"10.0.4.{20 + n % 3}", 41000 + n, state, 2210, "postgres"
        )
        for n, state in enumerate(["CLOSE_WAIT"] * 3 + ["ESTABLISHED"] * 6)
    )
    return SocketsData(
        ports=(PG_PORT,),
        total=established + waiting + 3 + 2,
        scanned=388,
        listeners=(
            Listener("tcp", "0.0.0.0", PG_PORT, 2210, "postgres", "postgres", 4, 244),
            Listener("tcp6", "::", PG_PORT, 2210, "postgres", "postgres", 0, 244),
        ),
        tcp_states=(
            ("ESTABLISHED", established),
            ("TIME_WAIT", waiting),
            ("CLOSE_WAIT", 3),
            ("LISTEN", 2),
        ),
        udp=0,
        remote_hosts=(
            RemoteHost("10.0.4.20", 21, (("ESTABLISHED", 18), ("CLOSE_WAIT", 3))),
            RemoteHost("10.0.4.21", 16, (("ESTABLISHED", 12), ("TIME_WAIT", 4))),
            RemoteHost("10.0.4.22", 12, (("ESTABLISHED", 7), ("TIME_WAIT", 5))),
        ),
        local_ports=(
            LocalPort(
                PG_PORT, 49, (("ESTABLISHED", 37), ("TIME_WAIT", 9), ("CLOSE_WAIT", 3)), "postgres"
            ),
        ),
        processes=(
            ProcessSockets(
                2210, "postgres", "postgres", 2, 40, (("ESTABLISHED", 37), ("CLOSE_WAIT", 3))
            ),
            ProcessSockets(None, None, None, 0, 9, (("TIME_WAIT", 9),)),
        ),
        connections=conns,
        hidden=0,
        conntrack=None,
    )


def queries_data(now: datetime) -> Any:
    from debugtui.sources.pgstats import (
        ActivitySummary,
        Health,
        Interval,
        QueriesData,
        Session,
        Statement,
        StatementDelta,
        StatementStats,
    )

    def statement(
        queryid: int,
        calls: int,
        total_ms: float,
        rows: int,
        share: float,
        query: str,
        delta_calls: int,
        delta_ms: float,
    ) -> Statement:
        return Statement(
            queryid=queryid,
            userid=10,
            dbid=16384,
            toplevel=True,
            user="shop",
            database="shop",
            calls=calls,
            total_ms=total_ms,
            mean_ms=total_ms / calls,
            plan_ms=0.0,
            rows=rows,
            shared_blks_hit=calls * 40,
            shared_blks_read=calls // 10,
            temp_blks=0,
            io_ms=total_ms * 0.01,
            share_pct=share,
            query=query,
            delta=StatementDelta(5.0, delta_calls, delta_ms, delta_calls, False),
        )

    statements = (
        statement(-7_311_210_001, 412, 1_976_812.4, 123_600, 91.6, CHECKOUT_QUERY, 2, 9_611.0),
        statement(
            4_101_334_002,
            88_214,
            104_210.7,
            88_214,
            4.8,
            "SELECT cents FROM prices WHERE sku = $1",
            610,
            702.3,
        ),
        statement(
            5_523_001_003,
            9_310,
            52_330.2,
            9_310,
            2.4,
            "INSERT INTO orders (cart_id, cents) VALUES ($1, $2)",
            12,
            61.2,
        ),
        statement(
            6_870_442_004,
            1_204,
            18_901.5,
            36_120,
            0.9,
            "SELECT * FROM cart_items WHERE cart_id = $1",
            9,
            140.8,
        ),
        statement(
            2_990_117_005,
            310,
            6_004.9,
            310,
            0.3,
            "UPDATE carts SET updated_at = now() WHERE id = $1",
            2,
            35.5,
        ),
    )
    stats = StatementStats(
        available=True,
        sort="total",
        top=50,
        extension_version="1.10",
        sql_file="statements_pg15.sql",
        entries=len(statements),
        total_ms=2_158_259.7,
        statements=statements,
        interval=Interval(5.0, 127.0, 2_110.2, False, None, 0),
        dealloc=0,
        stats_reset=now - timedelta(days=3),
    )

    def session(pid: int, app: str, state: str, age: float | None, query: str) -> Session:
        return Session(
            pid, "shop", "shop", app, "10.0.4.20", state, None, None, age, age, age, query, None
        )

    sessions = (
        session(2284, "shop-checkout", "active", 4.9, CHECKOUT_QUERY),
        session(2287, "shop-checkout", "active", 4.2, CHECKOUT_QUERY),
        session(2291, "shop-checkout", "active", 3.1, CHECKOUT_QUERY),
        session(2260, "shop-web", "idle", None, "SELECT cents FROM prices WHERE sku = $1"),
        session(2262, "shop-web", "idle", None, "INSERT INTO orders (cart_id, cents) ..."),
    )
    return QueriesData(
        server_version="15.10",
        statements=stats,
        sessions=sessions,
        activity=ActivitySummary(40, 3, 37, 0, 0, None, None, 2284, 4.9, 0),
        blocking=(),
        unrecorded=(),
        health=Health(
            database="shop",
            server_version="15.10",
            connections=40,
            max_connections=50,
            superuser_reserved_connections=3,
            reserved_connections=0,
            xact_commit=1_802_114,
            xact_rollback=412,
            blks_hit=98_120_331,
            blks_read=310_224,
            deadlocks=0,
            temp_files=0,
            temp_bytes=0,
            stats_reset=now - timedelta(days=3),
            track_io_timing=True,
            track_planning=False,
        ),
    )


def containers_data(now: datetime) -> Any:
    from debugtui.sources.containerevents import ContainerEvent
    from debugtui.sources.containers import ContainerInfo, ContainersData
    from debugtui.sources.containerstats import ContainerStats

    def stats(cpu: float, memory: int, limit: int, pids: int) -> ContainerStats:
        return ContainerStats(
            cpu, 3.0, memory, limit, 100.0 * memory / limit, None, None, 12 * MIB, 3 * MIB, pids
        )

    spike = now - timedelta(minutes=34)
    worker_events = []
    for n in range(6):
        when = spike + timedelta(minutes=2 + 5 * n)
        worker_events.append(
            ContainerEvent(
                when, "e59a693991d4", "shop-checkout-worker", "die", "exit code 1", exit_code=1
            )
        )
        worker_events.append(
            ContainerEvent(
                when + timedelta(seconds=1),
                "e59a693991d4",
                "shop-checkout-worker",
                "restart",
                "restarted",
            )
        )
    return ContainersData(
        host="unix:///run/podman/podman.sock",
        engine="Podman Engine 4.3.1",
        api_version="1.41",
        at=now,
        since=now - timedelta(hours=2),
        containers=(
            ContainerInfo(
                "e59a693991d4",
                "shop-checkout-worker",
                "localhost/shop:2.4.0",
                "restarting",
                None,
                27,
                1,
                False,
                False,
                now - timedelta(seconds=41),
                now - timedelta(seconds=3),
                None,
            ),
            ContainerInfo(
                "5c669a325ed1",
                "shop-web",
                "localhost/shop:2.4.0",
                "running",
                "healthy",
                0,
                None,
                False,
                False,
                now - timedelta(hours=2, minutes=14),
                None,
                stats(12.4, 236 * MIB, 512 * MIB, 9),
            ),
            ContainerInfo(
                "0aa4d1e29f03",
                "shop-cron",
                "localhost/shop:2.3.0",
                "exited",
                None,
                0,
                0,
                False,
                False,
                now - timedelta(hours=1),
                now - timedelta(minutes=59),
                None,
            ),
        ),
        events=tuple(worker_events),
        events_complete=True,
    )


REPLAYED: Mapping[str, Callable[[datetime], Any]] = {
    "system": system_data,
    "sockets": lambda now: sockets_data(),
    "queries": queries_data,
    "containers": containers_data,
}
"""The live sources whose data is replayed, each built for a given ``now``."""


class ReplaySource(Source):
    """A live source's tab fed the fixed data above, collected "at" ``clock()``."""

    def __init__(self, name: str, config: Config, clock: Callable[[], datetime]) -> None:
        super().__init__(config)
        self.name = name  # type: ignore[misc]
        self._clock = clock

    def collect(self, params: Mapping[str, Any] | None = None) -> Snapshot:
        now = self._clock()
        return Snapshot(
            source=self.name,
            ok=True,
            collected_at=now,
            duration_s=0.0,
            params=dict(params or {}),
            data=REPLAYED[self.name](now),
        )

    def _collect(self, params: dict[str, Any]) -> tuple[Any, list[str]]:
        return REPLAYED[self.name](self._clock()), []


class FrozenTimeSource(Source):
    """A real source whose snapshots carry ``clock()`` as their time (the files it reads
    were built for that clock), so the status lines say the same on every run."""

    def __init__(self, inner: Source, clock: Callable[[], datetime]) -> None:
        super().__init__(inner.config)
        self.name = inner.name  # type: ignore[misc]
        self._inner = inner
        self._clock = clock

    def collect(self, params: Mapping[str, Any] | None = None) -> Snapshot:
        now = self._clock()
        asked = dict(params or {})
        for key in ("since", "until"):
            # "48h" counts back from this clock, not from the machine's.
            value = asked.get(key)
            if isinstance(value, str) and value.strip():
                with contextlib.suppress(TimeParseError):
                    asked[key] = parse_when(value, now).isoformat()
        return replace(self._inner.collect(asked), collected_at=now, duration_s=0.0)

    def _collect(self, params: dict[str, Any]) -> tuple[Any, list[str]]:
        raise NotImplementedError("collect() delegates to the real source")

    def close(self) -> None:
        self._inner.close()


def replay_sources(clock: Callable[[], datetime]) -> Callable[[str, Config], Source]:
    """A ``make_app(sources=...)`` factory: live sources replayed, the others real."""

    def build(name: str, config: Config) -> Source:
        if name in REPLAYED:
            return ReplaySource(name, config, clock)
        return FrozenTimeSource(make_source(name, config), clock)

    return build
