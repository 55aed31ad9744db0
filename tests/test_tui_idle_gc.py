"""Full garbage collections wait for a pause in input, and the app gives the collector its
thresholds back when it ends."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from test_tui_support import frozen_clock

from debugtui.notebook.store import NotebookStore
from debugtui.tui.app import make_app
from debugtui.tui.idle_gc import MAX_GAP_S, QUIET_S, IdleCollector


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def collector() -> Iterator[tuple[IdleCollector, Clock, list[int]]]:
    """A started collector on a clock of the test's, and the generations collected."""
    clock = Clock()
    idle = IdleCollector(clock)
    full: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == 2:
            full.append(2)

    gc.callbacks.append(seen)
    idle.start()
    try:
        yield idle, clock, full
    finally:
        idle.stop()
        gc.callbacks.remove(seen)


def promote(times: int) -> None:
    """Collect the second generation ``times`` times, as the interpreter would on its own."""
    for _ in range(times):
        gc.collect(1)


def test_no_full_collection_starts_on_its_own_while_the_app_runs(
    collector: tuple[IdleCollector, Clock, list[int]],
) -> None:
    idle, _, full = collector
    young = gc.get_threshold()[0] * (gc.get_threshold()[1] + 1)
    for _ in range(idle.full_after * 3):
        kept = [[] for _ in range(young)]  # young containers: the young collections run
        promote(1)
        del kept
    assert full == []


def test_a_due_collection_waits_for_a_pause_in_input(
    collector: tuple[IdleCollector, Clock, list[int]],
) -> None:
    idle, clock, full = collector
    promote(idle.full_after + 1)
    for _ in range(5):
        idle.note_input()
        clock.now += QUIET_S / 2
        assert not idle.tick(), "keys are still coming"
    clock.now += QUIET_S
    assert idle.tick()
    assert full == [2] and gc.get_count()[2] == 0


def test_a_pause_with_nothing_due_collects_nothing(
    collector: tuple[IdleCollector, Clock, list[int]],
) -> None:
    idle, clock, full = collector
    gc.collect()
    full.clear()
    clock.now += QUIET_S * 10
    assert not idle.tick()
    assert full == []


def test_endless_input_still_gets_a_full_collection_after_the_longest_gap(
    collector: tuple[IdleCollector, Clock, list[int]],
) -> None:
    idle, clock, full = collector
    gc.collect()
    promote(1)
    full.clear()
    while clock.now < 1000.0 + MAX_GAP_S - 1:
        idle.note_input()
        clock.now += 1
        assert not idle.tick()
    clock.now += 1
    idle.note_input()
    assert idle.tick()
    assert full == [2]


async def test_the_app_turns_full_collections_off_and_gives_the_thresholds_back(
    store: NotebookStore,
) -> None:
    before = gc.get_threshold()
    app = make_app(store, clock=frozen_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert gc.get_threshold()[:2] == before[:2]
        assert gc.get_threshold()[2] > 1_000_000
        quiet_since = app.idle_gc.input_at
        await pilot.press("down")
        assert app.idle_gc.input_at > quiet_since, "a key is input"
    assert gc.get_threshold() == before
