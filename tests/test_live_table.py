"""LiveTable under big changes: rows added in slices, tables replaced wholesale."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.pilot import Pilot

from debugtui.sources.base import Table
from debugtui.tui.panels.table import ADD_SLICE, REFILL_AT, LiveTable

COLUMNS = ("time", "file", "line", "text")


def table(lines: range) -> Table:
    return Table(COLUMNS, tuple(("12:00:00", "app.log", str(n), f"line {n}") for n in lines))


def shown_lines(live: LiveTable) -> list[int]:
    return [int(str(live.get_row_at(i)[2])) for i in range(live.row_count)]


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LiveTable(("file", "line"))


async def all_in(pilot: Pilot[None], live: LiveTable) -> None:
    for _ in range(100):
        if not live.pending_rows:
            return
        await pilot.pause()
    raise AssertionError(f"{live.pending_rows} rows never arrived")


async def test_rows_beyond_a_slice_arrive_on_later_turns_all_in_order() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        live = app.query_one(LiveTable)
        live.show(table(range(500)))
        assert live.row_count == ADD_SLICE and live.pending_rows == 500 - ADD_SLICE
        await all_in(pilot, live)
        assert shown_lines(live) == list(range(500))


async def test_a_table_replaced_wholesale_keeps_the_cursor_on_its_row() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        live = app.query_one(LiveTable)
        live.show(table(range(300)))
        await all_in(pilot, live)
        live.move_cursor(row=250)
        live.show(table(range(200, 600)))  # 200 rows leave: cleared and filled again
        await all_in(pilot, live)
        assert shown_lines(live) == list(range(200, 600))
        assert live.cursor_values == ("12:00:00", "app.log", "250", "line 250")


async def test_a_few_rows_leaving_are_removed_in_place() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        live = app.query_one(LiveTable)
        live.show(table(range(50)))
        live.move_cursor(row=40)
        live.show(table(range(REFILL_AT - 1, 60)))
        assert live.pending_rows == 0
        assert shown_lines(live) == list(range(REFILL_AT - 1, 60))
        assert live.cursor_values is not None and live.cursor_values[2] == "40"
        await pilot.pause()


async def test_a_newer_table_shown_between_slices_is_what_stays() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        live = app.query_one(LiveTable)
        live.show(table(range(500)))
        live.show(table(range(1000, 1300)))
        await all_in(pilot, live)
        await pilot.pause()
        assert shown_lines(live) == list(range(1000, 1300))


async def test_marked_rows_stay_marked_through_a_refill() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        live = app.query_one(LiveTable)
        live.show(table(range(100)))
        live.move_cursor(row=90)
        live.toggle_mark()
        live.show(table(range(50, 150)))
        await all_in(pilot, live)
        assert live.selected_rows() == [("12:00:00", "app.log", "90", "line 90")]
        marked = live.get_row_at(90 - 50)
        assert all("reverse" in str(text.spans) for text in marked)


async def test_the_cursor_goes_to_the_last_row_once_all_rows_are_in() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        live = app.query_one(LiveTable)
        live.show(table(range(350)), cursor_at_end=True)
        await all_in(pilot, live)
        assert live.cursor_row == 349
