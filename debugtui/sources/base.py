"""The one shape every evidence source has: ``collect(params) -> Snapshot``.

A source never lets an exception escape: whatever goes wrong becomes a Snapshot with
``ok=False``, an ``error`` a responder can read and a ``hint`` saying what to do. That is what
lets a dead database or a missing Docker socket show up as evidence instead of a traceback,
and lets one broken source never stop the others.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, ClassVar, Protocol, TypeVar

from debugtui.config import Config


@dataclass(frozen=True)
class Table:
    """A plain table of strings: what a panel shows, what pinning freezes into the notebook."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    title: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "columns": list(self.columns),
            "rows": [list(r) for r in self.rows],
        }


class SnapshotData(Protocol):
    """What a source's typed result offers besides its own fields."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable records (for ``debugtui snapshot --json`` and the JSON export)."""
        ...

    def tables(self) -> Mapping[str, Table]:
        """Named table views (for panels, pinning and Markdown)."""
        ...


class SourceError(Exception):
    """A failure a source expects and can explain; ``hint`` says what to do about it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Snapshot:
    """The result of one ``collect``: the data, or the error and hint, never both missing."""

    source: str
    ok: bool
    collected_at: datetime
    duration_s: float
    params: Mapping[str, Any] = field(default_factory=dict)
    data: Any = None
    error: str | None = None
    hint: str | None = None
    warnings: tuple[str, ...] = ()

    def tables(self) -> Mapping[str, Table]:
        return {} if self.data is None else self.data.tables()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "ok": self.ok,
            "collected_at": self.collected_at.isoformat(),
            "duration_s": round(self.duration_s, 4),
            "params": dict(self.params),
            "warnings": list(self.warnings),
        }
        if self.ok:
            out["data"] = None if self.data is None else self.data.to_dict()
        else:
            out["error"] = self.error
            out["hint"] = self.hint
        return out


class Source(ABC):
    """Base of every source: owns the error handling, subclasses implement ``_collect``.

    A source object may keep state between calls (an open database session, the previous
    container stats sample), so a panel creates one and calls ``collect`` on every refresh.
    Call ``close`` when done.
    """

    name: ClassVar[str]

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()

    def collect(self, params: Mapping[str, Any] | None = None) -> Snapshot:
        params = dict(params or {})
        started = time.monotonic()
        when = datetime.now(timezone.utc)
        try:
            data, warnings = self._collect(params)
        except SourceError as exc:
            return self._failed(params, when, started, exc.message, exc.hint)
        except Exception as exc:  # a source must never raise: the failure is evidence
            return self._failed(params, when, started, describe(exc), self.hint_for(exc))
        return Snapshot(
            source=self.name,
            ok=True,
            collected_at=when,
            duration_s=time.monotonic() - started,
            params=params,
            data=data,
            warnings=tuple(warnings),
        )

    def _failed(
        self,
        params: dict[str, Any],
        when: datetime,
        started: float,
        error: str,
        hint: str | None,
    ) -> Snapshot:
        return failure(self.name, params, self.scrub(error), hint, when, time.monotonic() - started)

    @abstractmethod
    def _collect(self, params: dict[str, Any]) -> tuple[SnapshotData, list[str]]:
        """Collect and return the typed data plus warnings (partial results, caveats)."""

    def hint_for(self, exc: BaseException) -> str | None:
        """A hint for an unexpected exception; sources override for what they know."""
        return None

    def scrub(self, message: str) -> str:
        """Remove secrets from an error message; sources holding secrets override."""
        return message

    def close(self) -> None:  # noqa: B027 - optional hook, most sources hold nothing
        """Release connections; the default source holds none."""


def failure(
    source: str,
    params: Mapping[str, Any],
    error: str,
    hint: str | None,
    when: datetime | None = None,
    duration_s: float = 0.0,
) -> Snapshot:
    """A failed snapshot: what every failure, inside a source or around it, becomes."""
    return Snapshot(
        source=source,
        ok=False,
        collected_at=when or datetime.now(timezone.utc),
        duration_s=duration_s,
        params=dict(params),
        error=error,
        hint=hint,
    )


_T = TypeVar("_T")


def attempt(fetch: Callable[[], _T]) -> tuple[_T | None, str | None, str | None]:
    """``fetch()`` as (value, None, None), or its failure as (None, message, hint): for the
    screens that read something on demand (a container's output, a commit's patch) and show
    a failure in place, never a traceback."""
    try:
        return fetch(), None, None
    except SourceError as exc:
        return None, exc.message, exc.hint
    except Exception as exc:
        return None, describe(exc), None


def describe(exc: BaseException) -> str:
    """One readable line for an exception: its type and first line of message."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__
