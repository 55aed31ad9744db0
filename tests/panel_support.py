"""Helpers the evidence-panel tests share (no tests here): open a panel's tab, read what its
table shows, pin and export.

The panels run their REAL sources against real engines; only the other panels' sources are
pointed somewhere small and local (logs at an empty directory) so they stay cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from rich.text import Text
from test_tui_support import settle
from textual.pilot import Pilot
from textual.widgets import Static, TabbedContent

from debugtui.config import LogsConfig
from debugtui.export.markdown import render_markdown
from debugtui.notebook.model import Entry, EntryKind, Investigation
from debugtui.notebook.store import NotebookStore
from debugtui.tui.panels.base import SourcePanel
from debugtui.tui.panels.detail import DetailScreen
from debugtui.tui.screens.investigation import InvestigationScreen

P = TypeVar("P", bound=SourcePanel)

LITERAL = "[bold]x \x1b]0;pwn\x07 [link=http://evil]y[/link]"
"""Untrusted text: Rich markup, a terminal escape (retitle the terminal), a link."""
LITERAL_SHOWN = "[bold]x \\x1b]0;pwn\\x07 [link=http://evil]y[/link]"
"""How it must look on screen: every character, the control characters written out."""


def quiet_logs(tmp_path: Path) -> LogsConfig:
    """The Logs panel searching an empty directory (it collects too, in every app)."""
    logs = tmp_path / "no-logs"
    logs.mkdir(exist_ok=True)
    return LogsConfig(paths=(str(logs),))


async def open_panel(pilot: Pilot[None], kind: type[P]) -> P:
    """Wait for the first collects, show ``kind``'s tab and focus its table.

    Auto-refresh is paused so a test sees only the collects it asks for.
    """
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, InvestigationScreen)
    panel = screen.query_one(kind)
    panel.paused = True
    screen.query_one("#panels", TabbedContent).active = f"tab-{panel.source_name}"
    panel.table.focus()
    await settle(pilot)
    return panel


async def refresh(pilot: Pilot[None], panel: SourcePanel) -> None:
    """``r`` in the panel, then wait for the collect to be shown."""
    panel.table.focus()
    await pilot.press("r")
    await settle(pilot)


def shown_rows(panel: SourcePanel) -> list[tuple[str, ...]]:
    """The table's rows as shown (filtered, sorted), as the source gave them."""
    return panel.table.view_rows()


def column(panel: SourcePanel, name: str) -> list[str]:
    index = panel.table.source_table.columns.index(name)
    return [row[index] for row in shown_rows(panel)]


def cells(panel: SourcePanel) -> list[Text]:
    """Every cell the table renders, in display order."""
    table = panel.table
    return [cell for row in table.ordered_rows for cell in table.get_row(row.key)]


def plain(widget: Static) -> str:
    """What a Static shows, as plain text."""
    return widget.visual.plain  # type: ignore[attr-defined, no-any-return]


def status(panel: SourcePanel) -> str:
    return plain(panel.query_one("#panel-status", Static))


def error_text(panel: SourcePanel) -> str:
    """The error shown in place, "" when none is."""
    box = panel.query_one("#panel-error", Static)
    return plain(box) if box.has_class("-shown") else ""


def warnings_text(panel: SourcePanel) -> str:
    box = panel.query_one("#panel-warnings", Static)
    return plain(box) if box.has_class("-shown") else ""


def detail_static(pilot: Pilot[None]) -> Static:
    """The open detail view's text widget."""
    screen = pilot.app.screen
    assert isinstance(screen, DetailScreen), type(screen)
    return screen.query_one("#detail-text", Static)


def rendered_text(widget: Static) -> Text:
    """The Text a Static was given (literal widgets are given Text, never a markup string)."""
    content = widget.content
    assert isinstance(content, Text), type(content)
    return content


def evidence_entries(store: NotebookStore, inv: Investigation) -> list[Entry]:
    return [e for e in store.entries(inv.id) if e.kind is EntryKind.EVIDENCE]


def markdown_of(store: NotebookStore, inv: Investigation) -> str:
    return render_markdown(store.get_investigation(inv.id), store.entries(inv.id))


def table_header(columns: tuple[str, ...]) -> str:
    """The Markdown header line of a pinned table with these (plain) column names."""
    return "| " + " | ".join(columns) + " |"
