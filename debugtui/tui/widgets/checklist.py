"""The current phase's playbook steps as a checklist: space ticks, enter runs the evidence.

One row per step: the tick box, the step's text, then what the step can do (``▶logs``: enter
collects it in the logs panel) and its check's outcome (``✓ pass``, ``✗ fail``, ``? check``).
The widget only shows and asks: ticks and runs are messages the screen turns into notebook
entries and panel collections, so nothing is shown ticked before the store has it.
Playbook text is written by hand and may come from anyone's config directory: it is shown
literally, like every other untrusted string.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from debugtui.checklist import CheckResult, Outcome
from debugtui.tui.literal import literal_line

if TYPE_CHECKING:
    from debugtui.playbooks import Step

OUTCOME_BADGES: Mapping[Outcome, tuple[str, str]] = {
    Outcome.PASS: ("✓ pass", "bold green"),
    Outcome.FAIL: ("✗ fail", "bold red"),
    Outcome.UNKNOWN: ("? check", "dim"),
}
"""How a check's outcome is shown beside its step: (label, style)."""


def step_row(step: Step, done: bool, result: CheckResult | None) -> RenderableType:
    """One checklist row: box, text (cut to one line), then run, exit and check badges."""
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(width=3, no_wrap=True)
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    grid.add_column(no_wrap=True, justify="right")
    box = Text("[x]", style="bold green") if done else Text("[ ]")
    badges = Text()
    if step.run is not None:
        badges.append(f"▶{step.run.source}", style="cyan")
    if step.exit:
        badges.append(" exit", style="yellow")
    if result is not None:
        label, style = OUTCOME_BADGES[result.outcome]
        badges.append(f" {label}", style=style)
    text = literal_line(step.text, style="dim" if done else "")
    grid.add_row(box, text, badges)
    return grid


def step_detail(step: Step, result: CheckResult | None) -> Text:
    """Two lines about the highlighted step: its check's reason or its run, then guidance."""
    if result is not None and step.check is not None:
        label, style = OUTCOME_BADGES[result.outcome]
        first = Text.assemble((f"{label} ", style), (f"{step.check}: ", "bold"))
        first.append_text(literal_line(result.reason))
    elif step.run is not None:
        first = Text("enter runs: ", style="cyan")
        first.append_text(literal_line(step.run.describe()))
    else:
        first = Text("space ticks it when done", style="dim")
    guidance = next((line.strip() for line in step.guidance.splitlines() if line.strip()), "")
    lines = [first]
    if guidance:
        lines.append(literal_line(guidance, style="italic dim"))
    detail = Text("\n").join(lines)
    detail.no_wrap, detail.overflow = True, "ellipsis"
    return detail


class Checklist(OptionList):
    """The steps of one phase; the highlighted row is the one space and enter act on."""

    DEFAULT_CSS = """
    Checklist {
        height: auto;
        max-height: 8;
        border: none;
        padding: 0;
        background: $surface;
        &:focus { border: none; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "tick", "Tick", tooltip="Tick or untick the step (kept in the timeline)"),
        Binding("enter", "run_step", "Run", tooltip="Collect the step's evidence in its panel"),
        Binding("escape", "close", "Close", tooltip="Back to the timeline"),
    ]

    class TickRequested(Message):
        """Record that ``step`` is now done (or not)."""

        def __init__(self, step: Step, done: bool) -> None:
            super().__init__()
            self.step = step
            self.done = done

    class RunRequested(Message):
        """Collect ``step.run`` in the panel of its source."""

        def __init__(self, step: Step) -> None:
            super().__init__()
            self.step = step

    class Closed(Message):
        """The user is done with the checklist (escape)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.steps: tuple[Step, ...] = ()
        self.done: frozenset[str] = frozenset()
        self.results: Mapping[str, CheckResult] = {}

    @property
    def highlighted_step(self) -> Step | None:
        index = self.highlighted
        if index is None or not 0 <= index < len(self.steps):
            return None
        return self.steps[index]

    def show(
        self,
        steps: Sequence[Step],
        done: Collection[str],
        results: Mapping[str, CheckResult],
    ) -> None:
        """Show ``steps``, keeping the highlight on the same step when it is still there."""
        current = self.highlighted_step
        self.steps, self.done, self.results = tuple(steps), frozenset(done), dict(results)
        self.set_options(
            Option(step_row(s, s.id in self.done, self.results.get(s.id)), id=s.id)
            for s in self.steps
        )
        if not self.steps:
            return
        ids = [s.id for s in self.steps]
        self.highlighted = ids.index(current.id) if current and current.id in ids else 0

    def action_tick(self) -> None:
        step = self.highlighted_step
        if step is not None:
            self.post_message(self.TickRequested(step, step.id not in self.done))

    def action_run_step(self) -> None:
        step = self.highlighted_step
        if step is None:
            return
        if step.run is None:
            self.notify("This step has nothing to run: space ticks it when done.", timeout=3)
            return
        self.post_message(self.RunRequested(step))

    def action_close(self) -> None:
        self.post_message(self.Closed())
