"""The test fixtures' engine launchers, used outside pytest.

``tests/fixtures/postgres.py`` keeps its launcher in plain functions (``make_server``) next
to the pytest fixtures; it imports ``engine_unavailable`` from ``tests/conftest.py``, which
signals a missing engine with pytest's skip (or fail) exception. This module puts ``tests/``
on the import path the way pytest does, and turns that exception into :class:`Unavailable`
so a benchmark can report the missing engine as a row instead of dying.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

TESTS = Path(__file__).resolve().parent.parent / "tests"
T = TypeVar("T")


class Unavailable(Exception):
    """The engine a benchmark needs is not on this machine; the message says why."""


def fixture_module(name: str) -> Any:
    """``tests.fixtures.<name>``, importable as pytest imports it."""
    if str(TESTS) not in sys.path:
        sys.path.append(str(TESTS))
    import importlib

    return importlib.import_module(f"tests.fixtures.{name}")


def launch(start: Callable[[], T]) -> T:
    """Call a fixture launcher; its skip/fail for a missing engine becomes Unavailable."""
    try:
        return start()
    except BaseException as exc:
        if type(exc).__module__.startswith("_pytest"):
            raise Unavailable(str(exc) or type(exc).__name__) from None
        raise


@contextlib.contextmanager
def postgres(**options: Any) -> Iterator[Any]:
    """A throwaway PostgreSQL cluster from the test fixture (``make_server(**options)``)."""
    module = fixture_module("postgres")
    server = launch(lambda: module.make_server(**options))
    try:
        yield server
    finally:
        server.destroy()
