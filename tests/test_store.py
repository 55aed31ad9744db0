"""The SQLite notebook store: durability, privacy, refusal of foreign files, the API."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from dataclasses import fields, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from debugtui.notebook import schema
from debugtui.notebook import store as store_module
from debugtui.notebook.model import (
    Entry,
    EntryKind,
    HypothesisStatus,
    Milestone,
    Phase,
    Severity,
    Status,
)
from debugtui.notebook.store import (
    ID_ALPHABET,
    NotebookStore,
    NotFoundError,
    StoreError,
)

T0 = datetime(2026, 1, 31, 14, 0, tzinfo=timezone.utc)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "notebook.db"


@pytest.fixture
def store(db: Path) -> Iterator[NotebookStore]:
    s = NotebookStore(db)
    yield s
    s.close()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _raw(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(db, isolation_level=None)


# -- files, modes, durability settings ---------------------------------------------------------


def test_database_wal_and_shm_are_private_even_with_a_lax_umask(db: Path) -> None:
    old = os.umask(0o022)
    try:
        s = NotebookStore(db)
        s.create_investigation("x")
    finally:
        os.umask(old)
    try:
        for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            assert path.exists(), path
            assert _mode(path) == 0o600, path
    finally:
        s.close()


def test_existing_wal_and_shm_are_made_private_on_open(db: Path) -> None:
    first = NotebookStore(db)
    first.create_investigation("x")
    for suffix in ("-wal", "-shm"):
        os.chmod(f"{db}{suffix}", 0o644)
    second = NotebookStore(db)
    try:
        for suffix in ("-wal", "-shm"):
            assert _mode(Path(f"{db}{suffix}")) == 0o600
    finally:
        second.close()
        first.close()


def test_journal_is_wal_with_full_sync_and_a_busy_timeout(store: NotebookStore, db: Path) -> None:
    with _raw(db) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # synchronous and busy_timeout are per connection: only the store's own can show them.
    conn = store._conn
    assert conn is not None
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_open_default_uses_debugtui_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "elsewhere" / "nb.db"
    monkeypatch.setenv("DEBUGTUI_DB", str(target))
    with NotebookStore.open_default() as s:
        assert s.path == target
    assert target.is_file()


def test_open_default_creates_the_xdg_data_dir_private(tmp_path: Path) -> None:
    with NotebookStore.open_default() as s:
        assert s.path == tmp_path / "xdg-data" / "debugtui" / "notebook.db"
    assert _mode(tmp_path / "xdg-data" / "debugtui") == 0o700


def test_open_default_prefers_the_db_argument(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEBUGTUI_DB", str(tmp_path / "env.db"))
    with NotebookStore.open_default(str(tmp_path / "arg.db")) as s:
        assert s.path == tmp_path / "arg.db"
    assert not (tmp_path / "env.db").exists()


def test_confirmed_entry_is_visible_to_another_connection_at_once(
    store: NotebookStore, db: Path
) -> None:
    inv = store.create_investigation("x")
    entry = store.add_entry(inv.id, EntryKind.NOTE, "saw 502s")
    with _raw(db) as raw:
        row = raw.execute("SELECT text FROM entries WHERE id = ?", (entry.id,)).fetchone()
    assert row == ("saw 502s",)


def test_integrity_check_reports_ok(store: NotebookStore) -> None:
    store.create_investigation("x")
    assert store.integrity_check() == "ok"


def test_closed_store_raises_store_error(db: Path) -> None:
    s = NotebookStore(db)
    s.close()
    with pytest.raises(StoreError, match="closed"):
        s.list_investigations()


# -- foreign and damaged files are refused and left alone -------------------------------------


def _assert_refused_untouched(path: Path, pattern: str) -> None:
    before = path.read_bytes()
    with pytest.raises(StoreError, match=pattern):
        NotebookStore(path)
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()
    assert not Path(f"{path}-journal").exists()


def test_random_bytes_are_not_a_notebook_and_stay_unchanged(db: Path) -> None:
    db.write_bytes(os.urandom(8192))
    _assert_refused_untouched(db, r"is not a debugtui notebook: not an SQLite database")


def test_short_text_file_is_not_a_notebook(db: Path) -> None:
    db.write_text("hello\n")
    _assert_refused_untouched(db, r"is not a debugtui notebook")


def test_foreign_sqlite_with_other_tables_is_refused_and_unchanged(db: Path) -> None:
    with _raw(db) as raw:
        raw.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        raw.execute("INSERT INTO customers (name) VALUES ('ada')")
    _assert_refused_untouched(db, r"is not a debugtui notebook: .*other tables \(customers\)")


def test_sqlite_of_another_application_is_refused_and_unchanged(db: Path) -> None:
    with _raw(db) as raw:
        raw.execute("PRAGMA application_id = 1234")
        raw.execute("CREATE TABLE investigations (id TEXT)")
    _assert_refused_untouched(db, r"is not a debugtui notebook: .*another application")


def test_damaged_notebook_is_refused_and_unchanged(db: Path) -> None:
    with NotebookStore(db) as s:
        s.create_investigation("x")
    data = bytearray(db.read_bytes())
    data[100:4096] = os.urandom(3996)  # the schema page, after the 100-byte header
    db.write_bytes(bytes(data))
    _assert_refused_untouched(db, r"is not a debugtui notebook")


def test_directory_is_not_a_notebook(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not a regular file"):
        NotebookStore(tmp_path)


def test_empty_sqlite_file_is_adopted(db: Path) -> None:
    with _raw(db) as raw:
        raw.execute("PRAGMA user_version = 0")
        raw.execute("VACUUM")
    with NotebookStore(db) as s:
        s.create_investigation("x")
    with _raw(db) as raw:
        assert raw.execute("PRAGMA application_id").fetchone()[0] == schema.APPLICATION_ID


def test_newer_schema_is_refused_and_unchanged(db: Path) -> None:
    with NotebookStore(db) as s:
        s.create_investigation("x")
    with _raw(db) as raw:
        raw.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    before = db.read_bytes()
    with pytest.raises(StoreError, match="newer debugtui"):
        NotebookStore(db)
    assert db.read_bytes() == before


# -- migrations --------------------------------------------------------------------------------


def test_new_file_is_migrated_from_user_version_zero(db: Path) -> None:
    db.touch()
    with NotebookStore(db):
        pass
    with _raw(db) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert raw.execute("PRAGMA application_id").fetchone()[0] == schema.APPLICATION_ID
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables >= schema.OUR_TABLES


def test_later_migration_is_applied_in_order_and_keeps_data(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with NotebookStore(db) as s:
        inv = s.create_investigation("kept")
    extra = ("ALTER TABLE investigations ADD COLUMN owner TEXT",)
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, extra))
    with NotebookStore(db) as s:
        assert s.get_investigation(inv.id).title == "kept"
    with _raw(db) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == len(schema.MIGRATIONS)
        columns = {r[1] for r in raw.execute("PRAGMA table_info(investigations)")}
    assert "owner" in columns


def test_failing_migration_rolls_back_entirely(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with NotebookStore(db):
        pass
    broken = ("CREATE TABLE half_done (x TEXT)", "THIS IS NOT SQL")
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, broken))
    with pytest.raises(StoreError, match="cannot open notebook"):
        NotebookStore(db)
    with _raw(db) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == len(schema.MIGRATIONS) - 1
        names = {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
    assert "half_done" not in names


# -- two processes / threads -------------------------------------------------------------------


def test_two_stores_on_one_file_both_write(db: Path) -> None:
    with NotebookStore(db) as a, NotebookStore(db) as b:
        inv = a.create_investigation("shared")
        b.add_entry(inv.id, EntryKind.NOTE, "from b")
        a.add_entry(inv.id, EntryKind.NOTE, "from a")
        assert [e.text for e in b.entries(inv.id)] == ["from b", "from a"]
        assert [e.text for e in a.entries(inv.id)] == ["from b", "from a"]


def test_locked_database_gives_a_clear_store_error(db: Path) -> None:
    with NotebookStore(db, busy_timeout_ms=50) as s:
        inv = s.create_investigation("x")
        holder = _raw(db)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreError, match=r"locked.*another debugtui"):
                s.add_entry(inv.id, EntryKind.NOTE, "blocked")
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        s.add_entry(inv.id, EntryKind.NOTE, "after")
        assert [e.text for e in s.entries(inv.id)] == ["after"]


def test_disk_full_is_a_store_error_and_the_database_stays_sound(store: NotebookStore) -> None:
    inv = store.create_investigation("x")
    store.add_entry(inv.id, EntryKind.NOTE, "before")
    conn = store._conn
    assert conn is not None
    # SQLite's page cap yields the same SQLITE_FULL a full disk does.
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StoreError, match=r"cannot write.*full"):
        store.add_entry(inv.id, EntryKind.NOTE, "x" * 200_000)
    conn.execute("PRAGMA max_page_count = 1073741823")
    assert store.integrity_check() == "ok"
    assert [e.text for e in store.entries(inv.id)] == ["before"]
    store.add_entry(inv.id, EntryKind.NOTE, "after")
    assert [e.text for e in store.entries(inv.id)] == ["before", "after"]


def test_concurrent_threads_lose_no_entry(store: NotebookStore) -> None:
    inv = store.create_investigation("x")
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(20):
                store.add_entry(inv.id, EntryKind.NOTE, f"{n}-{i}")
        except BaseException as exc:  # collected: an exception in a thread would be lost
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    texts = {e.text for e in store.entries(inv.id)}
    assert texts == {f"{n}-{i}" for n in range(6) for i in range(20)}


# -- investigations ----------------------------------------------------------------------------


def test_create_investigation_stores_every_field(store: NotebookStore) -> None:
    inv = store.create_investigation(
        "  checkout 502s ",
        Severity.SEV1,
        playbook_id="http-5xx",
        tags=["payments", "eu"],
        impact_started_at=T0,
    )
    got = store.get_investigation(inv.id)
    assert got == inv
    assert got.title == "checkout 502s"
    assert got.severity is Severity.SEV1
    assert got.status is Status.INVESTIGATING
    assert got.phase is Phase.REPRODUCE
    assert got.tags == ("payments", "eu")
    assert got.impact_started_at == T0


def test_investigation_ids_are_six_readable_characters(store: NotebookStore) -> None:
    ids = {store.create_investigation(f"i{n}").id for n in range(20)}
    assert len(ids) == 20
    for inv_id in ids:
        assert len(inv_id) == 6
        assert set(inv_id) <= set(ID_ALPHABET)


def test_empty_title_is_refused(store: NotebookStore) -> None:
    with pytest.raises(ValueError, match="title"):
        store.create_investigation("   ")
    assert store.list_investigations() == []


def test_list_is_newest_first(store: NotebookStore) -> None:
    titles = [store.create_investigation(t).title for t in ("a", "b", "c")]
    assert [i.title for i in store.list_investigations()] == list(reversed(titles))


def _store_with_ids(store: NotebookStore, monkeypatch: pytest.MonkeyPatch, *ids: str) -> None:
    queue = list(ids)
    monkeypatch.setattr(store_module, "_new_id", lambda: queue.pop(0))
    for inv_id in ids:
        store.create_investigation(inv_id)


def test_unique_prefix_resolves(store: NotebookStore, monkeypatch: pytest.MonkeyPatch) -> None:
    _store_with_ids(store, monkeypatch, "k3x9qa", "k3abcd", "zzzzzz")
    assert store.get_investigation("k3x").id == "k3x9qa"
    assert store.get_investigation("ZZ").id == "zzzzzz"
    assert store.get_investigation("k3abcd").id == "k3abcd"


def test_ambiguous_prefix_names_the_candidates(
    store: NotebookStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store_with_ids(store, monkeypatch, "k3x9qa", "k3abcd")
    with pytest.raises(NotFoundError, match=r"ambiguous id 'k3': matches k3abcd, k3x9qa"):
        store.get_investigation("k3")


def test_one_character_prefix_is_refused(
    store: NotebookStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store_with_ids(store, monkeypatch, "k3x9qa")
    with pytest.raises(NotFoundError, match="at least 2 characters"):
        store.get_investigation("k")


def test_unknown_id_is_not_found(store: NotebookStore) -> None:
    with pytest.raises(NotFoundError, match="no investigation with id 'nope'"):
        store.get_investigation("nope")


def test_id_colliding_with_an_existing_one_is_redrawn(
    store: NotebookStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = ["aaaaaa", "aaaaaa", "bbbbbb"]
    monkeypatch.setattr(store_module, "_new_id", lambda: queue.pop(0))
    first = store.create_investigation("one")
    second = store.create_investigation("two")
    assert (first.id, second.id) == ("aaaaaa", "bbbbbb")


def test_delete_removes_entries_and_drafts(store: NotebookStore, db: Path) -> None:
    inv = store.create_investigation("x")
    keep = store.create_investigation("keep")
    store.add_entry(inv.id, EntryKind.NOTE, "n")
    store.save_draft(inv.id, "note", "typing")
    store.delete_investigation(inv.id)
    with pytest.raises(NotFoundError):
        store.get_investigation(inv.id)
    assert [i.id for i in store.list_investigations()] == [keep.id]
    with _raw(db) as raw:
        assert raw.execute("SELECT count(*) FROM entries").fetchone()[0] == 0
        assert raw.execute("SELECT count(*) FROM drafts").fetchone()[0] == 0


def test_update_investigation_saves_fields_and_bumps_updated_at(store: NotebookStore) -> None:
    inv = store.create_investigation("x")
    edited = replace(
        inv,
        title="checkout 502s",
        severity=Severity.SEV2,
        tags=("db",),
        summary="pool exhausted",
        impact="5% of checkouts failed",
        playbook_id="pg",
        created_at=T0,
    )
    saved = store.update_investigation(edited)
    got = store.get_investigation(inv.id)
    assert got == saved
    assert (got.title, got.severity, got.tags) == ("checkout 502s", Severity.SEV2, ("db",))
    assert (got.summary, got.impact, got.playbook_id) == (
        "pool exhausted",
        "5% of checkouts failed",
        "pg",
    )
    assert got.created_at == inv.created_at
    assert got.updated_at > inv.updated_at


def test_update_investigation_refuses_milestone_before_impact(store: NotebookStore) -> None:
    inv = store.create_investigation("x", impact_started_at=T0)
    with pytest.raises(ValueError, match="before the impact start"):
        store.update_investigation(replace(inv, detected_at=T0 - timedelta(minutes=1)))
    assert store.get_investigation(inv.id).detected_at is None


def test_update_unknown_investigation_is_not_found(store: NotebookStore) -> None:
    inv = store.create_investigation("x")
    with pytest.raises(NotFoundError):
        store.update_investigation(replace(inv, id="zzzzzz"))


def test_set_phase_records_a_phase_change(store: NotebookStore) -> None:
    inv = store.create_investigation("x")
    updated, entry = store.set_phase(inv.id, Phase.HYPOTHESIZE)
    assert updated.phase is Phase.HYPOTHESIZE
    assert store.get_investigation(inv.id).phase is Phase.HYPOTHESIZE
    assert entry.kind is EntryKind.PHASE_CHANGE
    assert entry.data == {"from": "reproduce", "to": "hypothesize"}
    assert store.entries(inv.id) == [entry]


def test_set_status_mitigated_sets_the_milestone(store: NotebookStore) -> None:
    inv = store.create_investigation("x", impact_started_at=T0)
    when = T0 + timedelta(minutes=30)
    updated, entry = store.set_status(inv.id, Status.MITIGATED, when)
    assert updated.status is Status.MITIGATED
    assert updated.mitigated_at == when
    assert updated.resolved_at is None
    assert entry.kind is EntryKind.STATUS_CHANGE
    assert entry.data["from"] == "investigating"
    assert entry.data["to"] == "mitigated"
    assert entry.happened_at == when
    assert store.get_investigation(inv.id) == updated


def test_set_status_resolved_also_sets_mitigated_when_unset(store: NotebookStore) -> None:
    inv = store.create_investigation("x", impact_started_at=T0)
    when = T0 + timedelta(hours=1)
    updated, _ = store.set_status(inv.id, Status.RESOLVED, when)
    assert (updated.mitigated_at, updated.resolved_at) == (when, when)


def test_set_status_keeps_an_existing_milestone(store: NotebookStore) -> None:
    inv = store.create_investigation("x", impact_started_at=T0)
    mitigated = T0 + timedelta(minutes=10)
    store.set_status(inv.id, Status.MITIGATED, mitigated)
    updated, _ = store.set_status(inv.id, Status.RESOLVED, T0 + timedelta(hours=2))
    assert updated.mitigated_at == mitigated
    assert updated.resolved_at == T0 + timedelta(hours=2)


def test_set_status_back_to_investigating_keeps_milestones(store: NotebookStore) -> None:
    inv = store.create_investigation("x", impact_started_at=T0)
    store.set_status(inv.id, Status.MITIGATED, T0 + timedelta(minutes=5))
    updated, entry = store.set_status(inv.id, Status.INVESTIGATING)
    assert updated.status is Status.INVESTIGATING
    assert updated.mitigated_at == T0 + timedelta(minutes=5)
    assert entry.data["to"] == "investigating"


def test_set_status_before_impact_start_is_refused(store: NotebookStore) -> None:
    inv = store.create_investigation("x", impact_started_at=T0)
    with pytest.raises(ValueError, match="before the impact start"):
        store.set_status(inv.id, Status.MITIGATED, T0 - timedelta(minutes=1))
    assert store.get_investigation(inv.id).status is Status.INVESTIGATING
    assert store.entries(inv.id) == []


def test_set_milestone_records_an_entry_at_that_time(store: NotebookStore) -> None:
    inv = store.create_investigation("x", impact_started_at=T0)
    when = T0 + timedelta(minutes=4)
    updated, entry = store.set_milestone(inv.id, Milestone.DETECTED, when)
    assert updated.detected_at == when
    assert store.get_investigation(inv.id).detected_at == when
    assert entry.kind is EntryKind.MILESTONE
    assert entry.happened_at == when
    assert entry.data["milestone"] == "detected"


def test_milestone_before_impact_start_is_refused_with_the_reason(store: NotebookStore) -> None:
    inv = store.create_investigation("x", impact_started_at=T0)
    with pytest.raises(ValueError, match=r"detected at 2026-01-31 13:50:00 UTC would come before"):
        store.set_milestone(inv.id, Milestone.DETECTED, T0 - timedelta(minutes=10))
    assert store.get_investigation(inv.id).detected_at is None
    assert store.entries(inv.id) == []


def test_impact_start_after_a_later_milestone_is_refused(store: NotebookStore) -> None:
    inv = store.create_investigation("x", impact_started_at=T0)
    store.set_milestone(inv.id, Milestone.DETECTED, T0 + timedelta(minutes=5))
    with pytest.raises(ValueError, match="impact cannot start after it was detected"):
        store.set_milestone(inv.id, Milestone.IMPACT_STARTED, T0 + timedelta(minutes=6))


def test_naive_time_is_refused(store: NotebookStore) -> None:
    inv = store.create_investigation("x")
    with pytest.raises(ValueError, match="timezone"):
        store.set_milestone(inv.id, Milestone.DETECTED, datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="timezone"):
        store.add_entry(inv.id, EntryKind.NOTE, "n", happened_at=datetime(2026, 1, 1))
    assert store.entries(inv.id) == []


# -- entries -----------------------------------------------------------------------------------


def test_add_entry_defaults_to_the_current_phase_and_bumps_updated_at(
    store: NotebookStore,
) -> None:
    inv = store.create_investigation("x")
    store.set_phase(inv.id, Phase.TEST)
    before = store.get_investigation(inv.id).updated_at
    entry = store.add_entry(inv.id, EntryKind.NOTE, "saw 502s", data={"lesson": "lucky"})
    assert entry.phase is Phase.TEST
    assert entry.data == {"lesson": "lucky"}
    assert entry.investigation_id == inv.id
    assert store.get_entry(entry.id) == entry
    assert store.get_investigation(inv.id).updated_at > before


def test_add_entry_keeps_explicit_phase_time_and_star(store: NotebookStore) -> None:
    inv = store.create_investigation("x")
    entry = store.add_entry(
        inv.id, EntryKind.ACTION, "rollback", phase=Phase.FIX, happened_at=T0, starred=True
    )
    assert (entry.phase, entry.happened_at, entry.starred) == (Phase.FIX, T0, True)
    assert entry.recorded_at > T0


def test_add_entry_to_unknown_investigation_is_not_found(store: NotebookStore) -> None:
    with pytest.raises(NotFoundError):
        store.add_entry("zzzzzz", EntryKind.NOTE, "n")


def test_unserialisable_data_is_refused(store: NotebookStore) -> None:
    inv = store.create_investigation("x")
    with pytest.raises(ValueError, match="JSON"):
        store.add_entry(inv.id, EntryKind.NOTE, "n", data={"when": object()})
    assert store.entries(inv.id) == []


def test_entries_sort_by_happened_at_then_id(store: NotebookStore) -> None:
    inv = store.create_investigation("x")
    late = store.add_entry(inv.id, EntryKind.NOTE, "late", happened_at=T0 + timedelta(hours=1))
    early = store.add_entry(inv.id, EntryKind.NOTE, "early", happened_at=T0)
    tie = store.add_entry(inv.id, EntryKind.NOTE, "tie", happened_at=T0)
    assert [e.id for e in store.entries(inv.id)] == [early.id, tie.id, late.id]


def test_entries_read_at_once_are_the_entries_read_row_by_row(store: NotebookStore) -> None:
    inv = store.create_investigation("x")
    assert store.entries(inv.id, at_once=True) == []
    texts = ['quote " back\\slash', "tab\tnew\nline \x1b[31m \x00 \u2028", "ünï 中文 🚀", ""]
    for n, text in enumerate(texts * 3):
        data = {"n": n, "big": 2**62, "x": 0.1, "nested": {"k": [text, None, True]}}
        store.add_entry(
            inv.id,
            list(EntryKind)[n % len(EntryKind)],
            text,
            data=data if n % 2 else None,
            happened_at=T0 + timedelta(seconds=n % 4),  # ties, ordered by id
            starred=n % 3 == 0,
        )
    store.add_entry(inv.id, EntryKind.NOTE, "recorded later", happened_at=T0 - timedelta(days=1))
    store.add_entry(store.create_investigation("other").id, EntryKind.NOTE, "not this one")
    at_once = store.entries(inv.id[:3], at_once=True)
    row_by_row = store.entries(inv.id)
    assert len(at_once) == len(texts) * 3 + 1
    assert [vars(e) for e in at_once] == [vars(e) for e in row_by_row]


def test_a_damaged_entry_read_at_once_is_named_as_row_by_row(tmp_path: Path) -> None:
    # A BLOB where the data's JSON belongs fails SQLite's JSON aggregate as a whole; the
    # responder must still be told which entry is damaged, not "cannot read notebook".
    db = tmp_path / "notebook.db"
    with NotebookStore(db) as store:
        inv = store.create_investigation("x")
        store.add_entry(inv.id, EntryKind.NOTE, "fine")
        bad = store.add_entry(inv.id, EntryKind.NOTE, "spoilt")
    conn = sqlite3.connect(db)
    conn.execute("UPDATE entries SET data = x'00ff' WHERE id = ?", (bad.id,))
    conn.commit()
    conn.close()
    with NotebookStore(db) as store:
        for at_once in (False, True):
            with pytest.raises(StoreError, match=rf"^entry {bad.id} is damaged in the notebook"):
                store.entries(inv.id, at_once=at_once)


def test_update_entry_edits_text_time_star_and_data(store: NotebookStore) -> None:
    inv = store.create_investigation("x")
    entry = store.add_entry(inv.id, EntryKind.NOTE, "typo")
    edited = replace(entry, text="fixed", happened_at=T0, starred=True, data={"lesson": "well"})
    saved = store.update_entry(edited)
    assert saved == edited
    assert store.get_entry(entry.id) == edited


def test_unknown_entry_is_not_found(store: NotebookStore) -> None:
    with pytest.raises(NotFoundError, match="no entry with id 99"):
        store.get_entry(99)


def test_toggle_star_flips_and_persists(store: NotebookStore) -> None:
    inv = store.create_investigation("x")
    entry = store.add_entry(inv.id, EntryKind.NOTE, "n")
    assert store.toggle_star(entry.id).starred is True
    assert store.get_entry(entry.id).starred is True
    assert store.toggle_star(entry.id).starred is False


def test_set_hypothesis_status_keeps_the_rest_of_the_data(store: NotebookStore) -> None:
    inv = store.create_investigation("x")
    hyp = store.add_entry(
        inv.id, EntryKind.HYPOTHESIS, "pool exhausted", data={"because": "timeouts"}
    )
    saved = store.set_hypothesis_status(hyp.id, HypothesisStatus.REFUTED)
    assert saved.hypothesis.status is HypothesisStatus.REFUTED
    assert saved.hypothesis.because == "timeouts"
    assert store.get_entry(hyp.id) == saved


def test_hypothesis_status_on_a_note_is_refused(store: NotebookStore) -> None:
    inv = store.create_investigation("x")
    note = store.add_entry(inv.id, EntryKind.NOTE, "n")
    with pytest.raises(ValueError, match="not a hypothesis"):
        store.set_hypothesis_status(note.id, HypothesisStatus.SUPPORTED)


# -- drafts ------------------------------------------------------------------------------------


def test_draft_round_trip_overwrite_and_clear(store: NotebookStore) -> None:
    inv = store.create_investigation("x")
    assert store.get_draft(inv.id, "note") is None
    store.save_draft(inv.id, "note", "saw 5")
    store.save_draft(inv.id, "note", "saw 502s")
    store.save_draft(inv.id, "hypothesis", "pool")
    assert store.get_draft(inv.id, "note") == "saw 502s"
    assert store.get_draft(inv.id, "hypothesis") == "pool"
    store.clear_draft(inv.id, "note")
    assert store.get_draft(inv.id, "note") is None
    assert store.get_draft(inv.id, "hypothesis") == "pool"


def test_draft_survives_reopening(db: Path) -> None:
    with NotebookStore(db) as s:
        inv = s.create_investigation("x")
        s.save_draft(inv.id, "note", "half a thought")
    with NotebookStore(db) as s:
        assert s.get_draft(inv.id, "note") == "half a thought"


def test_drafts_are_per_investigation(store: NotebookStore) -> None:
    a = store.create_investigation("a")
    b = store.create_investigation("b")
    store.save_draft(a.id, "note", "for a")
    assert store.get_draft(b.id, "note") is None


def test_drafts_reads_every_draft_of_one_investigation(store: NotebookStore) -> None:
    a = store.create_investigation("a")
    b = store.create_investigation("b")
    assert store.drafts(a.id) == {}
    store.save_draft(a.id, "note:text", "saw 5")
    store.save_draft(a.id, "note:text", "saw 502s")
    store.save_draft(a.id, "action:owner", "")
    store.save_draft(b.id, "note:text", "for b")
    store.clear_draft(b.id, "note:text")
    store.save_draft(b.id, "decision:text", "roll back")
    assert store.drafts(a.id[:3]) == {"note:text": "saw 502s", "action:owner": ""}
    assert store.drafts(b.id) == {"decision:text": "roll back"}


def test_entries_read_back_are_the_entries_the_dataclass_would_build(
    store: NotebookStore,
) -> None:
    """The store fills each Entry's instance dict at once instead of calling __init__: what
    it builds must stay what __init__ builds (same fields, no __post_init__ skipped)."""
    inv = store.create_investigation("checkout 500s")
    earlier = datetime(2026, 11, 24, 13, 7, tzinfo=timezone.utc)
    store.add_entry(inv.id, EntryKind.NOTE, "p99 at 4 s", starred=True)
    store.add_entry(
        inv.id, EntryKind.EVIDENCE, "a log line", {"rows": [["a"]]}, happened_at=earlier
    )
    read = store.entries(inv.id)
    assert len(read) == 2
    assert not hasattr(Entry, "__post_init__")
    for entry in read:
        built = Entry(**{f.name: getattr(entry, f.name) for f in fields(Entry)})
        assert vars(entry) == vars(built)
        assert entry == built
