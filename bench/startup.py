"""B1: ``debugtui`` start to first painted frame against a bare Textual app.

Both sides are whole processes run under the same driver (:mod:`bench.firstframe`): headless
at 80x24, ended the moment the first frame is encoded. The debugtui side goes through the
console script's ``main`` on a real notebook file (a few investigations, so the start screen
has a list to load); the reference is a Textual app with a Header, a Static and a Footer.
A ``-X importtime`` run then names what debugtui imports on top of the bare app.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from bench.harness import (
    CACHE,
    Result,
    alternate,
    median_cpu_s,
    median_s,
    peak_mb,
    run_measured,
)

TARGET = 1.3
INVESTIGATIONS = {"tiny": 3, "full": 25}
ROOT = Path(__file__).resolve().parent.parent


def notebook(size: str) -> Path:
    """A notebook file with a few investigations, each with a note, cached by size."""
    path = CACHE / f"startup-{size}.db"
    if path.exists():
        return path
    from debugtui.notebook.model import EntryKind, Severity
    from debugtui.notebook.store import NotebookStore

    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    for leftover in CACHE.glob(f"{tmp.name}*"):
        leftover.unlink()
    with NotebookStore(tmp) as store:
        for n in range(INVESTIGATIONS[size]):
            inv = store.create_investigation(
                f"checkout 5xx after deploy #{n}", severity=list(Severity)[n % 4]
            )
            store.add_entry(inv.id, EntryKind.NOTE, "errors began right after the deploy")
    tmp.rename(path)
    return path


def driver_env() -> dict[str, str]:
    """Both sides: the repo importable for ``-m bench.firstframe``, no user config read."""
    home = CACHE / "home"
    home.mkdir(parents=True, exist_ok=True)
    return {
        "PYTHONPATH": str(ROOT),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
    }


def driver(*args: str) -> list[str]:
    return [sys.executable, "-m", "bench.firstframe", *args]


def import_costs(argv: list[str], baseline: list[str], top: int = 5, tries: int = 3) -> str:
    """The ``top`` heaviest imports of ``argv`` that ``baseline`` does not import: cumulative
    time from ``-X importtime``, the least of ``tries`` runs (noise only ever adds)."""
    env = driver_env()
    ours = _least([_importtime(argv, env) for _ in range(tries)])
    theirs = _importtime(baseline, env)
    extra = {name: cost for name, cost in ours.items() if name not in theirs}
    total_ms = sum(self_us for self_us, _ in extra.values()) / 1000
    heaviest = sorted(((cum, name) for name, (_, cum) in extra.items()), reverse=True)[:top]
    listed = ", ".join(f"{name} {cum / 1000:.0f} ms" for cum, name in heaviest)
    return f"imports on top of the bare app {total_ms:.0f} ms, heaviest: {listed}"


def _importtime(argv: list[str], env: dict[str, str]) -> dict[str, tuple[int, int]]:
    """module -> (self us, cumulative us) from one ``-X importtime`` run."""
    done = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]],
        env={**os.environ, **env},
        cwd=CACHE,
        capture_output=True,
        text=True,
        check=False,
    )
    found: dict[str, tuple[int, int]] = {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)", line)
        if match:
            found[match.group(3)] = (int(match.group(1)), int(match.group(2)))
    return found


def _least(runs: list[dict[str, tuple[int, int]]]) -> dict[str, tuple[int, int]]:
    names = set.intersection(*(set(r) for r in runs))
    return {n: (min(r[n][0] for r in runs), min(r[n][1] for r in runs)) for n in names}


def run(size: str, runs: int) -> list[Result]:
    db = notebook(size)
    env = driver_env()
    ours_cmd = driver("debugtui", "--db", str(db))
    ref_cmd = driver("bare")
    mine, theirs = alternate(
        lambda: run_measured(ours_cmd, env=env, cwd=CACHE),
        lambda: run_measured(ref_cmd, env=env, cwd=CACHE),
        runs,
        warmup=2,
    )
    painted = sum("StartScreen" in r.output for r in mine)
    bare_painted = sum("frame" in r.output for r in theirs)
    ratio = median_s(mine) / median_s(theirs)
    cpu_ratio = median_cpu_s(mine) / median_cpu_s(theirs)
    note = f"CPU time {cpu_ratio:.2f}x; " + import_costs(ours_cmd, ref_cmd)
    if painted != len(mine):
        note = "the start screen was not the first frame; " + note
    return [
        Result(
            key="B1",
            what="start to first frame (start screen, 80x24)",
            ours_s=median_s(mine),
            ref_s=median_s(theirs),
            target=f"<= {TARGET}x",
            ok=ratio <= TARGET and painted == len(mine),
            ours_rss_mb=peak_mb(mine),
            ref_rss_mb=peak_mb(theirs),
            note=note,
            extra={
                "cpu_ratio": cpu_ratio,
                "expected": len(mine),
                "ours": painted,
                "ref": bare_painted,
            },
        )
    ]
