"""Stakeholder updates are drafted from the notebook in the Conditions / Actions / Needs form."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from debugtui.findings import Finding
from debugtui.notebook.model import (
    ActionData,
    ActionStatus,
    Entry,
    EntryKind,
    HypothesisData,
    HypothesisStatus,
    Investigation,
    Phase,
    Severity,
    Status,
)
from debugtui.status_update import (
    draft_status_update,
    is_open_question,
    last_status_update,
    update_overdue,
)

NOW = datetime(2026, 3, 1, 15, 0, tzinfo=timezone.utc)
IMPACT = NOW - timedelta(minutes=47)


def incident(**changes: Any) -> Investigation:
    fields: dict[str, Any] = {
        "id": "inc-1",
        "title": "Checkout errors after the 14:02 deploy",
        "severity": Severity.SEV2,
        "phase": Phase.TEST,
        "impact": "5% of checkouts fail",
        "created_at": IMPACT + timedelta(minutes=5),
        "impact_started_at": IMPACT,
    }
    fields.update(changes)
    return Investigation(**fields)


_next_id = iter(range(1, 10_000))


def entry(kind: EntryKind, text: str, minute: int, **changes: Any) -> Entry:
    when = IMPACT + timedelta(minutes=minute)
    fields: dict[str, Any] = {
        "id": next(_next_id),
        "investigation_id": "inc-1",
        "kind": kind,
        "phase": Phase.TEST,
        "text": text,
        "happened_at": when,
        "recorded_at": when,
    }
    fields.update(changes)
    return Entry(**fields)


def hypothesis(text: str, status: HypothesisStatus, minute: int, because: str = "") -> Entry:
    data = HypothesisData(status=status, because=because).to_dict()
    return entry(EntryKind.HYPOTHESIS, text, minute, data=data)


def action(text: str, minute: int, **data: Any) -> Entry:
    return entry(EntryKind.ACTION, text, minute, data=ActionData(**data).to_dict())


def section(update: str, name: str) -> list[str]:
    """The bullet lines under ``**name**``."""
    lines = update.split(f"**{name}**\n", 1)[1].split("\n\n", 1)[0]
    return lines.splitlines()


NOTEBOOK = [
    hypothesis("Release v1.4.3 broke the payment client", HypothesisStatus.SUPPORTED, 10,
               because="errors start 2m after it"),
    hypothesis("Stripe is down", HypothesisStatus.REFUTED, 11),
    hypothesis("DB pool exhausted", HypothesisStatus.OPEN, 12),
    entry(EntryKind.EVIDENCE, "340 errors/min since 14:15", 13, starred=True),
    entry(EntryKind.EVIDENCE, "deploys: v1.4.3 at 14:11", 14),
    action("Roll back to v1.4.2", 20, owner="alice", status=ActionStatus.DONE),
    action("Scale payment workers", 21, owner="bob"),
    action("Contact Stripe support", 22),
    action("Dropped idea", 22, status=ActionStatus.WONT_DO),
    entry(EntryKind.DECISION, "Freeze deploys to checkout", 23),
    entry(EntryKind.NOTE, "Do we need to refund failed orders?", 24),
    entry(EntryKind.NOTE, "Is the EU region affected?", 25, data={"answered": True}),
    action("Add a canary stage", 26, followup=True),
    entry(EntryKind.NOTE, "old update text", 30, data={"status_update": True}),
]  # fmt: skip


def test_header_names_severity_status_title_and_elapsed_time() -> None:
    update = draft_status_update(incident(), NOTEBOOK, NOW)
    first, second = update.splitlines()[:2]
    assert first == "[SEV2] INVESTIGATING: Checkout errors after the 14:02 deploy"
    assert second == "Impact started 14:13 UTC (47m ago). Update as of 15:00 UTC."


def test_elapsed_time_falls_back_to_the_response_start() -> None:
    inv = incident(impact_started_at=None, created_at=NOW - timedelta(hours=2, minutes=5))
    update = draft_status_update(inv, [], NOW)
    assert "Response started 12:55 UTC (2h05m ago)." in update


def test_conditions_give_status_phase_hypotheses_and_key_entries() -> None:
    conditions = section(draft_status_update(incident(), NOTEBOOK, NOW), "Conditions")
    assert conditions == [
        "- Status: investigating; phase 4/7 test.",
        "- Impact: 5% of checkouts fail",
        "- Likely cause: Release v1.4.3 broke the payment client (because errors start 2m "
        "after it)",
        "- Still investigating: DB pool exhausted",
        "- Ruled out: Stripe is down",
        "- Key 14:26 UTC: 340 errors/min since 14:15",
    ]


def test_conditions_say_what_the_critical_findings_see_newest_first() -> None:
    """A notebook with no hypothesis yet said nothing but the status while the evidence
    showed a crash loop and an error rate 83x its baseline."""
    seen = [
        Finding(
            "error_spike",
            "critical",
            "log errors rose 83x",
            "read the deploys",
            at=NOW - timedelta(minutes=40),
        ),
        Finding("cpu_saturation", "warning", "CPU 95% busy", "top"),
        Finding(
            "container_restarts",
            "critical",
            "worker crash-looping: 9 restarts",
            "logs",
            at=NOW - timedelta(minutes=2),
        ),
    ]
    conditions = section(draft_status_update(incident(), [], NOW, findings=seen), "Conditions")
    assert conditions[-2:] == [
        "- Seen 14:58 UTC: worker crash-looping: 9 restarts",
        "- Seen 14:20 UTC: log errors rose 83x",
    ]
    assert not any("CPU" in line for line in conditions)  # warnings stay in the tool
    many = [Finding("disk_full", "critical", f"disk {n} full", "df") for n in range(5)]
    listed = section(draft_status_update(incident(), [], NOW, findings=many), "Conditions")
    assert sum(line.startswith("- Seen") for line in listed) == 3
    assert listed[-1] == "- and 2 more critical findings"


def test_without_starred_entries_the_latest_evidence_is_shown() -> None:
    entries = [entry(EntryKind.EVIDENCE, f"evidence {n}", n) for n in range(1, 6)]
    conditions = section(draft_status_update(incident(), entries, NOW), "Conditions")
    assert [c for c in conditions if c.startswith("- Evidence")] == [
        "- Evidence 14:18 UTC: evidence 5",
        "- Evidence 14:17 UTC: evidence 4",
        "- Evidence 14:16 UTC: evidence 3",
    ]


def test_many_open_hypotheses_are_summarised() -> None:
    entries = [hypothesis(f"idea {n}", HypothesisStatus.OPEN, n) for n in range(5)]
    conditions = section(draft_status_update(incident(), entries, NOW), "Conditions")
    assert "- Still investigating: idea 4; idea 3; idea 2; and 2 more" in conditions


def test_actions_list_done_work_decisions_then_work_in_progress() -> None:
    actions = section(draft_status_update(incident(), NOTEBOOK, NOW), "Actions")
    assert actions == [
        "- Done 14:33 UTC: Roll back to v1.4.2 (alice)",
        "- Decided 14:36 UTC: Freeze deploys to checkout",
        "- In progress: Scale payment workers (bob)",
    ]


def test_needs_list_unowned_actions_and_open_questions() -> None:
    needs = section(draft_status_update(incident(), NOTEBOOK, NOW), "Needs")
    assert needs == [
        "- Owner needed: Contact Stripe support",
        "- Question: Do we need to refund failed orders?",
    ]


def test_follow_ups_and_previous_updates_stay_out_of_the_update() -> None:
    update = draft_status_update(incident(), NOTEBOOK, NOW)
    assert "canary" not in update
    assert "old update text" not in update


def test_empty_notebook_says_so_rather_than_leaving_sections_blank() -> None:
    update = draft_status_update(incident(), [], NOW)
    assert section(update, "Actions") == ["- None recorded yet."]
    assert section(update, "Needs") == ["- Nothing at the moment."]


def test_next_update_time_follows_the_cadence() -> None:
    update = draft_status_update(incident(), NOTEBOOK, NOW, cadence_minutes=15)
    assert update.splitlines()[-1] == "Next update by 15:15 UTC (in 15 minutes)."


def test_resolved_incident_gets_a_final_update() -> None:
    inv = incident(
        status=Status.RESOLVED,
        mitigated_at=NOW - timedelta(minutes=20),
        resolved_at=NOW - timedelta(minutes=5),
    )
    update = draft_status_update(inv, NOTEBOOK, NOW)
    assert update.splitlines()[0].startswith("[SEV2] RESOLVED: ")
    assert "- Mitigated at 14:40 UTC." in update
    assert "- Resolved at 14:55 UTC." in update
    assert update.splitlines()[-1].startswith("Final update")


def test_times_on_another_day_carry_the_date() -> None:
    inv = incident(impact_started_at=NOW - timedelta(days=1, hours=1))
    assert "Impact started 2026-02-28 14:00 UTC (1d01h ago)." in draft_status_update(inv, [], NOW)


def test_untrusted_text_is_flattened_and_made_visible() -> None:
    inv = incident(title="pwn\x1b]0;title\x07")
    entries = [entry(EntryKind.NOTE, "line one\nline two\x1b[2J?", 3)]
    update = draft_status_update(inv, entries, NOW)
    assert "\x1b" not in update and "\x07" not in update
    assert "pwn\\x1b]0;title\\x07" in update
    assert "- Question: line one⏎line two\\x1b[2J?" in update


def test_open_questions() -> None:
    assert is_open_question(entry(EntryKind.NOTE, "Why now? ", 1))
    assert is_open_question(entry(EntryKind.NOTE, "check the EU region", 1,
                                  data={"question": True}))  # fmt: skip
    assert not is_open_question(entry(EntryKind.NOTE, "Why now?", 1, data={"answered": True}))
    assert not is_open_question(entry(EntryKind.EVIDENCE, "why?", 1))
    assert not is_open_question(entry(EntryKind.NOTE, "All good.", 1))


def test_last_status_update_is_the_latest_recorded_update_note() -> None:
    first = entry(EntryKind.NOTE, "first", 10, data={"status_update": True})
    second = entry(EntryKind.NOTE, "second", 40, data={"status_update": True})
    other = entry(EntryKind.NOTE, "not an update", 50)
    assert last_status_update([second, other, first]) == second
    assert last_status_update([other]) is None
    assert last_status_update([]) is None


def test_update_overdue_after_the_cadence() -> None:
    last = NOW - timedelta(minutes=30)
    assert update_overdue(last, 30, NOW)
    assert not update_overdue(last, 30, NOW - timedelta(seconds=1))
    assert not update_overdue(last, 45, NOW)


def test_update_overdue_when_none_was_posted_yet() -> None:
    assert update_overdue(None, 30, NOW)


def test_update_overdue_rejects_a_non_positive_cadence() -> None:
    with pytest.raises(ValueError, match="positive"):
        update_overdue(NOW, 0, NOW)
