"""The notebook sub-commands, run as the real ``debugtui`` console script on a temp database."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from debugtui import __version__

SCRIPT = Path(sys.executable).with_name("debugtui")


def debugtui(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "debugtui"]
    return subprocess.run(
        [*command, *args], input=stdin, capture_output=True, text=True, timeout=60
    )


def ok(*args: str, stdin: str | None = None) -> str:
    result = debugtui(*args, stdin=stdin)
    assert result.returncode == 0, result.stderr
    return result.stdout


def fails(*args: str) -> str:
    """Run a command that must fail: exit 2, one line on stderr, nothing on stdout."""
    result = debugtui(*args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def new(title: str = "checkout 502s", *extra: str) -> str:
    inv_id = ok("new", title, "--no-tui", *extra).strip()
    assert len(inv_id) == 6
    return inv_id


def test_acceptance_new_note_export(db: Path) -> None:
    inv_id = new()
    entry_id = ok("note", inv_id, "saw 502s").strip()
    assert entry_id.isdigit()
    doc = ok("export", inv_id, "--format", "md")
    assert doc.startswith("# Post-mortem: checkout 502s\n")
    for heading in (
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
    ):
        assert f"\n{heading}\n" in doc, heading
    timeline = doc.split("## Timeline")[1].split("\n## ")[0]
    assert "Note: saw 502s" in timeline


def test_version() -> None:
    assert ok("--version").strip() == f"debugtui {__version__}"


def test_new_stores_severity_tags_playbook_and_impact_start(db: Path) -> None:
    inv_id = new(
        "db down",
        "--severity",
        "sev1",
        "--tag",
        "pg",
        "--tag",
        "eu",
        "--playbook",
        "db-saturation",
        "--impact-start",
        "2026-01-31T14:00Z",
    )
    (item,) = json.loads(ok("list", "--json"))
    assert item["id"] == inv_id
    assert (item["severity"], item["tags"], item["playbook_id"]) == (
        "SEV1",
        ["pg", "eu"],
        "db-saturation",
    )
    assert item["impact_started_at"] == "2026-01-31T14:00:00+00:00"


def test_list_json_is_newest_first(db: Path) -> None:
    first = new("first")
    second = new("second")
    items = json.loads(ok("list", "--json"))
    assert [i["id"] for i in items] == [second, first]
    assert items[0]["title"] == "second"


def test_list_table_has_the_columns(db: Path) -> None:
    inv_id = new("checkout 502s", "--severity", "SEV2")
    lines = ok("list").splitlines()
    assert lines[0].split() == ["ID", "SEV", "STATUS", "PHASE", "AGE", "TITLE"]
    assert lines[1].split()[:4] == [inv_id, "SEV2", "investigating", "reproduce"]
    assert lines[1].endswith("checkout 502s")


def test_list_of_an_empty_notebook_says_how_to_start(db: Path) -> None:
    result = debugtui("list")
    assert result.returncode == 0
    assert "debugtui new" in result.stderr


def test_status_sets_milestones(db: Path) -> None:
    inv_id = new("x", "--impact-start", "2026-01-31T14:00Z")
    ok("status", inv_id, "mitigated", "--at", "2026-01-31T14:25Z")
    ok("status", inv_id, "resolved", "--at", "2026-01-31T15:00Z")
    (item,) = json.loads(ok("list", "--json"))
    assert item["status"] == "resolved"
    assert item["mitigated_at"] == "2026-01-31T14:25:00+00:00"
    assert item["resolved_at"] == "2026-01-31T15:00:00+00:00"


def test_milestone_is_set(db: Path) -> None:
    inv_id = new("x", "--impact-start", "2026-01-31T14:00Z")
    ok("milestone", inv_id, "detected", "2026-01-31T14:04Z")
    doc = ok("export", inv_id)
    assert "time to detect **4m00s**" in doc


def test_milestone_before_impact_start_is_refused(db: Path) -> None:
    inv_id = new("x", "--impact-start", "2026-01-31T14:00Z")
    line = fails("milestone", inv_id, "detected", "2026-01-31T13:00Z")
    assert line.startswith("debugtui milestone: ")
    assert "before the impact start" in line


def test_unknown_id_is_one_line_and_exit_2(db: Path) -> None:
    new()
    assert "no investigation with id 'zzzzzz'" in fails("note", "zzzzzz", "text")
    assert "no investigation" in fails("export", "zzzzzz")
    assert "no investigation" in fails("open", "zzzzzz")
    assert "no investigation" in fails("status", "zzzzzz", "resolved")


def test_bad_arguments_are_one_line_and_exit_2(db: Path) -> None:
    inv_id = new()
    assert "required" in fails("note", inv_id)
    assert "invalid choice" in fails("status", inv_id, "fixed")
    assert "--at: not a time" in fails("note", inv_id, "x", "--at", "yesterday-ish")
    assert "--because is for --kind hypothesis" in fails("note", inv_id, "x", "--because", "y")
    assert "empty" in fails("note", inv_id, "  ")


def test_a_time_in_the_future_is_refused_but_clock_skew_is_not(db: Path) -> None:
    """2099 for 2026 would sit after the resolution in the timeline for good."""
    inv_id = new()
    line = fails("note", inv_id, "x", "--at", "2099-01-31T14:02Z")
    assert line.endswith(
        "--at: 2099-01-31 14:02 UTC is in the future (use e.g. 10m, now or a past time)"
    )
    assert "in the future" in fails("milestone", inv_id, "detected", "2099-01-31T14:02Z")
    assert "in the future" in fails("status", inv_id, "resolved", "--at", "2099-01-31T14:02Z")
    assert "in the future" in fails("new", "y", "--no-tui", "--impact-start", "2099-01-31")
    skewed = (datetime.now(timezone.utc) + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%MZ")
    assert ok("note", inv_id, "from a fast clock", "--at", skewed).strip().isdigit()
    assert "x" not in [
        e["text"] for e in json.loads(ok("export", inv_id, "--format", "json"))["entries"]
    ]


def test_foreign_database_is_one_line_and_exit_2(db: Path) -> None:
    db.write_bytes(b"definitely not sqlite" * 20)
    assert "is not a debugtui notebook" in fails("list")
    assert db.read_bytes() == b"definitely not sqlite" * 20


def test_db_option_before_or_after_the_command(tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    in_a = ok("--db", str(a), "new", "in a", "--no-tui").strip()
    in_b = ok("new", "in b", "--no-tui", "--db", str(b)).strip()
    assert [i["id"] for i in json.loads(ok("--db", str(a), "list", "--json"))] == [in_a]
    assert [i["id"] for i in json.loads(ok("list", "--json", "--db", str(b)))] == [in_b]


def test_note_kinds_reach_the_post_mortem(db: Path) -> None:
    inv_id = new()
    hyp = ok("note", inv_id, "pool exhausted", "--kind", "hypothesis", "--because", "timeouts")
    assert hyp.strip().isdigit()
    ok(
        "note",
        inv_id,
        "alert on pool use",
        "--kind",
        "action",
        "--type",
        "prevent",
        "--owner",
        "bob",
        "--due",
        "2026-02-07",
        "--ticket",
        "OPS-1",
    )
    ok("note", inv_id, "restart pgbouncer", "--kind", "action", "--owner", "alice")
    ok("note", inv_id, "no rollback", "--kind", "decision", "--star")
    ok("note", inv_id, "alert fired fast", "--lesson", "well")
    ok("note", inv_id, "-", stdin="pasted\nlog lines\n")
    doc = ok("export", inv_id)
    assert "pool exhausted — unconfirmed; because timeouts" in doc
    followups = doc.split("### Follow-ups")[1].split("### Done during the incident")[0]
    assert "| prevent | alert on pool use | bob | 2026-02-07 | OPS-1 | open |" in followups
    during = doc.split("### Done during the incident")[1].split("\n## ")[0]
    assert "| mitigate | restart pgbouncer | alice |" in during
    assert "★ **Decision**: no rollback" in doc
    assert "- alert fired fast" in doc.split("### What went well")[1]
    assert "Note: pasted  \n  log lines" in doc  # one line each, as pasted


def test_export_to_a_file_is_private(db: Path, tmp_path: Path) -> None:
    inv_id = new()
    out = tmp_path / "pm.md"
    assert ok("export", inv_id, "-o", str(out)) == ""
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_text().startswith("# Post-mortem: checkout 502s")


def test_export_to_dash_is_stdout_as_import_from_dash_is_stdin(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inv_id = new()
    monkeypatch.chdir(tmp_path)
    doc = ok("export", inv_id, "--format", "json", "-o", "-")
    assert not (tmp_path / "-").exists()  # before, a file named "-"
    new_id = ok("import", "-", stdin=doc).strip()
    again = json.loads(ok("export", new_id, "--format", "json"))
    assert again["investigation"]["title"] == "checkout 502s"


def test_export_with_a_template(db: Path, tmp_path: Path) -> None:
    inv_id = new()
    ok("note", inv_id, "saw 502s")
    template = tmp_path / "short.tmpl"
    template.write_text("INCIDENT $id: $title\n\n$timeline\n")
    doc = ok("export", inv_id, "--template", str(template))
    assert doc.startswith(f"INCIDENT {inv_id}: checkout 502s\n")
    assert "saw 502s" in doc


def test_bad_template_is_one_line_and_exit_2(db: Path, tmp_path: Path) -> None:
    inv_id = new()
    template = tmp_path / "bad.tmpl"
    template.write_text("$title\n$nonsense\n")
    assert "unknown placeholder $nonsense" in fails("export", inv_id, "--template", str(template))


def test_export_redacts_secrets(db: Path) -> None:
    inv_id = new()
    ok("note", inv_id, "DATABASE_URL=postgresql://app:hunter2@db/shop")
    assert "hunter2" not in ok("export", inv_id)
    assert "hunter2" not in ok("export", inv_id, "--format", "json")


def test_json_export_and_import_round_trip(db: Path, tmp_path: Path) -> None:
    inv_id = new("x", "--impact-start", "2026-01-31T14:00Z")
    ok("note", inv_id, "saw 502s", "--at", "2026-01-31T14:02Z", "--star")
    out = tmp_path / "inv.json"
    ok("export", inv_id, "--format", "json", "-o", str(out))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    new_id = ok("import", str(out)).strip()
    assert new_id != inv_id
    original = json.loads(out.read_text())
    again = json.loads(ok("export", new_id, "--format", "json"))
    assert again["investigation"]["title"] == "x"

    def shape(doc: dict) -> list[tuple]:
        keys = ("kind", "text", "happened_at", "recorded_at", "starred")
        return [tuple(e[k] for k in keys) for e in doc["entries"]]

    assert shape(again) == shape(original)


def test_import_of_a_malformed_file_is_one_line_and_exit_2(db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "debugtui-investigation", "version": 1, "investigation": {}}')
    line = fails("import", str(bad))
    assert line.startswith(f"debugtui import: {bad}: investigation.title: missing")
    bad.write_text("not json")
    assert "not JSON" in fails("import", str(bad))
    assert "No such file" in fails("import", str(tmp_path / "missing.json"))


def test_cli_commands_do_not_load_textual(db: Path) -> None:
    code = (
        "import sys\n"
        "from debugtui.cli import main\n"
        "main(['new', 'x', '--no-tui']); main(['list'])\n"
        "print('textual' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy()
    )
    assert result.stderr.strip().splitlines()[-1] == "False"
