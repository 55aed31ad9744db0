"""The "new investigation" dialog: a title and a severity, nothing else to slow you down."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from debugtui.notebook.model import Severity


@dataclass(frozen=True)
class NewInvestigation:
    """What the dialog returns."""

    title: str
    severity: Severity


class NewInvestigationScreen(ModalScreen[NewInvestigation | None]):
    """Enter in the title creates; escape cancels (dismisses with None)."""

    CSS_PATH = "modals.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("New investigation", classes="dialog-title")
            yield Input(placeholder="What is broken? e.g. checkout returns 500s", id="title")
            with Horizontal(classes="field"):
                yield Label("Severity", classes="field-label")
                yield Select(
                    [(s.value, s.value) for s in Severity],
                    value=Severity.SEV3.value,
                    allow_blank=False,
                    id="severity",
                    compact=True,
                )
            with Horizontal(classes="buttons"):
                yield Button("Create", variant="primary", id="create")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._create()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "create":
            self._create()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _create(self) -> None:
        title = self.query_one("#title", Input).value.strip()
        if not title:
            self.notify("An investigation needs a title.", severity="warning")
            self.query_one("#title", Input).focus()
            return
        severity = self.query_one("#severity", Select).value
        chosen = Severity(severity) if isinstance(severity, str) else Severity.SEV3
        self.dismiss(NewInvestigation(title, chosen))
