"""LiveTable under big changes: rows added in slices, tables replaced wholesale."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.pilot import Pilot

from debugtui.sources.base import Table
from debugtui.tui.panels.table import ADD_SLICE, MAX_WIDTH, REFILL_AT, LiveTable

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


def rendered_line(live: LiveTable, row: int) -> str:
    """What the screen shows on ``row``'s line (below the header)."""
    return "".join(s.text for s in live.render_line(row + 1)).rstrip()


async def test_a_value_grown_longer_widens_its_column_to_show_whole() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        live = app.query_one(LiveTable)
        live.show(Table(COLUMNS, (("12:00:00", "a.log", "1", "up 0s"),)))
        await pilot.pause()
        live.show(Table(COLUMNS, (("12:00:00", "a.log", "1", "up 2h03m"),)))  # updated
        live.show(
            Table(
                COLUMNS,
                (
                    ("12:00:00", "a.log", "1", "up 2h03m"),
                    ("12:00:00", "a-much-longer-name.log", "2", "up 1s"),  # added
                ),
            )
        )
        await pilot.pause()
        assert "up 2h03m" in rendered_line(live, 0)
        assert "a-much-longer-name.log" in rendered_line(live, 1)
        assert live.columns["text"].width == len("up 2h03m")  # type: ignore[index]


async def test_no_column_grows_past_the_widest_a_cell_is_cut_to() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        live = app.query_one(LiveTable)
        live.show(Table(COLUMNS, (("12:00:00", "a.log", "1", "short"),)))
        live.show(Table(COLUMNS, (("12:00:00", "a.log", "1", "x" * 500),)))
        await pilot.pause()
        assert live.columns["text"].width == MAX_WIDTH  # type: ignore[index]


def top(order: list[int]) -> Table:
    """A top view: rows keyed by pid, in the order given (busiest first)."""
    return Table(("pid", "cpu %"), tuple((str(pid), f"{100 - i}.0") for i, pid in enumerate(order)))


class TopApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LiveTable(("pid",))


def pids(live: LiveTable) -> list[str]:
    return [str(live.get_row_at(i)[0]) for i in range(live.row_count)]


async def test_a_top_view_shows_its_new_order_with_the_cursor_on_its_row() -> None:
    app = TopApp()
    async with app.run_test(size=(80, 24)) as pilot:
        live = app.query_one(LiveTable)
        live.show(top([10, 20, 30, 40]))
        live.move_cursor(row=1)  # pid 20
        live.show(top([40, 10, 20, 30]))  # 40 got busy
        await pilot.pause()
        assert pids(live) == ["40", "10", "20", "30"]
        assert live.cursor_values == ("20", "98.0")


async def test_a_new_row_busier_than_the_others_goes_on_top_not_at_the_bottom() -> None:
    app = TopApp()
    async with app.run_test(size=(80, 24)) as pilot:
        live = app.query_one(LiveTable)
        live.show(top([10, 20, 30]))
        live.show(top([99, 10, 20, 30]))
        await pilot.pause()
        assert pids(live) == ["99", "10", "20", "30"]


async def test_a_table_the_responder_sorted_keeps_their_sort() -> None:
    app = TopApp()
    async with app.run_test(size=(80, 24)) as pilot:
        live = app.query_one(LiveTable)
        live.show(top([30, 10, 20]))
        live.move_cursor(column=0)
        assert live.sort_by_cursor_column() == "pid"
        live.show(top([20, 30, 10, 5]))
        await pilot.pause()
        assert pids(live) == ["5", "10", "20", "30"]
