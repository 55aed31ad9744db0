"""The notebook timeline widget: rows measured without rendering, the oldest entries folded.

A row's height is computed from its plain text; these tests hold it to what Rich renders for
the same grid, across widths, time columns and awkward text. The folding tests drive a
Timeline in a bare app through Pilot (home, enter) with more entries than a page.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from rich.console import Console
from test_tui_support import NOW, frozen_clock
from textual.app import App, ComposeResult

from debugtui.notebook.model import Entry, EntryKind, Phase
from debugtui.tui.widgets.timeline import PAGE, EntryRow, Timeline, entry_row

TEXTS = [
    "",
    "p99 at 4s on /checkout",
    "word " * 40,
    "x" * 130,
    "a" + " " * 60 + "b",
    "first line\nsecond line that is a good deal longer than the first one\n\nlast",
    "日本語のログ行 " * 12,
    "tab\tseparated\tcolumns\tof a pasted table\tand more\tand more",
    "trailing spaces      \n  leading spaces",
    "escape \x1b[31m red \x1b[0m and a bell \x07 " * 3,
]


def entry(n: int, text: str = "note", kind: EntryKind = EntryKind.NOTE, **data: str) -> Entry:
    when = NOW - timedelta(minutes=1000 - n)
    return Entry(
        id=n + 1,
        investigation_id="inv001",
        kind=kind,
        phase=Phase.ISOLATE,
        text=text,
        happened_at=when,
        recorded_at=when,
        data=data,
    )


def samples() -> list[Entry]:
    notes = [entry(n, text) for n, text in enumerate(TEXTS)]
    hypothesis = entry(
        20, "the pool is too small", EntryKind.HYPOTHESIS, because="timeouts " * 9, status="open"
    )
    action = entry(21, "roll back v1.4.2", EntryKind.ACTION, type="mitigate", owner="alice")
    return [*notes, hypothesis, action]


class TimelineApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Timeline(frozen_clock, id="timeline")


@pytest.mark.parametrize("time_width", [8, 15, 19])
async def test_row_height_is_what_the_rendered_grid_takes(time_width: int) -> None:
    console = Console(width=300, color_system=None)
    async with TimelineApp().run_test(size=(80, 24)) as pilot:
        timeline = pilot.app.query_one(Timeline)
        for sample in samples():
            grid = entry_row(sample, NOW, time_width)
            for width in range(time_width + 20, 160, 3):
                row = EntryRow(timeline, sample, NOW, time_width)
                rendered = console.render_lines(grid, console.options.update_width(width))
                assert row.get_height(timeline.styles, width) == len(rendered), (
                    sample.text,
                    width,
                )


async def test_a_long_investigation_folds_all_but_a_page_of_its_newest_entries() -> None:
    entries = [entry(n, f"note {n}") for n in range(PAGE + 50)]
    async with TimelineApp().run_test(size=(80, 24)) as pilot:
        timeline = pilot.app.query_one(Timeline)
        timeline.show_entries(reversed(entries))
        await pilot.pause()
        assert timeline.entries == entries
        assert timeline.folded == 50
        assert timeline.option_count == PAGE + 1
        assert timeline.selected_entry == entries[-1]
        earlier = str(timeline.get_option_at_index(0).prompt)
        assert "50 earlier entries" in earlier
        assert "enter shows 50 more" in earlier


async def test_choosing_the_earlier_row_unfolds_a_page_and_highlights_its_newest() -> None:
    entries = [entry(n, f"note {n}") for n in range(2 * PAGE + 10)]
    async with TimelineApp().run_test(size=(80, 24)) as pilot:
        timeline = pilot.app.query_one(Timeline)
        timeline.show_entries(entries)
        timeline.focus()
        await pilot.press("home")
        assert timeline.selected_entry is None  # the earlier row is no entry
        await pilot.press("enter")
        assert timeline.folded == 10
        assert timeline.option_count == 2 * PAGE + 1
        assert timeline.selected_entry == entries[PAGE + 9]
        await pilot.press("home", "enter")
        assert timeline.folded == 0
        assert timeline.option_count == len(entries)
        assert timeline.selected_entry == entries[9]
        await pilot.press("home")
        assert timeline.selected_entry == entries[0]


async def test_an_entry_recorded_before_the_fold_is_unfolded_and_highlighted() -> None:
    entries = [entry(n, f"note {n}") for n in range(1, PAGE + 40)]
    old = entry(0, "a log line pinned from the start of the incident")
    async with TimelineApp().run_test(size=(80, 24)) as pilot:
        timeline = pilot.app.query_one(Timeline)
        timeline.show_entries(entries)
        timeline.add_entry(old)
        assert timeline.folded == 0
        assert timeline.entries == [old, *entries]
        assert timeline.selected_entry == old


async def test_a_new_entry_goes_last_and_is_highlighted_with_the_fold_kept() -> None:
    entries = [entry(n, f"note {n}") for n in range(PAGE + 5)]
    newest = entry(PAGE + 5, "the newest note")
    async with TimelineApp().run_test(size=(80, 24)) as pilot:
        timeline = pilot.app.query_one(Timeline)
        timeline.show_entries(entries)
        timeline.add_entry(newest)
        assert timeline.folded == 5
        assert timeline.option_count == PAGE + 2
        assert timeline.selected_entry == newest


async def test_a_folded_entry_changes_without_unfolding() -> None:
    entries = [entry(n, f"note {n}") for n in range(PAGE + 5)]
    starred = Entry(**{**entries[2].__dict__, "starred": True})
    async with TimelineApp().run_test(size=(80, 24)) as pilot:
        timeline = pilot.app.query_one(Timeline)
        timeline.show_entries(entries)
        timeline.replace_entry(starred)
        assert timeline.entries[2].starred
        assert timeline.folded == 5
        assert timeline.selected_entry == entries[-1]


async def test_entry_rows_print_as_their_grid() -> None:
    console = Console(width=100, record=True, color_system=None)
    sample = entry(3, "[bold]not markup[/bold]")
    async with TimelineApp().run_test(size=(80, 24)) as pilot:
        console.print(EntryRow(pilot.app.query_one(Timeline), sample, NOW, 8))
    shown = console.export_text()
    assert "[bold]not markup[/bold]" in shown
    assert "isolate" in shown
