"""Sub-commands: notebook (being built)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add this group's sub-commands to the parser."""


def run_tui(args: argparse.Namespace) -> int:
    """Open the TUI on the start screen."""
    from debugtui.tui.app import run

    return run(args)
