"""Full garbage collections wait for a pause in the responder's input.

A full collection walks every object the collector tracks and holds the UI thread while it
does: 20-130 ms with an investigation open and a search's matches in memory (the matches
are named tuples, which the collector never untracks), enough to hold back the frame that
shows a key. Textual pauses the collector during smooth scrolling for the same reason.

While the app runs, the automatic full collections are off; :meth:`IdleCollector.tick`
makes one when the young generations have been collected as often as would have started
one and no key or click came for :data:`QUIET_S`, or, whatever the input, once
:data:`MAX_GAP_S` has passed with anything new in the old generation, so memory held by
reference cycles is still given back. The young generations are collected as before.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

QUIET_S = 1.5
"""Time without input after which a due full collection is made."""
MAX_GAP_S = 60.0
"""Longest time between two full collections, input or not."""
CHECK_S = 0.5
"""How often the app asks :meth:`IdleCollector.tick`."""
_NEVER = 1 << 30
"""A third threshold the second generation's collections never reach."""


class IdleCollector:
    """The app's full collections, made between keys."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.input_at = clock()
        self.collected_at = clock()
        self._saved: tuple[int, int, int] | None = None
        self.full_after = gc.get_threshold()[2]
        """Second-generation collections after which a full one is due (the interpreter's
        own third threshold)."""

    def start(self) -> None:
        """Turn the automatic full collections off (until :meth:`stop`)."""
        if self._saved is None:
            self._saved = gc.get_threshold()
            self.full_after = self._saved[2]
            gc.set_threshold(self._saved[0], self._saved[1], _NEVER)

    def stop(self) -> None:
        """Give the collector its thresholds back."""
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None

    def note_input(self) -> None:
        self.input_at = self._clock()

    def tick(self) -> bool:
        """Make a full collection if one is due and the moment is right; whether it did."""
        if self._saved is None:
            return False
        pending = gc.get_count()[2]  # second-generation collections since the last full one
        now = self._clock()
        due = pending >= self.full_after and now - self.input_at >= QUIET_S
        overdue = pending > 0 and now - self.collected_at >= MAX_GAP_S
        if not (due or overdue):
            return False
        gc.collect()
        self.collected_at = self._clock()
        return True
