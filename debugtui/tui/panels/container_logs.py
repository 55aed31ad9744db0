"""A container's recent output (``docker logs --tail``), opened from the Containers panel.

The lines come from the engine's logs API (any engine, local or remote: the files behind
them are engine-specific and often root-only), fetched in a thread worker so a hung engine
never blocks the screen. They are untrusted text, shown literally; the filter keeps the
lines containing a text (case-insensitive, like the tables' ``/``) and marks it in them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from debugtui.sources.base import attempt
from debugtui.textsafe import visible
from debugtui.tui.literal import failure_text, literal_line
from debugtui.tui.typeahead import focus_now, typing_in_a_field
from debugtui.tui.widgets.turn_field import TurnField

LogFetch = Callable[[], list[str]]
"""Returns the container's last lines, oldest first; raises SourceError with a hint."""


class ContainerLogsScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    ContainerLogsScreen {
        align: center middle;
        #logs-box {
            width: 95%;
            height: 90%;
            border: round $accent;
            border-title-color: $text;
            background: $surface;
        }
        #logs-filter { height: 1; border: none; padding: 0 1; }
        #logs-state { height: auto; max-height: 3; padding: 0 1; color: $text-muted; }
        #logs-state.-error { color: $error; }
        #logs-scroll { height: 1fr; padding: 0 1; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close"),
        Binding("slash", "filter", "Filter", priority=True),
        Binding("r", "reload", "Reload"),
        Binding("y", "copy", "Copy"),
    ]

    class Fetched(Message):
        """The worker's result: the lines, or the failure and its hint."""

        def __init__(
            self, lines: list[str] | None, error: str | None = None, hint: str | None = None
        ) -> None:
            super().__init__()
            self.lines = lines
            self.error = error
            self.hint = hint

    def __init__(self, container: str, fetch: LogFetch) -> None:
        super().__init__()
        self.container = container
        self.fetch = fetch
        self.lines: list[str] = []
        """Every line fetched, as the engine sent it."""
        self.filter_text = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="logs-box") as box:
            box.border_title = literal_line(f"logs: {self.container}", limit=70)
            yield TurnField(
                placeholder="filter lines (enter keeps, escape clears)", id="logs-filter"
            )
            yield Static(Text("loading…"), id="logs-state")
            with VerticalScroll(id="logs-scroll"):
                yield Static(Text(), id="logs-text")

    def on_mount(self) -> None:
        self.query_one("#logs-scroll").focus()
        self._fetch()

    @work(thread=True, exit_on_error=False, exclusive=True, group="container-logs")
    def _fetch(self) -> None:
        self.post_message(self.Fetched(*attempt(self.fetch)))

    def on_container_logs_screen_fetched(self, message: Fetched) -> None:
        state = self.query_one("#logs-state", Static)
        if message.lines is None:
            state.update(failure_text(message.error, message.hint))
            state.add_class("-error")
            return
        state.remove_class("-error")
        self.lines = message.lines
        self._show()
        self.query_one("#logs-scroll", VerticalScroll).scroll_end(animate=False)

    def _show(self) -> None:
        needle = self.filter_text.lower()
        shown = [line for line in self.lines if needle in line.lower()] if needle else self.lines
        self.query_one("#logs-text", Static).update(log_text(shown, self.filter_text))
        count = f"{len(self.lines)} lines (the last ones the engine keeps)"
        if needle:
            count = f"{len(shown)} of {len(self.lines)} lines contain {self.filter_text!r}"
        self.query_one("#logs-state", Static).update(literal_line(count))

    # -- keys ------------------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "filter" and typing_in_a_field(self.app))

    def action_filter(self) -> None:
        focus_now(self.query_one("#logs-filter", Input))

    def action_reload(self) -> None:
        self.query_one("#logs-state", Static).update(Text("loading…"))
        self._fetch()

    def action_copy(self) -> None:
        needle = self.filter_text.lower()
        shown = [line for line in self.lines if needle in line.lower()]
        self.app.copy_to_clipboard("\n".join(shown))
        self.notify(f"Copied {len(shown)} line(s) to the clipboard.", timeout=2)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.filter_text = event.value
        self._show()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#logs-scroll").focus()

    def on_key(self, event: Any) -> None:
        box = self.query_one("#logs-filter", Input)
        if event.key == "escape" and box.has_focus:
            event.stop()
            box.value = ""
            self.query_one("#logs-scroll").focus()


def log_text(lines: Sequence[str], needle: str = "") -> Text:
    """The lines as literal text (control characters written out), ``needle`` marked."""
    text = Text("\n".join(visible(line) for line in lines), no_wrap=False)
    if needle:
        text.highlight_words([visible(needle)], style="reverse", case_sensitive=False)
    return text
