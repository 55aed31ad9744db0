"""A TurnField's keys act in the order they were typed, editing keys included: a burst (an
SSH link catching up, a paste, a fast typist) with a backspace or an arrow in it edits the
text as typed, where a plain Input runs those keys after the characters behind them."""

from __future__ import annotations

from test_tui_support import burst
from textual.app import App, ComposeResult

from debugtui.tui.widgets.turn_field import TurnField


class FieldApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TurnField(id="field")


async def typed(*keys: str) -> str:
    app = FieldApp()
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.query_one(TurnField)
        field.focus()
        await pilot.pause()
        burst(pilot, *keys)
        await pilot.pause()
        await pilot.pause()
        return field.value


async def test_a_backspace_in_a_burst_deletes_what_was_typed_before_it() -> None:
    assert await typed("b", "a", "backspace", "c") == "bc"  # a plain Input: "ba"


async def test_arrows_and_home_in_a_burst_move_the_cursor_where_they_were_typed() -> None:
    assert await typed("a", "c", "left", "b", "end", "d", "home", "_") == "_abcd"


async def test_ctrl_w_in_a_burst_deletes_the_word_before_it() -> None:
    assert await typed(*"rolled bak", "ctrl+w", *"back") == "rolled back"
