"""A source's warnings under a panel's status line.

A collect can succeed with caveats a responder must see next to the numbers:
pg_stat_statements missing (activity still shown), container events read only in part, a
detached HEAD. The source's text is untrusted (it can quote a container name or an error
from the server), so each warning is one literal line.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from debugtui.tui.literal import literal_line

MAX_SHOWN = 3
"""Warning lines shown at most; the rest are counted (the full list is in the snapshot)."""


class WarningsLine(Static):
    """Hidden without warnings; one literal line per warning otherwise."""

    DEFAULT_CSS = """
    WarningsLine {
        height: auto;
        max-height: 3;
        color: $warning;
        padding: 0 1;
        display: none;
    }
    WarningsLine.-shown { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.warnings: tuple[str, ...] = ()
        """The warnings shown, as the source gave them."""

    def show_warnings(self, warnings: Sequence[str]) -> None:
        self.warnings = tuple(warnings)
        if not self.warnings:
            self.update("")
            self.remove_class("-shown")
            return
        shown = list(self.warnings[:MAX_SHOWN])
        if len(self.warnings) > MAX_SHOWN:
            rest = len(self.warnings) - MAX_SHOWN + 1
            shown[-1] = f"… and {rest} more warnings"
        text = Text()
        for index, warning in enumerate(shown):
            if index:
                text.append("\n")
            text.append_text(literal_line(f"⚠ {warning}"))
        self.update(text)
        self.add_class("-shown")
