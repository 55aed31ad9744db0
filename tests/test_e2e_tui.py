"""End to end: the installed ``debugtui`` binary in a real terminal (tmux, 80x24 and 200x50),
driven by the keys a user types, killed with SIGKILL, restarted: nothing entered is lost.

The config is the demo incident's (its git repository and rotated logs with the error
spike, built for now), so the Logs tab has matches to pin. The user starts an investigation
from the start screen, writes a note and a hypothesis, jumps through the tabs with the
digits, pins a log match, moves to the next phase and exports; then the process is killed.
After a restart the store, the screen and the exported post-mortem hold all of it. Every
wait polls the screen with a deadline; none is a fixed sleep.
"""

from __future__ import annotations

import os
import shlex
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from test_kill_tui import Tmux, debugtui_binary, tmux

from debugtui.demo.incident import build_incident
from debugtui.demo.sandbox import demo_config
from debugtui.notebook.model import EntryKind, Phase
from debugtui.notebook.store import NotebookStore
from debugtui.tui.screens.investigation import PANELS

__all__ = ["tmux"]

DEADLINE_S = 60.0
"""How long any one expected screen may take to appear (a hang guard, not a speed test)."""
TITLE = "Checkout 502s since the deploy"
NOTE = "502s only on POST checkout"
HYPOTHESIS = "v240 pricing join is slow"
BECAUSE = "errors start after the deploy"
DISPROOF = "revert v240 and watch"


def tab_number(title: str) -> str:
    return str([name for name, _ in PANELS].index(title) + 1)


class Terminal:
    """One tmux pane running debugtui, typed into and read like a user would."""

    def __init__(self, server: Tmux, cwd: Path, size: tuple[int, int], session: str) -> None:
        self.server = server
        self.cwd = cwd
        self.size = size
        self.session = session

    def start(self, *args: str) -> int:
        """Start ``debugtui ARGS`` in a fresh pane; its pid."""
        env = ["env", f"DEBUGTUI_DB={self.cwd / 'notebook.db'}", "TERM=xterm-256color"]
        # A stale size export (CI runners set one) must not pin the screen to 80x24.
        env += ["COLUMNS=80", "LINES=24"]
        command = shlex.join([*env, str(debugtui_binary()), *args])
        width, height = self.size
        self.server(
            "new-session", "-d", "-x", str(width), "-y", str(height), "-c", str(self.cwd),
            "-s", self.session, f"exec {command}",
        )  # fmt: skip
        # A killed pane stays (dead) and keeps the server up for the next session.
        self.server("set-option", "-t", self.session, "remain-on-exit", "on")
        return int(self.server("display-message", "-p", "-t", self.session, "#{pane_pid}"))

    def styled(self) -> str:
        """The screen with its colours (escape sequences): focus shows only there."""
        return self.server("capture-pane", "-p", "-e", "-t", self.session)

    def keys(self, *keys: str) -> None:
        self.server("send-keys", "-t", self.session, *keys)

    def type(self, text: str) -> None:
        self.server("send-keys", "-t", self.session, "-l", text)

    def wait_for(self, what: str, ready: Callable[[str], bool]) -> str:
        deadline = time.monotonic() + DEADLINE_S
        while True:
            shown = self.server("capture-pane", "-p", "-t", self.session)
            if ready(shown):
                return shown
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}; the screen shows:\n{shown}")
            time.sleep(0.1)

    def wait_text(self, *texts: str) -> str:
        return self.wait_for(" and ".join(map(repr, texts)), lambda s: all(t in s for t in texts))


def line(screen: str, label: str) -> str:
    """The first line of ``screen`` holding ``label``, from the label on ("" if none)."""
    for text in screen.splitlines():
        if label in text:
            return text[text.index(label) :]
    return ""


def kill_and_wait(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + DEADLINE_S
    while Path(f"/proc/{pid}").exists() and _state(pid) not in ("Z", ""):
        assert time.monotonic() < deadline, "the process survived SIGKILL"
        time.sleep(0.05)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def one_investigation(db: Path) -> str:
    with NotebookStore(db) as store:
        found = store.list_investigations()
    assert [i.title for i in found] == [TITLE]
    return found[0].id


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
def test_typed_work_survives_sigkill_and_is_exported(
    tmp_path: Path, tmux: Tmux, size: tuple[int, int]
) -> None:
    files = build_incident(tmp_path / "incident")
    config = tmp_path / "debugtui.toml"
    config.write_text(demo_config(files), encoding="utf-8")
    db = tmp_path / "notebook.db"
    term = Terminal(tmux, tmp_path, size, "first")
    pid = term.start("--config", str(config))

    # Start an investigation from the start screen.
    term.wait_text("New")
    term.keys("n")
    term.wait_text("New investigation")
    term.type(TITLE)
    term.keys("Enter")
    shown = term.wait_for("the investigation", lambda s: "Timeline" in s and "⏱" in line(s, TITLE))
    # The header's clock sits at the right edge: the screen fills the terminal.
    assert len(line(shown, TITLE)) > size[0] - 5, shown
    assert len(shown.splitlines()) == size[1], shown
    inv_id = one_investigation(db)

    # A note, then a hypothesis (enter walks its three fields, then saves).
    term.keys("n")
    term.wait_text("New note")
    term.type(NOTE)
    term.keys("Enter")
    term.wait_for("the note", lambda s: NOTE in s and "New note" not in s)
    term.keys("h")
    term.wait_text("We think")
    for label, text in (("We think", HYPOTHESIS), ("Because", BECAUSE), ("Disprove by", DISPROOF)):
        term.type(text)
        term.wait_for(f"{text!r} in its field", lambda s, a=label, b=text: line(s, a).find(b) > 0)
        if label != "Disprove by":
            # Enter moves on to the next field: wait until it shows focused before typing on.
            following = "Because" if label == "We think" else "Disprove by"
            before = line(term.styled(), following)
            term.keys("Enter")
            term.wait_for(
                f"the {following} field focused",
                lambda s, f=following, b=before: line(term.styled(), f) != b,
            )
    term.keys("Enter")
    term.wait_for("the hypothesis", lambda s: HYPOTHESIS in s and "We think" not in s)

    # Every tab by its digit, then the Logs tab: wait for its search, pin the first match.
    for number in range(1, min(len(PANELS), 9) + 1):
        term.keys(str(number))
    term.keys(tab_number("Logs"))
    term.wait_text("matches of")
    term.keys("p")
    term.wait_text("Pinned")

    term.keys("]")
    term.wait_text("✓Reproduce")  # the phase rail ticks the phase left behind
    term.keys("e")
    term.wait_text("Written to")
    exported = tmp_path / f"postmortem-{inv_id}.md"
    assert exported.is_file()

    kill_and_wait(pid)

    with NotebookStore(db) as store:
        inv = store.get_investigation(inv_id)
        entries = store.entries(inv_id)
    assert inv.phase is Phase.ISOLATE
    # The timeline orders by when things happened: the pinned log line comes first.
    by_kind = {e.kind: e for e in entries}
    assert sorted(e.kind for e in entries) == sorted(
        [EntryKind.NOTE, EntryKind.HYPOTHESIS, EntryKind.EVIDENCE, EntryKind.PHASE_CHANGE]
    ), [(e.kind, e.text) for e in entries]
    note, hypothesis = by_kind[EntryKind.NOTE], by_kind[EntryKind.HYPOTHESIS]
    evidence = by_kind[EntryKind.EVIDENCE]
    assert note.text == NOTE
    assert hypothesis.text == HYPOTHESIS
    assert (hypothesis.hypothesis.because, hypothesis.hypothesis.disproof) == (BECAUSE, DISPROOF)
    pinned = evidence.evidence
    assert pinned.source == "logs"
    assert len(pinned.rows) == 1 and any("ERROR" in cell for cell in pinned.rows[0])

    markdown = exported.read_text(encoding="utf-8")
    for text in (TITLE, NOTE, HYPOTHESIS, BECAUSE, DISPROOF, evidence.text, *pinned.rows[0][:1]):
        assert text in markdown, text

    # Restarted on the same notebook, the screen shows what was entered.
    restarted = Terminal(tmux, tmp_path, size, "restarted")
    pid = restarted.start("--config", str(config), "open", inv_id)
    restarted.wait_text(TITLE, "Timeline")
    restarted.keys(tab_number("Timeline") if "Timeline" in dict(PANELS) else "1")
    restarted.wait_for(
        "the entries",
        lambda s: all(t[:20] in s for t in (NOTE, HYPOTHESIS, evidence.text)),
    )
    kill_and_wait(pid)
