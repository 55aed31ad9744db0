"""The start screen: every investigation, newest first; create, open or delete one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static

from debugtui.notebook.model import Investigation, Severity, Status
from debugtui.notebook.store import NotebookStore
from debugtui.timewindow import format_duration
from debugtui.tui.commands import ScreenActions
from debugtui.tui.keys import help_rows
from debugtui.tui.literal import literal_line
from debugtui.tui.session import Session
from debugtui.tui.typeahead import hold_keys

if TYPE_CHECKING:
    from debugtui.tui.screens.new_investigation import NewInvestigation

SEVERITY_STYLES: dict[Severity, str] = {
    Severity.SEV1: "bold white on red",
    Severity.SEV2: "bold black on dark_orange",
    Severity.SEV3: "bold",
    Severity.SEV4: "dim",
}
STATUS_STYLES: dict[Status, str] = {
    Status.INVESTIGATING: "yellow",
    Status.MITIGATED: "cyan",
    Status.RESOLVED: "green",
}
FIXED_COLUMNS_WIDTH = 52
"""Columns but the title, with cell padding and scrollbar: titles are cut to what is left
so the table never scrolls sideways."""
MIN_TITLE = 20
COLUMNS = ("Age", "Sev", "Status", "Phase", "ID", "Title")
"""The table's headings; given to it as Text, since a str heading is parsed as markup, which
loads Rich's emoji table (4 ms of the start-up)."""


def investigation_row(inv: Investigation, now: datetime, title_limit: int) -> tuple[Text, ...]:
    """Age, severity, status, phase, id, title: all literal, styled by value."""
    return (
        Text(format_duration(now - inv.created_at), style="dim"),
        Text(inv.severity.value, style=SEVERITY_STYLES[inv.severity]),
        Text(inv.status.value, style=STATUS_STYLES[inv.status]),
        Text(inv.phase.value),
        Text(inv.id, style="dim"),
        literal_line(inv.title, limit=title_limit),
    )


class StartScreen(Screen[None]):
    """The list of investigations; reloaded every time the screen comes back."""

    CSS_PATH = "start.tcss"
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {ScreenActions}
    AUTO_FOCUS = "#investigations"

    # Priority: the keys that open a screen run as the app reads them, so that it holds the
    # keys typed after them for that screen (see debugtui.tui.typeahead).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "n",
            "new",
            "New",
            priority=True,
            tooltip="Start a new investigation (title, severity, playbook)",
        ),
        Binding(
            "enter,o", "open", "Open", priority=True, tooltip="Open the selected investigation"
        ),
        Binding(
            "d",
            "delete",
            "Delete",
            priority=True,
            tooltip="Delete the selected investigation, after a yes",
        ),
        Binding("question_mark", "help", "Help", tooltip="This list of keys"),
        Binding("q", "quit", "Quit", tooltip="Leave debugtui (everything is already saved)"),
    ]

    class Listed(Message):
        """The investigations, loaded by a worker."""

        def __init__(self, investigations: list[Investigation]) -> None:
            super().__init__()
            self.investigations = investigations

    class Created(Message):
        """A new investigation was recorded; it gets opened."""

        def __init__(self, investigation: Investigation) -> None:
            super().__init__()
            self.investigation = investigation

    def __init__(self, session: Session, *, built_when_shown: bool = False) -> None:
        super().__init__()
        self.session = session
        self.investigations: list[Investigation] = []
        """As last listed, newest first (the table's row order)."""
        self._unbuilt = built_when_shown
        """Its widgets are made the first time it is shown, not when it is mounted: opening
        straight into an investigation puts this screen beneath it, unseen until the
        investigation is left, and styling it (its footer above all) delayed the notebook."""

    def compose(self) -> ComposeResult:
        if not self._unbuilt:
            yield from self._widgets()

    def _widgets(self) -> ComposeResult:
        yield Label("debugtui — investigations", id="start-title")
        yield Static(Text("No investigations yet. Press n to start one.", style="dim"), id="empty")
        table: DataTable[Text] = DataTable(id="investigations", cursor_type="row")
        table.add_columns(*(Text(label) for label in COLUMNS))
        yield table
        yield Footer()

    async def on_screen_resume(self) -> None:
        if self._unbuilt:
            if self.app.screen is not self:
                return  # resumed and covered at once (the app opened an investigation)
            self._unbuilt = False
            await self.mount_all(self._widgets())
            # Auto focus looked for the table before it was there; focusing it also has the
            # new footer show this screen's keys.
            self.query_one("#investigations").focus()
        self._list()

    # -- store calls (run in the queue's worker: they return messages, never touch widgets) --

    def _list(self) -> None:
        self.session.queue.submit(
            self, "list the investigations", lambda store: self.Listed(store.list_investigations())
        )

    def _create(self, new: NewInvestigation) -> None:
        def create(store: NotebookStore) -> Message:
            return self.Created(
                store.create_investigation(
                    new.title, severity=new.severity, playbook_id=new.playbook_id
                )
            )

        self.session.queue.submit(self, "create the investigation", create)

    def _delete(self, inv_id: str) -> None:
        def delete(store: NotebookStore) -> Message:
            store.delete_investigation(inv_id)
            return self.Listed(store.list_investigations())

        self.session.queue.submit(self, "delete the investigation", delete)

    # -- results ------------------------------------------------------------------------------

    def on_start_screen_listed(self, message: Listed) -> None:
        table = self.query_one("#investigations", DataTable)
        selected = self.selected
        self.investigations = message.investigations
        now = self.session.clock()
        title_limit = max(MIN_TITLE, self.app.size.width - FIXED_COLUMNS_WIDTH)
        table.clear()
        for inv in self.investigations:
            table.add_row(*investigation_row(inv, now, title_limit), key=inv.id)
        self.query_one("#empty").display = not self.investigations
        if selected is not None and selected.id in {i.id for i in self.investigations}:
            table.move_cursor(row=table.get_row_index(selected.id))

    def on_start_screen_created(self, message: Created) -> None:
        self._open(message.investigation.id)

    def _open(self, inv_id: str) -> None:
        # Imported when first opened: the start screen paints without it (B1, ~30 ms).
        from debugtui.tui.screens.investigation import InvestigationScreen

        hold_keys(self.app)  # until it has loaded
        self.app.push_screen(InvestigationScreen(self.session, inv_id))

    @on(DataTable.RowSelected, "#investigations")
    def _row_chosen(self) -> None:
        self.action_open()

    # -- actions ------------------------------------------------------------------------------

    @property
    def selected(self) -> Investigation | None:
        """The investigation under the cursor."""
        table = self.query_one("#investigations", DataTable)
        if not self.investigations or not 0 <= table.cursor_row < len(self.investigations):
            return None
        return self.investigations[table.cursor_row]

    # The dialogs below are imported when first asked for: the start screen paints without
    # them (B1).
    def action_new(self) -> None:
        from debugtui.tui.screens.new_investigation import NewInvestigationScreen

        def created(new: NewInvestigation | None) -> None:
            if new is not None:
                self._create(new)

        hold_keys(self.app)  # the title typed right after n
        self.app.push_screen(NewInvestigationScreen(), created)

    def action_open(self) -> None:
        inv = self.selected
        if inv is not None:
            self._open(inv.id)

    def action_delete(self) -> None:
        inv = self.selected
        if inv is None:
            return
        from debugtui.tui.screens.confirm import ConfirmScreen

        question = Text.assemble(
            "Delete investigation ",
            (inv.id, "bold"),
            " “",
            literal_line(inv.title),
            "” and every note in it? This cannot be undone.",
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(inv.id)

        hold_keys(self.app)
        self.app.push_screen(ConfirmScreen(question, yes="Delete"), answered)

    def action_help(self) -> None:
        from debugtui.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen("investigations", help_rows(self.app, self)))

    async def action_quit(self) -> None:
        await self.app.action_quit()
