"""The phase rail: the seven phases of the debugging loop on one line, the current one marked.

Under it, one line about what to do now: the phase's opening question (the first sentence
of ``Phase.guidance``; the full guidance is in the Guide tab) or, when the investigation
follows a playbook, how many of this phase's steps are done and the next one. Two lines in
all, so it fits an 80x24 terminal.

The playbook's checklist lives here too, folded away: it unfolds under the two lines while
it has focus (``k`` on the investigation screen), with a two-line detail of the highlighted
step, and folds again when focus leaves. Unfolded it takes at most ten lines, which an 80x24
screen can spare for as long as the responder is working through the steps.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import OptionList, Static

from debugtui.checklist import CheckResult
from debugtui.notebook.model import PHASES, Investigation, Phase
from debugtui.tui.literal import literal_line
from debugtui.tui.widgets.checklist import Checklist, step_detail

if TYPE_CHECKING:
    from debugtui.playbooks import Playbook, Step

_FIRST_SENTENCE = re.compile(r"^.*?[.?!](?=\s|$)")

UPDATE_DUE = "⚑ update due: u"
"""The reminder shown at the right of the rail when a stakeholder update is due."""


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


def progress_line(phase: Phase, steps: tuple[Step, ...], done: Collection[str]) -> Text:
    """``2/7 ☑ 1/3 next: <the first step not done>``, or the opening question without steps."""
    line = Text(f"{phase.index + 1}/{len(PHASES)} ", style="italic")
    if not steps:
        line.append(opening_question(phase), style="italic")
        return line
    count = sum(1 for s in steps if s.id in done)
    line.append(f"☑ {count}/{len(steps)} ", style="bold green" if count == len(steps) else "bold")
    upcoming = next((s for s in steps if s.id not in done), None)
    if upcoming is None:
        line.append("all done: ] moves on", style="green")
    else:
        line.append("next: ", style="dim")
        line.append_text(literal_line(upcoming.text))
    return line


class PhaseRail(Vertical):
    """Where the investigation is in the loop; bound to the screen's investigation.

    The screen gives it the playbook and its state (:meth:`show_playbook`) and says when an
    update is due (:attr:`update_due`); the rail decides nothing, it shows.
    """

    DEFAULT_CSS = """
    PhaseRail {
        height: auto;
        padding: 0 1;
        #rail-lines { height: 2; }
        #checklist, #step-detail { display: none; }
        #step-detail {
            height: auto;
            max-height: 2;
            color: $text-muted;
            text-wrap: nowrap;
            text-overflow: ellipsis;
        }
        &:focus-within {
            #checklist, #step-detail { display: block; }
        }
    }
    """

    investigation: reactive[Investigation | None] = reactive(None)
    """The investigation shown; None while it loads."""
    update_due: reactive[bool] = reactive(False)
    """A stakeholder update is due: the rail shows the reminder."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.playbook: Playbook | None = None
        self.done: frozenset[str] = frozenset()
        self.results: Mapping[str, CheckResult] = {}
        self.problem = ""
        """Why the investigation's playbook is not shown (not installed, broken)."""

    def compose(self) -> ComposeResult:
        yield Static(id="rail-lines")
        yield Checklist(id="checklist")
        yield Static(id="step-detail")

    def on_mount(self) -> None:
        self._refresh_rail()

    @property
    def checklist(self) -> Checklist:
        return self.query_one(Checklist)

    @property
    def steps(self) -> tuple[Step, ...]:
        """The current phase's steps of the playbook (none without one)."""
        inv = self.investigation
        if inv is None or self.playbook is None:
            return ()
        return self.playbook.steps(inv.phase)

    def show_playbook(
        self,
        playbook: Playbook | None,
        done: Collection[str] = (),
        results: Mapping[str, CheckResult] | None = None,
        problem: str = "",
    ) -> None:
        """Show ``playbook`` with the steps in ``done`` ticked and the checks' ``results``."""
        self.playbook = playbook
        self.done = frozenset(done)
        self.results = dict(results or {})
        self.problem = problem
        self._refresh_rail()

    def open_checklist(self) -> bool:
        """Unfold the checklist and focus it; False when this phase has no steps."""
        if not self.steps:
            return False
        self.checklist.focus()
        return True

    def watch_investigation(self) -> None:
        self._refresh_rail()

    def watch_update_due(self) -> None:
        self._refresh_rail()

    def _refresh_rail(self) -> None:
        if not self.is_mounted:
            return
        self.query_one("#rail-lines", Static).update(self._lines())
        self.checklist.show(self.steps, self.done, self.results)
        self._show_detail()

    def _lines(self) -> RenderableType:
        inv = self.investigation
        if inv is None:
            return Text("…", style="dim")
        right = Text(no_wrap=True)
        if self.playbook is not None and self.steps:
            right.append("k steps", style="dim")
        elif self.problem:
            right.append_text(literal_line(self.problem, style="yellow", limit=40))
        if self.update_due:
            right.append(f"  {UPDATE_DUE}" if right else UPDATE_DUE, style="bold yellow")
        second = Table.grid(expand=True, padding=(0, 0, 0, 1), pad_edge=False)
        second.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        second.add_column(no_wrap=True, justify="right")
        second.add_row(progress_line(inv.phase, self.steps, self.done), right)
        return Group(rail_line(inv.phase), second)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._show_detail()

    def _show_detail(self) -> None:
        step = self.checklist.highlighted_step
        detail = self.query_one("#step-detail", Static)
        detail.update(step_detail(step, self.results.get(step.id)) if step else "")
