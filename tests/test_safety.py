"""What debugtui promises about the systems it inspects and the secrets it holds.

* Nothing runs a shell: every child process gets an argument list, so no user text (a log
  pattern, a ref, a path) is ever read by a shell. Checked on the source with ``ast``, and
  by searching for a pattern that looks like an rg option.
* The DSN's password never reaches the notebook: evidence pinned from the Queries panel
  connected with a password, and the post-mortem exported from it, hold no byte of it.

The PostgreSQL session being read-only and a snapshot leaving pg_stat_statements unreset are
proven in ``test_queries_statements.py`` (``test_debugtui_session_is_read_only_and_bounded``,
``test_snapshots_do_not_reset_pg_stat_statements``); the notebook and exports being 0600 in
``test_store.py`` and ``test_export_json.py``.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from fault_support import screen_text
from panel_support import evidence_entries, open_panel, quiet_logs
from test_tui_support import settle

import debugtui
from debugtui.config import Config, PostgresConfig
from debugtui.notebook.model import Investigation, Severity
from debugtui.notebook.store import NotebookStore
from debugtui.sources.logresults import LogQuery
from debugtui.sources.logsearch import run_search
from debugtui.tui.app import make_app
from debugtui.tui.panels.queries import QueriesPanel
from tests.fixtures.postgres import PostgresServer

PACKAGE = Path(debugtui.__file__).parent

SPAWNING = {
    ("subprocess", "run"),
    ("subprocess", "Popen"),
    ("subprocess", "call"),
    ("subprocess", "check_call"),
    ("subprocess", "check_output"),
    ("subprocess", "getoutput"),
    ("subprocess", "getstatusoutput"),
    ("os", "system"),
    ("os", "popen"),
    ("asyncio", "create_subprocess_shell"),
    ("asyncio", "create_subprocess_exec"),
    ("pty", "spawn"),
}
"""Calls that start a process; those taking a command line are refused outright below."""
SHELL_ONLY = {
    ("subprocess", "getoutput"),
    ("subprocess", "getstatusoutput"),
    ("os", "system"),
    ("os", "popen"),
    ("asyncio", "create_subprocess_shell"),
}


def _dotted(node: ast.expr) -> tuple[str, str] | None:
    """``("subprocess", "run")`` for ``subprocess.run`` (the module as imported)."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return (node.value.id, node.attr)
    return None


def _is_text(node: ast.expr) -> bool:
    """An argument that is plainly one string: a literal, an f-string, text + text, a
    ``.format``/``.join`` result. A shell would be needed to split it into a command."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str | bytes)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return _is_text(node.left) or _is_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in ("format", "join") and (
            node.func.attr == "format" or _is_text(node.func.value)
        )
    return False


def process_calls_problems(source: str, filename: str) -> list[str]:
    """Every shell use or command-line string in ``source``, as ``file:line: what``."""
    tree = ast.parse(source, filename)
    imported: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in {"subprocess", "os", "asyncio"}:
            for alias in node.names:
                imported[alias.asname or alias.name] = (node.module, alias.name)
    problems = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        where = f"{filename}:{node.lineno}"
        for keyword in node.keywords:
            if keyword.arg == "shell" and not (
                isinstance(keyword.value, ast.Constant) and keyword.value.value is False
            ):
                problems.append(f"{where}: shell={ast.unparse(keyword.value)}")
        name = _dotted(node.func)
        if name is None and isinstance(node.func, ast.Name):
            name = imported.get(node.func.id)
        if name is None or name not in SPAWNING:
            continue
        if name in SHELL_ONLY:
            problems.append(f"{where}: {'.'.join(name)} runs a shell")
            continue
        command = node.args[0] if node.args else None
        for keyword in node.keywords:
            if keyword.arg == "args":
                command = keyword.value
        if command is not None and _is_text(command):
            problems.append(f"{where}: {'.'.join(name)} given one string, not a list")
    return problems


def test_the_scanner_catches_every_way_to_reach_a_shell() -> None:
    bad = (
        "import os, subprocess, asyncio\n"
        "from subprocess import check_output as co\n"
        "subprocess.run('ls ' + path)\n"
        "subprocess.Popen(f'grep {pattern} x')\n"
        "subprocess.run(['ls'], shell=True)\n"
        "subprocess.run(argv, shell=flag)\n"
        "co('rg x')\n"
        "os.system('true')\n"
        "os.popen(cmd)\n"
        "asyncio.create_subprocess_shell(cmd)\n"
        "repo.git.execute(cmd, shell=True)\n"
        "subprocess.run(' '.join(argv))\n"
    )
    assert len(process_calls_problems(bad, "bad.py")) == 10
    good = (
        "import subprocess\n"
        "subprocess.run(['rg', '--regexp', pattern, '--', path], shell=False)\n"
        "subprocess.Popen(argv)\n"
        "subprocess.run([*argv, '--', target])\n"
    )
    assert process_calls_problems(good, "good.py") == []


def test_nothing_in_debugtui_runs_a_shell_or_a_command_string() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = str(path.relative_to(PACKAGE.parent))
        problems += process_calls_problems(path.read_text(encoding="utf-8"), relative)
    assert problems == []


@pytest.mark.parametrize("engine", ["rg", "python"])
def test_a_pattern_that_looks_like_an_rg_option_is_only_searched_for(
    tmp_path: Path, engine: str
) -> None:
    witness = tmp_path / "ran"
    log = tmp_path / "app.log"
    pattern = f"--pre=touch {witness}"
    log.write_text(f"first line\nsomeone typed {pattern} here\n", encoding="utf-8")
    result = run_search(LogQuery(pattern, paths=(str(log),), engine=engine))
    assert [m.line for m in result.matches] == [2]
    assert not witness.exists()


# -- secrets ---------------------------------------------------------------------------------


@pytest.fixture
def inv(store: NotebookStore) -> Investigation:
    return store.create_investigation("checkout is slow", Severity.SEV2)


def notebook_bytes(store: NotebookStore) -> bytes:
    """The database and its write-ahead log, as on disk."""
    paths = [store.path, Path(f"{store.path}-wal")]
    return b"".join(p.read_bytes() for p in paths if p.exists())


async def test_evidence_pinned_through_a_password_dsn_never_stores_the_password(
    store: NotebookStore, inv: Investigation, tmp_path: Path, postgres: PostgresServer
) -> None:
    password = postgres.password
    dsn = postgres.dsn_for(user=postgres.password_user, host="127.0.0.1", password=password)
    config = Config(postgres=PostgresConfig(dsn=dsn), logs=quiet_logs(tmp_path))
    app = make_app(store, open_id=inv.id, config=config)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        panel = await open_panel(pilot, QueriesPanel)
        assert panel.snapshot is not None and panel.last_error is None
        for _ in panel.views:  # every view that has rows, whole, into the notebook
            await pilot.press("P")
            await settle(pilot)
            await pilot.press("t")
            await settle(pilot)
        assert password not in screen_text(pilot)
        screen = pilot.app.screen
        screen.timeline.focus()
        await pilot.press("e")
        await settle(pilot)
    pinned = evidence_entries(store, inv)
    titles = " ".join(e.evidence.title for e in pinned)
    assert "statements" in titles and "health" in titles, titles
    assert password not in json.dumps([e.data for e in pinned])
    assert password.encode() not in notebook_bytes(store)
    exported = tmp_path / f"postmortem-{inv.id}.md"
    assert exported.exists()
    assert password not in exported.read_text(encoding="utf-8")


def test_snapshot_command_never_prints_the_password(
    tmp_path: Path, postgres: PostgresServer
) -> None:
    password = postgres.password
    dsn = postgres.dsn_for(user=postgres.password_user, host="127.0.0.1", password=password)
    config = tmp_path / "debugtui.toml"
    config.write_text(f"[postgres]\ndsn = {json.dumps(dsn)}\n", encoding="utf-8")
    outputs = []
    for fmt in ("--json", "--md"):
        done = subprocess.run(
            [sys.executable, "-m", "debugtui", "snapshot", "--source", "queries", fmt],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout + done.stderr)
    assert json.loads(outputs[0])["sources"]["queries"]["ok"] is True  # it did log in
    assert all(password not in out for out in outputs)
