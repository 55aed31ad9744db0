"""The CLI registers only the command module a command needs, and the map saying which
module that is stays true to what the modules register (a new sub-command cannot be missed)."""

from __future__ import annotations

import argparse
import importlib
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from debugtui import cli
from debugtui.cli import COMMAND_MODULES, COMMANDS, build_parser, main, modules_for


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_command_map_names_exactly_what_each_module_registers(module: str) -> None:
    sub = argparse.ArgumentParser().add_subparsers()
    importlib.import_module(module).register(sub)
    mapped = {name for name, owner in COMMANDS.items() if owner == module}
    assert mapped == set(sub.choices)


def test_command_map_points_only_at_listed_modules() -> None:
    assert set(COMMANDS.values()) == set(COMMAND_MODULES)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["logs", "x"], ("debugtui.commands.logs",)),
        (["--db", "n.db", "note", "abc", "hi"], ("debugtui.commands.notebook",)),
        (["--config=c.toml", "--db=n.db", "doctor"], ("debugtui.commands.evidence",)),
        (["--config", "c.toml", "playbooks", "list"], ("debugtui.commands.playbooks",)),
        (["--version"], ()),
        (["--db", "n.db", "--version", "logs"], ()),
    ],
)
def test_a_named_command_needs_only_its_module(argv: list[str], expected: tuple[str, ...]) -> None:
    assert modules_for(argv) == expected


@pytest.mark.parametrize(
    "argv",
    [
        ["-h"],
        ["--help"],
        ["--db"],
        ["--db", "--version"],
        ["lgs"],
        ["--conf", "c.toml", "logs"],
        ["--", "logs"],
        ["--bogus", "logs"],
    ],
)
def test_help_a_missing_value_or_anything_unrecognised_registers_every_module(
    argv: list[str],
) -> None:
    assert modules_for(argv) == COMMAND_MODULES


@pytest.mark.parametrize("argv", [[], ["--db", "n.db"], ["--config=c.toml", "--db", "n.db"]])
def test_no_command_the_tui_registers_none_and_parses_as_the_full_parser(
    argv: list[str],
) -> None:
    assert modules_for(argv) == ()
    assert vars(build_parser(argv).parse_args(argv)) == vars(build_parser().parse_args(argv))


def test_an_unknown_command_still_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lgs"]) == 2
    err = capsys.readouterr().err
    for name in COMMANDS:
        assert repr(name) in err


def test_the_parser_for_one_command_parses_it_as_the_full_one_does() -> None:
    argv = ["--db", "n.db", "logs", "ERROR", "--path", "a.log", "--count", "--since", "2h"]
    assert vars(build_parser(argv).parse_args(argv)) == vars(build_parser().parse_args(argv))


def _modules_loaded_by(code: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_logs_imports_no_other_command_module(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("2026-11-24T13:07:00Z ERROR boom\n")
    code = (
        "import json, sys\n"
        "from debugtui.cli import main\n"
        f"status = main(['logs', 'ERROR', '--path', {str(log)!r}, '--count'])\n"
        "assert status == 0, status\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('debugtui.commands.'))))\n"
    )
    assert _modules_loaded_by(code) == ["debugtui.commands.logs"]


def test_version_imports_no_command_module() -> None:
    code = (
        "import contextlib, io, json, sys\n"
        "from debugtui.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):\n"
        "    main(['--version'])\n"
        "assert out.getvalue().startswith('debugtui '), out.getvalue()\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('debugtui.commands.'))))\n"
    )
    assert _modules_loaded_by(code) == []


def test_logs_as_a_program_exits_at_once_with_its_output_and_status(tmp_path: Path) -> None:
    """``debugtui logs`` skips the interpreter's tear-down: every line still arrives, on
    stdout and stderr, with the exit status the handler returned."""
    log = tmp_path / "app.log"
    log.write_text("".join(f"2026-11-24T13:07:{n % 60:02d}Z ERROR n={n}\n" for n in range(20000)))

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "debugtui", "logs", *argv],
            capture_output=True,
            text=True,
            timeout=60,
        )

    found = run("ERROR", "--path", str(log))
    assert (found.returncode, found.stdout.count("\n")) == (0, 20000)
    assert found.stdout.endswith(f"{log}:20000:2026-11-24T13:07:19Z ERROR n=19999\n")
    none = run("WARN", "--path", str(log), "--count")
    assert (none.returncode, none.stdout) == (1, "0\n")
    missing = run("ERROR", "--path", str(tmp_path / "gone.log"))
    assert missing.returncode == 2
    assert missing.stderr.startswith("debugtui logs: no readable log file")


@pytest.mark.parametrize("columns", [None, "", "0", "-3", "abc", "57", "200"])
def test_help_is_as_wide_as_argparse_makes_it(
    columns: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from debugtui.cli import terminal_columns

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert terminal_columns() == shutil.get_terminal_size().columns
    parser = build_parser(["logs"])
    assert parser._get_formatter()._width == argparse.HelpFormatter("debugtui")._width


def test_logs_does_not_import_shutil(tmp_path: Path) -> None:
    """argparse asks shutil for the terminal's width (shutil loads the compression modules):
    the parser gives the width itself, so ``debugtui logs`` starts without it."""
    log = tmp_path / "app.log"
    log.write_text("2026-11-24T13:07:00Z ERROR boom\n")
    code = (
        "import json, sys\n"
        "from debugtui.cli import main\n"
        f"status = main(['logs', 'ERROR', '--path', {str(log)!r}, '--count'])\n"
        "print(json.dumps(sorted(m for m in ('shutil', 'bz2', 'lzma') if m in sys.modules)))\n"
    )
    assert _modules_loaded_by(code) == []


def test_logs_loads_neither_typing_subprocess_signal_nor_glob(tmp_path: Path) -> None:
    """Together ~40M instructions of each ``debugtui logs`` start-up (timed against rg): the
    records are namedtuples built without typing, rg starts with posix_spawn, the CLI
    imports signal only for a broken pipe, and glob is loaded only for a glob."""
    log = tmp_path / "app.log"
    log.write_text("2026-11-24T13:07:00Z ERROR boom\n2026-11-24T13:08:00Z ERROR again\n")
    code = (
        "import json, sys\n"
        "from debugtui.cli import main\n"
        "for extra in ([], ['--since', '2026-11-24T13:07:30Z', '--count']):\n"
        f"    status = main(['logs', 'ERROR', '--path', {str(log)!r}, *extra])\n"
        "    assert status == 0, status\n"
        "heavy = ('typing', 'subprocess', 'signal', 'glob')\n"
        "print(json.dumps(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    assert _modules_loaded_by(code) == []


def test_a_broken_pipe_exits_as_a_sigpipe_death_would() -> None:
    assert cli._sigpipe_status() == 128 + signal.SIGPIPE
