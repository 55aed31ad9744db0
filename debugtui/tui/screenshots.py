"""Regenerate ``screenshots/*.svg``: every screen and tab of the TUI on the demo incident.

    python -m debugtui.tui.screenshots screenshots        # (make screenshots)
    python -m debugtui.tui.screenshots screenshots --only panel-logs

Each picture is the real app (``make_app``) run headless at 120x36 on the frozen demo scene
(:mod:`debugtui.demo.scene`: real git repository and logs built for a fixed moment, the live
sources replayed), driven by the keys a user would press, and exported with Textual's
``export_screenshot``. Running it twice gives the same files. Every evidence tab of the
investigation screen gets its picture from ``PANELS``: a new tab needs no change here.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerState

from debugtui.demo.scene import Scene, build_scene
from debugtui.notebook.store import NotebookStore
from debugtui.tui.app import DebugApp

SIZE = (120, 36)
SCENE_DIR = Path(tempfile.gettempdir()) / "debugtui-screenshots"
"""Always the same directory, so paths the screens show are the same on every run."""


@dataclass(frozen=True)
class Shot:
    """One picture: which screen, and the keys pressed once it has settled."""

    name: str
    title: str
    keys: tuple[str, ...] = ()
    open_investigation: bool = True


def panel_shots() -> list[Shot]:
    """One picture per evidence tab, reached with its digit as a user would."""
    from debugtui.tui.screens.investigation import PANELS

    return [
        Shot(f"panel-{slug(title)}", f"debugtui: the {title} tab", keys=(str(number),))
        for number, (title, _) in enumerate(PANELS[:9], start=1)
    ]


def shots() -> list[Shot]:
    return [
        Shot("start", "debugtui: recent investigations", open_investigation=False),
        Shot(
            "new-investigation",
            "debugtui: starting an investigation",
            keys=("n", *"Checkout 502s"),
            open_investigation=False,
        ),
        Shot("investigation", "debugtui: an investigation"),
        *panel_shots(),
        Shot("commit-patch", "debugtui: the deploy's commit and its patch", keys=("2", "enter")),
        Shot(
            "hypothesis",
            "debugtui: writing a hypothesis",
            keys=("h", *"the pricing join scans every price", "enter"),
        ),
        Shot("help", "debugtui: every key of the investigation screen", keys=("question_mark",)),
        Shot("export-preview", "debugtui: the post-mortem, exported", keys=("e",)),
    ]


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


async def settle(pilot: Pilot[None]) -> None:
    """Wait until no worker runs and every store call asked for has been made and shown."""
    app = pilot.app
    while True:
        await app.workers.wait_for_complete()
        await pilot.pause()
        busy = any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers)
        if not busy and isinstance(app, DebugApp) and app.session.queue.pending == 0:
            return


async def drive(pilot: Pilot[None], shot: Shot) -> None:
    """Press the shot's keys once the app has settled, and settle again after each; stop the
    cursors blinking and clear the toasts so the picture does not depend on when it is
    taken."""
    await settle(pilot)
    for key in shot.keys:
        await pilot.press(key)
        await settle(pilot)
    for screen in pilot.app.screen_stack:
        for field in screen.query(Input):
            field.cursor_blink = False
    # A toast lives a few seconds: whether it is still up would depend on the machine's speed.
    pilot.app.clear_notifications()
    await pilot.pause()


async def capture(scene: Scene, shot: Shot) -> str:
    """The SVG of one shot, on a fresh copy of the scene's notebook."""
    with NotebookStore(scene.db) as store:
        app = scene.app(store, open_investigation=shot.open_investigation)
        async with app.run_test(size=SIZE) as pilot:
            await drive(pilot, shot)
            svg = app.export_screenshot(title=shot.title)
    # Rich names the SVG's classes after a hash of the segments, which carry random link
    # ids: the shot's own name keeps them unique and the file the same from run to run.
    return re.sub(r"terminal-\d+", f"terminal-{shot.name}", svg)


def generate(out_dir: Path, only: Sequence[str] = ()) -> list[Path]:
    """Write the SVGs (all, or the ``only`` names) into ``out_dir``; the files written."""
    wanted = [s for s in shots() if not only or s.name in only]
    unknown = set(only) - {s.name for s in wanted}
    if unknown:
        raise SystemExit(f"unknown screenshot(s): {', '.join(sorted(unknown))}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    home = Path.cwd()
    try:
        for shot in wanted:
            # A fresh scene each time: a shot that types leaves a draft in the notebook.
            shutil.rmtree(SCENE_DIR, ignore_errors=True)
            scene = build_scene(SCENE_DIR)
            os.chdir(SCENE_DIR)  # the config's paths, and where the export is written
            svg = asyncio.run(capture(scene, shot))
            os.chdir(home)
            path = out_dir / f"{shot.name}.svg"
            path.write_text(svg, encoding="utf-8")
            written.append(path)
            print(path, flush=True)
    finally:
        os.chdir(home)
        shutil.rmtree(SCENE_DIR, ignore_errors=True)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m debugtui.tui.screenshots", description=__doc__)
    parser.add_argument("out_dir", type=Path, help="where the SVGs go (screenshots)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME", help="repeatable")
    args = parser.parse_args(argv)
    generate(args.out_dir.resolve(), args.only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
