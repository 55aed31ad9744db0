"""Choosing the playbook an investigation follows: a modal list, suggestions first.

Playbooks are files (shipped and the user's), so they are read in a thread worker when the
picker opens; :func:`load_catalogue` is shared with the new-investigation dialog. The
suggestions come from ``playbooks.suggest`` on the investigation's title and, when the
screen has any, on its current findings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from debugtui.tui.literal import literal_line

if TYPE_CHECKING:
    from debugtui.playbooks import Loaded, Playbook

NONE_ID = "-none-"
"""The option id of "no playbook" (not a valid playbook id: ids start with a letter/digit)."""


def load_catalogue() -> Loaded:
    """Every playbook (run it in a thread: it reads files)."""
    from debugtui.playbooks import load_playbooks

    return load_playbooks()


def suggested_ids(
    playbooks: dict[str, Playbook], text: str, findings: Sequence[Any] = ()
) -> list[str]:
    """Playbook ids that fit the findings, then the text, best first, each once.

    A playbook fits a finding whose rule is one of its symptoms. One whose steps merely
    check it does not: an error spike is checked by nearly every playbook, and the demo's
    findings had all eight marked "suggested", which then said nothing."""
    from debugtui.playbooks import suggest

    rules = {getattr(finding, "rule", None) for finding in findings}
    ranked = [pb.id for pb, _ in suggest(list(findings), playbooks) if rules & set(pb.symptoms)]
    ranked += [pb.id for pb, _ in suggest(text, playbooks)]
    return list(dict.fromkeys(ranked))


def playbook_prompt(playbook: Playbook, note: str = "") -> Table:
    """A picker row: the title, then id, step count, origin and why it is suggested."""
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    grid.add_column(no_wrap=True, justify="right")
    facts = Text(f"{len(playbook.steps())} steps", style="dim")
    if playbook.origin == "user":
        facts.append(" · yours", style="dim")
    if note:
        facts.append(f" · {note}", style="bold green")
    title = literal_line(playbook.title)
    title.append(" ")
    title.append_text(literal_line(playbook.id, style="dim"))
    grid.add_row(title, facts)
    return grid


@dataclass(frozen=True)
class PlaybookChoice:
    """What the picker returns: the chosen id, or None for "no playbook"."""

    playbook_id: str | None


class PlaybookPickerScreen(ModalScreen[PlaybookChoice | None]):
    """Enter chooses the highlighted playbook; escape changes nothing (dismisses None)."""

    CSS_PATH = "modals.tcss"
    DEFAULT_CSS = """
    PlaybookPickerScreen {
        #dialog { width: 90%; }
        #playbooks { height: auto; max-height: 14; border: none; padding: 0; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Keep the current playbook"),
    ]

    class CatalogueLoaded(Message):
        def __init__(self, loaded: Loaded) -> None:
            super().__init__()
            self.loaded = loaded

    def __init__(self, current: str | None, text: str, findings: Sequence[Any] = ()) -> None:
        super().__init__()
        self.current = current
        self.text = text
        self.findings = tuple(findings)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Playbook for this investigation", classes="dialog-title")
            yield OptionList(id="playbooks")
            yield Static(
                Text("loading playbooks…", style="dim"), id="picker-hint", classes="dialog-hint"
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.run_worker(self._load, thread=True, exit_on_error=False, group="playbooks")

    def _load(self) -> None:
        self.post_message(self.CatalogueLoaded(load_catalogue()))

    def on_playbook_picker_screen_catalogue_loaded(self, message: CatalogueLoaded) -> None:
        playbooks, errors = message.loaded
        suggested = suggested_ids(playbooks, self.text, self.findings)
        order = [i for i in suggested if i in playbooks]
        order += [i for i in playbooks if i not in order]
        options = [Option(Text("No playbook", style="italic"), id=NONE_ID)]
        for pb_id in order:
            note = "current" if pb_id == self.current else ""
            if pb_id in suggested and not note:
                note = "suggested"
            options.append(Option(playbook_prompt(playbooks[pb_id], note), id=pb_id))
        picker = self.query_one(OptionList)
        picker.set_options(options)
        fitting = [i for i in suggested if i in playbooks]
        wanted = self.current if self.current in playbooks else (fitting or [NONE_ID])[0]
        picker.highlighted = picker.get_option_index(wanted)
        hint = "enter chooses · escape keeps the current one"
        if errors:
            hint += f" · {len(errors)} broken playbook file(s): see debugtui playbooks list"
        self.query_one("#picker-hint", Static).update(Text(hint, style="dim"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = event.option.id
        self.dismiss(PlaybookChoice(None if chosen in (None, NONE_ID) else chosen))

    def action_cancel(self) -> None:
        self.dismiss(None)
