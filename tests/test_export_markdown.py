"""The Markdown post-mortem: sections, hypotheses, action items, timeline, redaction, templates."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from debugtui.export.markdown import (
    DEFAULT_TEMPLATE,
    TemplateError,
    load_template,
    render_markdown,
)
from debugtui.notebook.model import (
    ActionData,
    ActionStatus,
    ActionType,
    EntryKind,
    EvidenceData,
    HypothesisData,
    HypothesisStatus,
    Investigation,
    Milestone,
    Phase,
    Severity,
    Status,
)
from debugtui.notebook.store import NotebookStore

T0 = datetime(2026, 1, 31, 14, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 1, 31, 16, 0, tzinfo=timezone.utc)

SECTIONS = (
    "## Summary",
    "## Impact",
    "## Key metrics",
    "## Timeline",
    "## Detection",
    "## Root cause and trigger",
    "## Resolution and recovery",
    "## Action items",
    "## Lessons learned",
    "## Checklist",
    "## Appendix: evidence",
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[NotebookStore]:
    with NotebookStore(tmp_path / "nb.db") as s:
        yield s


@dataclass
class Incident:
    store: NotebookStore
    inv: Investigation

    def render(self, template: str | None = None) -> str:
        inv = self.store.get_investigation(self.inv.id)
        return render_markdown(inv, self.store.entries(inv.id), template, now=NOW)


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def incident(store: NotebookStore) -> Incident:
    """A resolved checkout outage with one of everything."""
    inv = store.create_investigation(
        "checkout 502s", Severity.SEV2, tags=["payments"], impact_started_at=T0
    )
    inv = store.update_investigation(
        replace(inv, summary="The pool ran dry.", impact="5% of checkouts failed.")
    )
    store.set_milestone(inv.id, Milestone.DETECTED, _at(4))
    store.set_milestone(inv.id, Milestone.ACKNOWLEDGED, _at(6))
    store.add_entry(inv.id, EntryKind.NOTE, "saw 502s on /pay", happened_at=_at(5), starred=True)
    evidence = store.add_entry(
        inv.id,
        EntryKind.EVIDENCE,
        "sessions stuck",
        data=EvidenceData(
            title="pg_stat_activity",
            source="postgres",
            params={"dsn": "postgresql://app:hunter2@db/shop"},
            columns=("pid", "state", "query"),
            rows=tuple((str(i), "idle in transaction", "select 1") for i in range(3)),
        ).to_dict(),
        happened_at=_at(10),
        phase=Phase.ISOLATE,
    )
    deploy_note = store.add_entry(
        inv.id, EntryKind.NOTE, "v42 diff touches only CSS", happened_at=_at(12)
    )
    store.add_entry(
        inv.id,
        EntryKind.HYPOTHESIS,
        "connection pool exhausted",
        data=HypothesisData(
            status=HypothesisStatus.SUPPORTED,
            because="sessions idle in transaction",
            supporting=(evidence.id,),
        ).to_dict(),
        phase=Phase.HYPOTHESIZE,
        happened_at=_at(15),
    )
    store.add_entry(
        inv.id,
        EntryKind.HYPOTHESIS,
        "bad deploy v42",
        data=HypothesisData(
            status=HypothesisStatus.REFUTED,
            because="deployed at 13:55",
            disproof="read the diff",
            refuting=(deploy_note.id,),
        ).to_dict(),
        phase=Phase.HYPOTHESIZE,
        happened_at=_at(16),
    )
    store.add_entry(
        inv.id,
        EntryKind.HYPOTHESIS,
        "noisy neighbour on the host",
        data=HypothesisData(because="load 12", disproof="check steal time").to_dict(),
        phase=Phase.HYPOTHESIZE,
        happened_at=_at(17),
    )
    store.add_entry(
        inv.id,
        EntryKind.ACTION,
        "restart pgbouncer",
        data=ActionData(owner="alice", status=ActionStatus.DONE).to_dict(),
        phase=Phase.FIX,
        happened_at=_at(20),
    )
    store.add_entry(
        inv.id,
        EntryKind.DECISION,
        "no rollback: deploy is innocent",
        phase=Phase.FIX,
        happened_at=_at(21),
    )
    store.set_status(inv.id, Status.MITIGATED, _at(25))
    store.add_entry(
        inv.id,
        EntryKind.ACTION,
        "alert on idle-in-transaction sessions",
        data=ActionData(
            type=ActionType.PREVENT, owner="bob", due="2026-02-07", ticket="OPS-12", followup=True
        ).to_dict(),
        phase=Phase.PREVENT,
        happened_at=_at(40),
    )
    store.add_entry(
        inv.id,
        EntryKind.ACTION,
        "document the pool size",
        data=ActionData(type=ActionType.PROCESS, followup=True).to_dict(),
        phase=Phase.PREVENT,
        happened_at=_at(41),
    )
    store.add_entry(
        inv.id,
        EntryKind.NOTE,
        "load-test checkout before sales",
        phase=Phase.PREVENT,
        happened_at=_at(42),
    )
    store.add_entry(
        inv.id,
        EntryKind.NOTE,
        "the alert fired within 4 minutes",
        data={"lesson": "well"},
        happened_at=_at(43),
    )
    store.add_entry(
        inv.id,
        EntryKind.NOTE,
        "it happened off-peak",
        data={"lesson": "lucky"},
        happened_at=_at(44),
    )
    store.add_entry(inv.id, EntryKind.CHECKLIST_TICK, "checked recent deploys", happened_at=_at(11))
    store.set_status(inv.id, Status.RESOLVED, _at(60))
    return Incident(store, store.get_investigation(inv.id))


def section(doc: str, heading: str) -> str:
    """The text under ``heading`` up to the next heading of the same or a higher level."""
    level = heading.split(" ")[0]
    start = doc.index(heading + "\n") + len(heading) + 1
    stop = re.compile(rf"^#{{1,{len(level)}}} ", re.M).search(doc, start)
    return doc[start : stop.start() if stop else len(doc)]


def test_every_section_is_present_in_order(incident: Incident) -> None:
    doc = incident.render()
    assert doc.startswith("# Post-mortem: checkout 502s\n")
    positions = [doc.index(f"\n{heading}\n") for heading in SECTIONS]
    assert positions == sorted(positions)


def test_header_has_date_status_severity_and_duration(incident: Incident) -> None:
    header = incident.render().split("## Summary")[0]
    assert "**Date:** 2026-01-31" in header
    assert "**Status:** Resolved" in header
    assert "**Severity:** SEV2" in header
    assert "**Duration:** 1h00m" in header
    assert incident.inv.id in header


def test_ongoing_incident_duration_counts_to_export_time(store: NotebookStore) -> None:
    inv = store.create_investigation("x", impact_started_at=T0)
    doc = render_markdown(inv, [], now=T0 + timedelta(minutes=25))
    assert "**Duration:** ongoing, 25m00s so far" in doc


def test_summary_and_impact_are_rendered(incident: Incident) -> None:
    doc = incident.render()
    assert "The pool ran dry." in section(doc, "## Summary")
    impact = section(doc, "## Impact")
    assert "5% of checkouts failed." in impact
    assert "2026-01-31 14:00:00 UTC to 2026-01-31 15:00:00 UTC" in impact


def test_empty_sections_show_prompts(store: NotebookStore) -> None:
    inv = store.create_investigation("quiet one")
    doc = render_markdown(inv, [], now=NOW)
    assert "_Not written yet." in section(doc, "## Summary")
    assert "What went right by chance" in section(doc, "## Lessons learned")
    assert "No follow-ups yet" in section(doc, "## Action items")
    assert "No hypothesis is marked supported yet" in section(doc, "## Root cause and trigger")
    assert "_No evidence pinned._" in section(doc, "## Appendix: evidence")


def test_metrics_give_time_to_detect_acknowledge_mitigate_resolve(incident: Incident) -> None:
    metrics = section(incident.render(), "## Key metrics")
    assert "| Time to detect | 2026-01-31 14:04:00 UTC | 4m00s |" in metrics
    assert "| Time to acknowledge | 2026-01-31 14:06:00 UTC | 6m00s |" in metrics
    assert "| Time to mitigate | 2026-01-31 14:25:00 UTC | 25m00s |" in metrics
    assert "| Time to resolve | 2026-01-31 15:00:00 UTC | 1h00m |" in metrics


def test_timeline_has_milestone_markers_with_dates(incident: Incident) -> None:
    timeline = section(incident.render(), "## Timeline")
    for when, label in (
        ("2026-01-31 14:00:00", "IMPACT STARTED"),
        ("2026-01-31 14:04:00", "DETECTED"),
        ("2026-01-31 14:06:00", "ACKNOWLEDGED"),
        ("2026-01-31 14:25:00", "MITIGATED"),
        ("2026-01-31 15:00:00", "RESOLVED"),
    ):
        assert f"- `{when}` **▶ {label}**" in timeline


def test_timeline_lists_every_entry_by_time_and_stars_key_moments(incident: Incident) -> None:
    timeline = section(incident.render(), "## Timeline")
    lines = [line for line in timeline.splitlines() if line.startswith("- `")]
    stamps = [line[3:22] for line in lines]
    assert stamps == sorted(stamps)
    entries = incident.store.entries(incident.inv.id)
    shown = [e for e in entries if e.kind is not EntryKind.MILESTONE]
    for entry in shown:
        assert entry.text in timeline, entry.text
    assert "★ Note: saw 502s on /pay" in timeline
    assert "★ Note: v42" not in timeline


def test_milestone_entries_are_not_shown_twice(incident: Incident) -> None:
    timeline = section(incident.render(), "## Timeline")
    assert timeline.count("DETECTED") == 1
    assert "Detected" not in timeline


def test_detection_section_gives_times_to_detect_and_acknowledge(incident: Incident) -> None:
    detection = section(incident.render(), "## Detection")
    assert "time to detect **4m00s**" in detection
    assert "time to acknowledge **6m00s**" in detection


def test_supported_hypothesis_is_the_root_cause_with_its_evidence(incident: Incident) -> None:
    root = section(incident.render(), "### Root cause")
    assert "**connection pool exhausted** — because sessions idle in transaction" in root
    assert "Evidence: E1 (pg_stat_activity)" in root
    assert "bad deploy" not in root


def test_refuted_hypothesis_is_ruled_out_with_how_it_was_disproved(incident: Incident) -> None:
    ruled_out = section(incident.render(), "### Ruled out")
    assert "bad deploy v42 — ruled out" in ruled_out
    assert "Disproved by: read the diff" in ruled_out
    assert "v42 diff touches only CSS" in ruled_out
    assert "connection pool" not in ruled_out


def test_open_hypothesis_is_listed_as_unconfirmed(incident: Incident) -> None:
    unconfirmed = section(incident.render(), "### Unconfirmed")
    assert "noisy neighbour on the host — unconfirmed" in unconfirmed
    assert "would be disproved by check steal time" in unconfirmed


def test_resolution_lists_fix_phase_actions_and_decisions(incident: Incident) -> None:
    resolution = section(incident.render(), "## Resolution and recovery")
    assert "**Time to mitigate:** **25m00s**" in resolution
    assert "**Time to resolve:** **1h00m**" in resolution
    assert "restart pgbouncer" in resolution
    assert "no rollback: deploy is innocent" in resolution
    assert "alert on idle" not in resolution


def test_action_items_table_separates_followups_from_incident_tasks(incident: Incident) -> None:
    doc = incident.render()
    followups = section(doc, "### Follow-ups")
    during = section(doc, "### Done during the incident")
    assert "| Type | Description | Owner | Due | Ticket | Status |" in followups
    assert (
        "| prevent | alert on idle-in-transaction sessions | bob | 2026-02-07 | OPS-12 | open |"
        in followups
    )
    assert "| process | document the pool size | **unassigned** |  |  | open |" in followups
    assert "| note | load-test checkout before sales |" in followups
    assert "| mitigate | restart pgbouncer | alice |  |  | done |" in during
    assert "restart pgbouncer" not in followups


def test_lessons_come_from_tagged_notes(incident: Incident) -> None:
    doc = incident.render()
    assert "- the alert fired within 4 minutes" in section(doc, "### What went well")
    assert "- it happened off-peak" in section(doc, "### Where we got lucky")
    assert "What slowed us down" in section(doc, "### What went wrong")


def test_checklist_ticks_are_listed(incident: Incident) -> None:
    checklist = section(incident.render(), "## Checklist")
    assert "- [x] checked recent deploys" in checklist


def test_evidence_appendix_renders_the_table(incident: Incident) -> None:
    appendix = section(incident.render(), "## Appendix: evidence")
    assert "### E1. pg_stat_activity" in appendix
    assert "| pid | state | query |" in appendix
    assert "| 2 | idle in transaction | select 1 |" in appendix


def test_evidence_table_is_capped_at_50_rows(store: NotebookStore) -> None:
    inv = store.create_investigation("x")
    rows = tuple((str(i), f"row{i}") for i in range(57))
    store.add_entry(
        inv.id,
        EntryKind.EVIDENCE,
        "big",
        data=EvidenceData(title="big", columns=("n", "v"), rows=rows).to_dict(),
    )
    doc = render_markdown(inv, store.entries(inv.id), now=NOW)
    assert "| 49 | row49 |" in doc
    assert "| 50 | row50 |" not in doc
    assert "_7 more rows in the JSON export._" in doc


def test_table_cells_escape_pipes_and_newlines(store: NotebookStore) -> None:
    inv = store.create_investigation("x")
    store.add_entry(
        inv.id,
        EntryKind.EVIDENCE,
        "q",
        data=EvidenceData(
            title="q", columns=("query",), rows=(("select a | b\nfrom t",),)
        ).to_dict(),
    )
    store.add_entry(
        inv.id,
        EntryKind.ACTION,
        "fix a|b\nand c",
        data=ActionData(followup=True).to_dict(),
    )
    doc = render_markdown(inv, store.entries(inv.id), now=NOW)
    assert "| select a \\| b<br>from t |" in doc
    assert "| fix a\\|b<br>and c |" in doc


def test_secrets_are_redacted_everywhere(store: NotebookStore) -> None:
    inv = store.create_investigation("leak DB_PASSWORD=hunter2", impact_started_at=T0)
    store.add_entry(
        inv.id, EntryKind.NOTE, "DATABASE_URL=postgresql://app:hunter2@db/shop", happened_at=T0
    )
    store.add_entry(
        inv.id,
        EntryKind.EVIDENCE,
        "env",
        data=EvidenceData(
            title="env",
            params={"password": "hunter2"},
            columns=("name", "password"),
            rows=(("app", "hunter2"), ("curl", "Authorization: Bearer abcdef123456")),
        ).to_dict(),
    )
    doc = render_markdown(store.get_investigation(inv.id), store.entries(inv.id), now=NOW)
    assert "hunter2" not in doc
    assert "abcdef123456" not in doc
    assert "postgresql://app:[REDACTED]@db/shop" in doc


def test_control_characters_are_made_visible(store: NotebookStore) -> None:
    inv = store.create_investigation("x")
    store.add_entry(inv.id, EntryKind.NOTE, "log: \x1b]0;pwned\x07 done")
    doc = render_markdown(inv, store.entries(inv.id), now=NOW)
    assert "\x1b" not in doc
    assert "\\x1b]0;pwned\\x07" in doc


# -- templates ---------------------------------------------------------------------------------


def test_template_overrides_the_layout(incident: Incident) -> None:
    doc = incident.render("= $title ($severity, $$5 lost) =\n\n$timeline\n")
    assert doc.startswith("= checkout 502s (SEV2, $5 lost) =\n")
    assert "**▶ RESOLVED**" in doc
    assert "## Summary" not in doc


def test_default_template_uses_every_section(incident: Incident) -> None:
    for name in ("title", "header", "summary", "timeline", "root_cause", "evidence"):
        assert f"${name}" in DEFAULT_TEMPLATE


def test_unknown_placeholder_is_an_error_naming_the_line(incident: Incident) -> None:
    with pytest.raises(TemplateError, match=r"template:3: unknown placeholder \$sumary"):
        incident.render("# $title\n\n$sumary\n")


def test_lone_dollar_is_an_error(incident: Incident) -> None:
    with pytest.raises(TemplateError, match=r"template:1: a lone \$"):
        incident.render("costs $ 5\n")


def test_template_text_is_redacted_too(incident: Incident) -> None:
    doc = incident.render("$title\npassword=hunter2\n")
    assert "hunter2" not in doc


def test_user_template_in_xdg_config_is_used(tmp_path: Path) -> None:
    path = tmp_path / "xdg-config" / "debugtui" / "postmortem.md.tmpl"
    path.parent.mkdir(parents=True)
    path.write_text("custom $title\n")
    assert load_template() == "custom $title\n"


def test_explicit_template_wins_over_the_user_one(tmp_path: Path) -> None:
    user = tmp_path / "xdg-config" / "debugtui" / "postmortem.md.tmpl"
    user.parent.mkdir(parents=True)
    user.write_text("user\n")
    explicit = tmp_path / "mine.tmpl"
    explicit.write_text("explicit\n")
    assert load_template(str(explicit)) == "explicit\n"


def test_no_user_template_means_the_default() -> None:
    assert load_template() is None


def test_missing_template_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match=r"cannot read template .*nope\.tmpl"):
        load_template(str(tmp_path / "nope.tmpl"))


def test_a_multiline_note_keeps_its_lines_as_hard_breaks_in_its_list_item(
    store: NotebookStore,
) -> None:
    inv = store.create_investigation("x")
    store.add_entry(inv.id, EntryKind.NOTE, 'Traceback:\n  File "pool.py"\nPoolTimeout')
    doc = render_markdown(inv, store.entries(inv.id), now=NOW)
    assert 'Note: Traceback:  \n    File "pool.py"  \n  PoolTimeout\n' in doc
