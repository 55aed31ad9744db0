"""The stakeholder update draft, in a modal ready to copy.

The draft (``debugtui.status_update.draft_status_update``) is shown as it will be pasted;
``y`` copies it to the clipboard (OSC 52, which works over SSH in most terminals) and
dismisses with True, so the screen records it as a posted update and the reminder restarts.
Escape closes without recording anything.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from debugtui.tui.literal import literal


class StatusUpdateScreen(ModalScreen[bool]):
    """Shows ``draft``; dismisses True once it was copied, False when closed."""

    CSS_PATH = "modals.tcss"
    DEFAULT_CSS = """
    StatusUpdateScreen {
        #dialog { width: 90%; height: 90%; }
        #draft { height: 1fr; border: round $primary; padding: 0 1; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "copy", "Copy", tooltip="Copy the update and record it as posted"),
        Binding("escape,q", "close", "Close", tooltip="Close without recording it"),
    ]

    def __init__(self, draft: str, cadence_minutes: int) -> None:
        super().__init__()
        self.draft = draft
        self.cadence_minutes = cadence_minutes

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Stakeholder update (draft)", classes="dialog-title")
            yield VerticalScroll(Static(literal(self.draft), id="draft-text"), id="draft")
            yield Static(
                Text(
                    f"Paste it where stakeholders read it, then edit there. Updates are due "
                    f"every {self.cadence_minutes} minutes.",
                    style="dim",
                ),
                classes="dialog-hint",
            )
            with Horizontal(classes="buttons"):
                yield Button("Copy (y)", variant="primary", id="copy")
                yield Button("Close (esc)", id="close")

    def on_mount(self) -> None:
        self.query_one("#draft").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "copy":
            self.action_copy()
        else:
            self.action_close()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.draft)
        self.dismiss(True)

    def action_close(self) -> None:
        self.dismiss(False)
