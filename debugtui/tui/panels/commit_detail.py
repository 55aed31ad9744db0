"""A commit's detail with its patch: the header and files at once, the patch as git reads it.

The patch comes from ``git show`` in a thread worker (a big commit or a slow disk never
blocks the screen); until then the detail says it is loading, and a failure is shown in its
place with a hint. Lines are untrusted text shown literally, coloured as a diff reads.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from debugtui.sources.base import attempt
from debugtui.sources.commitpatch import CommitPatch
from debugtui.textsafe import visible
from debugtui.tui.literal import failure_text, literal, literal_line
from debugtui.tui.panels.detail import DetailScreen

PatchFetch = Callable[[], CommitPatch]
"""Reads the commit's patch; raises SourceError with a hint."""

_STYLES = (
    ("diff --git ", "bold"),
    ("+++ ", "bold"),
    ("--- ", "bold"),
    ("@@", "cyan"),
    ("+", "green"),
    ("-", "red"),
)


class CommitDetailScreen(DetailScreen):
    class Fetched(Message):
        def __init__(
            self, patch: CommitPatch | None, error: str | None = None, hint: str | None = None
        ) -> None:
            super().__init__()
            self.patch = patch
            self.error = error
            self.hint = hint

    def __init__(self, title: str, text: str, fetch: PatchFetch) -> None:
        super().__init__(title, text)
        self.fetch = fetch
        self.patch: CommitPatch | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail") as box:
            box.border_title = literal_line(self.title_text, limit=70)
            yield Static(literal(self.text), id="detail-text")
            yield Static(Text("\nloading the patch…", style="dim"), id="detail-patch")

    def on_mount(self) -> None:
        self._fetch()

    @work(thread=True, exit_on_error=False, exclusive=True, group="commit-patch")
    def _fetch(self) -> None:
        self.post_message(self.Fetched(*attempt(self.fetch)))

    def on_commit_detail_screen_fetched(self, message: Fetched) -> None:
        shown = self.query_one("#detail-patch", Static)
        if message.patch is None:
            text = Text("\n")
            text.append_text(
                failure_text(f"patch: {message.error or 'failed'}", message.hint, "red")
            )
            shown.update(text)
            return
        self.patch = message.patch
        shown.update(patch_text(message.patch))

    def action_copy(self) -> None:
        if self.patch is None:
            super().action_copy()
            return
        self.app.copy_to_clipboard("\n".join((self.text, "", *self.patch.lines)))
        self.notify("Copied with the patch.", timeout=2)


def patch_text(patch: CommitPatch) -> Text:
    """The patch as a diff reads: file headers bold, hunks cyan, added green, removed red."""
    text = Text("\n")
    for line in patch.lines:
        style = next((s for prefix, s in _STYLES if line.startswith(prefix)), "")
        text.append(visible(line), style=style)
        text.append("\n")
    if not patch.lines:
        text.append("(no changes: an empty commit, or a merge adding nothing)", style="dim")
    if patch.truncated:
        text.append(
            f"… cut at {len(patch.lines):,} lines: git show {patch.sha[:12]} for the rest",
            style="dim",
        )
    return text
