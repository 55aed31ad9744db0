"""The start screen and the TUI entry point, on a real notebook file."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

import pytest
from test_tui_support import NOW, app_on, burst, no_blink, pin_investigation, settle
from textual.pilot import Pilot
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from debugtui.notebook.model import Severity
from debugtui.notebook.store import NotebookStore
from debugtui.tui.app import run
from debugtui.tui.keys import described
from debugtui.tui.screens.help import HelpScreen
from debugtui.tui.screens.investigation import InvestigationScreen
from debugtui.tui.screens.start import StartScreen


async def settle_screens(pilot: Pilot[None]) -> None:
    """Settled through the screens a burst of keys opens one after another."""
    for _ in range(4):
        await settle(pilot)
        for _ in range(3):
            await pilot.pause()


def rows(screen: StartScreen) -> list[list[str]]:
    table = screen.query_one("#investigations", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_lists_investigations_newest_first_with_their_state(store: NotebookStore) -> None:
    old = store.create_investigation("disk full on db-2", Severity.SEV3)
    pin_investigation(store, old, "old222", NOW - timedelta(hours=3))
    new = store.create_investigation("checkout 500s", Severity.SEV1)
    pin_investigation(store, new, "new333", NOW - timedelta(minutes=5))
    async with app_on(store).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, StartScreen)
        assert rows(screen) == [
            ["5m00s", "SEV1", "investigating", "reproduce", "new333", "checkout 500s"],
            ["3h00m", "SEV3", "investigating", "reproduce", "old222", "disk full on db-2"],
        ]
        assert not screen.query_one("#empty").display


async def test_empty_notebook_says_how_to_start(store: NotebookStore) -> None:
    async with app_on(store).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert pilot.app.screen.query_one("#empty").display


async def test_n_creates_an_investigation_and_opens_it(store: NotebookStore) -> None:
    async with app_on(store).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        no_blink(pilot)
        await pilot.press(*"payments timing out", "enter")
        await settle(pilot)
        [inv] = store.list_investigations()
        assert (inv.title, inv.severity) == ("payments timing out", Severity.SEV3)
        screen = pilot.app.screen
        assert isinstance(screen, InvestigationScreen)
        assert screen.investigation == inv
        await pilot.press("q")
        await settle(pilot)
        assert rows(pilot.app.screen)[0][-1] == "payments timing out"


async def test_keys_typed_right_after_n_fill_the_title_then_the_investigation(
    store: NotebookStore,
) -> None:
    """Before, the title typed before the dialog had focus was lost (and the note after it):
    keys wait while the screen they are meant for is on its way (``tui/typeahead.py``)."""
    async with app_on(store).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(pilot, "n", *"db down", "enter", "n", *"pool full", "enter")
        await settle_screens(pilot)
        [inv] = store.list_investigations()
        assert inv.title == "db down"
        assert isinstance(pilot.app.screen, InvestigationScreen)
        assert [e.text for e in store.entries(inv.id)] == ["pool full"]


async def test_keys_typed_right_after_enter_go_to_the_investigation_it_opens(
    store: NotebookStore,
) -> None:
    inv = store.create_investigation("checkout 500s", Severity.SEV2)
    async with app_on(store).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(pilot, "enter", "n", *"rolled back", "enter")
        await settle_screens(pilot)
        assert [e.text for e in store.entries(inv.id)] == ["rolled back"]


async def test_y_typed_right_after_d_answers_the_question(store: NotebookStore) -> None:
    store.create_investigation("checkout 500s", Severity.SEV2)
    async with app_on(store).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(pilot, "d", "y")
        await settle_screens(pilot)
        assert store.list_investigations() == []


async def test_a_blank_title_gives_the_keys_after_enter_back_to_it(store: NotebookStore) -> None:
    async with app_on(store).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(pilot, "n", "enter", *"late", "enter")
        await settle_screens(pilot)
        assert [i.title for i in store.list_investigations()] == ["late"]


async def test_held_keys_come_out_after_the_limit_if_no_screen_says_it_is_ready(
    store: NotebookStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from debugtui.tui import typeahead

    monkeypatch.setattr(typeahead, "HOLD_LIMIT_S", 1.0)
    async with app_on(store).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pilot.app.typeahead.hold()  # for a screen that never says it is ready
        burst(pilot, "n")
        await pilot.pause()
        assert pilot.app.typeahead.holding
        assert isinstance(pilot.app.screen, StartScreen)
        for _ in range(100):  # the limit passes
            if not pilot.app.typeahead.holding:
                break
            await pilot.pause(0.1)
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "NewInvestigationScreen"


async def test_new_dialog_refuses_a_blank_title_and_escape_cancels(store: NotebookStore) -> None:
    async with app_on(store).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", "enter")
        assert type(pilot.app.screen).__name__ == "NewInvestigationScreen"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, StartScreen)
        assert store.list_investigations() == []


async def test_enter_and_o_open_the_selected_investigation(store: NotebookStore) -> None:
    first = store.create_investigation("first")
    store.create_investigation("second")
    async with app_on(store).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, InvestigationScreen)
        assert screen.investigation_id == first.id
        await pilot.press("q")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(pilot.app.screen, InvestigationScreen)


async def test_opened_straight_into_an_investigation_the_list_is_built_when_left(
    store: NotebookStore,
) -> None:
    other = store.create_investigation("other")
    opened = store.create_investigation("opened")
    async with app_on(store, opened.id).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(pilot.app.screen, InvestigationScreen)
        start = pilot.app.screen_stack[0]
        assert isinstance(start, StartScreen)
        assert not list(start.query(DataTable))  # nothing built beneath the notebook
        await pilot.press("q")
        await settle(pilot)
        assert pilot.app.screen is start
        assert [r[-1] for r in rows(start)] == ["opened", "other"]
        assert start.query_one("#investigations", DataTable).has_focus
        footer_keys = {key.action for key in start.query(FooterKey)}
        assert {"new", "open", "delete"} <= footer_keys
        await pilot.press("down", "o")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, InvestigationScreen)
        assert screen.investigation_id == other.id


async def test_delete_asks_first(store: NotebookStore) -> None:
    keep = store.create_investigation("keep me")
    store.create_investigation("delete me")
    async with app_on(store).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("d", "n")
        await settle(pilot)
        assert len(store.list_investigations()) == 2
        await pilot.press("d", "y")
        await settle(pilot)
        assert store.list_investigations() == [keep]
        assert [r[-1] for r in rows(pilot.app.screen)] == ["keep me"]


async def test_start_help_lists_every_binding(store: NotebookStore) -> None:
    async with app_on(store).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        help_screen = pilot.app.screen
        assert isinstance(help_screen, HelpScreen)
        listed = {row.action for row in help_screen.rows}
        assert {b.action for b in described(StartScreen.BINDINGS)} <= listed
        assert [r.keys for r in help_screen.rows if r.action == "open"] == ["⏎, o"]


async def test_q_quits(store: NotebookStore) -> None:
    async with app_on(store).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not pilot.app.is_running


def test_run_reports_a_bad_config_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[logs\n", encoding="utf-8")
    args = argparse.Namespace(db=str(tmp_path / "n.db"), config=str(config))
    assert run(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("debugtui: ") and str(config) in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_run_refuses_a_file_that_is_not_a_notebook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    foreign = tmp_path / "notes.txt"
    foreign.write_text("my own notes\n", encoding="utf-8")
    args = argparse.Namespace(db=str(foreign), config=None)
    assert run(args) == 2
    err = capsys.readouterr().err
    assert "not a debugtui notebook" in err and err.count("\n") == 1
    assert foreign.read_text(encoding="utf-8") == "my own notes\n"


def test_run_reports_an_unknown_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(db=str(tmp_path / "n.db"), config=None)
    assert run(args, open_id="nosuch") == 2
    assert "no investigation" in capsys.readouterr().err
