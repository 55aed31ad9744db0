"""The "new investigation" dialog: a title, a severity and a playbook, nothing else to slow
you down. The playbook is suggested from the title as it is typed (``playbooks.suggest``)
until one is chosen by hand; "No playbook" is always there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.console import RenderableType
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from debugtui.notebook.model import Severity
from debugtui.tui.literal import literal_line
from debugtui.tui.screens.playbook_picker import NONE_ID, load_catalogue, suggested_ids
from debugtui.tui.typeahead import hold_keys, release_keys
from debugtui.tui.widgets.turn_field import TurnField

if TYPE_CHECKING:
    from debugtui.playbooks import Loaded, Playbook


@dataclass(frozen=True)
class NewInvestigation:
    """What the dialog returns."""

    title: str
    severity: Severity
    playbook_id: str | None = None


class TitleField(TurnField):
    """The title: enter creates the investigation, and the keys typed after it wait for
    the investigation to open (a note typed at once goes into it)."""

    done = False
    """Enter was pressed: the keys still coming are for the investigation."""

    def takes_keys(self) -> bool:
        return not self.done

    def entered(self) -> bool:
        self.done = True
        hold_keys(self.app)
        self.post_message(self.Submitted(self, self.value))
        return True


class NewInvestigationScreen(ModalScreen[NewInvestigation | None]):
    """Enter in the title creates; escape cancels (dismisses with None)."""

    CSS_PATH = "modals.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    class CatalogueLoaded(Message):
        def __init__(self, loaded: Loaded) -> None:
            super().__init__()
            self.loaded = loaded

    def __init__(self) -> None:
        super().__init__()
        self.playbooks: dict[str, Playbook] = {}
        self.playbook_chosen = False
        """A playbook was picked by hand: the title no longer changes it."""
        self._offered = NONE_ID
        """The value this dialog last put in the playbook select itself."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("New investigation", classes="dialog-title")
            yield TitleField(placeholder="What is broken? e.g. checkout returns 500s", id="title")
            with Horizontal(classes="field"):
                yield Label("Severity", classes="field-label")
                yield Select(
                    [(s.value, s.value) for s in Severity],
                    value=Severity.SEV3.value,
                    allow_blank=False,
                    id="severity",
                    compact=True,
                )
            with Horizontal(classes="field"):
                yield Label("Playbook", classes="field-label")
                yield Select(
                    [("No playbook", NONE_ID)],
                    value=NONE_ID,
                    allow_blank=False,
                    id="playbook",
                    compact=True,
                )
            with Horizontal(classes="buttons"):
                yield Button("Create", variant="primary", id="create")
                yield Button("Cancel", id="cancel")

    def on_screen_resume(self) -> None:
        self.call_later(release_keys, self.app)  # the title typed right after n

    def on_mount(self) -> None:
        self.run_worker(self._load, thread=True, exit_on_error=False, group="playbooks")

    def _load(self) -> None:
        self.post_message(self.CatalogueLoaded(load_catalogue()))

    def on_new_investigation_screen_catalogue_loaded(self, message: CatalogueLoaded) -> None:
        self.playbooks = message.loaded.playbooks
        select = self.query_one("#playbook", Select)
        current = select.value
        options: list[tuple[RenderableType, str]] = [("No playbook", NONE_ID)]
        for pb in self.playbooks.values():
            prompt = literal_line(pb.title, limit=44)
            prompt.append(f" {pb.id}", style="dim")
            options.append((prompt, pb.id))
        select.set_options(options)
        self._set_playbook(current if current in self.playbooks else NONE_ID)
        self._suggest()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "title":
            self._suggest()

    def on_select_changed(self, event: Select.Changed) -> None:
        # The select reports every change, its own and ours too: only another value is a choice.
        if event.select.id == "playbook" and event.value not in (self._offered, NONE_ID):
            self.playbook_chosen = True

    def _set_playbook(self, playbook_id: str) -> None:
        self._offered = playbook_id
        self.query_one("#playbook", Select).value = playbook_id

    def _suggest(self) -> None:
        if self.playbook_chosen or not self.playbooks:
            return
        best = suggested_ids(self.playbooks, self.query_one("#title", Input).value)
        self._set_playbook(best[0] if best else NONE_ID)

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
        field = self.query_one("#title", TitleField)
        title = field.value.strip()
        if not title:
            self.notify("An investigation needs a title.", severity="warning")
            field.done = False
            release_keys(self.app)
            field.focus()
            return
        severity = self.query_one("#severity", Select).value
        chosen = Severity(severity) if isinstance(severity, str) else Severity.SEV3
        playbook = self.query_one("#playbook", Select).value
        playbook_id = playbook if isinstance(playbook, str) and playbook != NONE_ID else None
        self.dismiss(NewInvestigation(title, chosen, playbook_id))
