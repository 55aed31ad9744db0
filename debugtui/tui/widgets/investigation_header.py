"""The top line of an investigation: title, severity, status and the incident clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Static

from debugtui.notebook.model import Investigation
from debugtui.tui.literal import literal_line
from debugtui.tui.widgets.elapsed_clock import ElapsedClock


class InvestigationHeader(Horizontal):
    """One line; severity and status are badges styled by class (``-sev1``, ``-mitigated``)."""

    DEFAULT_CSS = """
    InvestigationHeader {
        height: 1;
        background: $panel;
        #title { width: 1fr; padding: 0 1; text-style: bold; }
        #severity { width: auto; padding: 0 1; }
        #severity.-sev1 { background: $error; color: $text; text-style: bold; }
        #severity.-sev2 { background: $warning; color: $background; text-style: bold; }
        #severity.-sev3 { background: $secondary; color: $text; }
        #severity.-sev4 { background: $boost; color: $text-muted; }
        #status { width: auto; padding: 0 1; }
        #status.-investigating { color: $warning; }
        #status.-mitigated { color: $accent; }
        #status.-resolved { color: $success; }
    }
    """

    investigation: reactive[Investigation | None] = reactive(None)
    """The investigation shown; None while it loads."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        super().__init__()
        self._clock = clock

    def compose(self) -> ComposeResult:
        yield Static("Loading…", id="title")
        yield Static(id="severity")
        yield Static(id="status")
        yield ElapsedClock(self._clock, id="clock").data_bind(InvestigationHeader.investigation)

    def on_mount(self) -> None:
        self.watch_investigation(self.investigation)

    def watch_investigation(self, inv: Investigation | None) -> None:
        if inv is None or not self.is_mounted:
            return
        self.query_one("#title", Static).update(literal_line(inv.title))
        severity = self.query_one("#severity", Static)
        severity.update(inv.severity.value)
        severity.set_classes(f"-{inv.severity.value.lower()}")
        status = self.query_one("#status", Static)
        status.update(inv.status.value)
        status.set_classes(f"-{inv.status.value}")
