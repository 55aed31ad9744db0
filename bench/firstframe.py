"""``python -m bench.firstframe bare|debugtui [ARGS...]``: start an app, exit at its first frame.

The one driver both sides of B1 (and B7's open) run under, so "first painted frame" means
the same thing for each: Textual's ``App.run`` is wrapped to run headless at 80x24, and the
process ends (``os._exit``) the moment the top screen's compositor hands its first frame to
``App._display`` and that frame has been encoded into the bytes a terminal would receive.
Teardown is left out on purpose: it is not what a responder waits for.

``bare`` is the reference: a Textual app with a Header, a Static and a Footer. ``debugtui``
goes through ``debugtui.cli.main`` exactly as the console script does (the same lazy
imports, config, notebook file and start screen); any further arguments are its arguments.
``--until-entries N`` waits instead for the first frame of an investigation screen whose
timeline holds N entries (B7: open a 10,000-entry investigation; the timeline gives the
newest a row each and folds the rest into one row, see :mod:`debugtui.tui.widgets.timeline`).
"""

from __future__ import annotations

import os
import sys
from typing import Any


def _install(until_entries: int | None) -> None:
    """Wrap ``App.run`` (headless, 80x24) and ``App._display`` (exit at the wanted frame)."""
    from textual.app import App

    run = App.run
    display = App._display

    def headless_run(self: App[Any], **kwargs: Any) -> Any:
        kwargs.update(headless=True, size=(80, 24))
        return run(self, **kwargs)

    def first_frame(self: App[Any], screen: Any, renderable: Any) -> None:
        display(self, screen, renderable)
        if renderable is None or screen is not self.screen or not _wanted(screen, until_entries):
            return
        # What the terminal driver would write: the frame encoded into escape sequences.
        frame = renderable.render_segments(self.console)
        os.write(1, f"frame {len(frame)} bytes, {type(screen).__name__}\n".encode())
        os._exit(0)

    App.run = headless_run  # type: ignore[method-assign]
    App._display = first_frame  # type: ignore[method-assign]


def _wanted(screen: Any, until_entries: int | None) -> bool:
    if until_entries is None:
        return True
    timeline = getattr(screen, "timeline", None)
    return timeline is not None and len(timeline.entries) >= until_entries


def _bare() -> int:
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header, Static

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield Static("Hello from a bare Textual app.")
            yield Footer()

    Bare().run()
    return 0


def main(argv: list[str]) -> int:
    until: int | None = None
    if "--until-entries" in argv:
        at = argv.index("--until-entries")
        until = int(argv[at + 1])
        del argv[at : at + 2]
    _install(until)
    which, rest = argv[0], argv[1:]
    if which == "bare":
        status = _bare()
    else:
        from debugtui.tui import terminal

        terminal.terminal_problem = lambda: None  # headless: no terminal needed
        from debugtui.cli import main as debugtui_main

        status = debugtui_main(rest)
    # Reaching here means the app ended without the wanted frame: say so and fail.
    print(f"no frame: app exited with {status}", file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
