"""Collecting sources concurrently: a hanging or broken source never stops the others."""

from __future__ import annotations

import threading
from typing import Any

from debugtui.config import Config
from debugtui.sources.base import Source, Table
from debugtui.sources.collect import collect_all


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


def _factory(name: str, config: Config) -> Source:
    if name == "broken-import":
        raise ImportError("No module named 'psycopg'")
    return {"quick": _Quick, "hangs": _Hangs, "raises": _Raises}[name](config)


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
