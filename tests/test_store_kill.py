"""A debugtui killed with SIGKILL mid-write loses no confirmed entry and leaves a sound file.

A child process adds entries in a loop and prints each id once ``add_entry`` has returned
(that is what "confirmed" means: the UI shows an entry only then). The parent kills it at a
random point, twenty times over on the same file, then checks every printed id is stored and
SQLite's integrity check passes.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from pathlib import Path

from debugtui.notebook.model import EntryKind
from debugtui.notebook.store import NotebookStore

CHILD = """
import sys
from debugtui.notebook.model import EntryKind
from debugtui.notebook.store import NotebookStore

store = NotebookStore(sys.argv[1])
inv_id = sys.argv[2]
n = 0
while True:
    n += 1
    entry = store.add_entry(inv_id, EntryKind.NOTE, f"note {n} " + "x" * (n % 500))
    print(entry.id, flush=True)
    store.save_draft(inv_id, "note", f"typing {n}")
"""

ROUNDS = 20


def _run_and_kill(db: Path, inv_id: str, rng: random.Random) -> set[int]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), inv_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    confirmed: set[int] = set()
    for _ in range(rng.randint(1, 120)):
        line = child.stdout.readline()
        assert line, f"child died early: {child.stderr.read() if child.stderr else ''}"
        confirmed.add(int(line))
    child.send_signal(signal.SIGKILL)
    rest, _ = child.communicate()
    assert child.returncode == -signal.SIGKILL
    # Ids printed before the kill landed are confirmed too; a torn last line is not.
    confirmed.update(int(line) for line in rest.splitlines(keepends=True) if line.endswith("\n"))
    return confirmed


def test_sigkill_loses_no_confirmed_entry_and_keeps_the_file_sound(tmp_path: Path) -> None:
    db = tmp_path / "notebook.db"
    with NotebookStore(db) as store:
        inv = store.create_investigation("kill test")
        store.add_entry(inv.id, EntryKind.NOTE, "before any kill")
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    confirmed: set[int] = set()
    for _ in range(ROUNDS):
        confirmed |= _run_and_kill(db, inv.id, rng)
        with NotebookStore(db) as store:
            stored = {e.id for e in store.entries(inv.id)}
            missing = confirmed - stored
            assert not missing, f"seed {seed}: confirmed entries lost: {sorted(missing)[:10]}"
            assert store.integrity_check() == "ok", f"seed {seed}"
            assert store.get_draft(inv.id, "note") is not None
