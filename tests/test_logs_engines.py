"""The two engines give the same answers: ripgrep and pure Python, whole and split files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_logs_data import VENV_RG, big_log, entries, rg_lines, write_log

from debugtui.sources import logsearch_py, logsearch_rg
from debugtui.sources.logpattern import (
    PatternError,
    compile_pattern,
    python_only_reason,
    required_literal,
    validate_pattern,
)
from debugtui.sources.logresults import LogQuery, LogSearchResult
from debugtui.sources.logsearch import run_search

PATTERNS = [
    "timeout",
    r"status=50\d",
    r"^2026-11-24T00:0[0-3]",
    r"took=\d{3}ms$",
    r"[a-f]{4}[0-9]{4}",
    r"(?i)VALUEERROR|login",
    r"\bapi\[[1-3]\d\d\]",
    r"^\s+File",
    "",
]


def _run(path: Path, pattern: str, **options: object) -> LogSearchResult:
    query = LogQuery(pattern, paths=(str(path),), max_matches=None, **options)  # type: ignore[arg-type]
    return run_search(query)


def _seen(result: LogSearchResult) -> list[tuple[int | None, str]]:
    return [(m.line, m.text) for m in result.matches]


@pytest.fixture(scope="module")
def app_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # pytest's own directory: a mkdtemp here was left in /tmp by every run
    path = tmp_path_factory.mktemp("engines") / "app.log"
    write_log(path, entries(3000, seed=7))
    return path


@pytest.mark.parametrize("pattern", PATTERNS)
def test_rg_and_python_find_the_same_matches_times_and_histogram(
    app_log: Path, pattern: str
) -> None:
    by_rg = _run(app_log, pattern, engine="rg")
    by_python = _run(app_log, pattern, engine="python")
    assert by_rg.engine == "rg" and by_python.engine == "python"
    assert _seen(by_rg) == _seen(by_python) == rg_lines(pattern, app_log)
    assert [m.time for m in by_rg.matches] == [m.time for m in by_python.matches]
    assert [m.entry for m in by_rg.matches] == [m.entry for m in by_python.matches]
    assert by_rg.histogram == by_python.histogram
    assert by_rg.total == by_python.total == len(by_rg.matches)


@pytest.mark.parametrize("pattern", ["timeout", r"[a-f]{4}[0-9]{4}", r"status=500"])
def test_a_split_file_gives_the_same_matches_and_line_numbers(app_log: Path, pattern: str) -> None:
    whole = _run(app_log, pattern, engine="rg", parallel="never")
    split = _run(app_log, pattern, engine="rg", parallel="always")
    assert _seen(split) == _seen(whole) == rg_lines(pattern, app_log)
    counted = run_search(
        LogQuery(pattern, paths=(str(app_log),), count_only=True, parallel="always")
    )
    assert counted.total == whole.total


def test_split_search_past_the_cap_still_counts_every_match(app_log: Path) -> None:
    capped = run_search(
        LogQuery("INFO", paths=(str(app_log),), max_matches=5, parallel="always", engine="rg")
    )
    assert len(capped.matches) == 5
    assert capped.total == len(rg_lines("INFO", app_log))
    assert [m.line for m in capped.matches] == [n for n, _ in rg_lines("INFO", app_log)[:5]]


def test_a_big_file_without_a_literal_is_split_across_cores_to_count_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logsearch_rg, "PARALLEL_MIN_BYTES", 1024)
    literal = compile_pattern("timeout")
    bare = compile_pattern(r"[a-f]{4}[0-9]{4}")
    cores = os.cpu_count() or 1
    assert logsearch_rg.parallel_parts(10_000, literal, "auto", counting=True) == 1
    assert logsearch_rg.parallel_parts(10_000, bare, "auto", counting=True) == (
        cores if cores >= 2 else 1
    )
    assert logsearch_rg.parallel_parts(100, bare, "auto", counting=True) == 1
    assert logsearch_rg.parallel_parts(10_000, bare, "never", counting=True) == 1
    assert logsearch_rg.parallel_parts(10_000, literal, "always", counting=False) >= 2
    path = tmp_path / "big.log"
    big_log(path, 400_000)
    found = _run(path, r"[a-f]{4}[0-9]{4}", engine="rg")
    assert _seen(found) == rg_lines(r"[a-f]{4}[0-9]{4}", path)


def test_a_search_returning_matches_is_not_split_unless_asked() -> None:
    """Each match is Python's work (its time, its line number across parts): split, the
    Python reading them competes with the rg processes for the cores, and the TUI's keys
    with both."""
    bare = compile_pattern(r"[a-f]{4}[0-9]{4}")
    big = 100 * logsearch_rg.PARALLEL_MIN_BYTES
    assert logsearch_rg.parallel_parts(big, bare, "auto", counting=False) == 1
    assert logsearch_rg.parallel_parts(big, bare, "always", counting=False) >= 2


def test_split_points_fall_on_line_starts(app_log: Path) -> None:
    import os

    fd = os.open(app_log, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        cuts = logsearch_rg.split_points(fd, 0, size, 4)
        data = app_log.read_bytes()
        assert cuts[0] == 0 and cuts[-1] == size and cuts == sorted(set(cuts))
        assert all(data[cut - 1 : cut] == b"\n" for cut in cuts[1:-1])
    finally:
        os.close(fd)


def test_split_points_give_the_last_part_its_share(app_log: Path) -> None:
    import os

    fd = os.open(app_log, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        first, cut, end = logsearch_rg.split_points(fd, 0, size, 2, last_share=1.5)
        assert (first, end) == (0, size)
        assert abs(cut - size / 2.5) < 1024  # the cut moves to the next line start
    finally:
        os.close(fd)


@pytest.mark.parametrize("pattern", ["timeout", r"[a-f]{4}[0-9]{4}"])
def test_the_part_that_ends_the_file_is_read_by_rg_itself(
    app_log: Path, tmp_path: Path, pattern: str
) -> None:
    """No pipe for the last part of a whole file: its rg reads the file from a descriptor
    of its own at the cut; a range that ends before the file's end is piped throughout."""
    import os

    fd = os.open(app_log, os.O_RDONLY)
    size = os.fstat(fd).st_size
    head = tmp_path / "head.log"
    head.write_bytes(app_log.read_bytes()[: size - 100])
    try:
        for end, direct, expected in ((size, True, app_log), (size - 100, False, head)):
            cuts, procs = logsearch_rg.part_processes(
                str(VENV_RG), compile_pattern(pattern), fd, 0, end, 2, count=True
            )
            assert len(cuts) == 3 and cuts[-1] == end
            assert (procs[-1]._feeder is None) is direct and procs[0]._feeder is not None
            found = 0
            for proc in procs:
                out = b""
                while (data := proc.read(1.0)) is not None:
                    out += data
                assert proc.finish()[0] in (0, 1)
                found += int(out.strip() or 0)
            assert found == len(rg_lines(pattern, expected))
            assert os.lseek(fd, 0, os.SEEK_CUR) == 0  # the caller's file position is untouched
    finally:
        os.close(fd)


def test_a_split_count_reads_the_file_it_opened_even_once_renamed(tmp_path: Path) -> None:
    import os

    path = tmp_path / "app.log"
    write_log(path, entries(3000, seed=11))
    expected = len(rg_lines("timeout", path))
    fd = os.open(path, os.O_RDONLY)
    try:
        path.rename(tmp_path / "app.log.1")
        path.write_text("timeout\n" * 10, encoding="utf-8")  # the new live log
        size = os.fstat(fd).st_size
        found, errors = logsearch_rg.count(
            str(VENV_RG), compile_pattern("timeout"), str(path), fd, 0, size, 2
        )
        assert (found, errors) == (expected, [])
    finally:
        os.close(fd)


_WORDS = st.sampled_from(
    ["ERROR", "error", "INFO", "timeout", "db", "ÉCHEC", "naïve", "42", "500", "a-b", "x_y",
     "GET /api", "=", " ", "  ", "\t", "é", "ß", "ok.", "(1)", "[x]", "foo123bar"]
)  # fmt: skip
_LINES = st.lists(st.lists(_WORDS, max_size=8).map("".join), min_size=1, max_size=40)
_PIECES = st.sampled_from(
    ["a", "E", "error", "timeout", r"\d", r"\d+", r"\w+", r"\s", ".", ".*", "^", "$", "[a-f]",
     "[^ ]", "(", ")", "|", "?", "+", "{2}", r"\b", "é", "ÉCHEC", "[0-9]{2,3}", "x_y", r"\."]
)  # fmt: skip
_PATTERNS = st.lists(_PIECES, min_size=1, max_size=6).map("".join)


@given(lines=_LINES, pattern=_PATTERNS, ignore_case=st.booleans())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_engines_agree_on_random_lines_and_patterns(
    lines: list[str], pattern: str, ignore_case: bool
) -> None:
    if validate_pattern(pattern) is not None or python_only_reason(pattern):
        return  # not a pattern both engines run: covered by the fallback tests
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.log"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        by_rg = _run(path, pattern, engine="rg", ignore_case=ignore_case)
        by_python = _run(path, pattern, engine="python", ignore_case=ignore_case)
        if by_rg.engine == "python":
            return  # rg rejected the pattern at run time and Python ran it: nothing to compare
        assert _seen(by_rg) == _seen(by_python)


def test_invalid_patterns_are_explained() -> None:
    message = validate_pattern("a(b")
    assert message is not None and "missing )" in message and "position 1" in message
    assert validate_pattern("timeout|error") is None
    with pytest.raises(PatternError) as raised:
        compile_pattern("*oops")
    assert "nothing to repeat" in raised.value.message
    assert "backslash" in (raised.value.hint or "")


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("error(?= in)", "look-ahead"),
        (r"(?<!no )error", "look-behind"),
        (r"(\w+) \1", "backreference"),
        (r"\<error", "word boundaries"),
        ("[[:alpha:]]+", "inside a character class"),
        ("[a-z&&[^x]]", "inside a character class"),
        ("(?x) err or", "verbose"),
        (r"x\B", "empty line"),
        (".*+a", "possessive"),
        (r"\d++ms", "possessive"),
    ],
)
def test_patterns_ripgrep_reads_differently_go_to_python(pattern: str, reason: str) -> None:
    found = python_only_reason(pattern)
    assert found is not None and reason in found


def test_look_around_searches_with_python_and_says_so(app_log: Path) -> None:
    result = _run(app_log, r"status=500(?= took=\d{3}ms)")
    assert result.engine == "python"
    assert any("look-ahead" in note for note in result.notes)
    expected = [(n, t) for n, t in rg_lines("status=500 took=[0-9]{3}ms", app_log)]
    assert _seen(result) == expected


def test_a_pattern_rg_rejects_at_run_time_falls_back_to_python(app_log: Path) -> None:
    # Python reads {,2} as "0 to 2"; rg refuses it: the search must not fail
    result = _run(app_log, r"took=9{,2}0ms")
    assert result.engine == "python"
    assert any("ripgrep cannot run this pattern" in note for note in result.notes)
    assert result.total == len(_seen(_run(app_log, r"took=(90|990|0)ms", engine="python")))


def test_required_literals_decide_literal_led_patterns() -> None:
    assert required_literal("ERROR .*timeout") == "timeout"
    assert required_literal(r"\w+Exception") == "Exception"
    assert required_literal(r"[a-f]{4}[0-9]{4}") == ""
    assert compile_pattern(r"(?i)\b(error|fatal|panic)\b").literal_led
    assert not compile_pattern(r"\d{3}ms$").literal_led


def test_the_venv_ripgrep_is_found() -> None:
    assert VENV_RG.exists()
    assert logsearch_rg.find_rg() == str(VENV_RG)


def test_engines_agree_on_entries_far_above_and_before_any_timestamp(tmp_path: Path) -> None:
    """Continuation lines before the first timestamp (no entry), and stack traces long
    enough that rg's read-back goes past its first small read (4 KiB) and past 64 KiB."""
    lines = ["orphan frame one", "orphan frame two"]
    for n, frames in enumerate((3, 60, 2000, 1)):
        lines.append(f"2026-11-24T00:00:0{n}Z ERROR entry {n}")
        lines.extend(f"    at frame {k} {'x' * 40}" for k in range(frames))
    path = tmp_path / "traces.log"
    path.write_text("\n".join(lines) + "\n")
    pattern = r"orphan|frame \d*7 "
    by_rg = _run(path, pattern, engine="rg")
    by_python = _run(path, pattern, engine="python")
    assert _seen(by_rg) == _seen(by_python) == rg_lines(pattern, path)
    assert [(m.time, m.entry) for m in by_rg.matches] == [
        (m.time, m.entry) for m in by_python.matches
    ]
    assert by_rg.matches[0].time is None and by_rg.matches[0].entry is None
    last = by_rg.matches[-1]
    assert last.entry is not None and last.entry.text == "2026-11-24T00:00:02Z ERROR entry 2"
    alone = _run(path, "frame 1998 ", engine="rg")  # nothing cached: reads back ~110 KB
    assert alone.matches[0].entry == last.entry
    assert alone.matches[0].time == _run(path, "frame 1998 ", engine="python").matches[0].time


@pytest.mark.parametrize("block", [64, 300, 4096])
@pytest.mark.parametrize("pattern", ["ValueError", "status=500", r"^2026-11-24T00:2"])
def test_python_engine_skipping_blocks_agrees_with_rg(
    app_log: Path, monkeypatch: pytest.MonkeyPatch, block: int, pattern: str
) -> None:
    """Small blocks make the Python engine skip many blocks with no match and cross block
    edges with lines, context and entries in flight."""
    monkeypatch.setattr(logsearch_py, "BLOCK_BYTES", block)
    by_rg = _run(app_log, pattern, engine="rg", context=2)
    by_python = _run(app_log, pattern, engine="python", context=2)
    assert by_python.matches == by_rg.matches
    assert by_python.histogram == by_rg.histogram


def test_block_prefilter_is_off_where_a_block_reads_differently() -> None:
    import re

    assert logsearch_py.block_prefilter(re.compile("timeout")) is not None
    assert logsearch_py.block_prefilter(re.compile(r"\Aerror")) is None
    assert logsearch_py.block_prefilter(re.compile(r"(?<!no )error")) is None
    assert logsearch_py.block_prefilter(re.compile(r"^x$")).flags & re.MULTILINE  # type: ignore[union-attr]


@pytest.mark.parametrize("text", ["ERROR\n", "ERROR\n\nx\n", "a\nb", "\n\n", "x"])
@pytest.mark.parametrize("pattern", ["^$", "$", "^", r"\s*$", "x?"])
def test_empty_matches_at_block_ends_are_no_phantom_lines(
    tmp_path: Path, text: str, pattern: str
) -> None:
    path = tmp_path / "edge.log"
    path.write_text(text)
    assert _seen(_run(path, pattern, engine="python")) == _seen(_run(path, pattern, engine="rg"))


def test_rg_started_with_our_standard_descriptors_closed_reads_and_writes_its_own(
    tmp_path: Path,
) -> None:
    """rg is started with posix_spawn: when this process runs without stdin or stderr, the
    descriptors made for rg can be 0-2 themselves and must still end up where rg reads
    and writes them."""
    log = tmp_path / "app.log"
    log.write_text("a timeout\nfine\nanother timeout\n")
    code = (
        "import os, sys\n"
        "from debugtui.sources import logsearch_rg\n"
        "from debugtui.sources.logpattern import compile_pattern\n"
        "os.close(0)\n"
        "os.close(2)\n"
        f"rg = logsearch_rg.RgProcess(logsearch_rg.rg_argv({str(VENV_RG)!r}, "
        f"compile_pattern('timeout', False), count=True, target={str(log)!r}))\n"
        "out = b''\n"
        "while (data := rg.read(1.0)) is not None:\n"
        "    out += data\n"
        "print(out.decode().strip(), *rg.finish())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["2", "0"]


def test_rg_killed_while_another_thread_waits_for_it_is_reaped_once(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()  # never written: rg waits for input until killed
    rg = logsearch_rg.RgProcess(
        logsearch_rg.rg_argv(str(VENV_RG), compile_pattern("x", False), count=True, target="-"),
        stdin=read_end,
    )
    waiting = threading.Thread(target=rg.finish)
    waiting.start()
    time.sleep(0.1)
    rg.kill()
    waiting.join(timeout=30)
    assert not waiting.is_alive()
    status, _ = rg.finish()
    assert status == -signal.SIGKILL
    rg.kill()  # reaped: nothing to stop, no error
    os.close(write_end)


def test_hits_nobody_keeps_come_from_rg_without_line_numbers(app_log: Path) -> None:
    """A window count keeps no match, so rg is not asked to count lines: its records are
    ``OFFSET:TEXT`` (text may hold colons) and the totals are those of a numbered search."""
    pattern = compile_pattern(r"took=\d{3}ms$", False)
    argv = logsearch_rg.rg_argv("rg", pattern, count=False, target="-", line_numbers=False)
    assert "--byte-offset" in argv and "--line-number" not in argv
    splitter = logsearch_rg.LineSplitter(0, 100, numbered=False)
    assert splitter.feed(b"5:a:b\n7:") == [(None, 105, b"a:b")]
    assert splitter.feed(b"c\n") == [(None, 107, b"c")]
    for parallel in ("never", "always"):
        kept = _run(app_log, r"took=\d{3}ms$", parallel=parallel)
        query = LogQuery(r"took=\d{3}ms$", (str(app_log),), max_matches=0, parallel=parallel)
        counted = run_search(query)
        assert counted.total == kept.total > 0 and counted.matches == ()
