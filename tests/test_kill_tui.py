"""The real ``debugtui`` binary, killed with SIGKILL mid-typing, loses no note.

It runs in a private tmux server (its own socket, 80x24) on a notebook in ``tmp_path``. A
note is typed and confirmed through the keyboard; once it is on screen, more text is typed
into the composer and not confirmed. After the process is killed with SIGKILL the confirmed
note must be in the notebook, the unconfirmed text in the drafts table, and the file sound.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import engine_unavailable

from debugtui.notebook.store import NotebookStore

DEADLINE_S = 30.0
"""How long to wait for the app to show something before the test gives up (a hang guard,
not a speed requirement)."""
TYPING_PAUSE_S = 1.5
"""How long the unconfirmed text sits in the composer before the kill: the autosave runs
at most DRAFT_INTERVAL (0.5 s) after the first keystroke."""


def debugtui_binary() -> Path:
    for candidate in (
        Path(sys.executable).with_name("debugtui"),
        Path("/work/main/.venv/bin/debugtui"),
        Path(shutil.which("debugtui") or "/nonexistent"),
    ):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("the debugtui console script is not installed next to the interpreter")


class Tmux:
    """A tmux server of our own (``-L``), so the user's sessions are never touched."""

    def __init__(self) -> None:
        self.socket = f"debugtui-test-{uuid.uuid4().hex[:8]}"
        self.session = "kill"

    def __call__(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        )
        return done.stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", self.session)

    def wait_for(self, what: str, ready: Callable[[str], bool]) -> str:
        deadline = time.monotonic() + DEADLINE_S
        while True:
            shown = self.screen()
            if ready(shown):
                return shown
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}; the screen shows:\n{shown}")
            time.sleep(0.1)

    def kill_server(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        engine_unavailable("tmux is not installed")
    server = Tmux()
    try:
        yield server
    finally:
        server.kill_server()


def draft_in_file(db: Path, inv_id: str, key: str) -> str | None:
    """The draft as another process sees it: read-only, straight from the file."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        row = conn.execute(
            "SELECT text FROM drafts WHERE investigation_id = ? AND key = ?", (inv_id, key)
        ).fetchone()
    conn.close()
    return None if row is None else row[0]


def test_sigkill_keeps_the_confirmed_note_and_the_draft(tmp_path: Path, tmux: Tmux) -> None:
    db = tmp_path / "notebook.db"
    with NotebookStore(db) as store:
        inv = store.create_investigation("kill test incident")
    command = shlex.join(
        ["env", f"DEBUGTUI_DB={db}", "TERM=xterm-256color", str(debugtui_binary()), "open", inv.id]
    )
    tmux("new-session", "-d", "-x", "80", "-y", "24", "-s", tmux.session, f"exec {command}")
    pid = int(tmux("display-message", "-p", "-t", tmux.session, "#{pane_pid}").strip())

    tmux.wait_for("the investigation", lambda s: "kill test incident" in s and "Timeline" in s)
    tmux("send-keys", "-t", tmux.session, "n")
    tmux.wait_for("the composer", lambda s: "New note" in s)
    tmux("send-keys", "-t", tmux.session, "-l", "confirmed before the crash")
    tmux("send-keys", "-t", tmux.session, "Enter")
    tmux.wait_for(
        "the note in the timeline",
        lambda s: "confirmed before the crash" in s and "New note" not in s,
    )

    tmux("send-keys", "-t", tmux.session, "n")
    tmux.wait_for("the composer again", lambda s: "New note" in s)
    tmux("send-keys", "-t", tmux.session, "-l", "typed but never confirmed")
    tmux.wait_for("the typed text", lambda s: "typed but never confirmed" in s)
    time.sleep(TYPING_PAUSE_S)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + DEADLINE_S
    while _alive(pid):
        assert time.monotonic() < deadline, "the process survived SIGKILL"
        time.sleep(0.05)

    with NotebookStore(db) as store:
        assert [e.text for e in store.entries(inv.id)] == ["confirmed before the crash"]
        assert store.get_draft(inv.id, "note:text") == "typed but never confirmed"
    assert draft_in_file(db, inv.id, "note:text") == "typed but never confirmed"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers signal 0; tmux reaps it, so look at its state too.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"
