"""``debugtui playbooks list | show | validate`` through the installed console script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from debugtui.playbooks import user_dir

DEBUGTUI = Path(sys.executable).with_name("debugtui")

GOOD = """\
id: sample
title: Sample playbook
phases:
  verify:
    - text: Errors gone
      exit: true
"""


def debugtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DEBUGTUI), "playbooks", *args], capture_output=True, text=True, timeout=60
    )


def test_list_shows_every_shipped_playbook_with_its_step_count() -> None:
    result = debugtui("list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 8
    memory = next(line for line in lines if line.startswith("memory-oom "))
    assert "Memory leak / OOM kills" in memory
    assert " steps " in memory and "shipped" in memory


def test_list_marks_a_user_override_and_warns_about_a_broken_file() -> None:
    user_dir().mkdir(parents=True)
    (user_dir() / "mine.yaml").write_text(GOOD.replace("id: sample", "id: disk-full"))
    (user_dir() / "broken.yaml").write_text("id: x\ntitle: [\n")
    result = debugtui("list")
    assert result.returncode == 0
    disk = next(line for line in result.stdout.splitlines() if line.startswith("disk-full "))
    assert "user" in disk and "Sample playbook" in disk
    assert f"{user_dir() / 'broken.yaml'}:3:1: yaml:" in result.stderr


def test_show_renders_every_phase_with_runs_checks_and_exit_criteria() -> None:
    result = debugtui("show", "memory-oom")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for number, title in enumerate(
        ["Reproduce", "Isolate", "Hypothesize", "Test", "Fix", "Verify", "Prevent"], start=1
    ):
        assert f"\n{number}. {title}\n" in out
    assert "run:   containers since=6h" in out
    assert "check: container_killed - a container killed (exit 137) or OOM-killed" in out
    assert "Exit criteria" in out
    assert "(no-more-kills) [exit]" in " ".join(out.split())


def test_show_unknown_id_exits_2_naming_it() -> None:
    result = debugtui("show", "no-such-playbook")
    assert result.returncode == 2
    assert "no playbook 'no-such-playbook'" in result.stderr
    assert "memory-oom" in result.stderr
    assert result.stdout == ""


def test_show_makes_control_characters_in_a_user_playbook_visible() -> None:
    user_dir().mkdir(parents=True)
    (user_dir() / "evil.yaml").write_text(
        'id: evil\ntitle: "\\e]0;pwned\\a title"\nphases:\n  test: ["\\e[2J clear"]\n'
    )
    result = debugtui("show", "evil")
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b]0;pwned\\x07 title" in result.stdout


def test_validate_good_file_prints_ok_and_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD)
    result = debugtui("validate", str(path))
    assert result.returncode == 0
    assert result.stdout == f"{path}: ok\n"


def test_validate_bad_file_prints_each_problem_and_exits_2(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("verify:", "verfy:") + "colour: red\n")
    result = debugtui("validate", str(good), str(bad))
    assert result.returncode == 2
    assert result.stdout.splitlines() == [
        f"{good}: ok",
        f"{bad}:3: phases: has no steps",
        f"{bad}:4: phases.verfy: unknown phase (phases: reproduce, isolate, hypothesize, test, "
        "fix, verify, prevent)",
        f"{bad}:7: colour: unknown key (known: id, title, description, symptoms, "
        "update_cadence_minutes, phases)",
    ]


def test_validate_a_directory_checks_every_playbook_in_it() -> None:
    shipped = Path(__file__).resolve().parent.parent / "playbooks"
    result = debugtui("validate", str(shipped))
    assert result.returncode == 0, result.stdout
    assert len(result.stdout.splitlines()) == 8
    assert all(line.endswith(": ok") for line in result.stdout.splitlines())


def test_validate_missing_file_exits_2(tmp_path: Path) -> None:
    result = debugtui("validate", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert "nope.yaml: file: cannot read" in result.stdout


def test_playbooks_without_an_action_is_a_usage_error() -> None:
    result = debugtui()
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
