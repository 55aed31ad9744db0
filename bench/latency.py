"""B8: keypress-to-screen latency in the TUI while a B2-size log search runs, against idle.

The app is the real one (``make_app`` on a notebook with a 200-entry investigation open),
run headless at 80x24 in this process. What is measured, per key:

- a key "arrives" on the input thread, as it does from a terminal: a feeder thread sleeps
  until the chosen moment, takes the time, and hands ``up`` or ``down`` to the driver's
  ``process_message`` (what Textual's input thread calls for every key it reads);
- the key is done when the app has handled it (the timeline's highlighted entry moved) *and*
  the compositor has produced the frame showing it: a hook on ``App._display`` (which every
  frame passes through) checks the highlight and encodes the frame into the bytes a terminal
  would get, as the real driver does, before taking the time.

Keys alternate up/down (each one changes two visible rows), 10-30 ms apart. "Busy" runs the
same keys while a log search for B2's regex over B2's log runs in a thread worker of the app,
the way the logs panel runs it: ``debugtui.sources.logs.search`` with its events posted to a
widget on the screen (a one-line status, updated on every batch and progress event),
restarted whenever it finishes. "Idle" is the same app with that widget and no search. The
two alternate in rounds; the table shows the 99th percentiles (busy / idle).
"""

from __future__ import annotations

import asyncio
import random
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import Result, percentile, self_rss_mb
from bench.logs import NO_LITERAL, generated_log
from bench.notebook import investigation

RATIO_TARGET = 2.0
P99_TARGET_S = 0.050
KEYS_PER_ROUND = {"tiny": 10, "full": 40}
KEY_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class _Pending:
    want: int
    """The timeline index the key must highlight."""
    at: float
    """perf_counter() when the key arrived."""


class KeyProbe:
    """Feeds keys from its own thread and times each one to the frame that shows it."""

    def __init__(self, app: Any, timeline: Any) -> None:
        self.app = app
        self.timeline = timeline
        self.latencies: list[float] = []
        self._pending: _Pending | None = None
        self._shown = threading.Event()
        self._rng = random.Random(11)
        self._up = True

    def install(self) -> None:
        """Hook the app's frame output (``App._display``, called for every frame)."""
        display = self.app._display
        console = self.app.console

        def frame(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is None or screen is not self.app.screen:
                return
            renderable.render_segments(console)  # what the terminal driver would write
            pending = self._pending
            if pending is not None and self.timeline.highlighted == pending.want:
                self.latencies.append(time.perf_counter() - pending.at)
                self._pending = None
                self._shown.set()

        self.app._display = frame

    def feed(self, count: int) -> list[float]:
        """Press ``count`` keys (in this, the calling, thread); their latencies."""
        from textual import events

        driver = self.app._driver
        start = len(self.latencies)
        for _ in range(count):
            current = self.timeline.highlighted
            key, want = ("up", current - 1) if self._up else ("down", current + 1)
            self._up = not self._up
            time.sleep(self._rng.uniform(0.010, 0.030))
            self._shown.clear()
            self._pending = _Pending(want, time.perf_counter())
            driver.process_message(events.Key(key, None))
            if not self._shown.wait(KEY_TIMEOUT_S):
                raise TimeoutError(f"no frame showed key {key!r} within {KEY_TIMEOUT_S:g}s")
        return self.latencies[start:]


class SearchLoop:
    """B2's search, run again and again in a thread worker of the app until stopped."""

    def __init__(self, app: Any, status: Any, log: Path) -> None:
        self.app = app
        self.status = status
        self.log = log
        self.cancel = threading.Event()
        self.searches = 0
        """Searches run to their end."""
        self.matches = 0
        """Matches the last completed search counted."""

    def run(self) -> None:
        from debugtui.config import Config
        from debugtui.sources.logs import (
            MatchBatch,
            SearchDone,
            SearchProgress,
            query_from_params,
            search,
        )

        params = {"pattern": NO_LITERAL, "paths": [str(self.log)], "since": None}
        query = query_from_params(params, Config())
        while not self.cancel.is_set():
            for event in search(query, self.cancel):
                if isinstance(event, MatchBatch):
                    self.status.post_message(self.status.Found(len(event.matches)))
                elif isinstance(event, SearchProgress):
                    self.status.post_message(self.status.Found(0))
                elif isinstance(event, SearchDone) and not event.summary.cancelled:
                    self.searches += 1
                    self.matches = event.summary.total


def _status_widget() -> Any:
    from textual.message import Message
    from textual.widgets import Static

    class SearchStatus(Static):
        """A one-line search status, as a logs panel keeps one."""

        DEFAULT_CSS = "SearchStatus { dock: top; height: 1; }"

        class Found(Message):
            def __init__(self, kept: int) -> None:
                super().__init__()
                self.kept = kept

        def __init__(self) -> None:
            super().__init__("", markup=False)
            self.kept = 0
            self.events = 0

        def on_search_status_found(self, message: Found) -> None:
            self.kept += message.kept
            self.events += 1
            self.update(f"searching: {self.kept} matches kept, {self.events} updates")

    return SearchStatus()


async def _measure(db: Path, inv_id: str, log: Path, rounds: int, keys: int) -> dict[str, Any]:
    from debugtui.config import Config
    from debugtui.notebook.store import NotebookStore
    from debugtui.tui.app import make_app

    with NotebookStore(db) as store:
        app = make_app(store, open_id=inv_id, config=Config())
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            for _ in range(500):
                if getattr(screen, "timeline", None) is not None and screen.timeline.option_count:
                    break
                await pilot.pause(0.02)
                screen = app.screen
            status = _status_widget()
            await screen.mount(status)
            await pilot.pause()
            probe = KeyProbe(app, screen.timeline)
            probe.install()
            await asyncio.to_thread(probe.feed, 10)  # warm-up
            idle: list[float] = []
            busy: list[float] = []
            searcher = SearchLoop(app, status, log)
            for _ in range(rounds):
                idle += await asyncio.to_thread(probe.feed, keys)
                searcher.cancel.clear()
                worker = app.run_worker(searcher.run, thread=True, group="bench-search")
                await asyncio.sleep(0.2)  # the search under way (rg started, results flowing)
                busy += await asyncio.to_thread(probe.feed, keys)
                searcher.cancel.set()
                await worker.wait()
            return {
                "idle": idle,
                "busy": busy,
                "searches": searcher.searches,
                "matches": searcher.matches,
                "updates": status.events,
            }


def run(size: str, runs: int) -> list[Result]:
    cached, inv_id = investigation("tiny")
    log = generated_log(size)
    with tempfile.TemporaryDirectory(prefix="dtbench-") as tmp:
        db = Path(tmp) / "notebook.db"
        shutil.copyfile(cached, db)
        got = asyncio.run(_measure(db, inv_id, log, max(1, runs), KEYS_PER_ROUND[size]))
    idle_p99 = percentile(got["idle"], 99)
    busy_p99 = percentile(got["busy"], 99)
    ratio = busy_p99 / idle_p99
    note = (
        f"median {percentile(got['busy'], 50) * 1000:.1f} ms busy, "
        f"{percentile(got['idle'], 50) * 1000:.1f} ms idle; {len(got['busy'])} keys each; "
        f"{got['updates']} search events shown meanwhile, {got['searches']} searches run "
        f"to the end ({got['matches']} matches each)"
    )
    return [
        Result(
            key="B8",
            what=f"key to screen p99, {log.stat().st_size / 2**20:.0f} MB log search running",
            ours_s=busy_p99,
            ref_s=idle_p99,
            target=f"<= {RATIO_TARGET:g}x, <= {P99_TARGET_S * 1000:g} ms",
            ok=got["updates"] > 0 and ratio <= RATIO_TARGET and busy_p99 <= P99_TARGET_S,
            ours_rss_mb=self_rss_mb(),
            note=note,
            extra={
                "expected": max(1, runs) * KEYS_PER_ROUND[size],
                "ours": len(got["busy"]),
                "ref": len(got["idle"]),
                "search_events": got["updates"],
            },
        )
    ]
