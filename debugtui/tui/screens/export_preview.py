"""The post-mortem preview: the Markdown just written, shown as text, and where it went."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, Static

from debugtui.tui.literal import literal, literal_line


class ExportPreviewScreen(Screen[None]):
    """The exported Markdown, literally (it quotes logs and notes); escape or q goes back."""

    CSS_PATH = "export_preview.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Back")]

    def __init__(self, path: Path, markdown: str) -> None:
        super().__init__()
        self.path = path
        """The file written."""
        self.markdown = markdown
        """Its content."""

    def compose(self) -> ComposeResult:
        yield Label(literal_line(f"Written to {self.path} (mode 0600)"), id="export-path")
        with VerticalScroll(id="export-body"):
            yield Static(literal(self.markdown), id="export-text")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
