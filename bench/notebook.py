"""B7: a 10,000-entry investigation: open it, export it, add a note. Absolute budgets.

The investigation is generated once per size and cached in ``bench/.cache``: notes mostly,
with hypotheses, actions, decisions, evidence tables, phase changes and milestones mixed in
the way a long incident accumulates them, spread over six hours. Each run works on a fresh
copy, so the cached file keeps exactly its entries.

- open: the whole ``debugtui open ID`` process under :mod:`bench.firstframe`, until the first
  frame whose timeline holds every entry (start-up, loading and the first paint included);
- export: what the TUI's export key does, in process: read the investigation and its
  entries, render the Markdown post-mortem, write it (mode 0600);
- add a note: ``NotebookStore.add_entry``, committed (WAL, synchronous=FULL) before it
  returns, repeated; the 99th percentile.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from bench.harness import (
    CACHE,
    Result,
    median_cpu_s,
    median_s,
    peak_mb,
    percentile,
    run_call,
    run_measured,
    self_rss_mb,
)
from bench.startup import driver, driver_env

ENTRIES = {"tiny": 200, "full": 10_000}
NOTES_ADDED = {"tiny": 30, "full": 300}
OPEN_BUDGET_S = 1.0
EXPORT_BUDGET_S = 0.5
NOTE_P99_BUDGET_S = 0.020
STARTED = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)


def investigation(size: str) -> tuple[Path, str]:
    """(cached notebook file, investigation id) with ``ENTRIES[size]`` entries."""
    path = CACHE / f"notebook-{size}.db"
    id_file = path.with_suffix(".id")
    if path.exists() and id_file.exists():
        return path, id_file.read_text().strip()
    from debugtui.notebook.store import NotebookStore

    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    for leftover in CACHE.glob(f"{tmp.name}*"):
        leftover.unlink()
    inv, entries = generated(ENTRIES[size])
    with NotebookStore(tmp) as store:
        imported = store.import_investigation(inv, entries)
    tmp.rename(path)
    id_file.write_text(imported.id + "\n")
    return path, imported.id


def generated(count: int) -> tuple[Any, list[Any]]:
    """An investigation and ``count`` entries of every kind, in time order."""
    from debugtui.notebook.model import Entry, EntryKind, Investigation, Phase, Severity

    rng = random.Random(7)
    inv = Investigation(
        id="benchmark01",
        title="Checkout 5xx after the 14:02 deploy",
        severity=Severity.SEV2,
        created_at=STARTED,
        updated_at=STARTED,
        impact_started_at=STARTED - timedelta(minutes=12),
    )
    phases = list(Phase)
    step = timedelta(hours=6) / count
    entries = []
    for n in range(count):
        when = STARTED + step * n
        phase = phases[min(len(phases) - 1, n * len(phases) // count)]
        kind, text, data = _entry_content(rng, n)
        entries.append(
            Entry(
                id=n + 1,
                investigation_id=inv.id,
                kind=EntryKind(kind),
                phase=phase,
                text=text,
                happened_at=when,
                recorded_at=when,
                starred=n % 97 == 0,
                data=data,
            )
        )
    return inv, entries


def _entry_content(rng: random.Random, n: int) -> tuple[str, str, dict[str, Any]]:
    roll = rng.random()
    if roll < 0.06:
        return (
            "hypothesis",
            f"pool exhaustion in checkout-svc replica {n % 7}",
            {"status": rng.choice(["open", "supported", "refuted"]), "because": "p99 rose"},
        )
    if roll < 0.10:
        return "action", f"raise pool size on replica {n % 7}", {"type": "mitigate"}
    if roll < 0.13:
        return "decision", "roll back to the previous release", {}
    if roll < 0.23:
        rows = [[f"10.0.{n % 9}.{i}", str(rng.randint(1, 900)), "ESTAB"] for i in range(5)]
        return (
            "evidence",
            "connections by remote host",
            {
                "title": "Sockets",
                "source": "sockets",
                "columns": ["host", "n", "state"],
                "rows": rows,
            },
        )
    words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 30)))
    return "note", f"{n}: {words}", {}


_WORDS = [
    "checkout",
    "latency",
    "error",
    "upstream",
    "timeout",
    "replica",
    "pool",
    "connections",
    "database",
    "deploy",
    "rollback",
    "cache",
    "p99",
    "retry",
    "queue",
    "saturation",
    "node",
    "disk",
    "memory",
    "GC",
    "pause",
    "502",
    "pricing-svc",
]


def run(size: str, runs: int) -> list[Result]:
    cached, inv_id = investigation(size)
    count = ENTRIES[size]
    with tempfile.TemporaryDirectory(prefix="dtbench-") as tmp:
        db = Path(tmp) / "notebook.db"
        shutil.copyfile(cached, db)
        return [
            _open(db, inv_id, count, runs),
            _export(db, inv_id, count, runs, Path(tmp)),
            _add_notes(db, inv_id, NOTES_ADDED[size]),
        ]


def _open(db: Path, inv_id: str, count: int, runs: int) -> Result:
    argv = driver("debugtui", "--db", str(db), "open", inv_id, "--until-entries", str(count))
    env = driver_env()
    run_measured(argv, env=env, cwd=CACHE)
    timed = [run_measured(argv, env=env, cwd=CACHE) for _ in range(runs)]
    shown = sum("InvestigationScreen" in r.output for r in timed)
    took = median_s(timed)
    return Result(
        key="B7",
        what=f"open a {count}-entry investigation to first frame",
        ours_s=took,
        ref_s=None,
        target=f"<= {OPEN_BUDGET_S:g} s",
        ok=shown == len(timed) and took <= OPEN_BUDGET_S,
        ours_rss_mb=peak_mb(timed),
        note="" if shown == len(timed) else "no frame showed the whole timeline",
        extra={"expected": len(timed), "ours": shown},
    )


def _export(db: Path, inv_id: str, count: int, runs: int, out: Path) -> Result:
    from debugtui.export.files import write_private
    from debugtui.export.markdown import render_markdown
    from debugtui.notebook.store import NotebookStore

    target = out / f"postmortem-{inv_id}.md"
    exported: list[int] = []

    def export(store: NotebookStore) -> None:
        inv = store.get_investigation(inv_id)
        entries = store.entries(inv.id)
        write_private(target, render_markdown(inv, entries))
        exported.append(len(entries))

    with NotebookStore(db) as store:
        export(store)
        timed = [run_call(lambda: export(store)) for _ in range(runs)]
    took = median_s(timed)
    size_kb = target.stat().st_size / 1024
    return Result(
        key="B7X",
        what=f"export the post-mortem Markdown ({size_kb:.0f} KB)",
        ours_s=took,
        ref_s=None,
        target=f"<= {EXPORT_BUDGET_S:g} s",
        ok=exported[-1] == count and took <= EXPORT_BUDGET_S,
        ours_rss_mb=self_rss_mb(),
        note=f"CPU {median_cpu_s(timed) * 1000:.0f} ms"
        + ("" if exported[-1] == count else f"; exported {exported[-1]} entries of {count}"),
        extra={"expected": count, "ours": exported[-1]},
    )


def _add_notes(db: Path, inv_id: str, notes: int) -> Result:
    from debugtui.notebook.model import EntryKind
    from debugtui.notebook.store import NotebookStore

    with NotebookStore(db) as store:
        before = len(store.entries(inv_id))
        for n in range(5):
            store.add_entry(inv_id, EntryKind.NOTE, f"warm-up note {n}")
        timed = [
            run_call(lambda n=n: store.add_entry(inv_id, EntryKind.NOTE, f"bench note {n}"))
            for n in range(notes)
        ]
    with NotebookStore(db) as reopened:
        saved = len(reopened.entries(inv_id)) - before
    p99 = percentile([r.seconds for r in timed], 99)
    return Result(
        key="B7N",
        what=f"add a note, p99 of {notes} (committed)",
        ours_s=p99,
        ref_s=None,
        target=f"p99 <= {NOTE_P99_BUDGET_S * 1000:g} ms",
        ok=saved == notes + 5 and p99 <= NOTE_P99_BUDGET_S,
        ours_rss_mb=self_rss_mb(),
        note=f"median {median_s(timed) * 1000:.1f} ms; {saved} notes found after reopening",
        extra={"expected": notes + 5, "ours": saved},
    )
