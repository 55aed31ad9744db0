"""Shared test set-up: isolated XDG dirs for every test and the engine requirement switch.

Real engines (PostgreSQL, podman) come from the fixture modules listed in
``pytest_plugins``. Without an engine a test skips with the reason, unless
``DEBUGTUI_REQUIRE_ENGINES=1`` (set by ``.ci/run``), where it fails instead: a skipped
real-engine test in CI is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from debugtui.notebook.store import NotebookStore

pytest_plugins: list[str] = ["tests.fixtures.postgres", "tests.fixtures.podman"]


def engines_required() -> bool:
    return os.environ.get("DEBUGTUI_REQUIRE_ENGINES") == "1"


def engine_unavailable(reason: str) -> None:
    """Skip, or fail when engines are required."""
    if engines_required():
        pytest.fail(f"engine required but unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the machine's config, data or notebook, or sees its cwd."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv("DEBUGTUI_DB", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DOCKER_HOST", raising=False)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[NotebookStore]:
    """A notebook file of the test's own, open for the test (tests needing another kind of
    store define their own ``store``)."""
    with NotebookStore(tmp_path / "notebook.db") as opened:
        yield opened


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The notebook file the ``debugtui`` program uses in this test (``$DEBUGTUI_DB``);
    tests of the store itself define their own ``db``."""
    path = tmp_path / "notebook.db"
    monkeypatch.setenv("DEBUGTUI_DB", str(path))
    return path
