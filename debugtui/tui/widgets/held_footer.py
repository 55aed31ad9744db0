"""A footer that holds back the screen's keys until the screen says its content is drawn.

Textual's footer is built empty and rebuilt, keys and all, whenever the screen's bindings
change. Rebuilt while a screen is still opening (9 keys, each styled twice: ~50 ms, twice that
while a worker thread competes for the GIL), it delayed the investigation's first full frame.
Held, it keeps its row and shows the keys once released.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class HeldFooter(Footer):
    """A :class:`Footer` that ignores binding changes until :meth:`release` is called."""

    # Textual's compact footer gives every key a right margin, the palette key (docked at the
    # right edge) too: the cell it leaves showed the key scrolled under it ("^p paletteH").
    DEFAULT_CSS = """
    HeldFooter.-compact FooterKey.-command-palette {
        margin-right: 0;
        padding-right: 1;
    }
    """

    def __init__(self, *, compact: bool = False) -> None:
        super().__init__(compact=compact)
        self.held = True
        """True until released: the keys are not shown yet."""

    def bindings_changed(self, screen: Screen[object]) -> None:
        if not self.held:
            super().bindings_changed(screen)

    def release(self) -> None:
        """Show the screen's keys from now on."""
        if self.held:
            self.held = False
            # Through the screen's signal: the footer rebuilds in its own context, as always.
            self.screen.refresh_bindings()
