"""The TUI's pure rendering helpers: literal text, timeline rows, the clock, key lists."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from debugtui.notebook.model import Entry, EntryKind, Phase
from debugtui.tui.literal import literal, literal_line
from debugtui.tui.widgets.elapsed_clock import format_elapsed
from debugtui.tui.widgets.phase_rail import opening_question, rail_line
from debugtui.tui.widgets.timeline import entry_text, entry_time

NOW = datetime(2026, 1, 31, 14, 42, tzinfo=timezone.utc)
HOSTILE = "[bold]x[/bold] \x1b]0;pwn\x07"


def note(text: str, **data: object) -> Entry:
    return Entry(1, "abc234", EntryKind.NOTE, Phase.TEST, text, NOW, NOW, data=data)


def test_literal_keeps_markup_characters_and_shows_escapes() -> None:
    shown = literal(HOSTILE)
    assert shown.plain == "[bold]x[/bold] \\x1b]0;pwn\\x07"
    assert shown.spans == []


def test_literal_line_flattens_newlines_and_cuts() -> None:
    assert literal_line("a\nb", limit=10).plain == "a⏎b"
    assert literal_line("abcdefghij", limit=5).plain == "abcd…"


def test_entry_text_is_literal() -> None:
    shown = entry_text(note(HOSTILE))
    assert shown.plain == "[bold]x[/bold] \\x1b]0;pwn\\x07"
    assert not any("bold" in str(span.style) for span in shown.spans)


def test_hypothesis_text_shows_status_reason_and_disproof() -> None:
    hyp = Entry(
        2,
        "abc234",
        EntryKind.HYPOTHESIS,
        Phase.TEST,
        "dns",
        NOW,
        NOW,
        data={"status": "refuted", "because": "[red]nxdomain", "disproof": "dig"},
    )
    assert entry_text(hyp).plain == "[refuted] dns because [red]nxdomain · disprove by dig"


def test_entry_time_adds_the_date_only_for_other_days() -> None:
    assert entry_time(NOW - timedelta(hours=2), NOW) == "12:42:00"
    assert entry_time(NOW - timedelta(days=1), NOW) == "Jan 30 14:42:00"
    assert entry_time(NOW - timedelta(days=40), NOW) == "2025-12-22 14:42:00"


def test_elapsed_format() -> None:
    assert format_elapsed(timedelta(minutes=44, seconds=5)) == "0:44:05"
    assert format_elapsed(timedelta(days=1, hours=2, seconds=3)) == "1d 02:00:03"
    assert format_elapsed(timedelta(seconds=-5)) == "-0:00:05"


def test_rail_marks_done_current_and_upcoming_phases() -> None:
    line = rail_line(Phase.TEST).plain
    assert line.startswith("✓Reproduce › ✓Isolate › ✓Hypothesize ›  Test  › Fix")
    assert len(rail_line(Phase.PREVENT).plain) <= 78


def test_opening_question_is_the_first_sentence() -> None:
    assert opening_question(Phase.HYPOTHESIZE) == "What could cause this?"
