"""B8: keypress-to-screen latency in the TUI while a B2-size log search runs, against idle.

The app is the real one (``make_app`` on a notebook with a 200-entry investigation open,
every evidence panel mounted), run headless at 80x24 in this process. What is measured, per
key:

- a key "arrives" on the input thread, as it does from a terminal: a feeder thread sleeps
  until the chosen moment, takes the time, and hands ``up`` or ``down`` to the driver's
  ``process_message`` (what Textual's input thread calls for every key it reads);
- the key is done when the app has handled it (the timeline's highlighted entry moved) *and*
  the compositor has produced the frame showing it: a hook on ``App._display`` (which every
  frame passes through) checks the highlight and encodes the frame into the bytes a terminal
  would get, as the real driver does, before taking the time.

Keys alternate up/down (each one changes two visible rows), 10-30 ms apart. "Busy" runs the
same keys while the Logs panel searches B2's log for B2's regex, started through
``LogsPanel.search`` (what other panels and playbook steps call; the panel streams the
matches into its table, progress bar and sparkline) and started again whenever it ends.
"Idle" is the same app once the panel's own first search is over. The two alternate in
rounds; the table shows the 99th percentiles (busy / idle).
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

    def feed_watching(self, count: int, panel: Any) -> tuple[list[float], int]:
        """:meth:`feed`, one key at a time, counting the keys pressed while ``panel`` searched."""
        timed: list[float] = []
        searching = 0
        for _ in range(count):
            searching += bool(panel.searching)
            timed += self.feed(1)
        return timed, searching


async def _searching(panel: Any, log: Path, stop: asyncio.Event) -> int:
    """Keep B2's search running in ``panel`` until ``stop``; how many searches were started."""
    started = 0
    while not stop.is_set():
        if not panel.searching:
            if not panel.search(NO_LITERAL, paths=[str(log)], since="", until="", reveal=False):
                raise RuntimeError("the Logs panel refused the benchmark's search")
            started += 1
        await asyncio.sleep(0.05)
    panel.action_stop()
    return started


async def _settled(pilot: Any, ready: Any, what: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout_s:g}s")
        await pilot.pause(0.05)


async def _measure(db: Path, inv_id: str, log: Path, rounds: int, keys: int) -> dict[str, Any]:
    from dataclasses import replace

    from debugtui.config import Config
    from debugtui.notebook.store import NotebookStore
    from debugtui.tui.app import make_app
    from debugtui.tui.panels.logs import LogsPanel

    config = Config()
    config = replace(config, logs=replace(config.logs, paths=(str(log),)))
    with NotebookStore(db) as store:
        app = make_app(store, open_id=inv_id, config=config)
        async with app.run_test(size=(80, 24)) as pilot:

            def opened() -> bool:
                timeline = getattr(app.screen, "timeline", None)
                return timeline is not None and timeline.option_count > 0

            await _settled(pilot, opened, "opening the investigation")
            screen = app.screen
            # the evidence panels mount once the timeline is on screen
            await _settled(pilot, lambda: bool(screen.query(LogsPanel)), "the Logs panel mounting")
            panel = screen.query_one(LogsPanel)
            await _settled(pilot, lambda: not panel.searching, "the Logs panel's first search")
            probe = KeyProbe(app, screen.timeline)
            probe.install()
            await asyncio.to_thread(probe.feed, 10)  # warm-up
            idle: list[float] = []
            busy: list[float] = []
            searches = 0
            during = 0
            for _ in range(rounds):
                idle += await asyncio.to_thread(probe.feed, keys)
                stop = asyncio.Event()
                runner = asyncio.create_task(_searching(panel, log, stop))
                await _settled(pilot, lambda: panel.searching, "the benchmark's search")
                await asyncio.sleep(0.2)  # the search under way: the child reading, rows flowing
                timed, searched = await asyncio.to_thread(probe.feed_watching, keys, panel)
                busy += timed
                during += searched
                stop.set()
                searches += await runner
                await _settled(pilot, lambda: not panel.searching, "stopping the search")
            return {"idle": idle, "busy": busy, "searches": searches, "during": during}


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
        f"{percentile(got['idle'], 50) * 1000:.1f} ms idle; {len(got['busy'])} keys each, "
        f"{got['during']} of the busy ones pressed while the Logs panel searched "
        f"({got['searches']} searches started)"
    )
    return [
        Result(
            key="B8",
            what=f"key to screen p99, {log.stat().st_size / 2**20:.0f} MB log search running",
            ours_s=busy_p99,
            ref_s=idle_p99,
            target=f"<= {RATIO_TARGET:g}x, <= {P99_TARGET_S * 1000:g} ms",
            ok=got["during"] > 0 and ratio <= RATIO_TARGET and busy_p99 <= P99_TARGET_S,
            ours_rss_mb=self_rss_mb(),
            note=note,
            extra={
                "expected": max(1, runs) * KEYS_PER_ROUND[size],
                "ours": len(got["busy"]),
                "ref": len(got["idle"]),
                "keys_during_search": got["during"],
            },
        )
    ]
