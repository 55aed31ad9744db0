"""Commands that open the TUI, run where there is no terminal (a pipe, cron, ``$(...)``):
``new`` prints the id, the others say why they cannot open, and nothing hangs. Before, the
app drew escape sequences into the pipe and spun on its input, a core busy until killed."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from debugtui.tui.terminal import terminal_problem

SCRIPT = Path(sys.executable).with_name("debugtui")


def piped(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real program with stdin from /dev/null and stdout into a pipe; a hang fails."""
    return subprocess.run(
        [str(SCRIPT), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


@pytest.mark.usefixtures("db")
def test_new_in_a_pipe_prints_the_id_and_says_how_to_open_it() -> None:
    done = piped("new", "checkout 502s")
    assert done.returncode == 0, done.stderr
    inv_id = done.stdout.strip()
    assert len(inv_id) == 6 and "\x1b" not in done.stdout
    assert f"debugtui open {inv_id}" in done.stderr
    assert piped("list").stdout.count(inv_id) == 1


@pytest.mark.usefixtures("db")
def test_open_and_the_start_screen_in_a_pipe_are_a_one_line_error() -> None:
    inv_id = piped("new", "x").stdout.strip()
    for args in (("open", inv_id), ()):
        done = piped(*args)
        assert done.returncode == 2
        assert done.stdout == ""
        assert done.stderr == "debugtui: the TUI needs a terminal (stdin is not a terminal)\n"


def test_demo_in_a_pipe_refuses_before_building_its_sandbox(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = piped("demo", "--no-engines", env=env)
    assert done.returncode == 2
    assert "needs a terminal" in done.stderr and "--check" in done.stderr
    assert list(tmp_path.iterdir()) == []  # no sandbox was made


@contextmanager
def on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """stdin and stdout on a real pseudo-terminal (set in the test itself: pytest puts its
    capture back on sys.stdout between a fixture's set-up and the test)."""
    leader, follower = pty.openpty()
    try:
        with open(follower, closefd=False) as tin, open(follower, "w", closefd=False) as tout:
            monkeypatch.setattr(sys, "stdin", tin)
            monkeypatch.setattr(sys, "stdout", tout)
            yield
            monkeypatch.undo()
    finally:
        os.close(follower)
        os.close(leader)


def test_a_terminal_on_both_ends_is_no_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    with on_a_terminal(monkeypatch):
        assert terminal_problem() is None


def test_stdout_into_a_file_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with on_a_terminal(monkeypatch), open(tmp_path / "out.txt", "w") as out:
        monkeypatch.setattr(sys, "stdout", out)
        assert terminal_problem() == "stdout is not a terminal"
        monkeypatch.setattr(sys, "stdout", None)
        assert terminal_problem() == "stdout is not a terminal"
