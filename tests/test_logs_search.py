"""The logs source and the search stream: matches, entries, caps, odd files, cancellation."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from test_logs_data import START, TRACE, entries, rg_lines, write_log

from debugtui.config import Config, LogsConfig
from debugtui.sources.logresults import (
    FileDone,
    LogQuery,
    MatchBatch,
    SearchDone,
    SearchProgress,
)
from debugtui.sources.logs import LogsSource, PatternError, query_from_params
from debugtui.sources.logsearch import run_search, search

UTC = timezone.utc
ENGINES = ["rg", "python"]


def _query(*paths: Path, pattern: str = "timeout", **options: object) -> LogQuery:
    return LogQuery(pattern, paths=tuple(str(p) for p in paths), **options)  # type: ignore[arg-type]


@pytest.fixture
def app_log(tmp_path: Path) -> Path:
    path = tmp_path / "app.log"
    write_log(path, entries(200))
    return path


@pytest.mark.parametrize("engine", ENGINES)
def test_matches_carry_path_line_text_and_time(app_log: Path, engine: str) -> None:
    result = run_search(_query(app_log, pattern="status=404", engine=engine))
    expected = rg_lines("status=404", app_log)
    assert [(m.line, m.text) for m in result.matches] == expected
    assert all(m.path == str(app_log) for m in result.matches)
    first = result.matches[0]
    assert first.time is not None and first.text.startswith(
        first.time.strftime("%Y-%m-%dT%H:%M:%S")
    )
    assert first.offset == app_log.read_bytes().index(first.text.encode())


@pytest.mark.parametrize("engine", ENGINES)
def test_a_match_in_a_stack_trace_belongs_to_its_entry(app_log: Path, engine: str) -> None:
    result = run_search(_query(app_log, pattern="ValueError", engine=engine))
    assert result.matches, "the generated log has stack traces"
    lines = app_log.read_text().splitlines()
    for match in result.matches:
        assert match.text == TRACE[-1]
        assert match.entry is not None and match.entry.line == match.line - 3  # type: ignore[operator]
        assert match.entry.text == lines[match.entry.line - 1]  # type: ignore[operator]
        assert " ERROR " in match.entry.text
        assert match.time is not None
        assert match.entry.text.startswith(match.time.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3])


@pytest.mark.parametrize("engine", ENGINES)
def test_the_cap_keeps_the_first_matches_and_counts_them_all(app_log: Path, engine: str) -> None:
    result = run_search(_query(app_log, pattern="INFO", engine=engine, max_matches=3))
    everything = rg_lines("INFO", app_log)
    assert [(m.line, m.text) for m in result.matches] == everything[:3]
    assert result.total == len(everything) and result.truncated


@pytest.mark.parametrize("engine", ENGINES)
def test_histogram_counts_matches_per_minute(tmp_path: Path, engine: str) -> None:
    path = tmp_path / "minutes.log"
    write_log(path, entries(300, step=timedelta(seconds=1)))  # five minutes
    result = run_search(_query(path, pattern="api", engine=engine, max_matches=0))
    assert [minute for minute, _ in result.histogram] == [
        START + timedelta(minutes=n) for n in range(5)
    ]
    assert [n for _, n in result.histogram] == [60] * 5
    assert result.total == 300 and result.matches == ()


@pytest.mark.parametrize("engine", ENGINES)
def test_context_lines_and_the_entry_line_come_with_a_match(app_log: Path, engine: str) -> None:
    result = run_search(_query(app_log, pattern="ValueError", engine=engine, context=1))
    lines = app_log.read_text().splitlines()
    match = result.matches[0]
    assert match.line is not None
    assert [c.text for c in match.before] == [lines[match.line - 2]]
    assert [c.line for c in match.before] == [match.line - 1]
    assert [c.text for c in match.after] == [lines[match.line]]
    assert match.entry is not None and match.entry.line == match.line - 3


def test_engines_agree_on_context(app_log: Path) -> None:
    by_rg, by_python = (
        run_search(_query(app_log, pattern="ValueError|status=500", engine=e, context=2))
        for e in ENGINES
    )
    assert by_rg.matches == by_python.matches


@pytest.mark.parametrize("engine", ENGINES)
def test_invalid_utf8_is_replaced_and_reported(tmp_path: Path, engine: str) -> None:
    path = tmp_path / "latin1.log"
    path.write_bytes(b"2026-11-24T00:00:00Z caf\xe9 timeout\n2026-11-24T00:00:01Z ok\n")
    result = run_search(_query(path, engine=engine))
    assert [m.text for m in result.matches] == ["2026-11-24T00:00:00Z caf\ufffd timeout"]
    assert any("invalid UTF-8" in note for note in result.files[0].notes)


@pytest.mark.parametrize("engine", ENGINES)
def test_binary_files_are_searched_past_nul_bytes_and_reported(tmp_path: Path, engine: str) -> None:
    path = tmp_path / "core.log"
    path.write_bytes(b"\x00\x01\x02 header\n" + b"2026-11-24T00:00:00Z timeout after NUL\n")
    result = run_search(_query(path, engine=engine))
    assert [m.line for m in result.matches] == [2]
    assert any("binary" in note for note in result.files[0].notes)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_ten_megabyte_line_without_newline_is_matched_and_cut(
    tmp_path: Path, engine: str
) -> None:
    path = tmp_path / "huge.log"
    with path.open("wb") as handle:
        handle.write(b"2026-11-24T00:00:00Z first\n2026-11-24T00:00:01Z ")
        handle.write(b"x" * (10 * 1024 * 1024))
        handle.write(b" timeout")  # the file ends without a newline
    result = run_search(_query(path, engine=engine, max_line_chars=100))
    assert len(result.matches) == 1
    match = result.matches[0]
    assert match.line == 2 and match.truncated and len(match.text) == 100
    assert match.time == START + timedelta(seconds=1)


@pytest.mark.parametrize("engine", ENGINES)
def test_compressed_rotations_are_searched_in_time_order(tmp_path: Path, engine: str) -> None:
    live = tmp_path / "app.log"
    write_log(live, entries(40, start=START + timedelta(hours=2)))
    older = tmp_path / "app.log.1"
    write_log(older, entries(40, start=START + timedelta(hours=1)))
    oldest = tmp_path / "app.log.2.gz"
    plain = tmp_path / "oldest.txt"
    write_log(plain, entries(40, start=START))
    oldest.write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    result = run_search(_query(live, pattern="ValueError", engine=engine))
    assert [Path(f.path).name for f in result.files] == ["app.log.2.gz", "app.log.1", "app.log"]
    assert result.files[0].engine == "python" and result.files[0].compression == "gzip"
    times = [m.time for m in result.matches]
    assert times == sorted(times) and len({m.path for m in result.matches}) == 3  # type: ignore[type-var]


def test_a_corrupt_gzip_is_reported_with_what_it_held_before(tmp_path: Path) -> None:
    plain = tmp_path / "x.txt"
    write_log(plain, entries(2000))
    data = gzip.compress(plain.read_bytes())
    broken = tmp_path / "app.log.1.gz"
    broken.write_bytes(data[: len(data) // 2])  # truncated mid-stream
    garbage = tmp_path / "app.log.2.gz"
    garbage.write_bytes(b"\x1f\x8b\x08\x00" + b"not deflate data at all" * 10)
    result = run_search(_query(broken, garbage, pattern="status"))
    states = {Path(f.path).name: f for f in result.files}
    truncated = states["app.log.1.gz"]
    assert truncated.state == "partial" and "corrupt gzip" in truncated.reason
    assert truncated.matches > 0
    assert states["app.log.2.gz"].state in ("skipped", "partial")
    assert "gzip" in states["app.log.2.gz"].reason or "corrupt" in states["app.log.2.gz"].reason


def test_an_unreadable_file_is_reported_not_fatal(tmp_path: Path) -> None:
    """Tests run as root, for whom chmod 000 changes nothing: the search runs in a child
    process that drops to the ``nobody`` user first, so "Permission denied" is real."""
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to the nobody user")
    folder = Path(tempfile.mkdtemp(prefix="debugtui-perm-"))
    try:
        folder.chmod(0o755)
        readable = folder / "ok.log"
        write_log(readable, entries(20))
        secret = folder / "secret.log"
        write_log(secret, entries(20))
        secret.chmod(0o000)
        readable.chmod(0o644)
        code = (
            # everything imported first: the interpreter's stdlib may live under /root
            "import json, os, lzma, zlib, gzip\n"
            "from debugtui.sources.logsearch import run_search\n"
            "from debugtui.sources.logresults import LogQuery\n"
            "import debugtui.sources.logsnapshot\n"
            "os.setgid(65534); os.setuid(65534)\n"
            f"r = run_search(LogQuery('ValueError', paths=({str(folder)!r},)))\n"
            "print(json.dumps([[f.path, f.state, f.reason] for f in r.files] + [r.total]))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd="/",
        )
        assert done.returncode == 0, done.stderr
        *files, total = json.loads(done.stdout)
        states = {Path(path).name: (state, reason) for path, state, reason in files}
        assert states["secret.log"] == ("skipped", "Permission denied")
        assert states["ok.log"][0] == "ok" and total > 0
    finally:
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()


def test_search_streams_batches_progress_file_status_and_a_summary(app_log: Path) -> None:
    events = list(search(_query(app_log, Path("/nonexistent/x.log"), pattern="api")))
    assert isinstance(events[-1], SearchDone)
    kinds = {type(e) for e in events}
    assert {MatchBatch, FileDone, SearchDone} <= kinds
    assert any(isinstance(e, SearchProgress) for e in events) or len(events) < 10
    done = [e.status for e in events if isinstance(e, FileDone)]
    assert [s.state for s in done] == ["skipped", "ok"]
    streamed = sum(len(e.matches) for e in events if isinstance(e, MatchBatch))
    assert streamed == events[-1].summary.total == 200


def test_an_invalid_pattern_raises_before_any_event(app_log: Path) -> None:
    with pytest.raises(PatternError):
        search(_query(app_log, pattern="(unclosed"))


def test_a_cancelled_search_stops_and_says_so(tmp_path: Path) -> None:
    paths = []
    for n in range(5):
        path = tmp_path / f"s{n}.log"
        write_log(path, entries(500, seed=n))
        paths.append(path)
    cancel = threading.Event()
    seen = 0
    summary = None
    for event in search(_query(*paths, pattern="api", max_matches=None), cancel):
        if isinstance(event, MatchBatch):
            seen += len(event.matches)
            cancel.set()
        if isinstance(event, SearchDone):
            summary = event.summary
    assert summary is not None and summary.cancelled
    assert len(summary.files) < 5


def test_closing_the_stream_early_stops_ripgrep(tmp_path: Path) -> None:
    path = tmp_path / "many.log"
    write_log(path, entries(20000))
    stream = search(_query(path, pattern="api", max_matches=None, engine="rg"))
    for event in stream:
        if isinstance(event, MatchBatch):
            break
    stream.close()  # type: ignore[attr-defined]
    children = subprocess.run(
        ["ps", "-o", "pid=,comm=", "--ppid", str(os.getpid())], capture_output=True, text=True
    ).stdout
    assert "rg" not in children.split()


def test_logs_source_collects_a_snapshot_with_tables(app_log: Path) -> None:
    source = LogsSource(Config())
    snapshot = source.collect({"pattern": "ValueError", "paths": [str(app_log)], "since": None})
    assert snapshot.ok, snapshot.error
    tables = snapshot.tables()
    assert set(tables) == {"matches", "histogram", "files"}
    assert tables["matches"].columns == ("time", "file", "line", "text")
    assert len(tables["matches"].rows) == snapshot.data.total
    assert tables["files"].rows[0][1] == "ok"
    document = json.loads(json.dumps(snapshot.to_dict()))
    assert document["data"]["total"] == snapshot.data.total
    assert document["data"]["matches"][0]["entry"]["line"] is not None


def test_logs_source_explains_an_invalid_pattern(app_log: Path) -> None:
    snapshot = LogsSource().collect({"pattern": "a(b", "paths": [str(app_log)]})
    assert not snapshot.ok
    assert snapshot.error is not None and "invalid regex" in snapshot.error
    assert snapshot.hint is not None and "backslash" in snapshot.hint


def test_logs_source_without_readable_files_is_an_error_with_a_hint(tmp_path: Path) -> None:
    snapshot = LogsSource().collect({"pattern": "x", "paths": [str(tmp_path / "none.log")]})
    assert not snapshot.ok and snapshot.hint
    assert "no readable log file" in (snapshot.error or "")


def test_logs_source_needs_a_pattern() -> None:
    snapshot = LogsSource().collect({})
    assert not snapshot.ok and "pattern" in (snapshot.error or "")


def test_params_fill_from_config_and_parse_times() -> None:
    config = Config(logs=LogsConfig(paths=("/srv/log",), max_matches=7, context=2, since="1h"))
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    query = query_from_params({"pattern": "x", "until": "30m"}, config, now)
    assert query.paths == ("/srv/log",) and query.max_matches == 7 and query.context == 2
    assert query.since == now - timedelta(hours=1)
    assert query.until == now - timedelta(minutes=30)
    assert query_from_params({"pattern": "x", "since": None}, config).since is None
    snapshot = LogsSource(config).collect({"pattern": "x", "since": "yesterday-ish"})
    assert not snapshot.ok and "since takes" in (snapshot.hint or "")


def test_an_unexpected_failure_costs_one_file_not_the_search(
    app_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stand-in for a bug: the engine raising on the first file searched."""
    from debugtui.sources import logsearch_py

    real_scan = logsearch_py.scan
    calls: list[int] = []

    def flaky(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("boom")
        return real_scan(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(logsearch_py, "scan", flaky)
    other = tmp_path / "other.log"
    write_log(other, entries(10))
    result = run_search(_query(app_log, other, pattern="api", engine="python"))
    first, second = result.files
    assert first.state == "skipped" and "unexpected error" in first.reason
    assert second.state == "ok" and result.total == 10
