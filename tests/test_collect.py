"""Collecting sources concurrently: a hanging or broken source never stops the others."""

from __future__ import annotations

import threading
import time
from typing import Any

from debugtui.config import Config
from debugtui.sources.base import Source, Table
from debugtui.sources.collect import Collection, collect_all


class _Data:
    def to_dict(self) -> dict[str, Any]:
        return {"answer": 42}

    def tables(self) -> dict[str, Table]:
        return {"t": Table(("a",), (("1",),))}


class _Quick(Source):
    name = "quick"

    def _collect(self, params: dict[str, Any]) -> tuple[Any, list[str]]:
        return _Data(), []


class _Hangs(Source):
    """Stands in for an engine that accepts and never answers (real ones are in fault tests)."""

    name = "hangs"
    release = threading.Event()

    def _collect(self, params: dict[str, Any]) -> tuple[Any, list[str]]:
        self.release.wait(30)
        return _Data(), []


class _Raises(Source):
    name = "raises"

    def _collect(self, params: dict[str, Any]) -> tuple[Any, list[str]]:
        raise RuntimeError("boom\nsecond line")


class _ClosesSlowly(Source):
    """Releases what it holds slowly, as a database connection saying goodbye may."""

    name = "closes-slowly"
    closed = threading.Event()

    def _collect(self, params: dict[str, Any]) -> tuple[Any, list[str]]:
        return _Data(), []

    def close(self) -> None:
        time.sleep(0.2)
        self.closed.set()


class _WaitsForCaller(Source):
    """Answers only once the caller, working while it collects, lets it."""

    name = "waits-for-caller"
    started = threading.Event()
    release = threading.Event()

    def _collect(self, params: dict[str, Any]) -> tuple[Any, list[str]]:
        self.started.set()
        self.release.wait(30)
        return _Data(), []


def _factory(name: str, config: Config) -> Source:
    if name == "broken-import":
        raise ImportError("No module named 'psycopg'")
    sources: dict[str, type[Source]] = {
        "quick": _Quick,
        "hangs": _Hangs,
        "raises": _Raises,
        "closes-slowly": _ClosesSlowly,
        "waits-for-caller": _WaitsForCaller,
    }
    return sources[name](config)


def test_hanging_source_times_out_and_others_finish() -> None:
    try:
        snaps = collect_all(["quick", "hangs"], Config(), timeout_s=0.5, factory=_factory)
    finally:
        _Hangs.release.set()
    assert snaps["quick"].ok
    assert snaps["quick"].data.to_dict() == {"answer": 42}
    assert not snaps["hangs"].ok
    assert "no answer within 0.5 s" in (snaps["hangs"].error or "")
    assert snaps["hangs"].hint


def test_exception_inside_a_source_becomes_an_error_value() -> None:
    snaps = collect_all(["raises", "quick"], Config(), factory=_factory)
    assert snaps["raises"].ok is False
    assert snaps["raises"].error == "RuntimeError: boom"
    assert snaps["quick"].ok


def test_source_that_cannot_load_is_reported_not_raised() -> None:
    snaps = collect_all(["broken-import"], Config(), factory=_factory)
    assert snaps["broken-import"].ok is False
    assert "psycopg" in (snaps["broken-import"].error or "")


def test_results_keep_the_order_asked() -> None:
    snaps = collect_all(["raises", "quick"], Config(), factory=_factory)
    assert list(snaps) == ["raises", "quick"]


def test_a_source_is_closed_before_its_snapshot_is_handed_over() -> None:
    """So that a caller may end the process as soon as it has the results."""
    snaps = collect_all(["closes-slowly"], Config(), factory=_factory)
    assert snaps["closes-slowly"].ok
    assert _ClosesSlowly.closed.is_set()


def test_a_collection_runs_while_the_caller_does_other_work() -> None:
    collecting = Collection(["waits-for-caller", "quick"], Config(), factory=_factory)
    try:
        assert _WaitsForCaller.started.wait(10)
    finally:
        _WaitsForCaller.release.set()
    snaps = collecting.results()
    assert list(snaps) == ["waits-for-caller", "quick"]
    assert all(snap.ok for snap in snaps.values())
