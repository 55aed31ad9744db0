"""Markdown tables from plain string tables, shared by every Markdown rendering.

Cells are untrusted text (log lines, SQL, commit messages): pipes and newlines are escaped
and control characters made visible so the table stays a table and no escape sequence
reaches whoever prints the file.
"""

from __future__ import annotations

from collections.abc import Sequence

from debugtui.textsafe import visible


def md_cell(value: object) -> str:
    text = visible(str(value)).replace("|", "\\|")
    return text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def md_table(
    columns: Sequence[str], rows: Sequence[Sequence[object]], limit: int | None = None
) -> str:
    """A GitHub-flavoured Markdown table; past ``limit`` rows a line says how many were cut."""
    if not columns:
        return "_(empty)_\n"
    shown = rows if limit is None else rows[:limit]
    lines = [
        "| " + " | ".join(md_cell(c) for c in columns) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    for row in shown:
        cells = [md_cell(c) for c in row] + [""] * (len(columns) - len(row))
        lines.append("| " + " | ".join(cells[: len(columns)]) + " |")
    if not rows:
        lines.append("| " + " | ".join("" for _ in columns) + " |")
    out = "\n".join(lines) + "\n"
    if limit is not None and len(rows) > limit:
        out += f"\n_{len(rows) - limit} more rows in the JSON export._\n"
    return out
