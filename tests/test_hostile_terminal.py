"""Hostile text at the terminal: what the real ``debugtui`` writes to a real terminal.

The installed ``debugtui`` runs in tmux (a real terminal emulator) under ``script(1)``, which
records every byte the app writes. Untrusted text reaches it from everywhere an outage brings
it: the notebook (an investigation title, notes, a hypothesis, pinned evidence rows), a log
file searched by the Logs panel, a commit message in the Deploys panel, SQL in
pg_stat_statements in the Queries panel, a process name in the Sockets panel, and markup
typed by the user into the composer. (A container name cannot carry any of it: engines only
accept ``[a-zA-Z0-9][a-zA-Z0-9_.-]*``.)

Two things are proven on what the terminal received:

* the raw bytes never hold a hostile sequence (a retitle, a hyperlink to the attacker, a
  screen clear, a C1 control): Textual writes escape sequences of its own, so the assertions
  look for the payloads themselves;
* the screen tmux shows has the text literally: ``[bold]x[/bold]`` as those characters,
  escapes in the visible form ``\\x1b`` of :func:`debugtui.textsafe.visible`, and the
  terminal's title untouched.

The app runs once for the module (it takes a while to start every panel); each test checks
one promise on what that run recorded.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import engine_unavailable

from debugtui.notebook.model import EntryKind, EvidenceData, Severity
from debugtui.notebook.store import NotebookStore
from debugtui.textsafe import visible
from tests.fixtures.postgres import PostgresServer

PAYLOADS: dict[str, str] = {
    "markup": "[bold]x[/bold]",
    "link": "[link=http://evil]y[/link]",
    "retitle": "\x1b]0;pwn\x07",
    "clear": "before\x1b[2Jafter",
    "hyperlink": "\x1b]8;;http://evil\x07link\x1b]8;;\x07",
    "c1-csi": "c1\x9b31mred",
    "c1-osc": "osc\x9d0;pwn2\x9c",
    "unterminated": "unterm\x1b[",
}
"""Untrusted text: Rich markup, escape sequences, C1 controls, an unterminated sequence."""

NEVER_WRITTEN: dict[str, bytes] = {
    "retitle": b"\x1b]0;pwn",
    "hyperlink": b"\x1b]8;;http://evil",
    "clear": b"before\x1b[2J",
    "c1-csi": "\x9b".encode(),
    "c1-osc": "\x9d".encode(),
    "unterminated": b"unterm\x1b[",
}
"""What the terminal must never receive: each payload's escape (C1 controls as the UTF-8 the
app writes). Textual's own output never contains these."""

TYPED = "[bold]typed[/bold] [link=http://evil]z[/link]"
"""Markup a user types into the composer."""
PROCESS_NAME = "[b]\x1b]0;pwn\x07"
"""A process name (15 bytes at most: the kernel's comm) listening on a socket."""
SQL_MARK = "debugtui_hostile_probe"
FILTER_FOOTER = r"^ +▏\^p palette *$"
"""The footer while a panel's filter box has focus: no key of the panel (a letter typed
there is text, ``/`` too), only the command palette."""
TABLE_FOOTER = r"^r Refresh t Next table"
"""The footer while a panel's table has focus."""
WAIT_S = 90.0
"""How long a screen may take to show what is expected before the test fails (a bound on a
hang, not a speed requirement)."""


def shown(text: str) -> str:
    """How ``text`` must look on screen."""
    return visible(text)


def in_markdown_cell(text: str) -> str:
    """How ``text`` is written in a post-mortem table cell: made visible, then its
    backslashes escaped for Markdown (a renderer shows ``\x1b`` again)."""
    return shown(text).replace("\\", "\\\\").replace("|", "\\|")


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def unboxed(screen: str) -> str:
    """A modal's text with its frame taken out, wrapped lines joined."""
    return flat(re.sub(r"[│▌]", " ", screen))


def each(form: str) -> list[str]:
    """``form`` (with ``{name}``, ``{shown}`` and ``{md}``) for every payload."""
    return [
        unboxed(form.format(name=name, shown=shown(p), md=in_markdown_cell(p)))
        for name, p in PAYLOADS.items()
    ]


EXPECTED: dict[str, list[str]] = {
    "timeline": [
        *each("note {name} {shown}"),
        f"T {PAYLOADS['markup']} {shown(PAYLOADS['retitle'])}",
        f"hyp {PAYLOADS['link']}",
        f"because {shown(PAYLOADS['hyperlink'])}",
        f"disproof {shown(PAYLOADS['c1-osc'])}",
    ],
    "typed": [TYPED],
    "export": each("row {name} | {md} |"),
    "deploys": each("{name} {shown}"),
    "logs": each("ERROR {name} {shown}"),
    "queries": each("{name} {shown}"),
    "sockets": [shown(PROCESS_NAME)],
}
"""What each screen must show, as the tests compare it (frames out, spaces folded)."""


class Terminal:
    """``argv`` in a tmux pane of ``size``, its output recorded byte for byte in ``raw``."""

    def __init__(self, root: Path, argv: list[str], env: dict[str, str], size: tuple[int, int]):
        self.socket = root / "tmux.sock"
        self.raw_path = root / "raw.bin"
        self.env = env
        command = " ".join(argv)
        # script(1) runs the app in a pty of its own and copies every byte it writes to the
        # pane and to raw.bin (-f: flushed as written, -e: the app's exit status)
        script = ["script", "-q", "-f", "-e", "-c", command, str(self.raw_path)]
        self._tmux(
            "new-session", "-d", "-s", "dt", "-c", str(root), "-x", str(size[0]), "-y",
            str(size[1]), *script,
        )  # fmt: skip

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-S", str(self.socket), "-f", os.devnull, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        if done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "dt")

    def title(self) -> str:
        return self._tmux("display-message", "-p", "-t", "dt", "#{pane_title}").strip()

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "dt", *keys)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "dt", "-l", text)

    def wait_for(self, *texts: str) -> str:
        """The screen once it shows every one of ``texts``."""
        deadline = time.monotonic() + WAIT_S
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(flat(t) in flat(screen) for t in texts):
                return screen
            time.sleep(0.2)
        missing = [t for t in texts if flat(t) not in flat(screen)]
        raise AssertionError(f"the screen never showed {missing!r}:\n{screen}")

    def settle_on(self, expected: list[str]) -> str:
        """The screen once it shows all of ``expected`` (a toast may cover some for a while);
        after the wait, the screen as it is: the tests say what is missing."""
        deadline = time.monotonic() + WAIT_S
        while True:
            screen = self.screen()
            if all(e in unboxed(screen) for e in expected) or time.monotonic() > deadline:
                return screen
            time.sleep(0.2)

    def wait_for_line(self, pattern: str) -> str:
        """The screen once one of its lines matches the regular expression ``pattern``."""
        deadline = time.monotonic() + WAIT_S
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if re.search(pattern, screen, re.MULTILINE):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"no line of the screen matched {pattern!r}:\n{screen}")

    def filter_rows(self, text: str) -> None:
        """``/``, ``text``, enter in the focused panel; back once its table has focus again
        (a key sent right after enter would still be typed into the filter box)."""
        self.keys("/")
        self.wait_for_line(FILTER_FOOTER)
        self.type(text)
        self.keys("Enter")
        self.wait_for_line(TABLE_FOOTER)

    def running(self) -> bool:
        try:
            self._tmux("has-session", "-t", "dt")
        except RuntimeError:
            return False
        return True

    def wait_until_exit(self) -> None:
        deadline = time.monotonic() + WAIT_S
        while self.running():
            if time.monotonic() > deadline:
                raise AssertionError(f"debugtui did not quit:\n{self.screen()}")
            time.sleep(0.2)

    def raw(self) -> bytes:
        return self.raw_path.read_bytes()

    def close(self) -> None:
        if self.socket.exists():
            subprocess.run(
                ["tmux", "-S", str(self.socket), "kill-server"],
                env=self.env,
                capture_output=True,
                check=False,
            )


@dataclass
class Run:
    """What one run of debugtui showed and wrote."""

    screens: dict[str, str] = field(default_factory=dict)
    """Screen captures by the place they were taken."""
    titles: list[str] = field(default_factory=list)
    """The pane's title after each capture."""
    raw: bytes = b""
    notes: list[str] = field(default_factory=list)
    """The notebook's notes after the run."""


def git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(
        ["git", "-c", "user.name=Ann Oncall", "-c", "user.email=ann@example.com", *args],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
    )


def hostile_repo(root: Path) -> Path:
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for name, payload in PAYLOADS.items():
        (repo / "f").write_text(name, encoding="utf-8")
        message = root / "message"
        message.write_text(f"{name} {payload}\n", encoding="utf-8")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "--cleanup=verbatim", "-F", str(message))
    return repo


def hostile_log(root: Path) -> Path:
    log = root / "logs" / "app.log"
    log.parent.mkdir()
    lines = [f"ERROR {name} {payload}\n" for name, payload in PAYLOADS.items()]
    log.write_text("".join(lines), encoding="utf-8")
    return log


def seed_notebook(db: Path) -> str:
    now = datetime.now(timezone.utc)
    with NotebookStore(db) as store:
        inv = store.create_investigation(
            f"T {PAYLOADS['markup']} {PAYLOADS['retitle']}", Severity.SEV1
        )
        for n, (name, payload) in enumerate(PAYLOADS.items()):
            store.add_entry(
                inv.id,
                EntryKind.NOTE,
                f"note {name} {payload}",
                happened_at=now - timedelta(minutes=30 - n),
            )
        store.add_entry(
            inv.id,
            EntryKind.HYPOTHESIS,
            f"hyp {PAYLOADS['link']}",
            data={
                "status": "open",
                "because": f"because {PAYLOADS['hyperlink']}",
                "disproof": f"disproof {PAYLOADS['c1-osc']}",
            },
            happened_at=now - timedelta(minutes=5),
        )
        evidence = EvidenceData(
            title=f"evidence {PAYLOADS['clear']}",
            source="logs",
            columns=("what", "payload"),
            rows=tuple((f"row {name}", payload) for name, payload in PAYLOADS.items()),
            captured_at=now.isoformat(),
        )
        store.add_entry(
            inv.id,
            EntryKind.EVIDENCE,
            evidence.title,
            data=evidence.to_dict(),
            happened_at=now - timedelta(minutes=4),
        )
        return inv.id


def hostile_listener() -> subprocess.Popen[str]:
    """A process named ``PROCESS_NAME`` listening on a port of 127.0.0.1."""
    code = (
        "import socket, sys\n"
        "open('/proc/self/comm', 'w').write(sys.argv[1])\n"
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
        "print(s.getsockname()[1], flush=True)\n"
        "sys.stdin.read()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, PROCESS_NAME],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip().isdigit()
    return proc


def hostile_statements(postgres: PostgresServer) -> None:
    """A statement whose text (kept by pg_stat_statements, comment and all) is hostile; on a
    table of its own, so its entry is its own (constants and aliases do not tell apart)."""
    postgres.psql(f"CREATE TABLE IF NOT EXISTS {SQL_MARK} (id int)", tracked=False)
    comment = " ".join(f"{name} {payload}" for name, payload in PAYLOADS.items())
    # top = 5000 below lists every tracked statement, so this one is shown however busy the
    # shared server is (a slow one here would outrank the fixture's slow query)
    postgres.psql(f"SELECT count(*), pg_sleep(0) FROM {SQL_MARK} /* {comment} */")


@pytest.fixture(scope="module")
def run(postgres: PostgresServer) -> Iterator[Run]:
    for tool in ("tmux", "script", "git"):
        if shutil.which(tool) is None:
            engine_unavailable(f"{tool} is not installed: the terminal test needs it")
    debugtui = Path(sys.executable).with_name("debugtui")
    root = Path(tempfile.mkdtemp(prefix="dth-"))  # short: tmux's socket path is limited
    listener = hostile_listener()
    terminal: Terminal | None = None
    try:
        db = root / "notebook.db"
        inv_id = seed_notebook(db)
        hostile_statements(postgres)
        config = root / "debugtui.toml"
        config.write_text(
            f"[logs]\npaths = [{json.dumps(str(hostile_log(root)))}]\n"
            f'[deploys]\nrepos = [{json.dumps(str(hostile_repo(root)))}]\nsince = "30d"\n'
            f"[postgres]\ndsn = {json.dumps(postgres.dsn)}\ntop = 5000\n"
            f'[containers]\nhost = "unix://{root}/no-engine.sock"\n',
            encoding="utf-8",
        )
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(root),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "XDG_CONFIG_HOME": str(root / "xdg-config"),
            "XDG_DATA_HOME": str(root / "xdg-data"),
            "SHELL": "/bin/sh",
        }
        argv = [str(debugtui), "--db", str(db), "--config", str(config), "open", inv_id]
        terminal = Terminal(root, argv, env, (120, 36))
        result = Run()

        def capture(place: str) -> None:
            result.screens[place] = terminal.settle_on(EXPECTED[place])
            result.titles.append(terminal.title())

        terminal.wait_for(f"T {PAYLOADS['markup']}")
        capture("timeline")
        terminal.keys("n")
        terminal.wait_for("New note")
        terminal.type(TYPED)
        terminal.keys("Enter")
        capture("typed")
        terminal.keys("e")
        terminal.wait_for("Written to")
        terminal.keys("End")
        capture("export")
        terminal.keys("Escape")
        terminal.wait_for("Timeline")
        terminal.keys("2")
        capture("deploys")
        terminal.keys("3")
        capture("logs")
        # one key at a time, each waited for: a key that lands before the screen is ready
        # for it goes to whatever has focus
        terminal.keys("4")
        terminal.wait_for("Top by")
        terminal.filter_rows(SQL_MARK)
        terminal.keys("Enter")  # the statement's whole text
        terminal.wait_for("query:")
        capture("queries")
        terminal.keys("Escape")
        terminal.wait_for("Top by")
        terminal.keys("6")
        terminal.wait_for("port (e.g. 5432)")
        terminal.keys("t")
        terminal.wait_for("pid/program")
        terminal.filter_rows("pwn")
        capture("sockets")
        terminal.keys("q")
        terminal.wait_for("investigations")
        terminal.keys("q")
        terminal.wait_until_exit()
        result.raw = terminal.raw()
        with NotebookStore(db) as store:
            result.notes = [e.text for e in store.entries(inv_id) if e.kind is EntryKind.NOTE]
        yield result
    finally:
        if terminal is not None:
            terminal.close()
        if listener.stdin is not None:
            listener.stdin.close()
        listener.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


# -- the raw bytes ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(NEVER_WRITTEN))
def test_the_terminal_never_receives_the_hostile_sequence(run: Run, name: str) -> None:
    assert NEVER_WRITTEN[name] not in run.raw


def test_the_recording_holds_what_was_on_screen(run: Run) -> None:
    """The raw bytes are the app's: the visible forms of the payloads are in them."""
    assert shown(PAYLOADS["retitle"]).encode() in run.raw
    assert PAYLOADS["markup"].encode() in run.raw


def test_the_terminal_title_is_never_changed(run: Run) -> None:
    assert run.titles and not any("pwn" in title for title in run.titles)


# -- the screen -------------------------------------------------------------------------------


def showing(run: Run, place: str) -> str:
    return unboxed(run.screens[place])


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_notes_show_every_payload_literally(run: Run, name: str) -> None:
    assert f"note {name} {shown(PAYLOADS[name])}" in showing(run, "timeline")


def test_the_investigation_title_and_hypothesis_are_literal(run: Run) -> None:
    screen = showing(run, "timeline")
    assert f"T {PAYLOADS['markup']} {shown(PAYLOADS['retitle'])}" in screen
    assert f"hyp {PAYLOADS['link']}" in screen
    assert f"because {shown(PAYLOADS['hyperlink'])}" in screen
    assert f"disproof {shown(PAYLOADS['c1-osc'])}" in screen


def test_markup_typed_into_the_composer_is_saved_and_shown_as_typed(run: Run) -> None:
    assert TYPED in run.notes
    assert TYPED in showing(run, "typed")


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_pinned_evidence_rows_are_literal_in_the_export_preview(run: Run, name: str) -> None:
    assert f"row {name} | {in_markdown_cell(PAYLOADS[name])} |" in showing(run, "export")


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_log_lines_are_literal_in_the_logs_panel(run: Run, name: str) -> None:
    assert f"ERROR {name} {shown(PAYLOADS[name])}" in showing(run, "logs")


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_commit_messages_are_literal_in_the_deploys_panel(run: Run, name: str) -> None:
    assert f"{name} {shown(PAYLOADS[name])}" in showing(run, "deploys")


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_sql_text_is_literal_in_the_queries_panel(run: Run, name: str) -> None:
    assert f"{name} {shown(PAYLOADS[name])}" in showing(run, "queries")


def test_a_process_name_is_literal_in_the_sockets_panel(run: Run) -> None:
    assert shown(PROCESS_NAME) in showing(run, "sockets")
