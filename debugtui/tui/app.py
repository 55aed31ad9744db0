"""The Textual app: wiring only. Screens live in ``screens/``, widgets in ``widgets/``.

``make_app`` builds the app around an open store (tests use it with a store in a temp dir
and a frozen clock); ``run`` is what the CLI calls: it opens the config and the store, and
turns a bad config or an unusable notebook into one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.screen import Screen

from debugtui.config import Config
from debugtui.notebook.model import utcnow
from debugtui.notebook.store import NotebookStore
from debugtui.sources.registry import make_source
from debugtui.textsafe import one_line
from debugtui.tui import terminal
from debugtui.tui.idle_gc import CHECK_S, IdleCollector
from debugtui.tui.messages import StoreFailed
from debugtui.tui.screens.start import StartScreen
from debugtui.tui.session import Session
from debugtui.tui.store_queue import StoreQueue
from debugtui.tui.typeahead import TypeAhead

if TYPE_CHECKING:  # the sources load with the first panel, not before the first frame
    from debugtui.sources.base import Source


class DebugApp(App[None]):
    """The investigation notebook TUI: the start screen, with an investigation on top."""

    TITLE = "debugtui"
    CSS_PATH = "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority, so focus moves as the app reads the key: the screen's own tab ran once
        # the key had bubbled back up, after the field had typed the keys behind it ("ro",
        # tab, "ot" in one burst put "root" in the first field; textual#6605).
        Binding("tab", "focus_next", "Next field", show=False, priority=True),
        Binding("shift+tab", "focus_previous", "Previous field", show=False, priority=True),
    ]

    def __init__(self, session: Session, open_id: str | None = None) -> None:
        super().__init__()
        self.session = session
        """The store queue, config and clock every screen shares."""
        self._open_id = open_id
        self.idle_gc = IdleCollector()
        """Full garbage collections, made between keys rather than under them."""
        self.typeahead = TypeAhead(self)
        """Keys typed while the screen they are meant for is on its way."""

    def run(self, **kwargs: Any) -> Any:
        """Run in the terminal, at the terminal's own size.

        Textual reads the size, on start and on every resize, through
        ``shutil.get_terminal_size``, which prefers COLUMNS and LINES from the environment:
        a stale export (or a CI runner's) would pin the screen to it in a bigger terminal.
        """
        if not kwargs.get("headless"):
            for name in ("COLUMNS", "LINES"):
                os.environ.pop(name, None)
        return super().run(**kwargs)

    def get_driver_class(self) -> type[Driver]:
        # Textual's Linux driver is loaded here in any case; its parser gets the guard
        # that keeps a paste holding escape characters one paste (``paste_guard``).
        driver = super().get_driver_class()
        from debugtui.tui.paste_guard import install

        install()
        return driver

    def get_default_screen(self) -> Screen[None]:
        return StartScreen(self.session, built_when_shown=self._open_id is not None)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseEvent)):
            self.idle_gc.note_input()
        if self.typeahead.take(event):
            return
        await super().on_event(event)

    def on_mount(self) -> None:
        self.idle_gc.start()
        self.set_interval(CHECK_S, self.idle_gc.tick, name="idle-gc")
        if self._open_id:
            # Imported when first needed: the start screen paints without it (B1, ~30 ms).
            from debugtui.tui.screens.investigation import InvestigationScreen

            self.typeahead.hold()  # `debugtui new "db down"`, then n and a note at once
            self.push_screen(InvestigationScreen(self.session, self._open_id))

    def on_unmount(self) -> None:
        self.idle_gc.stop()

    async def action_quit(self) -> None:
        """Quit, first handing every composer's unsaved text to the store queue."""
        from debugtui.tui.screens.investigation import InvestigationScreen

        for screen in self.screen_stack:
            if isinstance(screen, InvestigationScreen):
                screen.save_draft_now()
        self.exit()

    def on_store_failed(self, message: StoreFailed) -> None:
        self.notify(
            one_line(f"Could not {message.what}: {message.error}"),
            severity="error",
            timeout=10,
            markup=False,
        )


def make_app(
    store: NotebookStore,
    open_id: str | None = None,
    config: Config | None = None,
    clock: Callable[[], datetime] | None = None,
    sources: Callable[[str, Config], Source] | None = None,
) -> DebugApp:
    """The app on ``store``, opening ``open_id`` (an id or unique prefix) if given.

    ``clock`` returns now as an aware UTC datetime; tests freeze it. ``sources`` builds the
    source behind each evidence panel (default: the registry).
    """
    session = Session(
        queue=StoreQueue(store),
        config=config or Config(),
        clock=clock or utcnow,
        sources=sources or make_source,
    )
    return DebugApp(session, open_id)


def run(args: argparse.Namespace, open_id: str | None = None) -> int:
    """Run the TUI on ``args.db`` with ``args.config``; the CLI's exit status."""
    from debugtui.config import ConfigError, load_config
    from debugtui.notebook.store import StoreError

    try:
        config = load_config(getattr(args, "config", None))
        store = NotebookStore.open_default(getattr(args, "db", None))
    except (ConfigError, StoreError) as exc:
        print(f"debugtui: {one_line(str(exc))}", file=sys.stderr)
        return 2
    try:
        # The start screen would only show a failed read as a passing notification, and
        # then offer to write new notes into a damaged file: refuse it here, untouched.
        damage = store.integrity_check(quick=True)
        if damage != "ok":
            raise StoreError(
                f"notebook {store.path} is damaged ({damage.splitlines()[0]}); debugtui "
                "will not write to it: restore a backup or move it away"
            )
        if open_id is not None:
            open_id = store.get_investigation(open_id).id
        problem = terminal.terminal_problem()
        if problem is not None:
            print(f"debugtui: the TUI needs a terminal ({problem})", file=sys.stderr)
            return 2
        app = make_app(store, open_id, config)
        app.run()
        # Store calls asked for just before quitting (a last draft) still get made.
        app.session.queue.finish()
    except StoreError as exc:
        print(f"debugtui: {one_line(str(exc))}", file=sys.stderr)
        return 2
    finally:
        store.close()
    return 0
