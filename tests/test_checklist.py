"""The playbook checklist derived from the notebook: ticks, step states, check outcomes, and
how the post-mortem lists done, skipped and not-reached steps."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from debugtui import findings
from debugtui.checklist import (
    RULE_SOURCES,
    Outcome,
    StepState,
    check_result,
    check_results,
    done_steps,
    findings_suggestion,
    furthest_phase,
    implemented_rules,
    step_report,
    tick_data,
    tick_text,
    unmet_exit_criteria,
)
from debugtui.config import ThresholdsConfig
from debugtui.export.markdown import render_markdown
from debugtui.findings import RULES, Finding, evaluate
from debugtui.notebook.model import EntryKind, Investigation, Phase, Status
from debugtui.notebook.store import NotebookStore
from debugtui.playbooks import Playbook, get_playbook, load_playbooks
from debugtui.sources.system import SystemSource

NOW = datetime(2026, 1, 31, 16, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[NotebookStore]:
    with NotebookStore(tmp_path / "nb.db") as opened:
        yield opened


@pytest.fixture
def playbook() -> Playbook:
    found = get_playbook("deploy-errors")
    assert found is not None
    return found


def tick(store: NotebookStore, inv: Investigation, pb: Playbook, step_id: str, done: bool) -> None:
    step = pb.step(step_id)
    assert step is not None
    store.add_entry(
        inv.id, EntryKind.CHECKLIST_TICK, tick_text(step, done), tick_data(pb.id, step_id, done)
    )


def test_the_latest_tick_of_a_step_wins(store: NotebookStore, playbook: Playbook) -> None:
    inv = store.create_investigation("5xx after deploy", playbook_id=playbook.id)
    tick(store, inv, playbook, "first-error", True)
    tick(store, inv, playbook, "reproduce-request", True)
    tick(store, inv, playbook, "first-error", False)
    assert done_steps(store.entries(inv.id), playbook.id) == {"reproduce-request"}


def test_ticks_of_another_playbook_do_not_count(store: NotebookStore, playbook: Playbook) -> None:
    inv = store.create_investigation("5xx after deploy")
    store.add_entry(
        inv.id, EntryKind.CHECKLIST_TICK, "x", tick_data("generic", "first-error", True)
    )
    store.add_entry(inv.id, EntryKind.CHECKLIST_TICK, "hand-made tick without a playbook")
    assert done_steps(store.entries(inv.id), playbook.id) == frozenset()


def test_untick_text_says_so(playbook: Playbook) -> None:
    step = playbook.steps()[0]
    assert tick_text(step, True) == step.text
    assert tick_text(step, False) == f"Unticked: {step.text}"


def test_exit_criteria_not_ticked_are_unmet(playbook: Playbook) -> None:
    unmet = unmet_exit_criteria(playbook, {"errors-at-baseline"})
    assert [s.id for s in unmet] == ["failing-request-passes"]
    assert unmet_exit_criteria(playbook, {"errors-at-baseline", "failing-request-passes"}) == ()


def test_furthest_phase_remembers_a_step_back(store: NotebookStore) -> None:
    inv = store.create_investigation("x")
    store.set_phase(inv.id, Phase.ISOLATE)
    store.set_phase(inv.id, Phase.HYPOTHESIZE)
    inv, _ = store.set_phase(inv.id, Phase.ISOLATE)
    assert furthest_phase(inv, store.entries(inv.id)) is Phase.HYPOTHESIZE


def test_step_report_says_done_open_skipped_and_not_reached(
    store: NotebookStore, playbook: Playbook
) -> None:
    inv = store.create_investigation("5xx after deploy", playbook_id=playbook.id)
    tick(store, inv, playbook, "first-error", True)
    inv, _ = store.set_phase(inv.id, Phase.ISOLATE)
    tick(store, inv, playbook, "what-changed", True)
    states = {r.step.id: r.state for r in step_report(playbook, inv, store.entries(inv.id))}
    assert states["first-error"] is StepState.DONE
    assert states["reproduce-request"] is StepState.SKIPPED
    assert states["what-changed"] is StepState.DONE
    assert states["scope-errors"] is StepState.OPEN
    assert states["release-causes"] is StepState.NOT_REACHED
    inv, _ = store.set_status(inv.id, Status.RESOLVED)
    states = {r.step.id: r.state for r in step_report(playbook, inv, store.entries(inv.id))}
    assert states["scope-errors"] is StepState.SKIPPED


# --- check outcomes ---------------------------------------------------------------------


def test_every_rule_says_which_sources_it_reads() -> None:
    assert set(RULE_SOURCES) == set(RULES)


def test_a_finding_of_the_rule_fails_the_check() -> None:
    finding = Finding("disk_full", "critical", "/ is 97% full", "clean up")
    result = check_result("disk_full", [finding], {"system": True})
    assert result.outcome is Outcome.FAIL
    assert result.finding is finding
    assert "/ is 97% full" in result.reason


def test_no_finding_passes_only_when_the_source_answered() -> None:
    assert check_result("disk_full", [], {"system": True}).outcome is Outcome.PASS
    missing = check_result("disk_full", [], {"system": False})
    assert missing.outcome is Outcome.UNKNOWN
    assert missing.reason == "no system data yet"
    assert check_result("disk_full", [], {}).outcome is Outcome.UNKNOWN


def test_a_catalogued_rule_without_code_is_unknown_not_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A rule findings does not run yet can never be a reassuring pass."""
    monkeypatch.setattr(findings, "RULE_FUNCTIONS", ())
    assert "disk_full" not in implemented_rules()
    result = check_result("disk_full", [], {"system": True})
    assert result.outcome is Outcome.UNKNOWN
    assert result.reason == "findings cannot check disk_full yet"


def test_check_results_from_a_real_system_snapshot(playbook: Playbook) -> None:
    """disk_full over the real host: forced to fire at 0%, quiet above 100%."""
    pb = load_playbooks().playbooks["disk-full"]
    checked = next(s for s in pb.steps() if s.check == "disk_full")
    snap = SystemSource().collect({})
    assert snap.ok, snap.error
    firing = evaluate({"system": snap}, ThresholdsConfig(disk_warning=0.0, disk_critical=0.0))
    quiet = evaluate({"system": snap}, ThresholdsConfig(disk_warning=101.0, disk_critical=101.0))
    assert check_results(pb, firing, {"system": True})[checked.id].outcome is Outcome.FAIL
    assert check_results(pb, quiet, {"system": True})[checked.id].outcome is Outcome.PASS


def test_findings_suggest_the_memory_playbook_for_oom_kills() -> None:
    playbooks = load_playbooks().playbooks
    kills = [
        Finding("container_killed", "critical", f"{name} OOM-killed", "raise the limit")
        for name in ("api", "worker", "cron")
    ]
    suggested = findings_suggestion(kills, playbooks, current=None)
    assert suggested is not None
    assert suggested[0].id == "memory-oom"
    assert suggested[1] == "3 container_killed findings"
    assert findings_suggestion(kills, playbooks, current="memory-oom") is None


def test_the_reason_given_is_a_symptom_of_the_playbook_not_a_rule_it_merely_checks() -> None:
    playbooks = load_playbooks().playbooks
    looping = Finding("container_restarts", "critical", "worker crash-looping", "logs")
    deploy = Finding("deploy_before_errors", "critical", "v2.4.0 before errors", "diff")
    suggested = findings_suggestion([looping, deploy], playbooks, current=None)
    assert suggested is not None and suggested[0].id == "deploy-errors"
    assert "container_restarts" in {s.check for s in suggested[0].steps()}  # checked there
    assert suggested[1] == "1 deploy_before_errors finding"


def test_a_chosen_playbook_is_second_guessed_only_by_a_critical_finding_it_does_not_fit() -> None:
    playbooks = load_playbooks().playbooks
    busy = Finding("cpu_saturation", "warning", "CPU 95% busy", "top")
    killed = Finding("container_killed", "critical", "api OOM-killed", "raise the limit")
    assert findings_suggestion([busy], playbooks, current=None) is not None  # none chosen
    assert findings_suggestion([busy], playbooks, current="connection-exhaustion") is None
    suggested = findings_suggestion([busy, killed], playbooks, current="connection-exhaustion")
    assert suggested is not None and suggested[0].id == "memory-oom"
    # a finding that fits the chosen playbook too: it stays the responder's call
    pileup = Finding("socket_pileup", "critical", "400 CLOSE_WAIT", "ss -tanp")
    assert findings_suggestion([pileup, killed], playbooks, "connection-exhaustion") is None


# --- the post-mortem ----------------------------------------------------------------------


def checklist_section(store: NotebookStore, inv: Investigation) -> str:
    doc = render_markdown(store.get_investigation(inv.id), store.entries(inv.id), now=NOW)
    return doc.split("## Checklist\n", 1)[1].split("\n## ", 1)[0]


def test_export_lists_done_skipped_and_not_reached_steps(
    store: NotebookStore, playbook: Playbook
) -> None:
    inv = store.create_investigation("5xx after deploy", playbook_id=playbook.id)
    tick(store, inv, playbook, "first-error", True)
    store.set_phase(inv.id, Phase.ISOLATE)
    inv, _ = store.set_status(inv.id, Status.RESOLVED, when=datetime.now(timezone.utc))
    section = checklist_section(store, inv)
    total = len(playbook.steps())
    assert f"`deploy-errors`): 1 done, 4 skipped, {total - 5} not reached." in section
    assert "- [x] Find the first error of the burst and when it started _(reproduce: done, " in (
        section
    )
    assert "- [ ] Reproduce one failing request by hand _(reproduce: skipped)_" in section
    assert "_(verify: not reached, exit criterion)_" in section


def test_export_keeps_ticks_of_a_previous_playbook(
    store: NotebookStore, playbook: Playbook
) -> None:
    inv = store.create_investigation("5xx after deploy")
    store.add_entry(
        inv.id, EntryKind.CHECKLIST_TICK, "Map the blast radius", tick_data("generic", "g-1", True)
    )
    inv = store.update_investigation(replace(inv, playbook_id=playbook.id))
    section = checklist_section(store, inv)
    assert "Other ticks:" in section
    assert "- [x] Map the blast radius" in section


def test_export_of_an_uninstalled_playbook_lists_its_ticks(store: NotebookStore) -> None:
    inv = store.create_investigation("x", playbook_id="gone-playbook")
    store.add_entry(
        inv.id,
        EntryKind.CHECKLIST_TICK,
        "Unticked: old step",
        tick_data("gone-playbook", "s1", False),
        happened_at=NOW - timedelta(minutes=5),
    )
    section = checklist_section(store, inv)
    assert "Playbook `gone-playbook` is not installed here" in section
    assert "- [ ] Unticked: old step" in section
