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
    wanted = list(names or SOURCES)
    params = params or {}
    results: queue.Queue[tuple[str, Snapshot]] = queue.Queue()

    def run(name: str) -> None:
        asked = params.get(name, {})
        try:
            source = factory(name, config)
        except Exception as exc:  # a source that cannot even load is a failed source
            hint = "reinstall debugtui: a module or dependency of this source is broken"
            results.put((name, failure(name, asked, describe(exc), hint)))
            return
        try:
            results.put((name, source.collect(asked)))
        finally:
            source.close()

    started = {}
    for name in wanted:
        started[name] = datetime.now(timezone.utc)
        threading.Thread(target=run, args=(name,), name=f"collect-{name}", daemon=True).start()

    done: dict[str, Snapshot] = {}
    deadline = time.monotonic() + timeout_s
    while len(done) < len(wanted):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            name, snap = results.get(timeout=remaining)
        except queue.Empty:
            break
        done[name] = snap
    for name in wanted:
        if name not in done:
            done[name] = failure(
                name,
                params.get(name, {}),
                f"no answer within {timeout_s:g} s",
                "the source is hanging (an engine that accepts but never answers?); "
                "check it by hand or raise --timeout",
                started[name],
                timeout_s,
            )
    return {name: done[name] for name in wanted}
