"""Generated log files for the logs tests (helpers, and the tests that they hold).

Real files in ``tmp_path``: entries one every ``step`` from ``start``, ISO-stamped, some
errors followed by a three-line stack trace (continuation lines without a timestamp),
deterministic for a seed. Other test modules import these helpers (``tests`` is on the
path as pytest's rootdir-relative test directory).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

UTC = timezone.utc
START = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
PATHS = ("/api/users", "/api/orders", "/health", "/api/items/42", "/login")
VENV_RG = Path(sys.executable).parent / "rg"
TRACE = (
    "Traceback (most recent call last):",
    '  File "app.py", line 12, in handler',
    "ValueError: timeout talking to db",
)


def entries(
    count: int,
    start: datetime = START,
    step: timedelta = timedelta(seconds=1),
    seed: int = 1,
    trace_every: int = 7,
) -> Iterator[tuple[datetime, list[str]]]:
    """(time, lines) per entry: the first line stamped, a stack trace every few errors."""
    rnd = random.Random(seed)
    when = start
    for n in range(count):
        level = "ERROR" if n % trace_every == 3 else rnd.choice(("INFO", "INFO", "WARN"))
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        line = (
            f"{stamp} {level} api[{rnd.randint(100, 999)}]: request id={rnd.getrandbits(32):08x} "
            f"path={rnd.choice(PATHS)} status={rnd.choice((200, 200, 201, 404, 500))} "
            f"took={rnd.randint(1, 900)}ms"
        )
        lines = [line]
        if level == "ERROR":
            lines.extend(TRACE)
        yield when, lines
        when += step


def write_log(
    path: Path, chunks: Iterator[tuple[datetime, list[str]]]
) -> list[tuple[datetime, str]]:
    """Write the entries; returns every line with its entry's time (for expected values)."""
    written: list[tuple[datetime, str]] = []
    with path.open("w", encoding="utf-8") as handle:
        for when, lines in chunks:
            for line in lines:
                handle.write(line + "\n")
                written.append((when, line))
    return written


def big_log(path: Path, size: int, seed: int = 3) -> None:
    """A log of about ``size`` bytes, written in blocks (fast enough for ~50 MB)."""
    step = timedelta(milliseconds=37)
    with path.open("w", encoding="utf-8") as handle:
        written = 0
        generator = entries(10**9, step=step, seed=seed)
        while written < size:
            block = "".join(line + "\n" for _, lines in _take(generator, 2000) for line in lines)
            handle.write(block)
            written += len(block)


def _take(
    iterator: Iterator[tuple[datetime, list[str]]], n: int
) -> list[tuple[datetime, list[str]]]:
    return [next(iterator) for _ in range(n)]


def rg_lines(pattern: str, path: Path, *flags: str) -> list[tuple[int, str]]:
    """(line number, text) of what the venv's rg finds, the reference for equality."""
    done = subprocess.run(
        [
            str(VENV_RG),
            "--no-config",
            "-n",
            "--no-heading",
            "--no-filename",
            *flags,
            pattern,
            str(path),
        ],
        capture_output=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    found = []
    for record in done.stdout.split(b"\n")[:-1]:
        number, text = record.split(b":", 1)
        found.append((int(number), text.decode("utf-8", "replace")))
    return found


def set_mtime(path: Path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


def test_generated_entries_are_in_time_order_with_stack_traces(tmp_path: Path) -> None:
    written = write_log(tmp_path / "app.log", entries(30))
    times = [when for when, _ in written]
    assert times == sorted(times)
    assert sum(1 for _, line in written if line == TRACE[-1]) >= 3


def test_big_log_reaches_the_size_asked(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    big_log(path, 300_000)
    assert path.stat().st_size >= 300_000
    assert path.read_bytes().endswith(b"\n")
