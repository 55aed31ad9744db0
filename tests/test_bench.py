"""The benchmark suite runs end to end at its tiny size: every benchmark gives its row.

Only that the suite works is tested here: each row has positive timings and the counts each
benchmark checks (sockets seen, containers with stats, statements shown, entries opened,
keys timed) agree. Whether a target is met is the benchmark's business, never a test's: the
exit status (1 when a target is missed) is not asserted either.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import engine_unavailable

ROOT = Path(__file__).resolve().parent.parent
ALL_KEYS = ("B1", "B2", "B2L", "B3", "B4", "B4F", "B5", "B6", "B7", "B7X", "B7N", "B8")
SAME_PROCESS_REFERENCE = ("B8",)
"""Rows whose reference is the same process under other conditions, not a process of its own."""
COUNT_MISMATCH_NOTES = ("count differs", "window count")
"""How the log benchmarks (B2, B2L, B3) say their count disagrees with rg's."""


@pytest.fixture(scope="module")
def tiny_suite() -> dict[str, Any]:
    """``python -m bench --size tiny --runs 1 --json``, run once for the module."""
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--size", "tiny", "--runs", "1", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def test_every_benchmark_gives_one_row(tiny_suite: dict[str, Any]) -> None:
    keys = [row["key"] for row in tiny_suite["results"]]
    assert sorted(keys) == sorted(ALL_KEYS)
    assert tiny_suite["size"] == "tiny"


def test_rows_have_positive_timings(tiny_suite: dict[str, Any]) -> None:
    for row in _available(tiny_suite):
        assert row["ours_s"] > 0, row
        if row["ref_s"] is not None:
            assert row["ref_s"] > 0, row
            assert row["ratio"] == pytest.approx(row["ours_s"] / row["ref_s"])


def test_rows_report_peak_rss(tiny_suite: dict[str, Any]) -> None:
    for row in _available(tiny_suite):
        assert row["ours_rss_mb"] > 0, row
        if row["key"] not in SAME_PROCESS_REFERENCE and row["ref_s"] is not None:
            assert row["ref_rss_mb"] > 0, row


def test_counts_agree_with_the_reference(tiny_suite: dict[str, Any]) -> None:
    for row in _available(tiny_suite):
        extra = row["extra"]
        if "expected" in extra:
            assert extra["ours"] == extra["expected"], row
            if "ref" in extra:
                assert extra["ref"] == extra["expected"], row
        else:
            assert not any(word in row["note"] for word in COUNT_MISMATCH_NOTES), row


def test_the_search_ran_while_keys_were_timed(tiny_suite: dict[str, Any]) -> None:
    (row,) = [r for r in tiny_suite["results"] if r["key"] == "B8"]
    assert row["extra"]["keys_during_search"] > 0


def test_engines_were_there(tiny_suite: dict[str, Any]) -> None:
    """PostgreSQL and podman rows need their engine: a skip here (a failure in CI) says so."""
    missing = [f"{r['key']}: {r['note']}" for r in tiny_suite["results"] if _unavailable(r)]
    if missing:
        engine_unavailable("; ".join(missing))


def _available(suite: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for row in suite["results"] if not _unavailable(row)]


def _unavailable(row: dict[str, Any]) -> bool:
    return bool(row["extra"].get("unavailable"))
