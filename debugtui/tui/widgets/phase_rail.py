"""The phase rail: the seven phases of the debugging loop on one line, the current one marked.

Under it, the current phase's opening question (the first sentence of ``Phase.guidance``);
the full guidance is in the Guide tab. Two lines in all, so it fits an 80x24 terminal.
"""

from __future__ import annotations

import re

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from debugtui.notebook.model import PHASES, Investigation, Phase

_FIRST_SENTENCE = re.compile(r"^.*?[.?!](?=\s|$)")


def opening_question(phase: Phase) -> str:
    """The first sentence of the phase's guidance: what to ask yourself right now."""
    match = _FIRST_SENTENCE.match(phase.guidance)
    return match.group() if match else phase.guidance


def rail_line(current: Phase) -> Text:
    """Reproduce › Isolate › ... with done phases ticked and the current one highlighted."""
    line = Text(no_wrap=True, overflow="ellipsis")
    for phase in PHASES:
        if phase.index:
            line.append(" › ", style="dim")
        if phase is current:
            line.append(f" {phase.title} ", style="bold reverse")
        elif phase.index < current.index:
            line.append(f"✓{phase.title}", style="green")
        else:
            line.append(phase.title, style="dim")
    return line


class PhaseRail(Widget):
    """Where the investigation is in the loop; bound to the screen's investigation."""

    DEFAULT_CSS = """
    PhaseRail {
        height: 2;
        padding: 0 1;
    }
    """

    investigation: reactive[Investigation | None] = reactive(None)
    """The investigation shown; None while it loads."""

    def render(self) -> Text:
        inv = self.investigation
        if inv is None:
            return Text("…", style="dim")
        question = Text(
            f"{inv.phase.index + 1}/{len(PHASES)} {opening_question(inv.phase)}",
            style="italic",
            no_wrap=True,
            overflow="ellipsis",
        )
        return Text("\n").join([rail_line(inv.phase), question])
