"""The incident clock: time since impact start, ticking every second.

It repaints only itself, and asks for a layout pass only when its text changes length
(``9:59:59`` to ``10:00:00``), so a one-second tick costs one line of one widget. Once the
incident is resolved it stops at the time to resolve.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from debugtui.notebook.model import Investigation


def format_elapsed(delta: timedelta) -> str:
    """H:MM:SS, with days in front past 24 hours: ``1d 02:03:04``; negative gets a minus."""
    total = int(delta.total_seconds())
    sign = "-" if total < 0 else ""
    days, rem = divmod(abs(total), 86400)
    hours, rem = divmod(rem, 3600)
    minutes, seconds = divmod(rem, 60)
    if days:
        return f"{sign}{days}d {hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{sign}{hours}:{minutes:02d}:{seconds:02d}"


class ElapsedClock(Widget):
    """Elapsed time since the investigation's impact start (or response start)."""

    DEFAULT_CSS = """
    ElapsedClock {
        width: auto;
        height: 1;
        padding: 0 1;
    }
    """

    investigation: reactive[Investigation | None] = reactive(None)
    """The investigation timed; None while it loads."""

    def __init__(self, clock: Callable[[], datetime], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock
        self._shown_width = 0

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)

    def watch_investigation(self) -> None:
        self._tick()

    def _tick(self) -> None:
        width = self.render().cell_len
        self.refresh(layout=width != self._shown_width)
        self._shown_width = width

    def elapsed(self) -> timedelta | None:
        """Impact start to now, or to resolution once resolved."""
        inv = self.investigation
        if inv is None:
            return None
        end = inv.resolved_at or self._clock()
        return end - inv.impact_start

    def render(self) -> Text:
        elapsed = self.elapsed()
        if elapsed is None:
            return Text("")
        return Text(f"⏱ {format_elapsed(elapsed)}")
