"""A paste holding escape characters stays one paste (``debugtui.tui.paste_guard``).

Textual's own parser is fed what tmux sends for a bracketed paste of coloured text, whole
and split at every point; then the real binary in tmux is pasted into, as a user would.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from test_e2e_tui import DEADLINE_S, Terminal
from test_kill_tui import Tmux, tmux
from textual import events
from textual._xterm_parser import XTermParser

from debugtui.notebook.model import EntryKind, Severity, Status
from debugtui.notebook.store import NotebookStore
from debugtui.tui.paste_guard import ESC_SHOWN, GuardedParser, PasteGuard

__all__ = ["tmux"]

PASTED = "ERROR \x1b[31mpool timeout\x1b[0m\rrm -rf cache\r"
"""A coloured log line and a command, as tmux sends them (line breaks as CR)."""
WIRE = f"\x1b[200~{PASTED}\x1b[201~"


def events_of(parser: XTermParser, *chunks: str) -> list[object]:
    found: list[object] = []
    for chunk in (*chunks, ""):
        found.extend(parser.feed(chunk))
    return found


def test_a_paste_with_escapes_is_one_paste_event_and_no_keys() -> None:
    [paste] = events_of(GuardedParser(), WIRE)
    assert isinstance(paste, events.Paste)
    assert paste.text == PASTED.replace("\x1b", ESC_SHOWN)


@pytest.mark.parametrize("cut", range(1, len(WIRE)))
def test_a_paste_split_across_reads_anywhere_is_the_same_one_paste(cut: int) -> None:
    [paste] = events_of(GuardedParser(), WIRE[:cut], WIRE[cut:])
    assert isinstance(paste, events.Paste)
    assert paste.text == PASTED.replace("\x1b", ESC_SHOWN)


def test_textual_alone_turns_the_rest_of_such_a_paste_into_keys() -> None:
    # Why the guard exists; when Textual's parser keeps the paste whole, drop the guard.
    found = events_of(XTermParser(), WIRE)
    keys = [e.key for e in found if isinstance(e, events.Key)]
    assert "enter" in keys and "r" in keys


def test_keys_outside_a_paste_pass_unchanged() -> None:
    guard = PasteGuard()
    typed = "ab\x1b[A\x1b\x1b[200"
    assert guard.filter(typed) == typed  # arrows, a lone escape, a start marker's beginning
    assert guard.filter("~x\x1b[31m") == "~x␛[31m"  # the marker completed: inside a paste
    assert guard.in_paste


def test_pasting_coloured_text_into_a_note_in_tmux_keeps_it_and_runs_nothing(
    tmp_path: Path, tmux: Tmux
) -> None:
    with NotebookStore(tmp_path / "notebook.db") as store:
        inv = store.create_investigation("pool timeouts", Severity.SEV2)
    term = Terminal(tmux, tmp_path, (80, 24), "paste")
    term.start("open", inv.id)
    term.wait_text("Note", "Hypothesis")
    term.keys("n")
    term.wait_text("New note")
    clip = tmp_path / "clip.txt"
    clip.write_bytes(b"ERROR \x1b[31mpool timeout\x1b[0m\nrm -rf cache\n")
    tmux("load-buffer", str(clip))
    tmux("paste-buffer", "-p", "-t", term.session)
    term.wait_text(f"ERROR {ESC_SHOWN}[31mpool timeout")
    term.keys("Enter")
    deadline = time.monotonic() + DEADLINE_S
    with NotebookStore(tmp_path / "notebook.db") as store:
        while not store.entries(inv.id):
            assert time.monotonic() < deadline, term.server("capture-pane", "-p", "-t", "paste")
            time.sleep(0.1)
        time.sleep(0.5)  # anything the paste typed as keys would have acted by now
        entries = store.entries(inv.id)
        assert [(e.kind, e.text) for e in entries] == [
            (EntryKind.NOTE, f"ERROR {ESC_SHOWN}[31mpool timeout{ESC_SHOWN}[0m\nrm -rf cache")
        ]
        assert store.get_investigation(inv.id).status is Status.INVESTIGATING
