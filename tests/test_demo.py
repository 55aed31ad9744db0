"""``debugtui demo``: it builds the sandbox incident, says what it started (or could not),
and leaves nothing running, however it ends: ``--check``, SIGTERM while building, SIGTERM
in the TUI, a bad ``--db``.

The real installed binary runs here, with the real engines where the machine has them
(PostgreSQL, podman); after each run no process may still name the sandbox directory.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest
from test_kill_tui import Tmux, debugtui_binary, tmux

from debugtui.config import parse_config
from debugtui.demo import run as demo_run
from debugtui.demo.incident import build_incident
from debugtui.demo.sandbox import Engines, demo_config
from debugtui.notebook.store import NotebookStore
from debugtui.sandbox import podman, postgres

__all__ = ["tmux"]

DEMO_DEADLINE_S = 180.0
"""How long building the sandbox may take before a test gives up (a hang guard: it takes
about 15 s here with both engines)."""
SANDBOX_LINE = re.compile(r"debugtui demo: sandbox in (\S+)")


def processes_naming(path: Path) -> list[str]:
    """Command lines of the live processes that mention ``path`` (postgres, podman, conmon)."""
    marker = str(path).encode()
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            raw = cmdline.read_bytes()
        except OSError:
            continue
        if marker in raw:
            found.append(raw.replace(b"\0", b" ").decode(errors="replace"))
    return found


def assert_nothing_left(root: Path) -> None:
    deadline = time.monotonic() + 30
    while processes_naming(root) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_naming(root) == []
    assert not root.exists()


def sandbox_root(output: str) -> Path:
    found = SANDBOX_LINE.search(output)
    assert found, output
    return Path(found.group(1))


def run_demo(*args: str, timeout: float = DEMO_DEADLINE_S) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(debugtui_binary()), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def test_check_builds_every_source_reports_and_leaves_nothing_running() -> None:
    done = run_demo("demo", "--check")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    root = sandbox_root(out)
    assert re.search(r"Deploys: +\S+/shop \(git; v2\.4\.0 tagged at \d\d:\d\d UTC\)", out)
    assert "app.log, app.log.1, app.log.2.gz" in out
    assert re.search(r"Notebook: +\S+notebook\.db \(investigation \w{6}: Checkout 502s", out)
    for source in ("deploys", "logs", "sockets", "system"):
        assert re.search(rf"^  ok    {source}\b", out, re.M), out
    if postgres.missing_requirement() is None:
        assert "PostgreSQL: " in out and "database shop" in out
        assert re.search(r"^  ok    queries\b", out, re.M), out
    if podman.missing_requirement() is None:
        assert "shop-checkout-worker crash-looping" in out
        assert re.search(r"^  ok    containers\b", out, re.M), out
    assert f"engines stopped and {root} removed" in out
    assert_nothing_left(root)


def test_unavailable_engines_are_one_line_each_and_the_rest_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A machine without PostgreSQL or podman cannot be made here (both are installed), so
    # their requirement checks are told to say what they say on such a machine.
    monkeypatch.setattr(postgres, "missing_requirement", lambda: "initdb not found")
    monkeypatch.setattr(podman, "missing_requirement", lambda: "podman is not installed")
    args = argparse.Namespace(db=None, check=True, no_engines=False, keep=False)

    assert demo_run.run_demo(args) == 0

    out = capsys.readouterr().out
    assert "PostgreSQL: not installed (initdb not found) — the Queries tab will say so" in out
    assert (
        "Containers: not available (podman is not installed) — the Containers tab will say so"
        in out
    )
    assert re.search(r"^  down  queries: ", out, re.M), out
    assert re.search(r"^  down  containers: ", out, re.M), out
    assert re.search(r"^  ok    deploys\b", out, re.M) and re.search(r"^  ok    logs\b", out, re.M)
    assert not sandbox_root(out).exists()


def test_sigterm_while_building_stops_what_was_started() -> None:
    proc = subprocess.Popen(
        [str(debugtui_binary()), "demo", "--check"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    seen = []
    # The first engine being started (or, without engines, the files being built).
    for line in proc.stdout:
        seen.append(line)
        if "Starting" in line or ("Building" in line and postgres.missing_requirement()):
            break
    proc.send_signal(signal.SIGTERM)
    rest, _ = proc.communicate(timeout=DEMO_DEADLINE_S)
    out = "".join(seen) + rest
    assert proc.returncode == 128 + signal.SIGTERM, out
    assert "removed" in out
    assert_nothing_left(sandbox_root(out))


def wait_in_pane(tmux: Tmux, what: str, ready: Callable[[], bool], seconds: float) -> None:
    """Poll ``ready`` for ``seconds`` (each step its own deadline: a slow engine start-up
    must not eat the shutdown's time); on timeout, fail showing the pane."""
    deadline = time.monotonic() + seconds
    while not ready():
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{tmux.screen()}"
        time.sleep(0.2)


def test_sigterm_in_the_tui_quits_it_and_stops_everything(tmux: Tmux, tmp_path: Path) -> None:
    db = tmp_path / "kept.db"
    status_file = tmp_path / "status"
    # A shell runs the demo and writes down how it ended: tmux's own pane_dead_status can
    # stay empty for good when the pty closes before tmux reaps the process (seen once in
    # CI: the pane dead, the report printed, no status after 30 s).
    demo = ["env", "TERM=xterm-256color", str(debugtui_binary()), "--db", str(db), "demo"]
    script = '"$@"; echo $? > "$STATUS.tmp"; mv "$STATUS.tmp" "$STATUS"'
    command = shlex.join(["env", f"STATUS={status_file}", "sh", "-c", script, "sh", *demo])
    tmux("new-session", "-d", "-x", "100", "-y", "30", "-s", tmux.session, command)
    tmux("set-option", "-t", tmux.session, "remain-on-exit", "on")
    shell = int(tmux("display-message", "-p", "-t", tmux.session, "#{pane_pid}").strip())
    # The tab bar is drawn by the TUI only (the title is also in the report printed before it).
    wait_in_pane(tmux, "the TUI", lambda: "Findings  Deploys" in tmux.screen(), DEMO_DEADLINE_S)
    children = Path(f"/proc/{shell}/task/{shell}/children").read_text().split()
    assert len(children) == 1, children

    os.kill(int(children[0]), signal.SIGTERM)

    wait_in_pane(tmux, "the demo to stop", status_file.exists, DEMO_DEADLINE_S)
    assert status_file.read_text().strip() == str(128 + signal.SIGTERM)
    # The whole pane with its scrollback, wrapped lines joined: the report scrolled by.
    shown = tmux("capture-pane", "-p", "-J", "-S", "-", "-t", tmux.session)
    assert "engines stopped and" in shown
    assert_nothing_left(sandbox_root(shown))
    # --db keeps the notebook: the investigation outlives the sandbox.
    with NotebookStore(db) as store:
        assert [i.title for i in store.list_investigations()] == [demo_run.TITLE]


def test_a_bad_db_is_one_line_and_leaves_nothing_running(tmp_path: Path) -> None:
    not_a_db = tmp_path / "a-directory"
    not_a_db.mkdir()
    done = run_demo("--db", str(not_a_db), "demo", "--check")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"debugtui demo: {not_a_db} is not a debugtui notebook: not a regular file"
    ]
    assert_nothing_left(sandbox_root(done.stdout))


def test_demo_config_points_every_source_at_the_sandbox(tmp_path: Path) -> None:
    files = build_incident(tmp_path, datetime(2026, 1, 31, 14, 42, tzinfo=timezone.utc))
    running = Engines(postgres_dsn="host=/s port=1 dbname=shop", docker_host="unix:///e.sock")

    config = parse_config(demo_config(files, running))
    assert config.deploys.repos == (str(files.repo),)
    assert config.logs.paths == (str(files.logs),)
    assert config.postgres.dsn == "host=/s port=1 dbname=shop"
    assert config.containers.host == "unix:///e.sock"

    # Without engines, nothing may reach the machine's own database or container engine.
    idle = parse_config(demo_config(files))
    assert str(tmp_path / "not-running") in (idle.postgres.dsn or "")
    assert idle.containers.host == f"unix://{tmp_path / 'not-running' / 'podman.sock'}"
    assert not (tmp_path / "not-running").exists()
