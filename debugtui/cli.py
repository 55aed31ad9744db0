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
import signal
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


class UsageError(Exception):
    """A user mistake (bad argument, unknown id): one line on stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
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
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        handler = getattr(args, "handler", None)
        if handler is None:
            from debugtui.commands.notebook import run_tui

            return run_tui(args)
        return int(handler(args) or 0)
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as a SIGPIPE death would, and point
        # stdout at /dev/null so the interpreter's final flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except KeyboardInterrupt:
        return 130
