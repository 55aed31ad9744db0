"""Containers: what ``docker ps -a`` + ``docker stats`` + ``docker events`` + ``docker logs``
tell a responder, from Docker or from podman's Docker-compatible API, in one snapshot.

Every container the engine knows (running or not) with its health, restart count, last exit
code and OOM/kill flags; resource use of the running ones, fetched concurrently; and the
die/oom/kill/restart/health events of the window (``since``, default 1h).

A refresh must cost no more than ``podman stats`` typed by hand, so it asks for as little as
it can: the Docker-compatible API where it suffices, podman's own endpoints where they
answer in one request what Docker needs one per container for (the list with exit codes,
start times and health; the stats of every running container), the engine found once, by
``/_ping``. A container is inspected again only when its list entry changed or an event
named it since the previous refresh (see :meth:`ContainersSource.read_containers`), and a
running podman container that never exited not at all: its list entry says what an inspect
would (see :mod:`debugtui.sources.containerlisted`).

The engine is found by ``Config.docker_host()`` (the ``[containers] host`` setting, then
``DOCKER_HOST``, then ``/var/run/docker.sock`` or ``/run/podman/podman.sock``). Every
request is bounded by ``[containers] timeout_s``, so a hung engine costs that long and
becomes a failed snapshot saying so. A missing socket, a refused permission and a stopped
engine are failures with a hint; a container removed or stopped while being read is a
warning.

Two things a responder must not be told wrongly:

- CPU % is of one core (100 = one full core), over the time between two samples the source
  took itself (see :mod:`debugtui.sources.containerstats`). A container seen for the first
  time has no earlier sample: its CPU % is then the average since it started, from one
  sample, as ``podman stats --no-stream`` reports it, and is marked so (``*`` in the
  tables, ``cpu_since_start`` in the data). Waiting for a second sample would cost every
  first snapshot (``debugtui snapshot``, the panel's first refresh) a fixed pause; later
  refreshes of an open source measure the current rate.
- Exit code 137 means SIGKILL, from the OOM killer or from anyone else (``docker kill``, a
  stop timeout). podman 4.3 on cgroup v1 reports a kernel OOM kill as 137 with ``OOMKilled``
  false and no ``oom`` event. So ``killed`` (137) and ``oom`` (the engine said so) are
  separate flags, and neither is inferred from the other.

Events are kept across collects and changes no event reported are synthesized by comparing
two collects (see :mod:`debugtui.sources.containerevents`). ``container_logs`` reads a
container's output for searching, bytes that are not UTF-8 replaced.

A local engine (a unix socket) is asked with the standard library, any other host through
the docker SDK (see :mod:`debugtui.sources.engineapi`); the SDK is imported only for those
and for ``container_logs``.
"""

from __future__ import annotations

import errno
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from debugtui.config import Config
from debugtui.sources.base import Source, SourceError, Table, describe
from debugtui.sources.containerevents import (
    ContainerEvent,
    EventHistory,
    event_container_ids,
    read_events,
    short_id,
)
from debugtui.sources.containerlisted import inspect_from_list
from debugtui.sources.containerstats import (
    ContainerStats,
    CpuSample,
    container_stats,
    cpu_reading,
    cpu_sample,
    from_libpod,
    kept_samples,
    parse_engine_time,
)
from debugtui.sources.engineapi import (
    MINIMUM_API_VERSION,
    Engine,
    EngineError,
    EngineNotFound,
    LocalEngine,
    SdkEngine,
    agreed_version,
    engine_from_ping,
    version_key,
)
from debugtui.timewindow import TimeParseError, format_duration, parse_when

if TYPE_CHECKING:
    from debugtui.sources.containerprefetch import Prefetch

DEFAULT_SINCE = "1h"
MAX_WORKERS = 8
"""Concurrent inspect/stats requests; the client's connection pool is sized to match."""
MIN_CPU_SPAN_S = 0.2
"""The shortest span a current CPU % is measured over: how far back a refresh's sample is
compared. A container with no sample that old shows its average since it started."""
EVENT_OVERLAP = timedelta(seconds=2)
"""How far before the previous read the next one starts, so no event falls in between."""
EVENT_HISTORY = 5000
"""Events kept across collects."""
LOG_TAIL = 500

MISSING_HINT = "is dockerd/podman running? set DOCKER_HOST or [containers] host"
PERMISSION_HINT = "add your user to the docker group or run with sudo"
TIMEOUT_HINT = (
    "the engine accepted the connection but did not answer: it may be hung or overloaded "
    "(check systemctl status docker / podman); raise [containers] timeout_s to wait longer"
)
KILLED_EXIT_CODE = 137
SINCE_START_MARK = "*"
"""After a CPU % that is the average since the container started, not the current rate."""
SINCE_START_NOTE = f"{SINCE_START_MARK} = average since start, not a current rate"


@dataclass(frozen=True)
class ContainerInfo:
    id: str
    """Short (12 character) id."""
    name: str
    """Untrusted text: whoever started the container chose it."""
    image: str
    status: str
    """As the engine says: running, exited, created, paused, restarting; podman also has
    stopped (exited, not yet cleaned up) and configured."""
    health: str | None
    """healthy, unhealthy or starting; None without a health check."""
    restart_count: int | None
    """Restarts by the engine's restart policy; None when the container could not be read."""
    exit_code: int | None
    """Of the last run: from the engine when the container is not running; while it runs
    again (restarted), from the newest ``die`` event; None when unknown."""
    oom: bool
    """The engine said so (``OOMKilled`` or an ``oom`` event); unreliable on some engines."""
    killed: bool
    """The last run ended with exit code 137 (SIGKILL: the OOM killer or anyone else)."""
    started_at: datetime | None
    finished_at: datetime | None
    stats: ContainerStats | None
    """Resource use; None unless running (and still running when asked)."""

    @property
    def running(self) -> bool:
        return self.status == "running"

    @property
    def flags(self) -> tuple[str, ...]:
        out: list[str] = []
        if self.oom:
            out.append("oom")
        if self.killed:
            out.append(f"killed ({KILLED_EXIT_CODE})")
        if self.status == "restarting":
            out.append("restarting")
        return tuple(out)


@dataclass(frozen=True)
class ContainersData:
    host: str
    engine: str
    """Engine name and version as it reports them, e.g. ``Podman Engine 4.3.1``."""
    api_version: str
    at: datetime
    """When the containers were listed."""
    since: datetime
    """Start of the events window."""
    containers: tuple[ContainerInfo, ...]
    events: tuple[ContainerEvent, ...]
    """die/oom/kill/restart/health_status since ``since``, oldest first, synthesized ones
    included."""
    events_complete: bool
    """False when the engine's event stream could not be read to the present."""
    cpu_percent_basis: str = "one core"
    """What 100 % CPU means here: one full core, as ``top`` counts it."""

    def to_dict(self) -> dict[str, Any]:
        out = _plain(self)
        for record, container in zip(out["containers"], self.containers, strict=True):
            record["running"] = container.running
            record["flags"] = list(container.flags)
        return out

    @property
    def cpu_since_start(self) -> bool:
        """Some container's CPU % is its average since it started (a first reading)."""
        return any(c.stats is not None and c.stats.cpu_since_start for c in self.containers)

    def tables(self) -> Mapping[str, Table]:
        running = sum(1 for c in self.containers if c.running)
        cpu_note = "CPU % of one core" + (f"; {SINCE_START_NOTE}" if self.cpu_since_start else "")
        return {
            "containers": Table(
                columns=(
                    "name",
                    "state",
                    "health",
                    "restarts",
                    "exit",
                    "flags",
                    "cpu %",
                    "memory",
                    "pids",
                ),
                rows=tuple(self._container_row(c) for c in self.containers),
                title=(
                    f"Containers on {self.engine}: {len(self.containers)}, {running} running "
                    f"({cpu_note})"
                ),
            ),
            "stats": Table(
                columns=("name", "cpu %", "memory", "mem %", "limit", "net rx/tx", "block r/w"),
                rows=tuple(_stats_row(c.name, c.stats) for c in self.containers if c.stats),
                title=f"Container resource use ({cpu_note}; memory is the working set)",
            ),
            "events": Table(
                columns=("time", "container", "event", "detail"),
                rows=tuple(
                    (
                        e.time.strftime("%Y-%m-%d %H:%M:%SZ"),
                        e.container,
                        e.action,
                        e.detail + (" (seen by comparing collects)" if e.synthesized else ""),
                    )
                    for e in self.events
                ),
                title=(
                    f"Container events since {self.since.strftime('%Y-%m-%d %H:%M:%SZ')}"
                    + ("" if self.events_complete else " (incomplete: see warnings)")
                ),
            ),
        }

    def _container_row(self, c: ContainerInfo) -> tuple[str, ...]:
        if c.running and c.started_at is not None:
            state = f"up {format_duration(self.at - c.started_at)}"
        elif c.finished_at is not None:
            state = f"{c.status} {format_duration(self.at - c.finished_at)} ago"
        else:
            state = c.status
        stats = c.stats
        return (
            c.name,
            state,
            c.health or "-",
            "-" if c.restart_count is None else str(c.restart_count),
            "-" if c.exit_code is None else str(c.exit_code),
            ", ".join(c.flags) or "-",
            _cpu(stats),
            _size(stats.memory_bytes if stats else None),
            "-" if stats is None or stats.pids is None else str(stats.pids),
        )


@dataclass(frozen=True)
class ContainerRead:
    """One container as read from the engine, before it becomes a :class:`ContainerInfo`."""

    summary: Mapping[str, Any]
    """Its entry in the container list."""
    inspect: Mapping[str, Any] | None
    """None when inspecting failed (the list entry is all there is)."""
    stats: Mapping[str, Any] | None
    sample: CpuSample | None

    @property
    def full_id(self) -> str:
        return str(self.summary.get("Id", ""))


@dataclass(frozen=True)
class BulkStats:
    """podman's stats of every running container, from one request."""

    payloads: Mapping[str, Mapping[str, Any]]
    """Full container id -> the entry in the Docker payload's shape (see ``from_libpod``)."""
    local_ns: int
    """Our monotonic clock when the answer arrived."""


class ContainersSource(Source):
    """Params: ``since`` (events window: a duration or ISO time, default 1h) and ``name``
    (only containers whose name contains it). Keeps its engine client, the previous CPU
    sample of each container and the event history between collects: reuse one object and
    ``close`` it when done. ``prefetch``: the first collect's requests, already sent to the
    engine (see :mod:`debugtui.sources.containerprefetch`), used if its host is the one
    found."""

    name = "containers"

    def __init__(self, config: Config | None = None, *, prefetch: Prefetch | None = None) -> None:
        super().__init__(config)
        self._prefetch = prefetch
        self._client: Engine | None = None
        self._client_host: str | None = None
        self._logs_client: Any = None
        """The docker SDK's client, for ``container_logs`` only (it demultiplexes the output)."""
        self._engine = ""
        self._podman = False
        self._one_shot = False
        self._samples: dict[str, tuple[CpuSample, ...]] = {}
        """Full id -> its recent CPU samples, oldest first (see ``kept_samples``)."""
        self._inspected: dict[str, tuple[tuple[Any, ...], Mapping[str, Any]]] = {}
        """Full id -> (the list entry's fingerprint when inspected, the inspect answer)."""
        self._history = EventHistory(EVENT_HISTORY)

    @property
    def timeout_s(self) -> float:
        return self.config.containers.timeout_s

    # -- collect ------------------------------------------------------------------------

    def _collect(self, params: dict[str, Any]) -> tuple[ContainersData, list[str]]:
        since = window_start(params.get("since") or DEFAULT_SINCE)
        name_filter = str(params.get("name") or "")
        return self._guarded(lambda host: self._collect_from(host, since, name_filter))

    def _guarded(self, work: Callable[[str], Any]) -> Any:
        """Run ``work(host)``, turning what is known about engine failures into SourceError."""
        host = self.host()
        try:
            return work(host)
        except SourceError:
            raise
        except Exception as exc:
            known = explain(exc, host, self.timeout_s)
            if known is None:
                raise
            raise known from exc

    def _collect_from(
        self, host: str, since: datetime, name_filter: str
    ) -> tuple[ContainersData, list[str]]:
        api = self._connect(host)
        warnings: list[str] = []
        events_read = _Background(lambda: self._read_events(api, since))
        bulk_read = _Background(lambda: self.bulk_stats(api)) if self._podman else None
        try:
            at = datetime.now(timezone.utc)
            summaries = [
                s for s in self._list(api) if not name_filter or name_filter in summary_name(s)
            ]
            events_warning, named = events_read.result()
            reads = self.read_containers(
                api,
                summaries,
                warnings,
                bulk=None if bulk_read is None else bulk_read.result(),
                changed=None if events_warning is not None else named,
            )
        finally:
            # a failed list ends the collect only once the other requests are done: they
            # write to this source's state, which the next collect reads
            events_read.wait()
            if bulk_read is not None:
                bulk_read.wait()
        previous = dict(self._samples)
        if events_warning is not None:
            warnings.append(events_warning)
        if not name_filter:
            listed = {r.full_id for r in reads}
            self._inspected = {k: v for k, v in self._inspected.items() if k in listed}
        samples = {
            r.full_id: kept_samples(previous.get(r.full_id, ()), r.sample, MIN_CPU_SPAN_S)
            for r in reads
            if r.sample is not None
        }
        if name_filter:
            self._samples.update(samples)  # the containers left out keep their last samples
        else:
            self._samples = samples
        containers = tuple(
            sorted(
                (self._info(r, previous.get(r.full_id, ())) for r in reads),
                key=lambda c: (c.name, c.id),
            )
        )
        self._history.compare(
            at,
            (
                (
                    c.id,
                    c.name,
                    c.restart_count,
                    None if c.running else c.exit_code,
                    c.finished_at,
                    c.health,
                )
                for c in containers
            ),
            everything=not name_filter,
        )
        events = tuple(
            e for e in self._history.window(since) if not name_filter or name_filter in e.container
        )
        data = ContainersData(
            host=host,
            engine=self._engine,
            api_version=api.api_version,
            at=at,
            since=since,
            containers=containers,
            events=events,
            events_complete=events_warning is None,
        )
        return data, warnings

    # -- the engine ---------------------------------------------------------------------

    def host(self) -> str:
        """The engine address, or SourceError when there is none or its socket is absent."""
        host = self.config.docker_host()
        if host is None:
            raise SourceError(
                "no container engine found: DOCKER_HOST is not set and neither "
                "/var/run/docker.sock nor /run/podman/podman.sock exists",
                MISSING_HINT,
            )
        if host.startswith("unix://") and not os.path.exists(host[len("unix://") :]):
            raise SourceError(
                f"no container engine at {host}: the socket does not exist", MISSING_HINT
            )
        return host

    def _connect(self, host: str) -> Engine:
        """The engine at ``host``, reached (and the API version agreed) once.

        The engine is asked ``/_ping`` instead of ``/version``: podman answers ``/version``
        by running conmon and the OCI runtime (0.5 to 0.8 s), ``/_ping`` in milliseconds,
        and its headers say the API version and the engine (``Server: Libpod/4.3.1``,
        ``Docker/24.0.7``). ``/version`` is the fallback for an engine whose ping says less.
        """
        if self._client is not None and self._client_host == host:
            return self._client
        self.close()
        prefetch, self._prefetch = self._prefetch, None  # its answers are a first collect's
        if prefetch is not None and prefetch.host == host:
            engine: Engine = prefetch.engine(self.timeout_s)
        elif host.startswith("unix://"):
            engine = LocalEngine(host[len("unix://") :], self.timeout_s)
        else:
            engine = SdkEngine(host, self.timeout_s, MAX_WORKERS + 1)
        try:
            found = engine_from_ping(engine.ping())
            if found is None:
                version = engine.get_json("/version", versioned=False)
                name = engine_name(version)
                found = (
                    str(version.get("ApiVersion") or MINIMUM_API_VERSION),
                    name,
                    name.startswith("Podman"),
                )
        except BaseException:
            engine.close()
            raise
        api_version, self._engine, self._podman = found
        engine.api_version = agreed_version(api_version)
        # one_shot (API 1.41+) answers at once; without it the engine waits for a second
        # sample of its own, about a second per container.
        self._one_shot = version_key(engine.api_version) >= version_key("1.41")
        self._client, self._client_host = engine, host
        return engine

    def close(self) -> None:
        client, self._client, self._client_host = self._client, None, None
        logs_client, self._logs_client = self._logs_client, None
        self._inspected.clear()  # another engine, or the same one later: inspect afresh
        if client is not None:
            client.close()
        if logs_client is not None:
            logs_client.close()

    # -- containers ---------------------------------------------------------------------

    def _list(self, api: Engine) -> list[Mapping[str, Any]]:
        """Every container: podman's own list also has exit codes, start and exit times,
        the pid and the health, which make a change visible without inspecting."""
        path = "/libpod/containers/json" if self._podman else "/containers/json"
        return list(api.get_json(path, {"all": "true"}) or [])

    def bulk_stats(self, api: Engine) -> BulkStats | None:
        """podman's stats of every running container in one request; None when it cannot
        answer that way (each container is then asked on its own, as Docker is)."""
        try:
            body = api.get_json("/libpod/containers/stats", {"stream": "false"})
        except (EngineError, OSError, ValueError):
            return None
        local_ns = time.monotonic_ns()
        if not isinstance(body, Mapping) or body.get("Error"):
            return None
        payloads = {
            str(entry["ContainerID"]): from_libpod(entry)
            for entry in body.get("Stats") or ()
            if isinstance(entry, Mapping) and entry.get("ContainerID")
        }
        return BulkStats(payloads, local_ns)

    def read_containers(
        self,
        api: Engine,
        summaries: list[Mapping[str, Any]],
        warnings: list[str],
        *,
        bulk: BulkStats | None = None,
        changed: set[str] | None = None,
    ) -> list[ContainerRead]:
        """Inspect the containers and read the stats of the running ones, concurrently.

        ``changed`` holds the ids events named since the previous read; a container not in
        it whose list entry is as it was at its last inspect keeps that inspect (everything
        an inspect adds changes the list entry or makes an event: a restart moves the pid
        and start time, an exit the state, a health change podman's status and Docker's).
        None means anything may have changed: every container is inspected (but those podman's
        list says everything about). ``bulk`` gives the stats; a running container missing
        from it is asked on its own.

        A container removed in the meantime is left out with a warning; one that stopped
        is kept without stats, with a warning.

        Only the containers the engine must be asked about go to threads: starting one
        waits for the interpreter lock, which a busy main thread holds for up to 5 ms at a
        time (a whole-process snapshot is still loading modules meanwhile).
        """
        known = [self._known_inspect(s, changed) for s in summaries]
        results: list[tuple[ContainerRead | None, list[str]]] = [(None, [])] * len(summaries)
        asking: list[int] = []
        for index, (summary, inspect) in enumerate(zip(summaries, known, strict=True)):
            if inspect is None or _asks_stats(summary, inspect, bulk):
                asking.append(index)
            else:
                results[index] = self._read_one(api, summary, bulk, inspect)
        answered = _map(
            lambda i: self._read_one(api, summaries[i], bulk, known[i]), asking, MAX_WORKERS
        )
        for index, result in zip(asking, answered, strict=True):
            results[index] = result
        reads: list[ContainerRead] = []
        for read, read_warnings in results:
            warnings.extend(read_warnings)
            if read is not None:
                reads.append(read)
        return reads

    def _known_inspect(
        self, summary: Mapping[str, Any], changed: set[str] | None
    ) -> Mapping[str, Any] | None:
        """A container's inspect when the engine need not be asked for it: the last one if
        its list entry is as it was then and no event named it since (see
        :meth:`read_containers`), else what podman's list says (see
        :mod:`debugtui.sources.containerlisted`); None to ask."""
        full_id = str(summary.get("Id", ""))
        fingerprint = _fingerprint(summary)
        cached = self._inspected.get(full_id)
        if (
            changed is not None
            and full_id not in changed
            and cached is not None
            and cached[0] == fingerprint
        ):
            return cached[1]
        if not self._podman:
            return None
        listed = inspect_from_list(summary, self._history.started_ns(full_id), time.time())
        if listed is not None:
            self._inspected[full_id] = (fingerprint, listed)
        return listed

    def _read_one(
        self,
        api: Engine,
        summary: Mapping[str, Any],
        bulk: BulkStats | None,
        known: Mapping[str, Any] | None,
    ) -> tuple[ContainerRead | None, list[str]]:
        """Inspect one container (unless ``known`` is its inspect), and read its stats if it
        runs; None if it is gone."""
        name = summary_name(summary)
        read = ContainerRead(summary, None, None, None)
        if known is not None:
            inspect = known
        else:
            path = f"/containers/{read.full_id}/json"
            try:
                try:
                    inspect = api.get_json(path)
                except EngineError as exc:
                    # podman answers 500 while a restarting container's process comes and
                    # goes ("read /proc/N/cgroup: no such process"); a moment later it answers.
                    if isinstance(exc, EngineNotFound) or not exc.is_server_error():
                        raise
                    time.sleep(0.05)
                    inspect = api.get_json(path)
            except EngineNotFound:
                return None, [f"{name}: removed while being read; skipped"]
            except EngineError as exc:
                detail = exc.explanation or exc
                return read, [
                    f"{name}: could not be inspected ({detail}); shown from the list only"
                ]
            self._inspected[read.full_id] = (_fingerprint(summary), inspect)
        read = ContainerRead(summary, inspect, None, None)
        if not _runs(inspect):
            return read, []
        payload = None if bulk is None else bulk.payloads.get(read.full_id)
        if payload is not None and bulk is not None:
            return _with_stats(read, payload, bulk.local_ns), []
        with_stats, warning = self._read_stats(api, read)
        return with_stats, [warning] if warning else []

    def _read_stats(
        self, api: Engine, read: ContainerRead
    ) -> tuple[ContainerRead | None, str | None]:
        """``read`` with a fresh stats sample; None if the container is gone."""
        name = summary_name(read.summary)
        params = {"stream": "false"}
        if self._one_shot:
            params["one-shot"] = "true"
        try:
            payload = api.get_json(f"/containers/{read.full_id}/stats", params)
        except EngineNotFound:
            return None, f"{name}: removed while its stats were read; skipped"
        except (EngineError, ValueError) as exc:
            # podman answers an empty body for a container that is no longer running
            return read, f"{name}: stopped while its stats were read ({describe(exc)})"
        if not isinstance(payload, Mapping):
            return read, f"{name}: the engine sent no stats"
        return _with_stats(read, payload, time.monotonic_ns()), None

    def _info(self, read: ContainerRead, previous: tuple[CpuSample, ...]) -> ContainerInfo:
        summary = read.summary
        inspect = read.inspect or {}
        state = inspect.get("State") or {}
        cid = short_id(read.full_id)
        status = str(state.get("Status") or summary.get("State") or "unknown")
        started_at = parse_engine_time(state.get("StartedAt"))
        finished_at = parse_engine_time(state.get("FinishedAt"))
        health_state = state.get("Health") or state.get("Healthcheck") or {}
        health = str(health_state.get("Status") or "") or None
        if status == "running":
            exit_code = self._history.last_exit_code(cid)
        elif started_at is None or read.inspect is None:
            exit_code = None  # never started (created), or unknown
        else:
            exit_code = _int(state.get("ExitCode"))
        restarts = _int(inspect.get("RestartCount")) if read.inspect is not None else None
        stats = None
        if read.stats is not None:
            cpu = cpu_reading(previous, read.sample, MIN_CPU_SPAN_S)
            stats = container_stats(read.stats, cpu)
        config = inspect.get("Config") or {}
        return ContainerInfo(
            id=cid,
            name=str(inspect.get("Name") or "").lstrip("/") or summary_name(summary),
            image=str(config.get("Image") or summary.get("Image") or ""),
            status=status,
            health=health,
            restart_count=restarts,
            exit_code=exit_code,
            oom=bool(state.get("OOMKilled")) or self._history.had_oom(cid),
            killed=exit_code == KILLED_EXIT_CODE,
            started_at=started_at,
            finished_at=finished_at,
            stats=stats,
        )

    # -- events -------------------------------------------------------------------------

    def _read_events(self, api: Engine, since: datetime) -> tuple[str | None, set[str]]:
        """Add the engine's events since ``since`` to the history: (a warning if incomplete,
        the ids of the containers any event read was about).

        Only what came after the previous read is asked for (with an overlap; duplicates
        are dropped), unless the window now reaches further back than any read so far;
        a window starting later still reads from the previous read, so that no change in
        between goes unseen.
        """
        history = self._history
        start = since
        if (
            history.read_until is not None
            and history.read_from is not None
            and since >= history.read_from
        ):
            start = history.read_until - EVENT_OVERLAP
        requested = datetime.now(timezone.utc)
        try:
            result = read_events(api, start, timeout_s=self.timeout_s, podman=self._podman)
        except Exception as exc:
            known = explain(exc, self._client_host or "", self.timeout_s)
            warning = f"events could not be read: {known.message if known else describe(exc)}"
            return warning, set()
        named = event_container_ids(history.add_raw(result.events))
        if result.complete:
            history.mark_read(start, requested)
            return None, named
        if result.events:
            last = max(e.get("timeNano") or 0 for e in result.events)
            if isinstance(last, int) and last > 0:
                history.mark_read(start, datetime.fromtimestamp(last / 1e9, timezone.utc))
        reason = result.error or f"not read to the present within {self.timeout_s:g}s"
        return f"events incomplete ({len(result.events)} read): {reason}", named

    # -- logs ---------------------------------------------------------------------------

    def _logs_api(self, host: str) -> Any:
        """The docker SDK's API client for ``host`` (it demultiplexes a container's stdout
        and stderr), at the version agreed with the engine."""
        engine = self._connect(host)
        if self._logs_client is None:
            import docker

            tls = None
            if not host.startswith(("unix://", "npipe://", "ssh://")):
                tls = docker.utils.kwargs_from_env().get("tls")
            self._logs_client = docker.APIClient(
                base_url=host, version=engine.api_version, timeout=self.timeout_s, tls=tls or False
            )
        return self._logs_client

    def container_logs(
        self, name: str, tail: int = LOG_TAIL, since: str | datetime | None = None
    ) -> list[str]:
        """The last ``tail`` lines of a container's output (stdout and stderr), oldest first.

        ``since`` is a duration, ISO time or datetime. Bytes that are not UTF-8 are replaced,
        never fatal. Raises SourceError (with a hint) when the engine or container is not
        there.
        """
        from docker.errors import NotFound

        when = None if since is None else window_start(since)

        def fetch(host: str) -> Any:
            api = self._logs_api(host)
            kwargs: dict[str, Any] = {"tail": tail}
            if when is not None:
                kwargs["since"] = when.timestamp()
            try:
                return api.logs(name, stdout=True, stderr=True, timestamps=False, **kwargs)
            except NotFound as exc:
                hint = "the containers table lists the names the engine knows"
                raise SourceError(f"no container named {name!r}", hint) from exc

        raw = self._guarded(fetch)
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
        return text.splitlines()


T = TypeVar("T")
R = TypeVar("R")


class _Background(Generic[T]):
    """``work()`` in a daemon thread of its own. Plain threads, not ``concurrent.futures``:
    it and the ``logging`` it imports cost ~8 ms of a whole-process ``debugtui snapshot``
    (timed against ``podman stats``)."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(work,), daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[], T]) -> None:
        try:
            self._value = work()
        except BaseException as exc:  # handed to whoever asks for the result
            self._error = exc

    def wait(self) -> None:
        self._thread.join()

    def result(self) -> T:
        """What ``work`` returned, once done; what it raised is raised here."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


def _map(work: Callable[[T], R], items: Iterable[T], workers: int) -> list[R]:
    """``work(item)`` for every item, at most ``workers`` at a time, results in the items'
    order. Once all are done, the exception of the first item (in order) that raised is
    raised, as ``ThreadPoolExecutor.map`` does."""
    todo = list(items)
    results: list[Any] = [None] * len(todo)
    errors: list[BaseException | None] = [None] * len(todo)
    indexes = iter(range(len(todo)))  # next() on it is atomic: each index goes to one thread

    def drain() -> None:
        for index in indexes:
            try:
                results[index] = work(todo[index])
            except BaseException as exc:
                errors[index] = exc

    threads = [_Background(drain) for _ in range(min(workers, len(todo)))]
    for thread in threads:
        thread.wait()
    first = next((e for e in errors if e is not None), None)
    if first is not None:
        raise first
    return results


def window_start(since: str | datetime) -> datetime:
    """A ``since`` given as a datetime, a duration ago or an ISO time; SourceError if bad."""
    if isinstance(since, datetime):
        return since if since.tzinfo else since.replace(tzinfo=timezone.utc)
    try:
        return parse_when(str(since))
    except TimeParseError as exc:
        raise SourceError(str(exc), "give since as a duration (1h, 30m) or an ISO time") from exc


def explain(exc: BaseException, host: str, timeout_s: float) -> SourceError | None:
    """A SourceError with a hint for an engine failure we recognise, else None."""
    chain = list(_causes(exc))
    if any(_errno(e) in (errno.EACCES, errno.EPERM) for e in chain):
        return SourceError(f"permission denied on {host}", PERMISSION_HINT)
    if any(_errno(e) in (errno.ENOENT, errno.ECONNREFUSED) for e in chain):
        return SourceError(f"no container engine at {host}: connection refused", MISSING_HINT)
    # requests and urllib3 are looked at only when loaded (the SDK's transport or logs)
    requests, urllib3 = sys.modules.get("requests"), sys.modules.get("urllib3")
    timeouts: tuple[type[BaseException], ...] = (TimeoutError,)
    lost: tuple[type[BaseException], ...] = (ConnectionError,)
    if requests is not None and urllib3 is not None:
        timeouts += (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError)
        lost += (requests.exceptions.ConnectionError, urllib3.exceptions.ProtocolError)
    if any(isinstance(e, timeouts) for e in chain):
        return SourceError(
            f"the container engine at {host} did not answer within {timeout_s:g}s", TIMEOUT_HINT
        )
    if any(isinstance(e, lost) for e in chain):
        return SourceError(
            f"lost the connection to the container engine at {host}: {describe(exc)}",
            MISSING_HINT,
        )
    refusals: tuple[type[BaseException], ...] = (EngineError,)
    docker_errors = sys.modules.get("docker.errors")
    if docker_errors is not None:
        refusals += (docker_errors.APIError,)
    api_error = next((e for e in chain if isinstance(e, refusals)), None)
    if api_error is not None:
        detail = getattr(api_error, "explanation", None) or api_error
        return SourceError(
            f"the container engine at {host} refused: {detail}",
            None,
        )
    return None


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and everything it wraps: causes, contexts, exception arguments, reasons."""
    found: list[BaseException] = []
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if any(current is f for f in found):
            continue
        found.append(current)
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        linked.extend(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))
        stack.extend(e for e in linked if isinstance(e, BaseException))
    return found


def _errno(exc: BaseException) -> int | None:
    return exc.errno if isinstance(exc, OSError) else None


def engine_name(version: Mapping[str, Any]) -> str:
    """``Podman Engine 4.3.1``, ``Docker Engine 24.0.7``: what the engine says it is."""
    components = version.get("Components") or []
    first = components[0] if components and isinstance(components[0], Mapping) else {}
    name = str(first.get("Name") or "")
    number = str(first.get("Version") or version.get("Version") or "")
    if not name or name == "Engine":
        name = "Docker Engine"
    return f"{name} {number}".strip()


_FINGERPRINT_FIELDS = ("State", "Status", "StartedAt", "ExitedAt", "ExitCode", "Pid")
"""List entry fields that change whenever an inspect would tell something new (podman's
list has them all, with the health in ``Status``; Docker's the state and a ``Status`` like
``Up 2 minutes (healthy)`` that a restart starts over)."""


def _runs(inspect: Mapping[str, Any]) -> bool:
    state = inspect.get("State") or {}
    return state.get("Status") == "running" or bool(state.get("Running"))


def _asks_stats(
    summary: Mapping[str, Any], inspect: Mapping[str, Any], bulk: BulkStats | None
) -> bool:
    """The container runs and its stats are not in the bulk answer: it is asked for them."""
    return _runs(inspect) and (bulk is None or str(summary.get("Id", "")) not in bulk.payloads)


def _fingerprint(summary: Mapping[str, Any]) -> tuple[Any, ...]:
    names = tuple(str(n) for n in summary.get("Names") or ())
    return (names, *(summary.get(f) for f in _FINGERPRINT_FIELDS))


def _with_stats(read: ContainerRead, payload: Mapping[str, Any], local_ns: int) -> ContainerRead:
    """``read`` with a stats payload and its CPU sample (tied to the run it belongs to)."""
    started = str(((read.inspect or {}).get("State") or {}).get("StartedAt", ""))
    sample = cpu_sample(payload, started, local_ns)
    return ContainerRead(read.summary, read.inspect, payload, sample)


def summary_name(summary: Mapping[str, Any]) -> str:
    names = summary.get("Names") or []
    if names:
        return str(names[0]).lstrip("/")
    return short_id(str(summary.get("Id", "")))


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _stats_row(name: str, s: ContainerStats) -> tuple[str, ...]:
    return (
        name,
        _cpu(s),
        _size(s.memory_bytes),
        _pct(s.memory_percent),
        _size(s.memory_limit_bytes),
        f"{_size(s.net_rx_bytes)} / {_size(s.net_tx_bytes)}",
        f"{_size(s.block_read_bytes)} / {_size(s.block_write_bytes)}",
    )


def _cpu(stats: ContainerStats | None) -> str:
    """CPU % for a table cell, marked when it is the average since the start."""
    if stats is None:
        return "-"
    return _pct(stats.cpu_percent) + (SINCE_START_MARK if stats.cpu_since_start else "")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _size(value: int | None) -> str:
    """Bytes in binary units, docker stats style: 512B, 3.4K, 12M, 1.5G."""
    if value is None:
        return "-"
    size = float(value)
    for unit in ("B", "K", "M", "G", "T"):
        if size < 1024 or unit == "T":
            return f"{size:.0f}{unit}" if unit == "B" or size >= 10 else f"{size:.1f}{unit}"
        size /= 1024
    return f"{size:.1f}T"


def _plain(value: Any) -> Any:
    """JSON-able form of the dataclasses above: datetimes as ISO strings, tuples as lists."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return value
