"""Making untrusted text safe to show: control characters become visible, never executed.

Log lines, SQL, commit messages and container names can hold terminal escape sequences
(``\\x1b]0;pwn\\x07`` retitles a terminal, ``\\x1b[2J`` clears it) and C1 controls. Every place
that shows such text, on screen or in an export, passes it through :func:`visible`. Rich
markup is a separate concern: the TUI never feeds untrusted text to a markup parser.
"""

from __future__ import annotations

import re

# C0 controls except tab, DEL, and the C1 range; all shown as \xNN.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _escape(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def visible(text: str) -> str:
    """``text`` with every control character (but tab and newline) written as ``\\xNN``."""
    return _CONTROL.sub(_escape, text)


def one_line(text: str, limit: int | None = None) -> str:
    """``visible`` on one line: newlines become ``⏎``; cut to ``limit`` with an ellipsis."""
    flat = visible(text).replace("\r\n", "⏎").replace("\n", "⏎").replace("\t", " ")
    if limit is not None and len(flat) > limit:
        return flat[: max(limit - 1, 0)] + "…"
    return flat
