"""The held footer: no keys while the screen opens, the screen's keys once released."""

from __future__ import annotations

from typing import ClassVar

from fault_support import screen_text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from debugtui.tui.widgets.held_footer import HeldFooter


class FooterApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "bell", "Note"),
        Binding("x", "bell", "Hidden", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Static("content")
        yield HeldFooter(compact=True)


def shown(app: App[None]) -> list[str]:
    return [key.description for key in app.screen.query(FooterKey)]


async def test_keys_are_held_back_until_released() -> None:
    app = FooterApp()
    async with app.run_test(size=(80, 24)) as pilot:
        footer = app.screen.query_one(HeldFooter)
        app.screen.refresh_bindings()
        await pilot.pause()
        assert footer.held and shown(app) == []
        footer.release()
        await pilot.pause()
        assert "Note" in shown(app) and "Hidden" not in shown(app)
        assert footer.compact and footer.has_class("-compact")


class CrowdedFooterApp(FooterApp):
    """More keys than 80 columns hold, as on the investigation screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(key, f"bell_{key}", f"Keyname{key}") for key in "abcdefghijkl"
    ]


async def test_the_palette_key_ends_the_row_with_nothing_of_the_keys_under_it() -> None:
    app = CrowdedFooterApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one(HeldFooter).release()
        await pilot.pause()
        row = screen_text(pilot).splitlines()[-1]
        assert len(row) == 80
        assert row.endswith("^p palette ")  # Textual's compact footer left "^p paletteK"
