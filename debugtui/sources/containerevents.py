"""Engine events for the containers source: which containers died, were killed, restarted,
were OOM-killed or changed health, kept across collects.

Three engine behaviours shape this module:

- ``/events`` streams forever unless told to stop, and the two engines are told differently:
  dockerd ends the answer at ``until``; podman answers nothing at all when ``until`` is given,
  and instead ends it after the replay when asked ``stream=false`` (which dockerd does not
  know). So each read is one finite answer, read to its end (bounded by the collect's
  timeout): no waiting for the stream to fall silent.
- Engines replay only what they kept (dockerd a short ring of recent events, podman what its
  journal or log file still holds), so the source keeps its own :class:`EventHistory` across
  collects and asks the engine only for what came after the last read.
- Some changes never reach us as an event (a ring that rolled over, an engine restarted in
  between). Comparing a container with the previous collect catches them: a restart count
  that went up, a new exit, a health change becomes a *synthesized* event, marked as such.
"""

from __future__ import annotations

import itertools
import json
import queue
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from debugtui.sources.engineapi import Engine, events_query, raise_for_status

ACTIONS = frozenset({"die", "oom", "kill", "restart", "health_status"})
"""The engine events a responder wants; start/stop/create noise is left out."""

_ACTION_ALIASES = {"died": "die"}
"""podman's own name for an action, where it differs from Docker's."""


@dataclass(frozen=True)
class ContainerEvent:
    time: datetime
    container_id: str
    """Short (12 character) id."""
    container: str
    """The container's name; untrusted text."""
    action: str
    """One of :data:`ACTIONS`."""
    detail: str
    """``exit code 1``, ``signal 9``, ``unhealthy``, ``restart count 3 -> 7`` ..."""
    exit_code: int | None = None
    """For ``die``: the code the container exited with, when the engine says."""
    synthesized: bool = False
    """True when no engine event was seen and the change was found by comparing collects."""


def short_id(container_id: str) -> str:
    return container_id[:12]


def event_container_ids(raw_events: Iterable[Mapping[str, Any]]) -> set[str]:
    """The full ids of the containers any of these events (wanted or not) is about: what
    changed since the previous read (a start, a rename, a health check) and must be looked
    at again."""
    found: set[str] = set()
    for raw in raw_events:
        actor = raw.get("Actor")
        full_id = (actor.get("ID") if isinstance(actor, Mapping) else None) or raw.get("id")
        if full_id:
            found.add(str(full_id))
    return found


def parse_event(raw: Mapping[str, Any]) -> tuple[int, str, ContainerEvent] | None:
    """(time in ns, full container id, event) for a wanted container event, else None.

    Handles both dialects: Docker's ``Action: "health_status: unhealthy"`` and attribute
    ``exitCode``; podman's ``Action: "health_status"`` with a ``HealthStatus`` field and
    attribute ``containerExitCode``.
    """
    if raw.get("Type", "container") != "container":
        return None
    action_text = str(raw.get("Action") or raw.get("status") or "")
    action, _, rest = action_text.partition(":")
    action = _ACTION_ALIASES.get(action.strip(), action.strip())
    if action not in ACTIONS:
        return None
    actor = raw.get("Actor") if isinstance(raw.get("Actor"), Mapping) else {}
    attributes = actor.get("Attributes") if isinstance(actor.get("Attributes"), Mapping) else {}
    full_id = str(actor.get("ID") or raw.get("id") or "")
    if not full_id:
        return None
    name = str(attributes.get("name") or short_id(full_id))
    time_ns = _event_time_ns(raw)
    exit_code: int | None = None
    if action == "die":
        exit_code = _int(attributes.get("exitCode", attributes.get("containerExitCode")))
        detail = "exited" if exit_code is None else f"exit code {exit_code}"
    elif action == "kill":
        signal = attributes.get("signal")
        detail = f"signal {signal}" if signal else "killed"
    elif action == "oom":
        detail = "out of memory"
    elif action == "health_status":
        detail = rest.strip() or str(raw.get("HealthStatus") or "") or "changed"
    else:
        detail = "restarted"
    event = ContainerEvent(
        time=datetime.fromtimestamp(time_ns / 1e9, timezone.utc),
        container_id=short_id(full_id),
        container=name,
        action=action,
        detail=detail,
        exit_code=exit_code,
    )
    return time_ns, full_id, event


@dataclass(frozen=True)
class EventRead:
    """What one read of the engine's event stream gave."""

    events: tuple[Mapping[str, Any], ...]
    complete: bool
    """True when the read reached the present (or the replay ended); False when the
    timeout cut it short or it failed."""
    error: str | None = None


_END = object()


def read_events(api: Engine, since: datetime, *, timeout_s: float, podman: bool) -> EventRead:
    """Container events from ``since`` up to now, from the engine.

    A pump thread hands the answer's decoded lines over a queue; reading stops at the first
    of: the end of the answer, an event at or after the request time, ``timeout_s`` in all.
    Closing the answer ends the pump thread.
    """
    requested_ns = time.time_ns()
    deadline = time.monotonic() + timeout_s
    params = events_query(int(since.timestamp()), requested_ns, podman=podman)
    answer = api.open("/events", params, timeout_s=timeout_s)
    try:
        raise_for_status(answer)
    except BaseException:
        answer.close()
        raise
    inbox: queue.Queue[Any] = queue.Queue()

    def pump() -> None:
        try:
            for line in answer.lines():
                inbox.put(json.loads(line))
        except Exception as exc:  # the read failing is reported, not raised, by the reader
            inbox.put(exc)
        finally:
            inbox.put(_END)

    threading.Thread(target=pump, name="debugtui-container-events", daemon=True).start()
    events: list[Mapping[str, Any]] = []
    complete = False
    error: str | None = None
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                item = inbox.get(timeout=remaining)
            except queue.Empty:
                break  # the deadline: the answer did not end in time
            if item is _END:
                complete = True
                break
            if isinstance(item, Exception):
                error = f"{type(item).__name__}: {item}"
                break
            if isinstance(item, Mapping):
                events.append(item)
                if _event_time_ns(item) >= requested_ns:
                    complete = True
                    break
    finally:
        answer.close()
    return EventRead(tuple(events), complete, error)


@dataclass(frozen=True)
class _Seen:
    """What the previous collect saw of one container, to find changes no event told us."""

    at: datetime
    name: str
    restart_count: int | None
    exit_code: int | None
    finished_at: datetime | None
    health: str | None


class EventHistory:
    """Every wanted event seen across collects (the newest ``limit``), deduplicated."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._events: dict[tuple[int, str, str, str], ContainerEvent] = {}
        self.read_until: datetime | None = None
        """Events before this were already asked for; the next read starts just before it."""
        self.read_from: datetime | None = None
        """The earliest ``since`` ever read: a wider window must read from the engine again."""
        self._seen: dict[str, _Seen] = {}
        self._raw_seen: dict[tuple[int, str, str], None] = {}
        """Every event read (the newest ``limit``), wanted or not, oldest first."""
        self._starts: dict[str, int] = {}
        """Full id -> the time (ns) of its newest ``start`` event read (``limit`` kept)."""

    def add_raw(self, raw_events: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """Keep the wanted events; the events (wanted or not) no earlier read returned.

        Reads overlap, so an event comes back in the next read or two: only a new one says
        that its container changed (a container started a second ago was otherwise
        inspected again on every refresh within the overlap).
        """
        new: list[Mapping[str, Any]] = []
        for raw in raw_events:
            key = _raw_key(raw)
            if key in self._raw_seen:
                continue
            self._raw_seen[key] = None
            new.append(raw)
            if key[2] == "start" and raw.get("Type", "container") == "container":
                self._starts[key[1]] = max(key[0], self._starts.pop(key[1], 0))
            parsed = parse_event(raw)
            if parsed is not None:
                time_ns, full_id, event = parsed
                self._add((time_ns, full_id, event.action, event.detail), event)
        for seen in (self._raw_seen, self._starts):
            for old in list(itertools.islice(seen, max(0, len(seen) - self.limit))):
                del seen[old]
        return new

    def started_ns(self, full_id: str) -> int | None:
        """When the newest ``start`` event read for this container happened (ns)."""
        return self._starts.get(full_id)

    def _add(self, key: tuple[int, str, str, str], event: ContainerEvent) -> None:
        self._events[key] = event
        if len(self._events) > self.limit:
            for old in sorted(self._events)[: len(self._events) - self.limit]:
                del self._events[old]

    def mark_read(self, since: datetime, until: datetime) -> None:
        self.read_from = since if self.read_from is None else min(self.read_from, since)
        self.read_until = until

    def window(self, since: datetime) -> tuple[ContainerEvent, ...]:
        """Events at or after ``since``, oldest first."""
        return tuple(event for _, event in sorted(self._events.items()) if event.time >= since)

    def last_exit_code(self, container_id: str) -> int | None:
        """The exit code of the newest ``die`` event of a container that says one."""
        newest: tuple[datetime, int] | None = None
        for event in self._events.values():
            if (
                event.container_id == container_id
                and event.action == "die"
                and event.exit_code is not None
                and (newest is None or event.time >= newest[0])
            ):
                newest = (event.time, event.exit_code)
        return None if newest is None else newest[1]

    def had_oom(self, container_id: str) -> bool:
        return any(
            e.container_id == container_id and e.action == "oom" for e in self._events.values()
        )

    def _reported(self, container_id: str, action: str, after: datetime) -> bool:
        return any(
            e.container_id == container_id and e.action == action and e.time >= after
            for e in self._events.values()
            if not e.synthesized
        )

    def compare(
        self,
        now: datetime,
        states: Iterable[tuple[str, str, int | None, int | None, datetime | None, str | None]],
        *,
        everything: bool = True,
    ) -> None:
        """Synthesize events for changes since the previous look that no event reported.

        ``states``: (short id, name, restart count, exit code, finished at, health) of each
        container now. ``everything`` says the states cover every container, so one missing
        is gone; a filtered collect passes False and the others keep their last look.
        """
        seen: dict[str, _Seen] = {} if everything else dict(self._seen)
        for container_id, name, restarts, exit_code, finished_at, health in states:
            current = _Seen(now, name, restarts, exit_code, finished_at, health)
            seen[container_id] = current
            before = self._seen.get(container_id)
            if before is None:
                continue
            for action, detail, code in _changes(before, current):
                if not self._reported(container_id, action, before.at):
                    event = ContainerEvent(
                        now, container_id, name, action, detail, exit_code=code, synthesized=True
                    )
                    self._add((time.time_ns(), container_id, action, detail), event)
        self._seen = seen


def _changes(before: _Seen, now: _Seen) -> list[tuple[str, str, int | None]]:
    """(action, detail, exit code) for what changed between two looks at one container."""
    changes: list[tuple[str, str, int | None]] = []
    if (
        before.restart_count is not None
        and now.restart_count is not None
        and now.restart_count > before.restart_count
    ):
        detail = f"restart count {before.restart_count} -> {now.restart_count}"
        changes.append(("restart", detail, None))
    new_exit = now.finished_at is not None and now.finished_at != before.finished_at
    if now.exit_code is not None and (new_exit or now.exit_code != before.exit_code):
        changes.append(("die", f"exit code {now.exit_code}", now.exit_code))
    if now.health is not None and before.health is not None and now.health != before.health:
        changes.append(("health_status", f"{before.health} -> {now.health}", None))
    return changes


def _raw_key(raw: Mapping[str, Any]) -> tuple[int, str, str]:
    actor = raw.get("Actor")
    full_id = (actor.get("ID") if isinstance(actor, Mapping) else None) or raw.get("id")
    return (_event_time_ns(raw), str(full_id), str(raw.get("Action") or raw.get("status")))


def _event_time_ns(raw: Mapping[str, Any]) -> int:
    nano = raw.get("timeNano")
    if isinstance(nano, int) and nano > 0:
        return nano
    seconds = raw.get("time")
    if isinstance(seconds, (int, float)) and seconds > 0:
        return int(seconds * 1e9)
    return time.time_ns()


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
