"""The Guide tab: the phase's steps with the keys that do them, and where a playbook fits."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_tui_support import app_on, open_store, settle

from debugtui.notebook.model import Severity
from debugtui.tui.screens.investigation import PANELS, InvestigationScreen
from debugtui.tui.widgets.guide import GuidePanel


def guide_text(screen: InvestigationScreen) -> str:
    from rich.console import Console

    console = Console(width=200, record=True, color_system=None)
    console.print(screen.query_one("#guide-text").render())
    return console.export_text()


@pytest.mark.parametrize(
    ("playbook", "says"),
    [
        ("deploy-errors", "    k the playbook's steps for this phase"),
        (None, "    b follow a playbook for this kind of incident"),
    ],
    ids=["with-playbook", "without"],
)
async def test_guide_says_where_the_playbook_steps_are_or_how_to_pick_one(
    tmp_path: Path, playbook: str | None, says: str
) -> None:
    with open_store(tmp_path) as store:
        inv = store.create_investigation("checkout 500s", Severity.SEV2, playbook_id=playbook)
        app = app_on(store, inv.id)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            screen = pilot.app.screen
            assert isinstance(screen, InvestigationScreen)
            screen.action_tab([title for title, _ in PANELS].index("Guide") + 1)
            await settle(pilot)
            assert screen.query_one(GuidePanel).investigation is not None
            shown = guide_text(screen)
            assert says in shown
            assert "note the exact request" in shown  # the phase's own steps stay first
            assert shown.index("note the exact request") < shown.index(says.strip())
