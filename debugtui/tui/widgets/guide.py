"""The Guide tab: the current phase's guidance and, concretely, which keys move it forward.

The steps name actions, not keys; the keys are looked up in the screen's bindings when shown,
so the guide cannot disagree with the footer or the help screen.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from debugtui.notebook.model import Investigation, Phase
from debugtui.tui.keys import key_for

STEPS: Mapping[Phase, tuple[tuple[str, str], ...]] = {
    Phase.REPRODUCE: (
        ("acknowledge", "acknowledge the page: you are on it (time to acknowledge)"),
        ("compose('note')", "note the exact request, user, time and error you see"),
        ("phase(1)", "move on to Isolate once it reproduces reliably"),
    ),
    Phase.ISOLATE: (
        ("compose('note')", "note the scope: hosts, endpoints, tenants, versions"),
        ("compose('note')", "note what changed recently: deploys, config, traffic"),
        ("phase(1)", "move on to Hypothesize"),
    ),
    Phase.HYPOTHESIZE: (
        ("compose('hypothesis')", "we think X, because Y; we can disprove it by Z"),
        ("phase(1)", "move on to Test with a few hypotheses written down"),
    ),
    Phase.TEST: (
        ("cycle_hypothesis", "mark the selected hypothesis supported or refuted"),
        ("star", "star the entries that prove it"),
        ("phase(1)", "move on to Fix once one hypothesis holds"),
    ),
    Phase.FIX: (
        ("compose('action')", "record each mitigation (rollback, failover, scale)"),
        ("compose('decision')", "record each decision and why it was made"),
        ("status('mitigated')", "mark the incident mitigated when the bleeding stops"),
    ),
    Phase.VERIFY: (
        ("compose('note')", "note the numbers back at baseline"),
        ("status('resolved')", "mark the incident resolved"),
        ("phase(1)", "move on to Prevent"),
    ),
    Phase.PREVENT: (
        ("compose('action')", "a prevent or process action item, with an owner, per fix"),
        ("export", "export the post-mortem"),
    ),
}
"""What to do in each phase: (screen action, what it achieves)."""

PLAYBOOK_STEPS = ("checklist", "the playbook's steps for this phase: space ticks, enter runs")
NO_PLAYBOOK = ("playbook", "follow a playbook for this kind of incident")


class GuidePanel(VerticalScroll):
    """Guidance for the bound investigation's current phase."""

    DEFAULT_CSS = """
    GuidePanel {
        padding: 0 1;
    }
    """

    investigation: reactive[Investigation | None] = reactive(None)
    """The investigation guided; None while it loads."""

    def compose(self) -> ComposeResult:
        yield Static(id="guide-text")

    def on_mount(self) -> None:
        self.watch_investigation(self.investigation)

    def watch_investigation(self, inv: Investigation | None) -> None:
        if inv is None or not self.is_mounted:
            return
        self.query_one("#guide-text", Static).update(
            self.guide(inv.phase, playbook=inv.playbook_id is not None)
        )

    def guide(self, phase: Phase, playbook: bool = False) -> Text:
        """The phase's guidance, then its steps with their keys (the rail names the phase),
        then where the playbook's steps are (or how to pick one)."""
        text = Text(f"{phase.guidance}\n")
        for action, what in (*STEPS[phase], PLAYBOOK_STEPS if playbook else NO_PLAYBOOK):
            keys = key_for(self.app, self.screen, action)
            text.append(f"\n{keys:>5} ", style="bold")
            text.append(what)
        return text
