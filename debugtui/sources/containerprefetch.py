"""A whole-process containers snapshot asks the engine while Python is still loading.

Why this exists: ``debugtui snapshot --source containers`` as a process is timed against
``podman stats`` (B4F). podman takes 50-70 ms to answer a first collect (the list, its bulk
stats, an inspect per container, served about one at a time), and the process ~70 ms of
CPU to load the config, the containers source and the document's modules. Asked once those
are loaded, the two add up; asked as soon as the arguments are parsed, podman works while
Python imports (20 containers: 147 -> 125 ms wall, median of 15 alternated runs).

How, without a second containers source: :func:`engine_address` says where the engine is
when that is known without the config module, that is when no config file exists (a file
may name another engine or timeout; then nothing is asked early). A :class:`Prefetch`
sends, in daemon threads, the requests ``ContainersSource`` makes on a first collect:
``/_ping``, then at once the list, the events of the default window (podman only: dockerd's
events query ends at a time, which could never match the source's) and podman's bulk
stats, then an inspect of every listed container whose list entry does not say what an
inspect would (see :mod:`debugtui.sources.containerlisted`; read with the start times of
those events, as the source reads them). The source is handed :meth:`Prefetch.engine` and
asks as it always does: a request sent in advance gets that answer (once; waiting for it
if it is still coming), anything else (a request that failed, an inspect the prefetch
thought needless, events of another window) goes to the engine then. So every answer is
read, and every failure reported, by the source's own code;
``tests/test_containers_prefetch.py`` checks that the document reads the same, that the
source asks nothing itself, and that each failing engine reads as without the early
requests.
"""

from __future__ import annotations

import io
import json
import os
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from debugtui.configpaths import config_candidates
from debugtui.sources.containerlisted import inspect_from_list
from debugtui.sources.engineapi import (
    Answer,
    LocalEngine,
    agreed_version,
    default_host,
    engine_from_ping,
    events_query,
)

if TYPE_CHECKING:
    from debugtui.sources.containerevents import EventHistory

WORKERS = 8
"""Inspects asked at once (the source's ``MAX_WORKERS``)."""
DEFAULT_WINDOW_S = 3600
"""The containers source's default events window (``DEFAULT_SINCE``, 1h) in seconds."""
EVENT_HISTORY = 5000
"""Events kept while reading start times (the source's ``EVENT_HISTORY``)."""


def engine_address(config_path: str | None, env: Mapping[str, str] | None = None) -> str | None:
    """The engine's ``unix://`` address when no config file can name another: None when a
    file is given or found (the config decides), or the engine is not on a unix socket."""
    if config_path is not None or any(os.path.isfile(p) for p in config_candidates(env)):
        return None
    host = default_host(env)
    return host if host is not None and host.startswith("unix://") else None


class _Request:
    """A GET sent in advance: its answer (status, headers, body) once read whole, None if
    it failed; ``done`` once the source may have it."""

    def __init__(self, path: str, params: Mapping[str, str] | None, versioned: bool) -> None:
        self.path = path
        self.params = params
        self.versioned = versioned
        self.done = threading.Event()
        self.answer: tuple[int, Mapping[str, str], bytes] | None = None


class Prefetch:
    """The first collect's requests to the engine at ``host`` (a ``unix://`` address),
    under way (see the module doc). Each is bounded by ``timeout_s``."""

    def __init__(self, host: str, timeout_s: float, *, events: bool = True) -> None:
        self.host = host
        self._events = events
        """Ask the events of the default window (:data:`DEFAULT_WINDOW_S`) too."""
        self._engine = LocalEngine(host[len("unix://") :], timeout_s)
        self._requests: dict[str, _Request] = {}
        self._lock = threading.Lock()
        ping = self._expect("/_ping", versioned=False)
        threading.Thread(target=self._run, args=(ping,), name="prefetch", daemon=True).start()

    def engine(self, timeout_s: float) -> PrefetchedEngine:
        """The engine for the source, its requests bounded by ``timeout_s`` (the source's)."""
        return PrefetchedEngine(self, timeout_s)

    def take(self, target: str, since: str | None = None) -> _Request | None:
        """The request sent in advance for ``target`` (see :func:`request_key`), if not yet
        taken; for the events, only if its window starts no later than ``since``: its answer
        then holds every event asked for (the source keeps those of its window), and one
        taken a second later than it was sent still matches."""
        with self._lock:
            sent = self._requests.get(target)
            if sent is None:
                return None
            sent_since = (sent.params or {}).get("since")
            if sent_since is not None and (since is None or int(since) < int(sent_since)):
                return None
            return self._requests.pop(target)

    def _expect(
        self, path: str, params: Mapping[str, str] | None = None, *, versioned: bool = True
    ) -> _Request:
        """Register a request; done before the answer that leads the source to it is
        handed over, so that the source waits for it rather than asking twice."""
        request = _Request(path, params, versioned)
        with self._lock:
            self._requests[self._engine.target(*request_key(path, params), versioned)] = request
        return request

    def _read(self, request: _Request) -> None:
        try:
            answer = self._engine.open(request.path, request.params, versioned=request.versioned)
            request.answer = (answer.status, answer.headers, answer.read())
        except Exception:  # the source asks again and reports what it gets
            request.answer = None

    def _fetch(self, request: _Request) -> None:
        self._read(request)
        request.done.set()

    def _run(self, ping: _Request) -> None:
        """The source's first collect: ping, then the list, the events (and podman's bulk
        stats) at once, then an inspect of every listed container that needs one."""
        self._read(ping)
        found = None
        if ping.answer is not None and ping.answer[0] < 400:
            found = engine_from_ping(ping.answer[1])
        if found is None:  # no engine, or one that names itself only in /version
            ping.done.set()
            return
        self._engine.api_version = agreed_version(found[0])
        podman = found[2]
        listing = self._expect(
            "/libpod/containers/json" if podman else "/containers/json", {"all": "true"}
        )
        stats = self._expect("/libpod/containers/stats", {"stream": "false"}) if podman else None
        events = None
        if self._events and podman:  # dockerd's query ends at a time: it could never match
            now_ns = time.time_ns()
            since_s = int(now_ns / 1e9 - DEFAULT_WINDOW_S)
            events = self._expect("/events", events_query(since_s, now_ns, podman=podman))
        ping.done.set()
        for request in (stats, events):
            if request is not None:
                threading.Thread(target=self._fetch, args=(request,), daemon=True).start()
        self._read(listing)
        summaries = _summaries(listing)
        if podman and events is not None:
            events.done.wait(self._engine.timeout_s)
            started = _start_times(events)
            summaries = [
                s
                for s in summaries
                if inspect_from_list(s, started.started_ns(str(s.get("Id", ""))), time.time())
                is None
            ]
        inspects = [self._expect(f"/containers/{s.get('Id', '')}/json") for s in summaries]
        listing.done.set()
        queue = iter(inspects)  # next() on it is atomic: each request goes to one thread

        def inspect_each() -> None:
            for request in queue:
                self._fetch(request)

        for _ in range(min(WORKERS, len(inspects))):
            threading.Thread(target=inspect_each, daemon=True).start()


def request_key(
    path: str, params: Mapping[str, str] | None
) -> tuple[str, Mapping[str, str] | None]:
    """(path, params) that name a request sent in advance: all of them, but the start of
    an events window (see :meth:`Prefetch.take`)."""
    if path == "/events" and params is not None and "since" in params:
        return path, {k: v for k, v in params.items() if k != "since"}
    return path, params


def _summaries(listing: _Request) -> list[Mapping[str, Any]]:
    """The entries of a container list answer (the source reads the list itself)."""
    if listing.answer is None or listing.answer[0] >= 400:
        return []
    try:
        summaries = json.loads(listing.answer[2])
    except ValueError:
        return []
    if not isinstance(summaries, list):
        return []
    return [s for s in summaries if isinstance(s, dict) and s.get("Id")]


def _start_times(events: _Request) -> EventHistory:
    """The events answer read as the source reads it, for the start times it holds."""
    # loaded here, not with this module: it loads dataclasses (~20 ms), and the requests
    # are to be under way before the rest of Python loads
    from debugtui.sources.containerevents import EventHistory

    history = EventHistory(EVENT_HISTORY)
    if events.answer is not None and events.answer[0] < 400:
        raw = []
        for line in events.answer[2].splitlines():
            try:
                raw.append(json.loads(line))
            except ValueError:
                continue
        history.add_raw(e for e in raw if isinstance(e, dict))
    return history


class PrefetchedEngine(LocalEngine):
    """The local engine, answering first from the requests a :class:`Prefetch` sent."""

    def __init__(self, prefetch: Prefetch, timeout_s: float) -> None:
        super().__init__(prefetch.host[len("unix://") :], timeout_s)
        self._prefetch = prefetch

    def open(
        self,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        versioned: bool = True,
        timeout_s: float | None = None,
    ) -> Answer:
        since = (params or {}).get("since") if path == "/events" else None
        sent = self._prefetch.take(self.target(*request_key(path, params), versioned), since)
        if sent is not None:
            if not sent.done.wait(self.timeout_s if timeout_s is None else timeout_s):
                raise TimeoutError("timed out")  # as the socket says when it waits that long
            if sent.answer is not None:
                status, headers, body = sent.answer
                stored = io.BytesIO(body)
                return Answer(status, headers, stored, stored)
        return super().open(path, params, versioned=versioned, timeout_s=timeout_s)
