"""``debugtui demo``: build the sandbox incident, open the TUI on it, and undo it all on exit.

Whatever happens (the user quits, SIGTERM, SIGHUP, SIGINT, an exception) the engines the
demo started are stopped and its temp directory removed: the work runs in ``try/finally``,
and the signals either ask the running TUI to quit (so the terminal is restored) or, before
and after it, unwind through the ``finally`` as an exit. ``--check`` builds, collects every
source once to show what the TUI would show, and tears down: what a test runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from debugtui.config import ConfigError
from debugtui.demo.incident import DEPLOY_TAG, DemoFiles
from debugtui.demo.sandbox import DemoSandbox, sandbox_dir_mode
from debugtui.notebook.store import StoreError
from debugtui.textsafe import one_line

if TYPE_CHECKING:
    from textual.app import App

    from debugtui.notebook.model import Investigation

TITLE = f"Checkout 502s after the {DEPLOY_TAG} deploy (demo)"
FIRST_NOTE = (
    "Paged: POST /api/checkout answers 502 after 5 s for about half the requests. "
    "This is the demo incident: the tabs hold its evidence (digits jump to them), "
    "n adds a note, h a hypothesis, ] moves to the next phase, ? shows every key."
)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


def out(line: str) -> None:
    """Print a progress line; a terminal that went away (SIGHUP) must not stop the teardown."""
    with contextlib.suppress(OSError, ValueError):
        print(line, flush=True)


def run_demo(args: argparse.Namespace) -> int:
    """The command's handler; its exit status."""
    root = Path(tempfile.mkdtemp(prefix="debugtui-demo-"))
    root.chmod(sandbox_dir_mode())
    sandbox = DemoSandbox(root, engines=not args.no_engines, say=lambda line: out(f"  {line}"))
    guard = SignalGuard()
    guard.install()
    out(f"debugtui demo: sandbox in {root}")
    try:
        files = sandbox.start()
        db = Path(args.db) if args.db else root / "notebook.db"
        inv = create_investigation(db, files)
        for line in sandbox.report:
            out(f"  {line}")
        out(f"  {'Notebook:':<12}{db} (investigation {inv.id}: {one_line(inv.title)})")
        if args.check:
            return check(sandbox)
        out("Opening the TUI. Quit with q on the list; everything above is then stopped.")
        return open_tui(sandbox, db, inv.id, guard)
    except (StoreError, ConfigError) as exc:
        with contextlib.suppress(OSError, ValueError):
            print(f"debugtui demo: {one_line(str(exc))}", file=sys.stderr, flush=True)
        return 2
    finally:
        guard.stopping = True
        try:
            sandbox.stop()
            if args.keep:
                out(f"debugtui demo: engines stopped; files kept in {root}")
            else:
                sandbox.remove()
                out(f"debugtui demo: engines stopped and {root} removed")
        finally:
            guard.restore()


def create_investigation(db: Path, files: DemoFiles) -> Investigation:
    """The demo's investigation: impact backdated to the error spike, detected soon after."""
    from debugtui.notebook.model import EntryKind, Milestone, Severity
    from debugtui.notebook.store import NotebookStore

    with NotebookStore.open_default(str(db)) as store:
        inv = store.create_investigation(
            TITLE, Severity.SEV2, tags=["demo"], impact_started_at=files.spike_at
        )
        detected = min(files.spike_at + timedelta(minutes=4), files.now)
        store.set_milestone(inv.id, Milestone.DETECTED, detected)
        store.add_entry(inv.id, EntryKind.NOTE, FIRST_NOTE, happened_at=detected)
        return store.get_investigation(inv.id)


def check(sandbox: DemoSandbox) -> int:
    """Collect every source once with the demo's config, as the TUI's tabs would; 0 when
    every source whose engine runs here answered."""
    from debugtui.config import load_config
    from debugtui.sources.collect import collect_all, default_params
    from debugtui.sources.registry import SOURCES

    config = load_config(sandbox.config_path)
    params = {name: default_params(name, config) for name in SOURCES}
    snaps = collect_all(list(SOURCES), config, params, timeout_s=30.0)
    expected_down = {
        "queries": sandbox.postgres is None,
        "containers": sandbox.engine is None,
    }
    status = 0
    for name, snap in snaps.items():
        if snap.ok:
            tables = list(snap.tables().values())
            rows = (
                f" ({len(tables[0].rows)} rows in {tables[0].title or 'its table'})"
                if tables
                else ""
            )
            out(f"  ok    {name}{rows}")
        else:
            down = expected_down.get(name, False)
            out(f"  {'down' if down else 'FAIL'}  {name}: {one_line(snap.error or '', 160)}")
            if not down:
                status = 1
    return status


def open_tui(sandbox: DemoSandbox, db: Path, inv_id: str, guard: SignalGuard) -> int:
    from debugtui.config import load_config
    from debugtui.notebook.store import NotebookStore
    from debugtui.tui.app import make_app

    config = load_config(sandbox.config_path)
    with NotebookStore.open_default(str(db)) as store:
        app = make_app(store, inv_id, config)
        guard.app = app
        try:
            app.run()
        finally:
            guard.app = None
            # Store calls asked for just before quitting (a last draft) still get made.
            app.session.queue.finish()
    return 128 + guard.received if guard.received else 0


class SignalGuard:
    """SIGTERM, SIGHUP and SIGINT end the demo the way quitting does.

    While the TUI runs, a signal asks it to quit (its terminal is restored, drafts saved);
    before and after, it exits through the ``finally`` that stops the engines. Once that
    teardown has begun (:attr:`stopping`), further signals are ignored: an engine left half
    stopped is what the teardown exists to prevent.
    """

    def __init__(self) -> None:
        self.app: App[None] | None = None
        self.stopping = False
        self.received = 0
        """The last signal that ended the demo (0: none); the exit status says it."""
        self._previous: dict[int, Callable[..., object] | int | None] = {}

    def install(self) -> None:
        for sig in STOP_SIGNALS:
            self._previous[sig] = signal.signal(sig, self._handle)

    def restore(self) -> None:
        for sig, old in self._previous.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.stopping:
            return
        self.received = signum
        app = self.app
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if app is not None and loop is not None and app.is_running:
            # We are in the TUI's own thread, between two steps of its loop: ask it to quit.
            loop.call_soon_threadsafe(lambda: app.call_later(app.action_quit))
            return
        raise SystemExit(128 + signum)
