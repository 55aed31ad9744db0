"""The ``debugtui`` entry point: parses arguments and hands over to a command module.

No business logic lives here. Each group of sub-commands is a module in
``debugtui/commands/`` with a ``register(subparsers)`` function; handlers import what they
need lazily so that ``debugtui --version`` and the CLI-only commands start fast.
Bad arguments and unknown ids print one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from debugtui import __version__

COMMAND_MODULES = (
    "debugtui.commands.notebook",
    "debugtui.commands.logs",
    "debugtui.commands.evidence",
    "debugtui.commands.playbooks",
    "debugtui.commands.demo",
)
"""Every command module, in the order their sub-commands are listed by ``--help``."""

COMMANDS = {
    **dict.fromkeys(
        ("new", "list", "open", "note", "status", "milestone", "export", "import"),
        "debugtui.commands.notebook",
    ),
    "logs": "debugtui.commands.logs",
    "snapshot": "debugtui.commands.evidence",
    "doctor": "debugtui.commands.evidence",
    "playbooks": "debugtui.commands.playbooks",
    "demo": "debugtui.commands.demo",
}
"""Which module registers each sub-command, so that ``debugtui logs`` imports and registers
only its own (importing and registering them all costs tens of milliseconds, and ``logs``
is timed against ``rg`` including start-up). tests/test_cli_startup.py holds it to what the
modules register."""

_GLOBAL_OPTIONS = ("--db", "--config")
"""The top-level options that take a value (``--version`` exits, ``-h`` needs every command)."""


class UsageError(Exception):
    """A user mistake (bad argument, unknown id): one line on stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")

    def _get_formatter(self) -> argparse.HelpFormatter:
        # argparse's, given the width it would look up itself: argparse makes a formatter
        # for every add_argument, and one without a width imports shutil, whose compression
        # modules cost ~2 ms of each start-up (``debugtui logs`` is timed against rg)
        return self.formatter_class(prog=self.prog, width=terminal_columns() - 2)


def terminal_columns() -> int:
    """``shutil.get_terminal_size().columns`` without importing shutil: ``$COLUMNS`` when a
    positive number, else the width of the terminal on stdout, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


def modules_for(argv: Sequence[str]) -> tuple[str, ...]:
    """The command modules parsing ``argv`` needs: the one that registers the command it
    names; none for ``--version`` (argparse prints it before looking further) or for no
    command at all (the TUI: registering every command costs ~15 ms of its start-up and
    parses nothing it is given); else all of them, so that help, a missing value or an
    unknown command and every error read as before."""
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg in _GLOBAL_OPTIONS:
            if index + 1 >= len(argv) or argv[index + 1].startswith("-"):
                return COMMAND_MODULES  # argparse reports the missing value
            index += 2
        elif arg.startswith(tuple(f"{option}=" for option in _GLOBAL_OPTIONS)):
            index += 1
        elif arg == "--version":
            return ()
        else:
            module = COMMANDS.get(arg)
            return (module,) if module is not None else COMMAND_MODULES
    return ()


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv`` (see :func:`modules_for`); without it, for every command."""
    parser = _Parser(
        prog="debugtui",
        description="A terminal notebook for the on-call debugging loop.",
    )
    parser.add_argument("--version", action="version", version=f"debugtui {__version__}")
    parser.add_argument(
        "--db", metavar="PATH", help="notebook database (default: $DEBUGTUI_DB or XDG data dir)"
    )
    parser.add_argument(
        "--config", metavar="PATH", help="config file (default: ./debugtui.toml, then XDG)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES if argv is None else modules_for(argv):
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    process = argv is None  # called as the program, not by a test or another caller
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        parser = build_parser(argv)
        args = parser.parse_args(argv)
        handler = getattr(args, "handler", None)
        if handler is None:
            from debugtui.commands.notebook import run_tui

            return run_tui(args)
        status = int(handler(args) or 0)
        if process and getattr(args, "exit_at_once", False):
            _exit_at_once(status)
        return status
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as a SIGPIPE death would, and point
        # stdout at /dev/null so the interpreter's final flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return _sigpipe_status()
    except KeyboardInterrupt:
        return 130


def _exit_at_once(status: int) -> None:
    """End the process now, skipping the interpreter's tear-down (freeing every module
    costs 10-30 ms, which ``debugtui logs``, timed against ``rg`` as a whole process, pays
    for nothing). Only for commands that set ``exit_at_once``: they leave no thread,
    child process or file behind and need no atexit handler; their output is flushed here."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        status = _sigpipe_status()
    os._exit(status)


def _sigpipe_status() -> int:
    """The status a SIGPIPE death gives, as a shell reports it. ``signal`` is imported only
    here: loading it costs ~1 ms of every start-up (``debugtui logs`` is timed against rg)."""
    import signal

    return 128 + signal.SIGPIPE
