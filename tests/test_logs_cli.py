"""``debugtui logs``: rg-style output, counts, JSON, exit codes, follow, start-up hygiene."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_logs_data import VENV_RG, big_log, entries, rg_lines, write_log

from debugtui.cli import main
from debugtui.commands.logs import _Printer
from debugtui.sources.logresults import ContextLine, LogMatch

DEBUGTUI = Path(sys.executable).parent / "debugtui"


@pytest.fixture
def app_log(tmp_path: Path) -> Path:
    path = tmp_path / "app.log"
    write_log(path, entries(300))
    return path


def _run(capfd: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["logs", *argv])
    out, err = capfd.readouterr()
    return status, out, err


def test_matches_print_like_rg_path_line_text(
    app_log: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _run(capfd, "status=500", "--path", str(app_log))
    expected = [f"{app_log}:{n}:{text}" for n, text in rg_lines("status=500", app_log)]
    assert status == 0 and err == ""
    assert out.splitlines() == expected


def test_count_prints_the_number_for_one_file_and_per_file_for_several(
    app_log: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = _run(capfd, "ValueError", "--path", str(app_log), "--count")
    assert status == 0 and out == f"{len(rg_lines('ValueError', app_log))}\n"
    other = tmp_path / "other.log"
    write_log(other, entries(50, seed=9))
    status, out, _ = _run(capfd, "ValueError", str(app_log), str(other), "--count")
    lines = out.splitlines()
    assert (
        lines[-1]
        == f"total:{len(rg_lines('ValueError', app_log)) + len(rg_lines('ValueError', other))}"
    )
    assert lines[0] == f"{app_log}:{len(rg_lines('ValueError', app_log))}"


def test_no_match_exits_1_like_rg(app_log: Path, capfd: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capfd, "no such text anywhere", "--path", str(app_log))
    assert status == 1 and out == ""


def test_an_invalid_regex_is_one_line_on_stderr_and_status_2(
    app_log: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _run(capfd, "a(b", "--path", str(app_log))
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "invalid regex" in err


def test_no_readable_file_is_one_line_on_stderr_and_status_2(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _run(capfd, "x", "--path", str(tmp_path / "missing.log"))
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "no readable log file" in err and "missing.log" in err


def test_a_bad_time_is_a_usage_error(app_log: Path, capfd: pytest.CaptureFixture[str]) -> None:
    status, _, err = _run(capfd, "x", "--path", str(app_log), "--since", "last tuesday")
    assert status == 2 and "not a time" in err


def test_json_is_one_document_with_matches_total_histogram_files(
    app_log: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = _run(capfd, "ValueError", "--path", str(app_log), "--json", "--max", "2")
    document = json.loads(out)
    assert status == 0
    assert document["total"] == len(rg_lines("ValueError", app_log))
    assert len(document["matches"]) == 2 and document["truncated"]
    assert " ERROR " in document["matches"][0]["entry"]["text"]
    assert sum(b["count"] for b in document["histogram"]) == document["total"]
    assert document["files"][0]["state"] == "ok" and document["engine"] == "rg"


def test_context_prints_entry_and_neighbours_with_separators(
    app_log: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = _run(capfd, "ValueError", "--path", str(app_log), "-C", "1")
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if ":ValueError" in line)
    assert " ERROR " in lines[0] and lines[0].startswith(f"{app_log}-")  # the entry line
    assert lines[first - 1].startswith(f"{app_log}-") and "File" in lines[first - 1]
    assert lines[first + 1].startswith(f"{app_log}-")
    assert "--" in lines and status == 0


def test_a_window_on_the_command_line(app_log: Path, capfd: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(
        capfd,
        "api",
        "--path",
        str(app_log),
        "--since",
        "2026-11-24T00:01:00Z",
        "--until",
        "2026-11-24T00:02:00Z",
        "--count",
    )
    assert status == 0 and out == "60\n"


def test_terminal_output_makes_control_characters_visible() -> None:
    class Sink:
        data = b""

        def write(self, chunk: bytes) -> None:
            self.data += chunk

    match = LogMatch("a.log", 3, 0, None, "evil \x1b]0;pwned\x07 title")
    for terminal, expected in ((True, b"\\x1b]0;pwned\\x07"), (False, b"\x1b]0;pwned\x07")):
        sink = Sink()
        _Printer(sink, terminal, False).matches((match,))  # type: ignore[arg-type]
        assert expected in sink.data
    sink = Sink()
    entry = ContextLine(1, 0, "head")
    _Printer(sink, False, True).matches((LogMatch("a.log", 3, 10, None, "m", entry=entry),))  # type: ignore[arg-type]
    assert sink.data.decode().splitlines() == ["a.log-1-head", "--", "a.log:3:m"]


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    path = tmp_path / "many.log"
    write_log(path, entries(20000))
    done = subprocess.run(
        f"{DEBUGTUI} logs api --path {path} | head -1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.count("\n") == 1
    assert "Traceback" not in done.stderr and "Error" not in done.stderr


def _wait_until_open(pid: int, path: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") == str(path) for fd in fds):
                return
        except OSError:
            pass  # a descriptor closed while listing
        time.sleep(0.02)
    raise AssertionError(f"{path} never opened by process {pid}")


def test_follow_prints_new_matches_until_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "live.log"
    path.write_text("error already there\n")
    proc = subprocess.Popen(
        [str(DEBUGTUI), "logs", "error", "--path", str(path), "--follow"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_until_open(proc.pid, path)  # only lines written after that are printed
        with path.open("a") as handle:
            handle.write("ok\nerror written later\n")
        selector = selectors.DefaultSelector()
        assert proc.stdout is not None
        selector.register(proc.stdout, selectors.EVENT_READ)
        assert selector.select(timeout=10), "no output from --follow"
        line = proc.stdout.readline().decode()
        offset = len("error already there\nok\n")
        assert line == f"{path}:@{offset}:error written later\n"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_logs_command_never_imports_the_tui_or_heavy_libraries(app_log: Path) -> None:
    """Start-up is benchmarked against ``rg -c``: not even the config or ``dataclasses``."""
    code = (
        "import sys\n"
        "from debugtui.cli import main\n"
        f"main(['logs', 'ValueError', '--path', {str(app_log)!r}, '--count'])\n"
        "heavy = ('textual', 'psutil', 'docker', 'git', 'psycopg', 'debugtui.config', 'tomllib',\n"
        "         'debugtui.sources.base', 'dataclasses')\n"
        "print(','.join(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/"
    )
    assert done.stderr.strip() == ""


@pytest.fixture(scope="module")
def fifty_mb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "fifty.log"
    big_log(path, 50 * 1024 * 1024)
    return path


@pytest.mark.parametrize("parallel", ["auto", "always"])
@pytest.mark.parametrize("pattern", ["ValueError", r"[a-f]{4}[0-9]{4}", r"took=9\d\dms$"])
def test_a_fifty_megabyte_log_gives_what_rg_gives(
    fifty_mb: Path, pattern: str, parallel: str
) -> None:
    argv = [str(DEBUGTUI), "logs", pattern, "--path", str(fifty_mb), "--parallel", parallel]
    matched = subprocess.run(argv, capture_output=True, check=True, timeout=300)
    reference = subprocess.run(
        [str(VENV_RG), "--no-config", "-n", "-H", "--no-heading", pattern, str(fifty_mb)],
        capture_output=True,
        check=True,
        timeout=300,
    )
    assert matched.stdout == reference.stdout
    counted = subprocess.run([*argv, "--count"], capture_output=True, check=True, timeout=300)
    rg_count = subprocess.run(
        [str(VENV_RG), "-c", pattern, str(fifty_mb)], capture_output=True, check=True
    )
    assert counted.stdout == rg_count.stdout
    assert int(counted.stdout) > 100
    assert os.path.getsize(fifty_mb) > 50 * 1024 * 1024 * 0.99
