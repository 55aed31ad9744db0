"""Collecting several sources at once, each under its own timeout.

``debugtui snapshot`` and ``doctor`` use this: every source runs in its own daemon thread so
a database that never answers costs its timeout and nothing more, and can never keep the
process alive after the others are done. A source that runs out of time is reported as a
failed snapshot with a hint, like any other failure.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from debugtui.config import Config
from debugtui.sources.base import Snapshot, Source, describe, failure
from debugtui.sources.registry import SOURCES, make_source


def default_params(name: str, config: Config, since: str | None = None) -> dict[str, Any]:
    """What a whole-host snapshot asks of each source."""
    params: dict[str, Any] = {}
    if name == "logs":
        params = {"pattern": config.logs.error_pattern, "since": since or config.logs.since}
    elif name == "deploys":
        params = {"since": since or config.deploys.since}
    elif name == "containers" and since:
        params = {"since": since}
    return params


def collect_all(
    names: Iterable[str] | None,
    config: Config,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    timeout_s: float = 15.0,
    factory: Callable[[str, Config], Source] = make_source,
) -> dict[str, Snapshot]:
    """Collect ``names`` (default: every source) concurrently; results in the order asked.

    ``factory`` builds a source from its name (the registry by default).
    """
    return Collection(names, config, params, timeout_s, factory).results()


class Collection:
    """Sources collecting in their daemon threads, started at once (see :func:`collect_all`),
    so that the caller can do other work (import what it needs for the results) meanwhile.

    A source is closed before its snapshot is handed over: once :meth:`results` returns,
    every source that answered in time holds nothing open, and the process may end at once.
    """

    def __init__(
        self,
        names: Iterable[str] | None,
        config: Config,
        params: Mapping[str, Mapping[str, Any]] | None = None,
        timeout_s: float = 15.0,
        factory: Callable[[str, Config], Source] = make_source,
    ) -> None:
        self._wanted = list(names or SOURCES)
        self._params = params or {}
        self._timeout_s = timeout_s
        self._factory = factory
        self._config = config
        self._results: queue.Queue[tuple[str, Snapshot]] = queue.Queue()
        self._started: dict[str, datetime] = {}
        for name in self._wanted:
            self._started[name] = datetime.now(timezone.utc)
            threading.Thread(
                target=self._run, args=(name,), name=f"collect-{name}", daemon=True
            ).start()
        self._deadline = time.monotonic() + timeout_s

    def _run(self, name: str) -> None:
        asked = self._params.get(name, {})
        try:
            source = self._factory(name, self._config)
        except Exception as exc:  # a source that cannot even load is a failed source
            hint = "reinstall debugtui: a module or dependency of this source is broken"
            self._results.put((name, failure(name, asked, describe(exc), hint)))
            return
        snap = source.collect(asked)  # a source never raises: a failure is its snapshot
        try:
            source.close()  # before handing the snapshot over (see the class docstring)
        finally:
            self._results.put((name, snap))

    def results(self) -> dict[str, Snapshot]:
        """Every source's snapshot, in the order asked, once each has answered or the
        timeout (counted from the start) has passed: a late one is a failed snapshot."""
        done: dict[str, Snapshot] = {}
        while len(done) < len(self._wanted):
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                name, snap = self._results.get(timeout=remaining)
            except queue.Empty:
                break
            done[name] = snap
        for name in self._wanted:
            if name not in done:
                done[name] = failure(
                    name,
                    self._params.get(name, {}),
                    f"no answer within {self._timeout_s:g} s",
                    "the source is hanging (an engine that accepts but never answers?); "
                    "check it by hand or raise --timeout",
                    self._started[name],
                    self._timeout_s,
                )
        return {name: done[name] for name in self._wanted}
