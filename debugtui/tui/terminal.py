"""Whether the TUI can run here: Textual reads keys from stdin and draws on stdout.

With either one not a terminal (a pipe, a cron job, ``ID=$(debugtui new "…")``), the app
drew its escape sequences into the pipe and spun on input that never came, a process
burning a core until killed. The commands that would open the TUI ask this first (it
imports nothing heavy: ``debugtui new`` must stay a fast CLI call when it cannot open).
"""

from __future__ import annotations

import sys


def terminal_problem() -> str | None:
    """Why the TUI cannot run in this process, or None when it can."""
    for name in ("stdin", "stdout"):
        stream = getattr(sys, name)
        try:
            if stream is not None and stream.isatty():
                continue
        except (AttributeError, ValueError):  # a replaced or closed stream
            pass
        return f"{name} is not a terminal"
    return None
