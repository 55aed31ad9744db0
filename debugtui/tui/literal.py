"""Untrusted text as Rich ``Text``: shown character for character, never as markup.

Notes, titles, log lines and error messages can hold ``[bold]`` (Rich markup) and terminal
escapes. Everything the TUI shows from the notebook goes through :func:`literal`, which builds
a ``Text`` (never parsed as markup) from :func:`debugtui.textsafe.visible` (control characters
written as ``\\xNN``, so an escape sequence is shown, not executed).
"""

from __future__ import annotations

from rich.style import StyleType
from rich.text import Text

from debugtui.textsafe import one_line, visible


def literal(text: str, style: StyleType = "") -> Text:
    """``text`` as it was typed, control characters made visible; newlines kept."""
    return Text(visible(text), style=style)


def failure_text(error: str | None, hint: str | None, style: StyleType = "") -> Text:
    """ "✖ error" (in ``style``) and, when there is one, "hint: …" below it in italics."""
    text = literal(f"✖ {error or 'failed'}", style=style)
    if hint:
        text.append_text(literal(f"\nhint: {hint}", style="italic"))
    return text


def literal_line(text: str, style: StyleType = "", limit: int | None = None) -> Text:
    """``text`` on one line (newlines shown as ``⏎``), cut to ``limit`` with an ellipsis."""
    return Text(one_line(text, limit), style=style, no_wrap=True, overflow="ellipsis")
