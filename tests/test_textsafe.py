"""Untrusted text is made visible, never executed."""

from __future__ import annotations

from debugtui.export.tables import md_table
from debugtui.textsafe import one_line, visible


def test_escape_sequences_become_visible() -> None:
    assert visible("a\x1b]0;pwn\x07b") == "a\\x1b]0;pwn\\x07b"
    assert visible("\x9b2J") == "\\x9b2J"
    assert visible("tab\tand\nnewline") == "tab\tand\nnewline"


def test_one_line_flattens_and_cuts() -> None:
    assert one_line("a\nb", 10) == "a⏎b"
    assert one_line("x" * 20, 5) == "xxxx…"


def test_markdown_cells_cannot_break_the_table() -> None:
    table = md_table(("q",), [("select a | b\nfrom t \x1b[2J",)])
    assert "select a \\| b from t \\x1b[2J" in table
    assert "\x1b" not in table


def test_markdown_table_reports_cut_rows() -> None:
    table = md_table(("n",), [(str(i),) for i in range(5)], limit=2)
    assert "3 more rows in the JSON export" in table
