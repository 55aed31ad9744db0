"""B2, B2L, B3: ``debugtui logs --count`` against ``rg -c`` on a generated 24-hour log.

The log is generated once per size and cached in ``bench/.cache``: one line every few
milliseconds for 24 hours, each stamped in ISO 8601, a few percent of them errors or slow
(three-digit milliseconds).
"""

from __future__ import annotations

import random
import re
import shutil
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.harness import CACHE, Result, alternate, median_s, peak_mb, run_measured

NO_LITERAL = r"\d{3}ms$"
LITERAL_LED = "ERROR .*timeout"
DAY_START = datetime(2026, 11, 24, tzinfo=timezone.utc)
SIZES = {"tiny": 4 * 2**20, "full": 2**30}

_MESSAGES = [
    "INFO GET /api/cart 200 {ms}ms",
    "INFO GET /api/search?q=red+shoes 200 {ms}ms",
    "INFO POST /api/checkout 201 {ms}ms",
    "INFO GET /healthz 200 {ms}ms",
    "WARN slow upstream pricing-svc answered in {ms}ms",
    "INFO cache refresh done in {ms}ms for shard {shard}",
]
_ERRORS = [
    "ERROR POST /api/checkout 502 upstream timeout after {ms}ms",
    "ERROR worker {shard} lost its connection: server closed the connection unexpectedly",
]


def generated_log(size: str) -> Path:
    """A 24-hour log of about SIZES[size] bytes, cached by size."""
    path = CACHE / f"day-{size}.log"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    target = SIZES[size]
    rng = random.Random(42)
    lines_per_second = max(1, target // (86400 * 75))
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for second in range(86400):
            base = DAY_START + timedelta(seconds=second)
            stamp = base.strftime("%Y-%m-%dT%H:%M:%S")
            block = []
            for n in range(lines_per_second):
                pick = _ERRORS if rng.random() < 0.03 else _MESSAGES
                ms = rng.randint(100, 2500) if rng.random() < 0.05 else rng.randint(1, 99)
                text = rng.choice(pick).format(ms=ms, shard=rng.randint(1, 64))
                block.append(f"{stamp}.{(n * 997) % 1000:03d}Z {text}\n")
            fh.write("".join(block))
    tmp.rename(path)
    return path


def rg_binary() -> str:
    here = Path(sys.executable).parent / "rg"
    return str(here) if here.exists() else (shutil.which("rg") or "rg")


def debugtui_binary() -> str:
    here = Path(sys.executable).parent / "debugtui"
    return str(here) if here.exists() else (shutil.which("debugtui") or "debugtui")


def _count(output: str) -> int:
    return int(output.strip().splitlines()[-1].rsplit(":", 1)[-1] or 0)


def bench_count(key: str, pattern: str, size: str, runs: int, target: float) -> Result:
    log = generated_log(size)
    ours_cmd = [debugtui_binary(), "logs", pattern, "--path", str(log), "--count"]
    ref_cmd = [rg_binary(), "-c", pattern, str(log)]
    mine, theirs = alternate(lambda: run_measured(ours_cmd), lambda: run_measured(ref_cmd), runs)
    ours_n, ref_n = _count(mine[-1].output), _count(theirs[-1].output)
    ratio = median_s(mine) / median_s(theirs)
    rss_ok = key != "B2" or peak_mb(mine) <= 100
    note = "" if ours_n == ref_n else f"count differs: debugtui {ours_n}, rg {ref_n}"
    return Result(
        key=key,
        what=f"logs --count {pattern!r}, {log.stat().st_size / 2**20:.0f} MB",
        ours_s=median_s(mine),
        ref_s=median_s(theirs),
        target=f"<= {target}x" + (", <= 100 MB" if key == "B2" else ""),
        ok=ratio <= target and ours_n == ref_n and rss_ok,
        ours_rss_mb=peak_mb(mine),
        ref_rss_mb=peak_mb(theirs),
        note=note,
    )


def _window_truth(log: Path, since: str, until: str) -> int:
    """What rg finds inside the window: rg over the whole file, filtered by time."""
    done = run_measured([rg_binary(), "--no-filename", NO_LITERAL, str(log)])
    # Compare "…T13:07:00.123" with "…T13:07:00": a shared prefix sorts first, so this is
    # since <= t < until to the millisecond (appending "Z" would shift it: "." < "Z").
    stamp = re.compile(r"^(\S+)Z ")
    low, high = since.rstrip("Z"), until.rstrip("Z")
    count = 0
    for line in done.output.splitlines():
        found = stamp.match(line)
        if found and low <= found.group(1) < high:
            count += 1
    return count


def bench_window(size: str, runs: int) -> Result:
    log = generated_log(size)
    start = DAY_START + timedelta(hours=13, minutes=7)
    since = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    until = (start + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    ours_cmd = [debugtui_binary(), "logs", NO_LITERAL, "--path", str(log), "--count"]
    ours_cmd += ["--since", since, "--until", until]
    ref_cmd = [rg_binary(), "-c", NO_LITERAL, str(log)]
    mine, theirs = alternate(lambda: run_measured(ours_cmd), lambda: run_measured(ref_cmd), runs)
    truth = _window_truth(log, since, until)
    got = _count(mine[-1].output)
    ratio = median_s(mine) / median_s(theirs)
    return Result(
        key="B3",
        what="10-minute window of a 24-hour log",
        ours_s=median_s(mine),
        ref_s=median_s(theirs),
        target="<= 0.1x, exact",
        ok=ratio <= 0.1 and got == truth,
        ours_rss_mb=peak_mb(mine),
        ref_rss_mb=peak_mb(theirs),
        note="" if got == truth else f"window count {got}, rg inside the window {truth}",
    )


def run(size: str, runs: int) -> list[Result]:
    return [
        bench_count("B2", NO_LITERAL, size, runs, 0.7),
        bench_count("B2L", LITERAL_LED, size, runs, 1.5),
        bench_window(size, runs),
    ]
