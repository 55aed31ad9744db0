"""The full record behind a table row (a whole SQL statement, a log match with its context,
a commit's files), shown literally in a scrollable modal; escape closes it."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from debugtui.tui.literal import literal, literal_line


class DetailScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    DetailScreen {
        align: center middle;
        #detail {
            width: 90%;
            height: 80%;
            border: round $accent;
            border-title-color: $text;
            background: $surface;
            padding: 0 1;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "dismiss_detail", "Close"),
        Binding("y", "copy", "Copy"),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        box = VerticalScroll(Static(literal(self.text), id="detail-text"), id="detail")
        box.border_title = literal_line(self.title_text, limit=70)  # a Text: never markup
        yield box

    def action_dismiss_detail(self) -> None:
        self.dismiss(None)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.text)
        self.notify("Copied to the clipboard.", timeout=2)
