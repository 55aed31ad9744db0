"""The help screen: every key of the screen it was opened on, generated from its bindings."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from debugtui.tui.keys import KeyHelp


class HelpScreen(ModalScreen[None]):
    """A table of keys; escape, q or ? closes it."""

    CSS_PATH = "modals.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", show=False),
    ]

    def __init__(self, title: str, rows: list[KeyHelp]) -> None:
        super().__init__()
        self.rows = rows
        """The rows shown, one per binding (see :func:`debugtui.tui.keys.help_rows`)."""
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="help"):
            yield Label(f"Keys — {self._title}", classes="dialog-title")
            table: DataTable[Text] = DataTable(
                id="keys", cursor_type="row", zebra_stripes=True, show_cursor=False
            )
            table.add_columns("Key", "Action", "What it does")
            for row in self.rows:
                table.add_row(Text(row.keys, style="bold"), Text(row.description), Text(row.detail))
            yield table
            yield Label("escape closes", classes="dialog-hint")
