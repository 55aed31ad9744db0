"""The investigation screen, driven by keys through Pilot on a real notebook file.

Every test asserts both sides: what the store committed and what the screen shows.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_tui_support import NOW, app_on, burst, no_blink, open_store, settle
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from debugtui.notebook.model import (
    EntryKind,
    HypothesisStatus,
    Investigation,
    Milestone,
    Phase,
    Severity,
    Status,
)
from debugtui.notebook.store import NotebookStore
from debugtui.tui.keys import described
from debugtui.tui.screens.help import HelpScreen
from debugtui.tui.screens.investigation import InvestigationScreen, draft_key
from debugtui.tui.widgets.composer import Composer
from debugtui.tui.widgets.timeline import Timeline

SIZES = [(80, 24), (120, 36)]


@pytest.fixture
def store(tmp_path: Path) -> NotebookStore:
    with open_store(tmp_path) as opened:
        yield opened


@pytest.fixture
def inv(store: NotebookStore) -> Investigation:
    return store.create_investigation("checkout 500s", Severity.SEV2)


def timeline_text(screen: InvestigationScreen) -> str:
    """Everything the timeline shows, as plain text (each row rendered at 200 columns)."""
    from rich.console import Console

    console = Console(width=200, record=True, color_system=None)
    timeline = screen.query_one(Timeline)
    for index in range(timeline.option_count):
        console.print(timeline.get_option_at_index(index).prompt)
    return console.export_text()


async def open_screen(pilot: Pilot[None]) -> InvestigationScreen:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, InvestigationScreen)
    no_blink(pilot)
    return screen


async def type_entry(pilot: Pilot[None], key: str, *fields: str) -> None:
    """Open the composer with ``key`` and type ``fields``, enter after each."""
    await pilot.press(key)
    for text in fields:
        await pilot.press(*text)
        await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
async def test_note_is_committed_then_shown(
    store: NotebookStore, inv: Investigation, size: tuple[int, int]
) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=size) as pilot:
        screen = await open_screen(pilot)
        await type_entry(pilot, "n", "p99 at 4s on /checkout")
        [entry] = store.entries(inv.id)
        assert (entry.kind, entry.text, entry.phase) == (
            EntryKind.NOTE,
            "p99 at 4s on /checkout",
            Phase.REPRODUCE,
        )
        assert entry.happened_at == NOW
        assert "p99 at 4s on /checkout" in timeline_text(screen)
        assert screen.query_one(Timeline).selected_entry == entry
        assert not screen.query_one(Composer).is_open


async def test_hypothesis_records_because_and_disproof(
    store: NotebookStore, inv: Investigation
) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await type_entry(pilot, "h", "the pool is too small", "timeouts in the log", "revert it")
        [entry] = store.entries(inv.id)
        assert entry.kind is EntryKind.HYPOTHESIS
        assert entry.text == "the pool is too small"
        hyp = entry.hypothesis
        assert (hyp.status, hyp.because, hyp.disproof) == (
            HypothesisStatus.OPEN,
            "timeouts in the log",
            "revert it",
        )
        shown = timeline_text(screen)
        assert "[open] the pool is too small because timeouts in the log" in shown
        assert "disprove by revert it" in shown


async def test_keys_typed_right_after_enter_land_in_the_next_field(
    store: NotebookStore, inv: Investigation
) -> None:
    """A fast typist (or a paste, or a terminal under load) sends enter and the next field's
    text in one burst: every key is queued before the first is handled."""
    from textual import events

    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot)
        await pilot.press("h")
        await pilot.pause()
        burst = [*"pool", "enter", *"load", "enter", *"revert", "enter"]
        for key in burst:
            char = {"enter": "\r"}.get(key, key)
            pilot.app.post_message(events.Key(key, char))
        await settle(pilot)
        [entry] = store.entries(inv.id)
        assert entry.text == "pool"
        assert (entry.hypothesis.because, entry.hypothesis.disproof) == ("load", "revert")


async def test_a_key_typed_right_after_the_saving_enter_is_a_screen_key(
    store: NotebookStore, inv: Investigation, tmp_path: Path
) -> None:
    """Before, the ``e`` landed in the note ("rolled backe"): the field took it before its
    enter binding saved; or, a moment later, in the closed composer, and no export came."""
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot)
        await pilot.press("n")
        await pilot.pause()
        burst(pilot, *"rolled back", "enter", "e")
        await settle(pilot)
        assert [e.text for e in store.entries(inv.id)] == ["rolled back"]
        assert type(pilot.app.screen).__name__ == "ExportPreviewScreen"
        exported = (tmp_path / f"postmortem-{inv.id}.md").read_text(encoding="utf-8")
        assert "rolled back" in exported  # the export came after the note, as typed


async def test_a_burst_with_tabs_and_backspaces_fills_the_action_as_typed(
    store: NotebookStore, inv: Investigation
) -> None:
    """Tab and backspace ran after the characters behind them: the owner typed after two
    tabs went into the action's text, and a backspace deleted the letter typed after it."""
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        burst(pilot, "a", *"roll bakc", "backspace", "backspace", *"ck", "tab", "tab", *"dana")
        await settle(pilot)
        composer = screen.composer
        assert composer.query_one("#field-text", Input).value == "roll back"
        assert composer.query_one("#field-owner", Input).value == "dana"


async def test_keys_typed_right_after_n_go_into_the_note(
    store: NotebookStore, inv: Investigation
) -> None:
    """Before, they went to whatever had focus while the composer's focus was still on its
    way, and were lost (or ran as commands: ``q`` is back)."""
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        burst(pilot, "n", *"queue at 4k", "enter", "h", *"pool", "enter", "enter", "enter")
        burst(pilot, "d", *"roll back", "enter")  # queued behind the hypothesis' last field
        await settle(pilot)
        assert pilot.app.screen is screen
        entries = store.entries(inv.id)
        assert [(e.kind, e.text) for e in entries] == [
            (EntryKind.NOTE, "queue at 4k"),
            (EntryKind.HYPOTHESIS, "pool"),
            (EntryKind.DECISION, "roll back"),
        ]


async def test_entry_keys_typed_in_a_filter_are_text(
    store: NotebookStore, inv: Investigation
) -> None:
    """``n``, ``h``, ``a``, ``d`` open the composer before any other key is handed out, so
    they must stand aside where a text field has focus."""
    from textual.widgets import Input

    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("2", "slash")
        await pilot.pause()
        field = screen.focused
        assert isinstance(field, Input) and field.id == "panel-filter"
        await pilot.press(*"handle")
        assert field.value == "handle"
        assert not screen.composer.is_open


async def test_action_item_saves_with_prefilled_defaults(
    store: NotebookStore, inv: Investigation
) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await type_entry(pilot, "a", "roll back v1.4.2")
        [entry] = store.entries(inv.id)
        assert entry.kind is EntryKind.ACTION
        action = entry.action
        assert action.type.value == "mitigate"
        assert action.due == NOW.date().isoformat()
        assert action.owner  # the logged-in user
        assert not action.followup
        assert "roll back v1.4.2 — mitigate" in timeline_text(screen)


async def test_action_fields_can_be_changed_with_tab(
    store: NotebookStore, inv: Investigation
) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("a", *"add a pool alert")
        composer = screen.query_one(Composer)
        composer.query_one("#field-type").value = "prevent"
        await pilot.pause()
        owner = composer.query_one("#field-owner")
        owner.value = "bob"
        composer.query_one("#field-ticket").value = "OPS-99"
        owner.focus()
        await pilot.press("enter")
        await settle(pilot)
        action = store.entries(inv.id)[0].action
        assert (action.type.value, action.owner, action.ticket) == ("prevent", "bob", "OPS-99")
        assert action.due == "2026-02-14"  # the prevent default followed the type change
        assert action.followup


async def test_decision_is_committed_then_shown(store: NotebookStore, inv: Investigation) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await type_entry(pilot, "d", "roll back rather than hotfix")
        [entry] = store.entries(inv.id)
        assert (entry.kind, entry.text) == (EntryKind.DECISION, "roll back rather than hotfix")
        assert "decision" in timeline_text(screen)


async def test_blank_entry_is_not_saved(store: NotebookStore, inv: Investigation) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("n", "space", "enter")
        await settle(pilot)
        assert store.entries(inv.id) == []
        assert screen.query_one(Composer).is_open


async def test_phase_keys_move_and_record_phase_changes(
    store: NotebookStore, inv: Investigation
) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket", "left_square_bracket")
        await settle(pilot)
        assert store.get_investigation(inv.id).phase is Phase.ISOLATE
        changes = [e for e in store.entries(inv.id) if e.kind is EntryKind.PHASE_CHANGE]
        assert [(e.data["from"], e.data["to"]) for e in changes] == [
            ("reproduce", "isolate"),
            ("isolate", "hypothesize"),
            ("hypothesize", "isolate"),
        ]
        assert screen.investigation is not None
        assert screen.investigation.phase is Phase.ISOLATE
        assert timeline_text(screen).count("phase") >= 3


async def test_first_phase_has_no_previous(store: NotebookStore, inv: Investigation) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert store.entries(inv.id) == []
        assert store.get_investigation(inv.id).phase is Phase.REPRODUCE


async def test_mitigated_then_resolved_sets_status_and_milestones(
    store: NotebookStore, inv: Investigation
) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("m")
        await settle(pilot)
        mid = store.get_investigation(inv.id)
        assert mid.status is Status.MITIGATED
        assert mid.milestone(Milestone.MITIGATED) == NOW
        assert mid.resolved_at is None
        await pilot.press("r")
        await settle(pilot)
        done = store.get_investigation(inv.id)
        assert done.status is Status.RESOLVED
        assert (done.mitigated_at, done.resolved_at) == (NOW, NOW)
        kinds = [e.kind for e in store.entries(inv.id)]
        assert kinds == [EntryKind.STATUS_CHANGE, EntryKind.STATUS_CHANGE]
        assert "Status: mitigated → resolved" in timeline_text(screen)
        assert "resolved" in str(screen.query_one("#status").render())


async def test_shift_a_records_the_acknowledgement_once(
    store: NotebookStore, inv: Investigation
) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("A")
        await settle(pilot)
        assert store.get_investigation(inv.id).milestone(Milestone.ACKNOWLEDGED) == NOW
        assert "Acknowledged" in timeline_text(screen)
        await pilot.press("A")
        await settle(pilot)
        assert [e.kind for e in store.entries(inv.id)] == [EntryKind.MILESTONE]
        assert any("already" in n.message for n in app._notifications)


async def test_space_cycles_the_selected_hypothesis(
    store: NotebookStore, inv: Investigation
) -> None:
    store.add_entry(inv.id, EntryKind.HYPOTHESIS, "dns", data={"status": "open"}, happened_at=NOW)
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        seen = []
        for key in ("space", "c", "space"):
            await pilot.press(key)
            await settle(pilot)
            seen.append(store.entries(inv.id)[0].hypothesis.status)
        assert seen == [HypothesisStatus.SUPPORTED, HypothesisStatus.REFUTED, HypothesisStatus.OPEN]
        await pilot.press("c")
        await settle(pilot)
        assert "[supported] dns" in timeline_text(screen)


async def test_cycle_ignores_entries_that_are_not_hypotheses(
    store: NotebookStore, inv: Investigation
) -> None:
    note = store.add_entry(inv.id, EntryKind.NOTE, "just a note", happened_at=NOW)
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert store.get_entry(note.id).data == {}


async def test_star_toggles_the_selected_entry(store: NotebookStore, inv: Investigation) -> None:
    store.add_entry(inv.id, EntryKind.NOTE, "older", happened_at=NOW)
    newest = store.add_entry(inv.id, EntryKind.NOTE, "newest", happened_at=NOW)
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert store.get_entry(newest.id).starred
        assert "★ reproduce" in timeline_text(screen)
        await pilot.press("up", "s")
        await settle(pilot)
        assert [e.starred for e in store.entries(inv.id)] == [True, True]
        await pilot.press("s")
        await settle(pilot)
        assert [e.starred for e in store.entries(inv.id)] == [False, True]


async def test_export_writes_a_private_postmortem_and_previews_it(
    store: NotebookStore, inv: Investigation, tmp_path: Path
) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot)
        await type_entry(pilot, "n", "rolled back at 14:20")
        await pilot.press("e")
        await settle(pilot)
        path = tmp_path / f"postmortem-{inv.id}.md"
        assert path.is_file()
        assert "rolled back at 14:20" in path.read_text(encoding="utf-8")
        assert os.stat(path).st_mode & 0o777 == 0o600
        preview = pilot.app.screen
        assert type(preview).__name__ == "ExportPreviewScreen"
        assert "rolled back at 14:20" in str(preview.query_one("#export-text").render())
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, InvestigationScreen)


async def test_export_from_a_deleted_directory_goes_next_to_the_notebook_and_says_so(
    store: NotebookStore, inv: Investigation, tmp_path: Path
) -> None:
    gone = tmp_path / "release-41"  # a release directory a deploy swapped out
    gone.mkdir()
    os.chdir(gone)
    gone.rmdir()
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot)
        await pilot.press("e")
        await settle(pilot)
        path = store.path.parent / f"postmortem-{inv.id}.md"
        assert path.is_file() and os.stat(path).st_mode & 0o777 == 0o600
        assert type(pilot.app.screen).__name__ == "ExportPreviewScreen"
        [note] = [n.message for n in pilot.app._notifications]
        assert note.startswith("the current directory could not be written (No such file")
        assert note.endswith(f"written to {path}")


async def test_help_lists_every_binding(store: NotebookStore, inv: Investigation) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot)
        await pilot.press("question_mark")
        help_screen = pilot.app.screen
        assert isinstance(help_screen, HelpScreen)
        listed = {row.action for row in help_screen.rows}
        for binding in described(InvestigationScreen.BINDINGS):
            assert binding.action in listed
        table = help_screen.query_one("#keys")
        cells = {str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        assert {"Note", "Hypothesis", "Next phase", "Cycle status", "Commands"} <= cells
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, InvestigationScreen)


async def test_command_palette_offers_the_screen_actions(
    store: NotebookStore, inv: Investigation
) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot)
        await pilot.press("ctrl+p", *"next phase")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert store.get_investigation(inv.id).phase is Phase.ISOLATE


async def test_markup_and_escapes_are_shown_literally(
    store: NotebookStore, inv: Investigation
) -> None:
    hostile = "[bold]x[/bold] \x1b]0;pwn\x07"
    app = app_on(store, inv.id)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_screen(pilot)
        await type_entry(pilot, "n", "[bold]x[/bold] ")
        # Control characters cannot be typed through Pilot's key names; add one through the
        # store the way an evidence capture would, then reopen.
        store.add_entry(inv.id, EntryKind.NOTE, hostile, happened_at=NOW)
        await pilot.press("q")
        await settle(pilot)
        await pilot.press("enter")
        screen = await open_screen(pilot)
        assert store.entries(inv.id)[0].text == "[bold]x[/bold]"
        shown = timeline_text(screen)
        assert "[bold]x[/bold] \\x1b]0;pwn\\x07" in shown
        assert "\x1b" not in shown


async def test_escape_closes_the_composer_and_keeps_the_draft(
    store: NotebookStore, inv: Investigation
) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("n", *"half a thought")
        await pilot.press("escape")
        await settle(pilot)
        composer = screen.query_one(Composer)
        assert not composer.is_open
        assert store.get_draft(inv.id, draft_key(EntryKind.NOTE, "text")) == "half a thought"
        await pilot.press("n")
        assert composer.values()["text"] == "half a thought"
        await pilot.press("enter")
        await settle(pilot)
        assert store.get_draft(inv.id, draft_key(EntryKind.NOTE, "text")) is None
        assert [e.text for e in store.entries(inv.id)] == ["half a thought"]


async def test_draft_is_autosaved_while_typing(store: NotebookStore, inv: Investigation) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot)
        await pilot.press("h", *"it is dns")
        # The autosave is due DRAFT_INTERVAL after the first keystroke: wait for it by
        # waiting on the store, not on a clock.
        while store.get_draft(inv.id, draft_key(EntryKind.HYPOTHESIS, "text")) != "it is dns":
            await pilot.pause(0.1)
            await settle(pilot)
        assert store.entries(inv.id) == []


async def test_draft_is_restored_when_the_investigation_is_reopened(
    store: NotebookStore, inv: Investigation
) -> None:
    store.save_draft(inv.id, draft_key(EntryKind.DECISION, "text"), "fail over to eu-west")
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("d")
        assert screen.query_one(Composer).values()["text"] == "fail over to eu-west"


TRACE = 'Traceback (most recent call last):\r\n  File "pool.py", line 3\r\nPoolTimeout\r\n'


async def test_a_pasted_stack_trace_is_kept_whole_in_the_note(
    store: NotebookStore, inv: Investigation
) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("n", *"seen: ")
        field = screen.query_one("#field-text", Input)
        field.post_message(events.Paste(TRACE))
        await settle(pilot)
        assert (
            field.value
            == 'seen: Traceback (most recent call last):⏎  File "pool.py", line 3⏎PoolTimeout'
        )
        await pilot.press("enter")
        await settle(pilot)
        [entry] = store.entries(inv.id)
        assert (
            entry.text
            == 'seen: Traceback (most recent call last):\n  File "pool.py", line 3\nPoolTimeout'
        )


async def test_a_paste_on_the_timeline_starts_a_note_with_it(
    store: NotebookStore, inv: Investigation
) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        timeline = screen.query_one(Timeline)
        timeline.focus()
        await settle(pilot)
        timeline.post_message(events.Paste("pool exhausted\nat 03:12"))
        await settle(pilot)
        assert screen.query_one(Composer).kind is EntryKind.NOTE
        await pilot.press("enter")
        await settle(pilot)
        assert [e.text for e in store.entries(inv.id)] == ["pool exhausted\nat 03:12"]


async def test_a_multiline_draft_comes_back_with_its_line_breaks(
    store: NotebookStore, inv: Investigation
) -> None:
    store.save_draft(inv.id, draft_key(EntryKind.NOTE, "text"), "first\nsecond")
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("n")
        assert screen.query_one("#field-text", Input).value == "first⏎second"
        assert screen.query_one(Composer).values()["text"] == "first\nsecond"


async def test_a_paste_into_a_short_field_keeps_its_first_line(
    store: NotebookStore, inv: Investigation
) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("a")
        owner = screen.query_one("#field-owner", Input)
        owner.value = ""
        owner.post_message(events.Paste("dana\nsomeone else"))
        await settle(pilot)
        assert owner.value == "dana"


async def test_entry_keys_are_disabled_while_composing(
    store: NotebookStore, inv: Investigation
) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("n", *"hn]")
        assert screen.query_one(Composer).values()["text"] == "hn]"
        assert screen.check_action("phase", (1,)) is False
        await settle(pilot)
        assert store.get_investigation(inv.id).phase is Phase.REPRODUCE


@pytest.mark.parametrize("size", SIZES)
async def test_layout_keeps_timeline_and_composer_on_screen(
    store: NotebookStore, inv: Investigation, size: tuple[int, int]
) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=size) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("a")
        width, height = size
        action_fields = "#field-text, #field-type, #field-owner, #field-due, #field-ticket"
        for widget in (screen.query_one(Timeline), *screen.query(action_fields)):
            region = widget.region
            assert region.height >= 1, widget
            assert region.right <= width and region.bottom <= height, widget
        assert screen.query_one(Timeline).region.height >= 3


async def test_unknown_investigation_returns_to_the_list(store: NotebookStore) -> None:
    app = app_on(store, "zzzzzz")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert type(pilot.app.screen).__name__ == "StartScreen"


async def test_q_goes_back_to_the_list(store: NotebookStore, inv: Investigation) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot)
        await pilot.press("q")
        await settle(pilot)
        assert type(pilot.app.screen).__name__ == "StartScreen"


async def test_quitting_right_after_typing_keeps_the_draft(
    store: NotebookStore, inv: Investigation
) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot)
        await pilot.press("n", *"last words", "ctrl+q")
    assert app.session.queue.finish()
    assert store.get_draft(inv.id, draft_key(EntryKind.NOTE, "text")) == "last words"


async def test_a_note_the_store_refuses_goes_back_into_the_composer(
    store: NotebookStore, inv: Investigation
) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        store.close()  # a real failure: every later store call raises StoreError
        await type_entry(pilot, "n", "do not lose me")
        composer = screen.query_one(Composer)
        assert composer.is_open
        assert composer.values()["text"] == "do not lose me"
        assert screen.query_one(Timeline).entries == []
        # Textual has no public list of notifications; the private one is read, not changed.
        shown = [n.message for n in pilot.app._notifications]
        assert any(m.startswith("Could not save the note") and "closed" in m for m in shown)


async def test_zoom_gives_the_tabs_the_screen_and_back(
    store: NotebookStore, inv: Investigation
) -> None:
    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        tabs = screen.query_one("#panels")
        before = tabs.size.height
        await pilot.press("z")
        await pilot.pause()
        assert not screen.query_one(Timeline).display
        assert tabs.size.height > before + 5
        await pilot.press("z")
        await pilot.pause()
        assert screen.query_one(Timeline).display
        assert screen.query_one(Timeline).has_focus
        assert tabs.size.height == before


async def test_help_in_a_panel_lists_the_panel_keys_first(
    store: NotebookStore, inv: Investigation
) -> None:
    from debugtui.tui.panels.base import SourcePanel

    app = app_on(store, inv.id)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_screen(pilot)
        panel = next(iter(screen.query(SourcePanel)))
        panel.table.focus()
        await pilot.pause()
        await pilot.press("question_mark")
        help_screen = pilot.app.screen
        assert isinstance(help_screen, HelpScreen)
        actions = [row.action for row in help_screen.rows]
        assert actions[0] == "refresh_panel"
        assert {"pin", "filter", "sort", "compose('note')"} <= set(actions)
        assert "status('resolved')" not in actions  # r refreshes while the panel has focus


async def test_digits_typed_faster_than_focus_settles_end_on_the_last_tab(
    store: NotebookStore, inv: Investigation
) -> None:
    from textual.widgets import TabbedContent

    from debugtui.tui.screens.investigation import PANELS

    app = app_on(store, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        tabs = screen.query_one("#panels", TabbedContent)
        titles = [title for title, _ in PANELS]
        # Every jump in one tick: each tab's deferred focus (and Textual's "a widget in this
        # pane got focus, show the pane") lands after the last jump.
        for title in [*titles, "Timeline", "Logs"]:
            screen.action_tab(titles.index(title) + 1)
        for _ in range(5):
            await pilot.pause()
        assert tabs.active == "tab-logs"
        assert screen.focused is not None and tabs.active_pane in screen.focused.ancestors
