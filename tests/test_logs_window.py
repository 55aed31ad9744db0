"""Time windows: a seek that reads a fraction of a big file yet finds exactly what is inside.

The seek only runs on files bigger than ``SEEK_MIN_BYTES`` (4 MB); the tests lower that
threshold so a few hundred kilobytes exercise it, keeping the data small.
"""

from __future__ import annotations

import gzip
import os
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from test_logs_data import START, entries, set_mtime, write_log

from debugtui.sources import logsearch
from debugtui.sources.logresults import LogQuery, LogSearchResult
from debugtui.sources.logsearch import run_search
from debugtui.sources.logseek import CHUNK, lines_forward, next_line_start, plan_window
from debugtui.sources.logtimes import FORMATS_BY_NAME, TimeParser

UTC = timezone.utc
ENGINES = ["rg", "python"]
SLACK = timedelta(minutes=2)


@pytest.fixture(autouse=True)
def _seek_small_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logsearch, "SEEK_MIN_BYTES", 16 * 1024)


def _search(path: Path, pattern: str, **options: object) -> LogSearchResult:
    query = LogQuery(pattern, paths=(str(path),), max_matches=None, **options)  # type: ignore[arg-type]
    return run_search(query)


def _inside(
    result: LogSearchResult, since: datetime, until: datetime
) -> list[tuple[datetime | None, str]]:
    """What a whole-file search finds, filtered by time afterwards: the truth."""
    return [(m.time, m.text) for m in result.matches if m.time and since <= m.time < until]


def _found(result: LogSearchResult) -> list[tuple[datetime | None, str]]:
    return [(m.time, m.text) for m in result.matches]


@pytest.fixture
def day_log(tmp_path: Path) -> Path:
    """Six hours, an entry every 2 s (about 1.3 MB)."""
    path = tmp_path / "day.log"
    write_log(path, entries(10800, step=timedelta(seconds=2)))
    return path


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("pattern", ["ValueError", "status=500", r"took=\d{3}ms$"])
def test_a_window_finds_exactly_the_matches_inside_it(
    day_log: Path, engine: str, pattern: str
) -> None:
    since = START + timedelta(hours=2, minutes=7)
    until = since + timedelta(minutes=10)
    truth = _inside(_search(day_log, pattern), since, until)
    windowed = _search(day_log, pattern, since=since, until=until, engine=engine)
    assert truth and _found(windowed) == truth
    assert windowed.total == len(truth)
    status = windowed.files[0]
    assert status.searched_bytes < day_log.stat().st_size / 10, "the seek skipped most of it"
    assert status.notes == ()


def test_a_window_count_matches_the_matches(day_log: Path) -> None:
    since = START + timedelta(hours=1)
    until = since + timedelta(minutes=30)
    counted = run_search(
        LogQuery("INFO", paths=(str(day_log),), since=since, until=until, count_only=True)
    )
    assert counted.total == len(_inside(_search(day_log, "INFO"), since, until))


def _mixed_log(path: Path) -> None:
    """Stack traces (continuation lines), jitter within the slack, a +02:00 zone now and
    then, and old lines hidden inside the window's range (time going back)."""
    rnd = random.Random(11)
    lines = []
    for n in range(6000):
        when = START + timedelta(seconds=n) + timedelta(seconds=rnd.uniform(-40, 40))
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S.%f")
        if n % 5 == 0:
            stamp = (when + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "+02:00"
        else:
            stamp = stamp[:-3] + "Z"
        lines.append(f"{stamp} worker {n % 7} took={rnd.randint(1, 900)}ms")
        if n % 9 == 0:
            lines += ["Traceback (most recent call last):", "  worker 3 failed at took=999ms"]
        if n == 3100:
            lines += [f"2026-11-23T23:00:0{k}.000Z worker 3 late took=555ms" for k in range(3)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("cap", [0, 7, None])
@pytest.mark.parametrize("pattern", ["worker 3", r"took=\d{3}ms$"])
def test_a_window_count_is_exact_past_the_cap_and_for_continuation_lines(
    tmp_path: Path, pattern: str, cap: int | None
) -> None:
    """Matches past the cap (a count keeps none) are timed without objects: the count, the
    histogram and the drop check must be the ones full matches give."""
    path = tmp_path / "mixed.log"
    _mixed_log(path)
    since = START + timedelta(minutes=50)
    until = since + timedelta(minutes=7)
    truth = _inside(_search(path, pattern), since, until)
    full = _search(path, pattern, since=since, until=until, histogram=True)
    query = LogQuery(
        pattern,
        paths=(str(path),),
        since=since,
        until=until,
        max_matches=cap,
        count_only=cap == 0,
        histogram=True,
    )
    capped = run_search(query)
    assert truth and capped.total == full.total == len(truth)
    assert capped.histogram == full.histogram
    assert capped.files[0].notes == full.files[0].notes
    assert any("time goes backwards" in note for note in full.files[0].notes)


def test_the_window_is_half_open(tmp_path: Path) -> None:
    path = tmp_path / "edges.log"
    path.write_text(
        "".join(f"2026-11-24T00:{m:02d}:00.000Z tick {m}\n" for m in range(60)), encoding="utf-8"
    )
    since = START + timedelta(minutes=10)
    result = _search(path, "tick", since=since, until=since + timedelta(minutes=5))
    assert [m.text.split()[-1] for m in result.matches] == ["10", "11", "12", "13", "14"]


@pytest.mark.parametrize("engine", ENGINES)
def test_timestamps_slightly_out_of_order_are_still_all_found(tmp_path: Path, engine: str) -> None:
    path = tmp_path / "jitter.log"
    rnd = random.Random(5)
    lines = []
    for n in range(20000):
        when = START + timedelta(seconds=n) + timedelta(seconds=rnd.uniform(-50, 50))
        lines.append(when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + f"Z worker {n % 7} tick\n")
    path.write_text("".join(lines), encoding="utf-8")
    since = START + timedelta(hours=2)
    until = since + timedelta(minutes=5)
    truth = _inside(_search(path, "worker 3"), since, until)
    windowed = _search(path, "worker 3", since=since, until=until, engine=engine)
    assert sorted(_found(windowed)) == sorted(truth) and truth
    assert windowed.files[0].searched_bytes < path.stat().st_size / 4


@pytest.mark.parametrize("engine", ENGINES)
def test_concatenated_files_are_detected_and_searched_whole(tmp_path: Path, engine: str) -> None:
    first = tmp_path / "a.log"
    write_log(first, entries(6000, step=timedelta(seconds=1), seed=1))
    second = tmp_path / "b.log"
    write_log(second, entries(6000, step=timedelta(seconds=1), seed=2))
    joined = tmp_path / "joined.log"
    joined.write_bytes(first.read_bytes() + second.read_bytes())  # time restarts halfway
    since = START + timedelta(minutes=30)
    until = since + timedelta(minutes=10)
    truth = _inside(_search(joined, "status=500"), since, until)
    windowed = _search(joined, "status=500", since=since, until=until, engine=engine)
    assert sorted(_found(windowed)) == sorted(truth)
    second_text = second.read_text()
    assert any(text in second_text for _, text in truth), "the window is in both halves"
    status = windowed.files[0]
    assert status.searched_bytes == joined.stat().st_size
    assert any("time goes backwards" in note for note in status.notes)


def test_old_lines_appended_at_the_end_are_not_cut_off(tmp_path: Path) -> None:
    path = tmp_path / "appended.log"
    write_log(path, entries(8000, step=timedelta(seconds=1)))
    late = tmp_path / "late.log"
    write_log(late, entries(30, start=START + timedelta(minutes=40), seed=9))
    with path.open("ab") as handle:
        handle.write(late.read_bytes())
    since = START + timedelta(minutes=40)
    until = since + timedelta(minutes=1)
    truth = _inside(_search(path, "api"), since, until)
    windowed = _search(path, "api", since=since, until=until)
    assert sorted(_found(windowed)) == sorted(truth)
    assert len(truth) > 60  # both the original minute and the appended block


@pytest.mark.parametrize("engine", ENGINES)
def test_a_drop_the_samples_miss_makes_the_scan_read_the_rest(tmp_path: Path, engine: str) -> None:
    """Two small blocks no probe lands on: old lines inside the window's byte range (the
    scan sees time go back among its matches) and, far after the range, lines timed inside
    the window that only reading the rest of the file can find."""
    path = tmp_path / "hidden.log"

    def lines(count: int, start: datetime, seed: int) -> list[str]:
        chunks = entries(count, start=start, step=timedelta(seconds=1), seed=seed)
        return [line for _, block in chunks for line in block]

    head = lines(1500, START, 1)
    old = lines(3, START - timedelta(hours=5), 4)
    middle = lines(2500, START + timedelta(seconds=1500), 5)
    stray = lines(3, START + timedelta(seconds=1500), 8)
    tail = lines(1000, START + timedelta(seconds=4000), 6)
    path.write_text("\n".join(head + old + middle + stray + tail) + "\n")
    since = START + timedelta(seconds=1000)
    until = START + timedelta(seconds=2000)
    truth = _inside(_search(path, "api"), since, until)
    assert any(text in stray for _, text in truth)
    windowed = _search(path, "api", since=since, until=until, engine=engine)
    assert sorted(_found(windowed)) == sorted(truth)
    notes = windowed.files[0].notes
    assert any("inside the window range: searched the rest" in note for note in notes), notes
    assert windowed.files[0].searched_bytes == path.stat().st_size


def test_a_file_without_timestamps_is_searched_whole_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "plain.log"
    path.write_text("timeout one\nno times here\ntimeout two\n")
    result = _search(path, "timeout", since=START, until=START + timedelta(hours=1))
    assert [m.text for m in result.matches] == ["timeout one", "timeout two"]
    assert "no timestamps recognised: window not applied" in result.files[0].notes


def test_a_file_without_timestamps_last_written_before_the_window_is_not_searched(
    tmp_path: Path,
) -> None:
    """Every line of it was written by its modification time: apt's logs of the image
    build, 9 h old, filled a 2 h window's matches with package names."""
    old, fresh = tmp_path / "old.log", tmp_path / "fresh.log"
    for path in (old, fresh):
        path.write_text("timeout one\nno times here\n")
    set_mtime(old, START - timedelta(minutes=1))
    set_mtime(fresh, START + timedelta(minutes=1))
    result = _search(tmp_path, "timeout", since=START)
    assert [(Path(m.path).name, m.text) for m in result.matches] == [("fresh.log", "timeout one")]
    skipped = next(f for f in result.files if f.path == str(old))
    assert skipped.searched_bytes == 0 and skipped.state == "ok"
    assert skipped.notes == (
        "no timestamps recognised; last written 2026-11-23 23:59 UTC, before the window: "
        "not searched",
    )


def test_a_compressed_file_is_filtered_line_by_line(tmp_path: Path) -> None:
    plain = tmp_path / "p.log"
    write_log(plain, entries(4000, step=timedelta(seconds=1)))
    packed = tmp_path / "app.log.1.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    since = START + timedelta(minutes=20)
    until = since + timedelta(minutes=3)
    truth = _inside(_search(plain, "status=404"), since, until)
    assert _found(_search(packed, "status=404", since=since, until=until)) == truth


def test_syslog_years_are_inferred_for_a_window(tmp_path: Path) -> None:
    path = tmp_path / "syslog"
    path.write_text(
        "Dec 31 23:58:00 web1 app[1]: error before midnight\n"
        "Dec 31 23:59:30 web1 app[1]: error at midnight\n"
        "Jan  1 00:00:30 web1 app[1]: error after midnight\n"
    )
    set_mtime(path, datetime(2027, 1, 1, 0, 5, tzinfo=UTC))
    since = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
    result = _search(path, "error", since=since, until=since + timedelta(minutes=5))
    assert [m.text.split(": ")[1] for m in result.matches] == [
        "error at midnight",
        "error after midnight",
    ]
    assert result.matches[0].time == datetime(2026, 12, 31, 23, 59, 30, tzinfo=UTC)


def _plan(path: Path, since: datetime | None, until: datetime | None) -> tuple[int, int, bool]:
    fd = os.open(path, os.O_RDONLY)
    try:
        parser = TimeParser(FORMATS_BY_NAME["iso"], START)
        plan = plan_window(fd, os.fstat(fd).st_size, parser, since, until, SLACK)
        return plan.start, plan.end, plan.monotonic
    finally:
        os.close(fd)


def test_the_planned_range_starts_and_ends_on_lines_around_the_window(day_log: Path) -> None:
    data = day_log.read_bytes()
    since = START + timedelta(hours=3)
    until = since + timedelta(minutes=20)
    start, end, monotonic = _plan(day_log, since, until)
    assert monotonic and 0 < start < end < len(data)
    assert data[start - 1 : start] == b"\n" and data[end - 1 : end] == b"\n"

    def first_offset_at(when: datetime) -> int:
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S").encode()
        return data.index(b"\n" + stamp) + 1

    # exact up to the bisection's last step (CHUNK bytes), and never on the wrong side
    low_edge = first_offset_at(since - SLACK)
    assert low_edge - 2 * CHUNK <= start <= low_edge
    high_edge = first_offset_at(until + SLACK)
    assert high_edge <= end <= high_edge + 2 * CHUNK


def test_a_window_outside_the_file_plans_almost_nothing(day_log: Path) -> None:
    size = day_log.stat().st_size
    start, end, _ = _plan(day_log, START + timedelta(days=3), None)
    assert size - start < 70_000 and end == size
    start, end, _ = _plan(day_log, None, START - timedelta(days=3))
    assert start == 0 and end < 70_000


def test_batch_times_are_the_times_resolving_each_hit_gives(tmp_path: Path) -> None:
    """``ReadBack.micros_each`` (a window count's batches) times every hit, continuation
    lines included and across batches, as resolving each hit on its own does."""
    from debugtui.sources.logfiles import expand_paths, inspect
    from debugtui.sources.logresults import Hit
    from debugtui.sources.logseek import ReadBack
    from debugtui.sources.logtimes import to_micros

    path = tmp_path / "app.log"
    write_log(path, entries(400, seed=5, trace_every=5))
    data = path.read_bytes()
    hits: list[tuple[int | None, int, bytes]] = []
    offset = 0
    for number, line in enumerate(data.split(b"\n")[:-1], start=1):
        if number % 2 or not line.startswith(b"2026"):  # every other line, each trace line
            hits.append((number, offset, line))
        offset += len(line) + 1
    info = inspect(expand_paths((str(path),))[0][0])
    fd = os.open(path, os.O_RDONLY)
    try:
        expected = []
        one_by_one = ReadBack(fd, info.time_parser(), len(data))
        for number, at, line in hits:
            hit = Hit(at, number, line)
            one_by_one.resolve(hit)
            expected.append(None if hit.time is None else to_micros(hit.time))
        batched = ReadBack(fd, info.time_parser(), len(data))
        got = [
            t for cut in range(0, len(hits), 37) for t in batched.micros_each(hits[cut : cut + 37])
        ]
    finally:
        os.close(fd)
    assert any(not line.startswith(b"2026") for _, _, line in hits) and None not in expected
    assert got == expected


@pytest.mark.parametrize("first", [0, 1, 4095, 4096, 4097, 20_000, 70_000])
def test_reading_forward_finds_lines_longer_than_its_first_read(tmp_path: Path, first: int) -> None:
    """Reading forward starts small and grows: lines around and past each read size come
    out whole, and the next line start is found however far it is."""
    lines = [b"a" * first, b"b" * 5000, b"", b"c" * 70_000, b"d"]
    path = tmp_path / "long.log"
    path.write_bytes(b"\n".join(lines) + b"\n")
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        assert [line for _, line in lines_forward(fd, 0, size)] == lines
        starts = [0]
        for line in lines[:-1]:
            starts.append(starts[-1] + len(line) + 1)
        assert next_line_start(fd, 1, size) == starts[1]
        assert next_line_start(fd, starts[3] + 1, size) == starts[4]
    finally:
        os.close(fd)
