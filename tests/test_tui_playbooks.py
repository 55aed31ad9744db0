"""Playbooks in the TUI, driven by keys through Pilot on a real notebook file: choosing one,
the checklist in the phase rail (ticks, runs, checks), the resolve gate, stakeholder updates,
and a walk through all seven phases of ``deploy-errors`` against the scripted incident.

Every test asserts both sides: what the store committed and what the screen shows.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console, RenderableType
from test_tui_support import NOW, QuietSource, frozen_clock, no_blink, settle
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Select, Static, TabbedContent

from debugtui.checklist import StepState
from debugtui.config import Config, DeploysConfig, LogsConfig, ThresholdsConfig
from debugtui.demo.incident import build_incident
from debugtui.findings import Finding
from debugtui.notebook.model import EntryKind, Phase, Severity, Status
from debugtui.notebook.store import NotebookStore
from debugtui.playbooks import get_playbook, load_playbooks
from debugtui.sources.base import Source
from debugtui.sources.registry import make_source
from debugtui.status_update import STATUS_UPDATE_KEY
from debugtui.tui.app import DebugApp, make_app
from debugtui.tui.keys import help_rows
from debugtui.tui.panels.deploys import DeploysPanel
from debugtui.tui.panels.logs import LogsPanel
from debugtui.tui.screens import investigation as investigation_module
from debugtui.tui.screens.confirm import ConfirmScreen
from debugtui.tui.screens.investigation import InvestigationScreen
from debugtui.tui.screens.new_investigation import NewInvestigationScreen
from debugtui.tui.screens.playbook_picker import PlaybookPickerScreen, suggested_ids
from debugtui.tui.screens.status_update import StatusUpdateScreen
from debugtui.tui.widgets.checklist import Checklist
from debugtui.tui.widgets.guide import GuidePanel
from debugtui.tui.widgets.phase_rail import UPDATE_DUE, PhaseRail

DEBUGTUI = Path(sys.executable).with_name("debugtui")
SourceFactory = Callable[[str, Config], Source]


# -- fixtures and helpers ------------------------------------------------------------------


@pytest.fixture
def quiet_config(tmp_path: Path) -> Config:
    """The Logs panel searching an empty directory: it collects on mount in every app."""
    empty = tmp_path / "no-logs"
    empty.mkdir()
    return Config(logs=LogsConfig(paths=(str(empty),)))


def real_for(*names: str) -> SourceFactory:
    """The real sources ``names``; the notebook tests' quiet stand-in for the others (the
    host's live sockets and load are not under test and would only add noise)."""

    def factory(name: str, config: Config) -> Source:
        return make_source(name, config) if name in names else QuietSource(name, config)

    return factory


def app_for(
    store: NotebookStore,
    config: Config,
    open_id: str | None = None,
    sources: SourceFactory | None = None,
    clock: Callable[[], datetime] = frozen_clock,
) -> DebugApp:
    """The app; the logs source is the real one (over the config's paths) unless told."""
    factory = sources or real_for("logs")
    return make_app(store, open_id=open_id, config=config, clock=clock, sources=factory)


def plain(renderable: RenderableType, width: int = 78) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def shown(static: Static) -> str:
    """What a Static shows (its content, rendered), as plain text."""
    return plain(static.content)


def rail_text(screen: InvestigationScreen) -> str:
    return shown(screen.query_one("#rail-lines", Static))


def checklist_rows(screen: InvestigationScreen) -> list[str]:
    checklist = screen.query_one(Checklist)
    return [
        plain(checklist.get_option_at_index(i).prompt).strip()
        for i in range(checklist.option_count)
    ]


def notices(pilot: Pilot[None]) -> list[str]:
    # Textual has no public list of notifications; the private one is read, not changed.
    return [n.message for n in pilot.app._notifications]


def ticks(store: NotebookStore, inv_id: str) -> list[dict[str, object]]:
    return [dict(e.data) for e in store.entries(inv_id) if e.kind is EntryKind.CHECKLIST_TICK]


async def open_screen(pilot: Pilot[None]) -> InvestigationScreen:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, InvestigationScreen)
    no_blink(pilot)
    return screen


async def at_phase(pilot: Pilot[None], phase: Phase) -> None:
    """Press ] until the investigation is in ``phase``."""
    screen = pilot.app.screen
    assert isinstance(screen, InvestigationScreen)
    while screen.investigation is not None and screen.investigation.phase is not phase:
        screen.timeline.focus()
        await pilot.press("right_square_bracket")
        await settle(pilot)


async def tick(pilot: Pilot[None], *step_ids: str) -> None:
    """Open the checklist, tick each step by moving to it, close the checklist."""
    screen = pilot.app.screen
    assert isinstance(screen, InvestigationScreen)
    screen.timeline.focus()
    await pilot.press("k")
    await settle(pilot)
    checklist = screen.query_one(Checklist)
    assert checklist.has_focus
    for step_id in step_ids:
        checklist.highlighted = [s.id for s in checklist.steps].index(step_id)
        await pilot.press("space")
        await settle(pilot)
    await pilot.press("escape")
    await settle(pilot)


# -- the CLI ----------------------------------------------------------------------------


def debugtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(DEBUGTUI), *args], capture_output=True, text=True, timeout=60)


def test_new_with_an_unknown_playbook_is_one_line_and_exit_2(tmp_path: Path) -> None:
    db = str(tmp_path / "nb.db")
    result = debugtui("new", "5xx after deploy", "--playbook", "nope", "--no-tui", "--db", db)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "--playbook: no playbook 'nope'" in lines[0] and "deploy-errors" in lines[0]
    assert result.stdout == ""
    listed = debugtui("list", "--json", "--db", db)
    assert listed.stdout.strip() in ("", "[]")


def test_new_with_a_playbook_stores_it(tmp_path: Path) -> None:
    db = tmp_path / "nb.db"
    result = debugtui("new", "x", "--playbook", "memory-oom", "--no-tui", "--db", str(db))
    assert result.returncode == 0, result.stderr
    with NotebookStore(db) as opened:
        assert opened.get_investigation(result.stdout.strip()).playbook_id == "memory-oom"


# -- choosing a playbook ---------------------------------------------------------------------


async def test_new_investigation_dialog_suggests_a_playbook_from_the_title(
    store: NotebookStore, quiet_config: Config
) -> None:
    app = app_for(store, quiet_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, NewInvestigationScreen)
        select = dialog.query_one("#playbook", Select)
        assert select.value == "-none-"
        await pilot.press(*"5xx after deploy of v2.4")
        await settle(pilot)
        assert select.value == "deploy-errors"
        await pilot.press("enter")
        screen = await open_screen(pilot)
        assert screen.investigation is not None
        assert store.get_investigation(screen.investigation.id).playbook_id == "deploy-errors"
        assert "☑ 0/2 next: Find the first error" in rail_text(screen)


async def test_a_playbook_chosen_by_hand_stays_when_the_title_changes(
    store: NotebookStore, quiet_config: Config
) -> None:
    app = app_for(store, quiet_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, NewInvestigationScreen)
        select = dialog.query_one("#playbook", Select)
        select.value = "disk-full"
        await pilot.pause()
        dialog.query_one("#title", Input).focus()
        await pilot.press(*"5xx after deploy")
        await settle(pilot)
        assert select.value == "disk-full"
        await pilot.press("enter")
        await open_screen(pilot)
        assert store.list_investigations()[0].playbook_id == "disk-full"


async def test_choosing_a_playbook_records_it_and_shows_its_steps(
    store: NotebookStore, quiet_config: Config
) -> None:
    inv = store.create_investigation("Pods OOM killed since noon", Severity.SEV2)
    app = app_for(store, quiet_config, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        assert "k steps" not in rail_text(screen)
        await pilot.press("b")
        await settle(pilot)
        picker = pilot.app.screen
        assert isinstance(picker, PlaybookPickerScreen)
        options = picker.query_one(OptionList)
        highlighted = options.get_option_at_index(options.highlighted or 0)
        assert highlighted.id == "memory-oom", "the title's suggestion comes first"
        assert "suggested" in plain(highlighted.prompt)
        await pilot.press("enter")
        await settle(pilot)
        assert store.get_investigation(inv.id).playbook_id == "memory-oom"
        notes = [e for e in store.entries(inv.id) if e.kind is EntryKind.NOTE]
        assert notes[-1].text == "Playbook: Memory leak / OOM kills (memory-oom)"
        assert notes[-1].data == {"playbook": "memory-oom"}
        assert screen.playbook is not None and screen.playbook.id == "memory-oom"
        assert "k steps" in rail_text(screen)
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("home", "enter")  # "No playbook" is the first option
        await settle(pilot)
        assert store.get_investigation(inv.id).playbook_id is None
        assert "k steps" not in rail_text(screen)


async def test_new_keys_are_in_help_and_the_command_palette(
    store: NotebookStore, quiet_config: Config
) -> None:
    inv = store.create_investigation("x", playbook_id="generic")
    app = app_for(store, quiet_config, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        rows = {row.action: row.keys for row in help_rows(pilot.app, screen)}
        assert rows["checklist"] == "k"
        assert rows["status_update"] == "u"
        assert rows["playbook"] == "b"
        await pilot.press("ctrl+p", *"playbook")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PlaybookPickerScreen)


# -- the checklist -------------------------------------------------------------------------


async def test_space_ticks_a_step_into_the_timeline_and_ticks_survive_a_restart(
    store: NotebookStore, quiet_config: Config
) -> None:
    inv = store.create_investigation("5xx after deploy", playbook_id="deploy-errors")
    app = app_for(store, quiet_config, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        assert not screen.query_one(Checklist).display, "folded until k"
        await pilot.press("k")
        await settle(pilot)
        assert screen.query_one(Checklist).display
        await pilot.press("space")
        await settle(pilot)
        assert ticks(store, inv.id) == [
            {"playbook": "deploy-errors", "step": "first-error", "done": True}
        ]
        assert screen.timeline.entries[-1].kind is EntryKind.CHECKLIST_TICK
        assert checklist_rows(screen)[0].startswith("[x] Find the first error")
        assert "☑ 1/2 next: Reproduce one failing request" in rail_text(screen)
        await pilot.press("escape")
        await settle(pilot)
        assert screen.timeline.has_focus
        assert not screen.query_one(Checklist).display
    app = app_for(store, quiet_config, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        assert "☑ 1/2" in rail_text(screen)
        assert checklist_rows(screen)[0].startswith("[x]")


async def test_space_again_unticks_and_records_it(
    store: NotebookStore, quiet_config: Config
) -> None:
    inv = store.create_investigation("5xx after deploy", playbook_id="deploy-errors")
    app = app_for(store, quiet_config, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("k", "space")
        await settle(pilot)
        await pilot.press("space")
        await settle(pilot)
        assert [t["done"] for t in ticks(store, inv.id)] == [True, False]
        assert store.entries(inv.id)[-1].text.startswith("Unticked: Find the first error")
        assert checklist_rows(screen)[0].startswith("[ ]")
        assert "☑ 0/2" in rail_text(screen)


async def test_checklist_fits_80x24_and_shows_the_highlighted_step(
    store: NotebookStore, quiet_config: Config
) -> None:
    inv = store.create_investigation("5xx after deploy", playbook_id="deploy-errors")
    app = app_for(store, quiet_config, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await at_phase(pilot, Phase.ISOLATE)
        await pilot.press("k")
        await settle(pilot)
        rows = checklist_rows(screen)
        assert len(rows) == 3
        assert rows[0].endswith("▶deploys ? check")
        detail = shown(screen.query_one("#step-detail", Static))
        assert "deploy_before_errors:" in detail
        assert "Code deploys, config pushes" in detail
        rail = screen.query_one(PhaseRail)
        timeline = screen.timeline
        assert rail.region.bottom <= screen.query_one("#panels").region.y
        assert timeline.region.height >= 5, "the timeline keeps its minimum"
        assert screen.query_one(Checklist).region.height == 3


async def test_enter_without_the_source_panel_says_what_to_run(
    store: NotebookStore, quiet_config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    guide_only = tuple(p for p in investigation_module.PANELS if p[1] is GuidePanel)
    monkeypatch.setattr(investigation_module, "PANELS", guide_only)
    inv = store.create_investigation("5xx after deploy", playbook_id="deploy-errors")
    app = app_for(store, quiet_config, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot)
        await pilot.press("k", "enter")
        await settle(pilot)
        shown = notices(pilot)
        assert any(
            m.startswith("No logs panel here yet. The step's evidence: logs ") for m in shown
        )


async def test_a_run_asked_while_its_panel_is_busy_runs_after_it(
    store: NotebookStore, tmp_path: Path
) -> None:
    """The deploys panel skips a collect while one runs: the step's run waits its turn."""
    demo = build_incident(tmp_path / "incident")  # the deploys source windows on the real now
    config = Config(
        logs=LogsConfig(paths=(str(demo.logs),)), deploys=DeploysConfig(repos=(str(demo.repo),))
    )
    inv = store.create_investigation("5xx after deploy", playbook_id="deploy-errors")
    app = app_for(store, config, inv.id, sources=real_for("logs", "deploys"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        panel = screen.query_one(DeploysPanel)
        step = screen.playbook.step("what-changed") if screen.playbook else None
        assert step is not None and step.run is not None
        panel.collect({"since": "1h"})  # busy from here until its snapshot is back
        assert screen.run_step(step)
        await settle(pilot)
        assert panel.snapshot is not None
        assert panel.snapshot.params == {"since": "24h"}
        assert screen.query_one("#panels", TabbedContent).active == "tab-deploys"
        assert any("v2.4.0" in " ".join(row) for row in panel.snapshot.tables()["markers"].rows)


async def test_a_logs_step_keeps_its_match_limit_for_its_run_only(
    store: NotebookStore, tmp_path: Path
) -> None:
    """A step's max_matches has no input in the Logs panel: it holds for the step's run,
    and the next search typed in the inputs is back to the config's limit."""
    demo = build_incident(tmp_path / "incident")
    config = Config(logs=LogsConfig(paths=(str(demo.logs),), max_matches=3))
    inv = store.create_investigation("5xx after deploy", playbook_id="deploy-errors")
    app = app_for(store, config, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        step = screen.playbook.step("scope-errors") if screen.playbook else None
        assert step is not None and step.run is not None
        assert step.run.params["max_matches"] == 500
        assert screen.run_step(step)
        await settle(pilot)
        panel = screen.query_one(LogsPanel)
        assert panel.snapshot is not None and panel.snapshot.ok
        assert panel.snapshot.params["max_matches"] == 500
        assert len(panel.snapshot.tables()["matches"].rows) > 3

        panel.query_one("#logs-pattern").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert "max_matches" not in panel.snapshot.params
        assert len(panel.snapshot.tables()["matches"].rows) == 3


async def test_a_check_shows_fail_then_pass_from_real_system_findings(
    store: NotebookStore, tmp_path: Path
) -> None:
    """disk_full over the real host's disks: made to fire at 0%, quiet above 100%."""
    empty = tmp_path / "no-logs"
    empty.mkdir()
    firing = Config(
        logs=LogsConfig(paths=(str(empty),)),
        thresholds=ThresholdsConfig(disk_warning=0.0, disk_critical=0.0),
    )
    inv = store.create_investigation("disk full on db-1", playbook_id="disk-full")
    app = app_for(store, firing, inv.id, sources=real_for("system", "logs"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        first = checklist_rows(screen)[0]
        assert first.startswith("[ ] Find which filesystem")
        assert first.endswith("▶system ✗ fail")
        await pilot.press("k")
        await settle(pilot)
        detail = shown(screen.query_one("#step-detail", Static))
        assert detail.startswith("✗ fail disk_full: ") and "full" in detail.split(":", 1)[1]
    quiet = Config(
        logs=firing.logs, thresholds=ThresholdsConfig(disk_warning=101.0, disk_critical=101.0)
    )
    app = app_for(store, quiet, inv.id, sources=real_for("system", "logs"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        assert checklist_rows(screen)[0].endswith("▶system ✓ pass")


def only_disks_critical(tmp_path: Path) -> Config:
    """Real host findings where only the disks can fire (critical at 0%): the host's memory
    and load must not pick another playbook or add findings."""
    empty = tmp_path / "no-logs"
    empty.mkdir(exist_ok=True)
    only_disks = ThresholdsConfig(
        disk_warning=0.0,
        disk_critical=0.0,
        memory_warning=101.0,
        memory_critical=101.0,
        swap_warning=101.0,
        swap_critical=101.0,
        load_warning=1e9,
        load_critical=1e9,
    )
    return Config(logs=LogsConfig(paths=(str(empty),)), thresholds=only_disks)


async def test_findings_suggest_a_playbook(store: NotebookStore, tmp_path: Path) -> None:
    config = only_disks_critical(tmp_path)
    inv = store.create_investigation("something is slow")
    app = app_for(store, config, inv.id, sources=real_for("system", "logs"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot)
        shown = [m for m in notices(pilot) if "try the" in m]
        assert len(shown) == 1
        assert "disk_full finding" in shown[0] and "'Disk full' playbook (b" in shown[0]


def test_only_playbooks_whose_symptom_a_finding_is_are_suggested() -> None:
    """Nearly every playbook checks for an error spike; only deploy-errors has it as a
    symptom, and only it is marked "suggested" for one (with the title's own fits)."""
    playbooks = load_playbooks().playbooks
    spike = Finding("error_spike", "critical", "log errors rose 83x", "look at the deploys")
    checking = [
        pb.id for pb in playbooks.values() if any(s.check == "error_spike" for s in pb.steps())
    ]
    assert len(checking) > 2
    assert suggested_ids(playbooks, "", [spike]) == ["deploy-errors"]
    assert suggested_ids(playbooks, "disk full", [spike]) == ["deploy-errors", "disk-full"]


# -- resolving -----------------------------------------------------------------------------


async def test_resolving_with_unticked_exit_criteria_asks_first(
    store: NotebookStore, quiet_config: Config
) -> None:
    inv = store.create_investigation("5xx after deploy", playbook_id="deploy-errors")
    store.set_phase(inv.id, Phase.VERIFY)
    app = app_for(store, quiet_config, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot)
        await tick(pilot, "errors-at-baseline")
        await pilot.press("r")
        await settle(pilot)
        confirm = pilot.app.screen
        assert isinstance(confirm, ConfirmScreen)
        question = shown(confirm.query_one("#question", Static))
        assert "The request that failed in reproduce now succeeds" in question
        assert "Error rate back to the pre-deploy baseline" not in question, "it is ticked"
        await pilot.press("n")
        await settle(pilot)
        assert store.get_investigation(inv.id).status is Status.INVESTIGATING
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert store.get_investigation(inv.id).status is Status.RESOLVED


async def test_resolving_with_every_exit_criterion_ticked_does_not_ask(
    store: NotebookStore, quiet_config: Config
) -> None:
    inv = store.create_investigation("5xx after deploy", playbook_id="deploy-errors")
    store.set_phase(inv.id, Phase.VERIFY)
    app = app_for(store, quiet_config, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot)
        await tick(pilot, "errors-at-baseline", "failing-request-passes")
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(pilot.app.screen, InvestigationScreen)
        assert store.get_investigation(inv.id).status is Status.RESOLVED


# -- stakeholder updates -------------------------------------------------------------------


async def test_a_status_update_is_drafted_copied_and_recorded(
    store: NotebookStore, quiet_config: Config
) -> None:
    inv = store.create_investigation("Checkout 500s", Severity.SEV2, playbook_id="deploy-errors")
    store.add_entry(inv.id, EntryKind.NOTE, "who owns the payments pool?")
    app = app_for(store, quiet_config, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        assert screen.query_one(PhaseRail).update_due, "no update was posted yet"
        assert UPDATE_DUE in rail_text(screen)
        await pilot.press("u")
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, StatusUpdateScreen)
        draft = modal.draft
        assert draft.startswith("[SEV2] INVESTIGATING: Checkout 500s")
        assert "- Question: who owns the payments pool?" in draft
        assert "in 30 minutes" in draft
        await pilot.press("y")
        await settle(pilot)
        assert pilot.app.clipboard == draft
        (recorded,) = [e for e in store.entries(inv.id) if e.data.get(STATUS_UPDATE_KEY)]
        assert recorded.kind is EntryKind.NOTE
        assert recorded.text == draft
        assert recorded.data == {STATUS_UPDATE_KEY: True}
        assert not screen.query_one(PhaseRail).update_due
        assert UPDATE_DUE not in rail_text(screen)


async def test_the_status_update_says_what_the_critical_findings_see(
    store: NotebookStore, tmp_path: Path
) -> None:
    inv = store.create_investigation("something is slow", Severity.SEV2)
    app = app_for(store, only_disks_critical(tmp_path), inv.id, sources=real_for("system"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot)
        await pilot.press("u")
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, StatusUpdateScreen)
        seen = [line for line in modal.draft.splitlines() if line.startswith("- Seen")]
        assert seen and all("% full (" in line for line in seen), modal.draft


async def test_escape_closes_the_draft_without_recording_it(
    store: NotebookStore, quiet_config: Config
) -> None:
    inv = store.create_investigation("Checkout 500s")
    app = app_for(store, quiet_config, inv.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot)
        await pilot.press("u")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, InvestigationScreen)
        assert store.entries(inv.id) == []


async def test_the_reminder_returns_when_the_cadence_has_passed(
    store: NotebookStore, quiet_config: Config
) -> None:
    now = [NOW]
    inv = store.create_investigation("Checkout 500s", playbook_id="deploy-errors")
    app = app_for(store, quiet_config, inv.id, clock=lambda: now[0])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("u", "y")
        await settle(pilot)
        assert not screen.query_one(PhaseRail).update_due
        recorded = store.entries(inv.id)[-1].recorded_at
        # The update's recorded_at is the store's real clock: move "now" past it.
        now[0] = recorded + timedelta(minutes=29)
        screen._remind_update()
        assert not screen.query_one(PhaseRail).update_due
        now[0] = recorded + timedelta(minutes=30)
        screen._remind_update()
        await pilot.pause()
        assert screen.query_one(PhaseRail).update_due
        assert any(m.startswith("A stakeholder update is due") for m in notices(pilot))


# -- the walk ------------------------------------------------------------------------------


async def test_walk_deploy_errors_through_all_seven_phases(
    store: NotebookStore, tmp_path: Path
) -> None:
    """An investigation follows deploy-errors from reproduce to prevent: ticks in every
    phase, one step's logs search run against the scripted incident, the resolve gate, and
    the post-mortem's checklist before and after the last phase."""
    demo = build_incident(tmp_path / "incident", now=NOW)
    config = Config(
        logs=LogsConfig(paths=(str(demo.logs),)),
        deploys=DeploysConfig(repos=(str(demo.repo),)),
    )
    playbook = get_playbook("deploy-errors")
    assert playbook is not None
    inv = store.create_investigation("5xx after deploy", Severity.SEV2, playbook_id=playbook.id)
    app = app_for(store, config, inv.id, sources=real_for("logs", "deploys"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)

        # reproduce: run the first step's search, then tick it
        await pilot.press("k", "enter")
        await settle(pilot)
        panel = screen.query_one(LogsPanel)
        tabs = screen.query_one("#panels", TabbedContent)
        assert tabs.active == "tab-logs"
        assert panel.snapshot is not None and panel.snapshot.ok
        first = playbook.step("first-error")
        assert first is not None and first.run is not None
        assert panel.snapshot.params["pattern"] == first.run.params["pattern"]
        assert len(panel.snapshot.tables()["matches"].rows) > 0
        await tick(pilot, "first-error")

        await at_phase(pilot, Phase.ISOLATE)
        await tick(pilot, "what-changed", "scope-errors")
        await at_phase(pilot, Phase.HYPOTHESIZE)
        await tick(pilot, "release-causes")
        await at_phase(pilot, Phase.TEST)
        await tick(pilot, "diff-release")
        await at_phase(pilot, Phase.FIX)
        await tick(pilot, "roll-back", "record-rollback")
        await at_phase(pilot, Phase.VERIFY)
        await tick(pilot, "errors-at-baseline")

        screen.timeline.focus()
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmScreen), "one exit criterion is unticked"
        await pilot.press("n")
        await settle(pilot)
        await tick(pilot, "failing-request-passes")
        await pilot.press("r")
        await settle(pilot)
        assert store.get_investigation(inv.id).status is Status.RESOLVED

        await pilot.press("e")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        in_verify = (tmp_path / f"postmortem-{inv.id}.md").read_text()
        assert "- [ ] Add a test that reproduces the failing request _(prevent: not reached)_" in (
            in_verify
        )

        await at_phase(pilot, Phase.PREVENT)
        await tick(pilot, "regression-test")
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)

    done = {str(t["step"]) for t in ticks(store, inv.id) if t["done"]}
    assert done == {
        "first-error",
        "what-changed",
        "scope-errors",
        "release-causes",
        "diff-release",
        "roll-back",
        "record-rollback",
        "errors-at-baseline",
        "failing-request-passes",
        "regression-test",
    }
    final = store.get_investigation(inv.id)
    assert final.phase is Phase.PREVENT
    exported = (tmp_path / f"postmortem-{inv.id}.md").read_text()
    checklist = exported.split("## Checklist\n", 1)[1].split("\n## ", 1)[0]
    total = len(playbook.steps())
    skipped = total - len(done)
    assert f"`deploy-errors`): {len(done)} done, {skipped} skipped." in checklist
    assert str(StepState.NOT_REACHED) not in checklist
    assert "- [x] Find the first error of the burst and when it started _(reproduce: done, " in (
        checklist
    )
    assert "- [ ] Reproduce one failing request by hand _(reproduce: skipped)_" in checklist
    assert "_(verify: done, " in checklist and "exit criterion)_" in checklist
    timeline = exported.split("## Timeline\n", 1)[1].split("\n## ", 1)[0]
    assert "Checklist ☑ Find the first error of the burst" in timeline
