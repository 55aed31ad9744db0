"""Playbooks load, validate with file:line: field: reason errors, override and get suggested."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from debugtui.findings import RULES, Finding
from debugtui.notebook.model import PHASES, Phase
from debugtui.playbooks import (
    RUN_PARAMS,
    SHIPPED_DIR,
    PlaybookError,
    Run,
    get_playbook,
    load_playbook_file,
    load_playbooks,
    parse_playbook,
    suggest,
    user_dir,
)
from debugtui.sources.registry import SOURCES

REPO = Path(__file__).resolve().parent.parent
SHIPPED_FILES = sorted((REPO / "playbooks").glob("*.yaml"))
SHIPPED_IDS = {
    "deploy-errors",
    "high-latency",
    "db-saturation",
    "connection-exhaustion",
    "memory-oom",
    "disk-full",
    "upstream-outage",
    "generic",
}

GOOD = """\
id: sample
title: Sample playbook
symptoms: [sample]
phases:
  reproduce:
    - text: Look at the logs
      run: {source: logs, pattern: 'ERROR', since: 2h}
      check: error_spike
  verify:
    - text: Errors gone
      exit: true
"""


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_in(tmp_path: Path, text: str) -> tuple[Path, PlaybookError]:
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(PlaybookError) as info:
        load_playbook_file(path)
    return path, info.value


def assert_problem(path: Path, error: PlaybookError, line: int, field: str, reason: str) -> None:
    """One of the problems is at ``line`` / ``field``, and the message names file and line."""
    found = [e for e in error.errors if e.line == line and e.field == field]
    assert found, f"no problem at {line} {field} in:\n{error}"
    assert reason in found[0].reason
    assert f"{path}:{line}: {field}: " in str(error)


# --- shipped playbooks ------------------------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.stem)
def test_every_shipped_playbook_validates(path: Path) -> None:
    playbook = load_playbook_file(path)
    assert playbook.id == path.stem


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.stem)
def test_every_shipped_playbook_covers_the_whole_loop(path: Path) -> None:
    playbook = load_playbook_file(path)
    assert [p for p in PHASES if not playbook.steps(p)] == []
    assert playbook.exit_criteria, "verify needs exit criteria"
    assert playbook.steps(Phase.PREVENT)
    assert playbook.symptoms and playbook.description
    assert any(step.run for step in playbook.steps()), "no step lets a source do the work"


def test_the_required_playbooks_are_shipped() -> None:
    playbooks, errors = load_playbooks()
    assert errors == []
    assert set(playbooks) == SHIPPED_IDS
    assert {pb.origin for pb in playbooks.values()} == {"shipped"}


def test_run_parameter_table_covers_exactly_the_registered_sources() -> None:
    assert set(RUN_PARAMS) == set(SOURCES)


def test_shipped_dir_is_the_repository_playbooks_directory() -> None:
    assert SHIPPED_DIR.resolve() == (REPO / "playbooks").resolve()


# --- the model --------------------------------------------------------------------------------


def test_steps_get_stable_ids_from_their_position() -> None:
    playbook = parse_playbook(
        "id: a\ntitle: A\nphases:\n  test: [one, two]\n  fix:\n    - {id: mine, text: three}\n"
    )
    assert [s.id for s in playbook.steps()] == ["test-1", "test-2", "mine"]
    assert playbook.step("test-2").text == "two"
    assert playbook.steps(Phase.FIX)[0].phase is Phase.FIX
    assert playbook.steps(Phase.REPRODUCE) == ()


def test_defaults_for_optional_fields() -> None:
    playbook = parse_playbook("id: a\ntitle: A\nphases: {test: [x]}\n")
    assert playbook.update_cadence_minutes == 30
    assert playbook.symptoms == ()
    assert playbook.description == ""
    assert playbook.exit_criteria == ()


def test_playbooks_and_steps_are_hashable() -> None:
    playbook = load_playbooks().playbooks["memory-oom"]
    assert len({playbook, playbook}) == 1
    assert len(set(playbook.steps())) == len(playbook.steps())


def test_run_params_are_parsed_and_lists_become_tuples() -> None:
    playbook = parse_playbook(
        "id: a\ntitle: A\nphases:\n  isolate:\n"
        "    - text: x\n"
        "      run: {source: logs, pattern: 'a|b', paths: [/var/log/app], since: 2h,"
        " ignore_case: true, context: 2, max_matches: 10}\n"
    )
    run = playbook.steps(Phase.ISOLATE)[0].run
    assert run == Run(
        "logs",
        {
            "pattern": "a|b",
            "paths": ("/var/log/app",),
            "since": "2h",
            "ignore_case": True,
            "context": 2,
            "max_matches": 10,
        },
    )
    assert run.describe() == (
        "logs pattern='a|b' paths=/var/log/app since=2h ignore_case=True context=2 max_matches=10"
    )


def test_an_iso_time_stays_text_and_is_accepted_as_since() -> None:
    playbook = parse_playbook(
        "id: a\ntitle: A\nphases:\n  isolate:\n"
        "    - {text: x, run: {source: deploys, since: 2026-01-31T14:05:00Z}}\n"
    )
    assert playbook.steps(Phase.ISOLATE)[0].run.params["since"] == "2026-01-31T14:05:00Z"


# --- validation errors name file, line and field -----------------------------------------------


def test_unknown_top_level_key(tmp_path: Path) -> None:
    path, error = problems_in(tmp_path, GOOD + "colour: red\n")
    assert_problem(path, error, 12, "colour", "unknown key")


def test_unknown_step_key(tmp_path: Path) -> None:
    path, error = problems_in(tmp_path, GOOD.replace("      exit: true\n", "      owner: me\n"))
    assert_problem(path, error, 11, "phases.verify[1].owner", "unknown key")


def test_unknown_phase(tmp_path: Path) -> None:
    path, error = problems_in(tmp_path, GOOD.replace("  verify:", "  verfy:"))
    assert_problem(path, error, 9, "phases.verfy", "unknown phase")


def test_unknown_source(tmp_path: Path) -> None:
    path, error = problems_in(tmp_path, GOOD.replace("source: logs", "source: kafka"))
    assert_problem(path, error, 7, "phases.reproduce[1].run.source", "unknown source 'kafka'")


def test_unknown_run_parameter(tmp_path: Path) -> None:
    path, error = problems_in(tmp_path, GOOD.replace("since: 2h}", "since: 2h, port: 80}"))
    assert_problem(path, error, 7, "phases.reproduce[1].run.port", "unknown parameter for logs")


def test_unknown_rule(tmp_path: Path) -> None:
    path, error = problems_in(tmp_path, GOOD.replace("check: error_spike", "check: oom"))
    assert_problem(path, error, 8, "phases.reproduce[1].check", "unknown rule 'oom'")


def test_bad_regex(tmp_path: Path) -> None:
    path, error = problems_in(tmp_path, GOOD.replace("pattern: 'ERROR'", "pattern: '(ERROR'"))
    assert_problem(
        path, error, 7, "phases.reproduce[1].run.pattern", "not a valid regular expression"
    )


def test_bad_duration(tmp_path: Path) -> None:
    path, error = problems_in(tmp_path, GOOD.replace("since: 2h", "since: yesterday"))
    assert_problem(path, error, 7, "phases.reproduce[1].run.since", "not a duration or time")


def test_missing_required_pattern(tmp_path: Path) -> None:
    path, error = problems_in(tmp_path, GOOD.replace("pattern: 'ERROR', ", ""))
    assert_problem(path, error, 7, "phases.reproduce[1].run.pattern", "missing")


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "reason"),
    [
        ("title: Sample playbook", "title: [a, b]", 2, "title", "must be text, found a list"),
        ("    - text: Errors gone", "    - text: 3", 10, "phases.verify[1].text", "must be text"),
        ("exit: true", "exit: sometimes", 11, "phases.verify[1].exit", "true or false"),
        (
            "since: 2h}",
            "since: 2h, max_matches: many}",
            7,
            "phases.reproduce[1].run.max_matches",
            "whole number",
        ),
        ("symptoms: [sample]", "symptoms: sample", 3, "symptoms", "must be a list"),
        ("symptoms: [sample]", "symptoms: [sample, 404]", 3, "symptoms[2]", "(quote it)"),
        (
            "  verify:\n    - text: Errors gone\n      exit: true\n",
            "  verify: done\n",
            9,
            "phases.verify",
            "must be a list of steps",
        ),
    ],
)
def test_wrong_types(
    tmp_path: Path, old: str, new: str, line: int, field: str, reason: str
) -> None:
    assert old in GOOD
    path, error = problems_in(tmp_path, GOOD.replace(old, new))
    assert_problem(path, error, line, field, reason)


def test_duplicate_step_id(tmp_path: Path) -> None:
    text = GOOD.replace("    - text: Look", "    - id: look\n      text: Look").replace(
        "    - text: Errors gone", "    - id: look\n      text: Errors gone"
    )
    path, error = problems_in(tmp_path, text)
    assert_problem(path, error, 11, "phases.verify[1].id", "duplicate step id 'look'")


def test_explicit_id_colliding_with_a_derived_one(tmp_path: Path) -> None:
    text = GOOD.replace("    - text: Errors gone", "    - id: reproduce-1\n      text: Errors gone")
    path, error = problems_in(tmp_path, text)
    assert_problem(path, error, 10, "phases.verify[1].id", "duplicate step id 'reproduce-1'")


def test_duplicate_key(tmp_path: Path) -> None:
    path, error = problems_in(
        tmp_path, GOOD.replace("title: Sample playbook", "title: A\ntitle: B")
    )
    assert_problem(path, error, 3, "title", "duplicate key (first at line 2)")


def test_keys_from_a_merge_may_be_overridden() -> None:
    playbook = parse_playbook(
        "id: a\ntitle: A\nphases:\n  test:\n"
        "    - &base {text: base, run: {source: logs, pattern: x}}\n"
        "    - {<<: *base, text: derived}\n"
    )
    steps = playbook.steps(Phase.TEST)
    assert [s.text for s in steps] == ["base", "derived"]
    assert steps[1].run == steps[0].run


def test_exit_outside_verify(tmp_path: Path) -> None:
    path, error = problems_in(tmp_path, GOOD.replace("check: error_spike", "exit: true"))
    assert_problem(path, error, 8, "phases.reproduce[1].exit", "verify phase")


def test_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path, error = problems_in(tmp_path, GOOD.replace("title: Sample playbook", "title: a: b"))
    assert (error.line, error.column, error.field) == (2, 9, "yaml")
    assert str(error).startswith(f"{path}:2:9: yaml: mapping values are not allowed here")


def test_all_problems_of_a_file_are_reported_in_line_order(tmp_path: Path) -> None:
    text = (
        GOOD.replace("check: error_spike", "check: oom")
        .replace("source: logs", "source: kafka")
        .replace("  verify:", "  verfy:")
        + "colour: red\n"
    )
    path, error = problems_in(tmp_path, text)
    assert [e.line for e in error.errors] == [7, 8, 9, 12]
    assert all(line.startswith(f"{path}:") for line in str(error).splitlines())
    assert (error.line, error.field) == (7, "phases.reproduce[1].run.source")
    assert len(str(error).splitlines()) == 4


def test_missing_required_fields(tmp_path: Path) -> None:
    path, error = problems_in(tmp_path, "description: nothing else\n")
    assert f"{path}:1: id: missing (required)" in str(error)
    assert {e.field for e in error.errors} == {"id", "title", "phases"}
    assert all(e.line == 1 for e in error.errors)


def test_not_a_mapping(tmp_path: Path) -> None:
    path, error = problems_in(tmp_path, "- just\n- a list\n")
    assert_problem(path, error, 1, "(document)", "a playbook is a mapping")


def test_unreadable_file_is_a_playbook_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"id: caf\xe9\n")
    with pytest.raises(PlaybookError, match=r"latin1\.yaml: file: not UTF-8"):
        load_playbook_file(path)
    with pytest.raises(PlaybookError, match="file: cannot read"):
        load_playbook_file(tmp_path / "missing.yaml")


def test_control_characters_in_errors_are_made_visible(tmp_path: Path) -> None:
    _, error = problems_in(tmp_path, GOOD + '"\\e[2Jevil": 1\n')
    assert "\x1b" not in str(error)
    assert "\\x1b[2Jevil" in str(error)


# --- loading and overriding -------------------------------------------------------------------


def test_user_playbook_overrides_shipped_one_of_the_same_id() -> None:
    write(user_dir(), "mine.yaml", GOOD.replace("id: sample", "id: memory-oom"))
    playbooks, errors = load_playbooks()
    assert errors == []
    assert playbooks["memory-oom"].title == "Sample playbook"
    assert playbooks["memory-oom"].origin == "user"
    assert playbooks["memory-oom"].path == user_dir() / "mine.yaml"
    assert playbooks["disk-full"].origin == "shipped"
    assert get_playbook("memory-oom").title == "Sample playbook"


def test_user_playbook_with_a_new_id_is_added() -> None:
    write(user_dir(), "sample.yml", GOOD)
    playbooks, _ = load_playbooks()
    assert set(playbooks) == SHIPPED_IDS | {"sample"}


def test_broken_user_playbook_is_reported_and_the_shipped_one_kept() -> None:
    broken = write(user_dir(), "memory-oom.yaml", "id: memory-oom\ntitle: [\n")
    playbooks, errors = load_playbooks()
    assert playbooks["memory-oom"].origin == "shipped"
    assert [e.path for e in errors] == [str(broken)]


def test_second_file_with_the_same_id_in_one_directory_is_an_error() -> None:
    write(user_dir(), "a.yaml", GOOD)
    second = write(user_dir(), "b.yaml", GOOD.replace("Sample playbook", "Other"))
    playbooks, errors = load_playbooks()
    assert playbooks["sample"].title == "Sample playbook"
    assert len(errors) == 1
    assert str(errors[0]).startswith(f"{second}:1: id: 'sample' is already used by")


def test_get_playbook_unknown_is_none() -> None:
    assert get_playbook("no-such-playbook") is None


# --- suggestions ------------------------------------------------------------------------------


def top(suggestions: list) -> str:  # type: ignore[type-arg]
    return suggestions[0][0].id


def test_oom_text_suggests_the_memory_playbook() -> None:
    assert top(suggest("oom")) == "memory-oom"
    assert top(suggest("worker pods OOMKilled every hour")) == "memory-oom"


def test_errors_after_deploy_suggests_the_deploy_playbook() -> None:
    assert top(suggest("errors after deploy")) == "deploy-errors"
    assert top(suggest("Checkout 5xx errors after the 14:02 deployment")) == "deploy-errors"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("No space left on device on db-1", "disk-full"),
        ("too many connections to postgres", "connection-exhaustion"),
        ("slow queries on the orders database", "db-saturation"),
        ("API slow, p99 latency doubled", "high-latency"),
        ("payment provider 503s", "upstream-outage"),
    ],
)
def test_text_suggests_the_fitting_playbook(text: str, expected: str) -> None:
    assert top(suggest(text)) == expected


def test_container_killed_findings_suggest_the_memory_playbook() -> None:
    finding = Finding("container_killed", "critical", "api was OOM-killed", "see memory")
    assert top(suggest([finding])) == "memory-oom"
    assert top(suggest([finding.to_dict()])) == "memory-oom"


def test_database_findings_suggest_the_database_playbook() -> None:
    findings = [
        Finding("query_dominates", "warning", "one statement", "explain it"),
        Finding("blocking_chain", "critical", "locks", "find the root"),
    ]
    assert top(suggest(findings)) == "db-saturation"


def test_nothing_matching_suggests_nothing() -> None:
    assert suggest("zzz qqq") == []
    assert suggest([]) == []


def test_suggest_scores_best_first() -> None:
    scores = [score for _, score in suggest("errors after deploy, connection refused")]
    assert scores == sorted(scores, reverse=True)
    assert all(score > 0 for score in scores)


# --- documentation stays honest ---------------------------------------------------------------

README = (REPO / "playbooks" / "README.md").read_text(encoding="utf-8")


def test_readme_example_is_a_valid_playbook_using_every_field() -> None:
    example = re.search(r"```yaml\n(.*?)```", README, re.S)
    assert example
    playbook = parse_playbook(example.group(1), "README example")
    step = playbook.steps(Phase.REPRODUCE)[0]
    assert step.id and step.guidance and step.run and step.check
    assert playbook.exit_criteria and playbook.description and playbook.symptoms
    assert playbook.update_cadence_minutes != 30


def test_readme_lists_every_rule_source_parameter_and_shipped_playbook() -> None:
    for rule in RULES:
        assert f"| `{rule}` |" in README
    for source, params in RUN_PARAMS.items():
        for name in params:
            assert f"| `{source}` | `{name}` |" in README
    for playbook_id in SHIPPED_IDS:
        assert f"| `{playbook_id}` |" in README


# --- import weight ----------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["debugtui.playbooks", "debugtui.status_update"])
def test_module_imports_nothing_heavy(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "heavy = sorted(m for m in ('textual', 'psycopg', 'docker', 'git', 'psutil')"
        " if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
