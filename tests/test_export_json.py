"""The JSON export: complete, versioned, redacted; import validates and round-trips."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from debugtui.export.files import write_private
from debugtui.export.jsonfmt import (
    FORMAT,
    VERSION,
    InvestigationImportError,
    from_json,
    to_json,
)
from debugtui.notebook.model import (
    EntryKind,
    EvidenceData,
    HypothesisData,
    HypothesisStatus,
    Milestone,
    Severity,
)
from debugtui.notebook.store import NotebookStore

T0 = datetime(2026, 1, 31, 14, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[NotebookStore]:
    with NotebookStore(tmp_path / "nb.db") as s:
        yield s


@pytest.fixture
def other_store(tmp_path: Path) -> Iterator[NotebookStore]:
    with NotebookStore(tmp_path / "other.db") as s:
        yield s


def _populated(store: NotebookStore) -> str:
    inv = store.create_investigation(
        "checkout 502s", Severity.SEV1, playbook_id="pg", tags=["pay"], impact_started_at=T0
    )
    store.set_milestone(inv.id, Milestone.DETECTED, T0 + timedelta(minutes=3))
    note = store.add_entry(
        inv.id, EntryKind.NOTE, "saw 502s", happened_at=T0 + timedelta(minutes=1), starred=True
    )
    evidence = store.add_entry(
        inv.id,
        EntryKind.EVIDENCE,
        "sessions",
        data=EvidenceData(title="activity", columns=("pid",), rows=(("1",), ("2",))).to_dict(),
    )
    store.add_entry(
        inv.id,
        EntryKind.HYPOTHESIS,
        "pool exhausted",
        data=HypothesisData(
            status=HypothesisStatus.SUPPORTED,
            because="idle sessions",
            supporting=(evidence.id,),
            refuting=(note.id,),
        ).to_dict(),
    )
    return inv.id


def _roundtrip(doc: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(doc))


def test_document_is_versioned_and_complete(store: NotebookStore) -> None:
    inv_id = _populated(store)
    doc = to_json(store.get_investigation(inv_id), store.entries(inv_id))
    assert (doc["format"], doc["version"]) == (FORMAT, VERSION)
    inv = doc["investigation"]
    assert inv["id"] == inv_id
    assert inv["severity"] == "SEV1"
    assert inv["tags"] == ["pay"]
    assert inv["impact_started_at"] == T0.isoformat()
    assert inv["detected_at"] == (T0 + timedelta(minutes=3)).isoformat()
    assert len(doc["entries"]) == len(store.entries(inv_id))
    first = doc["entries"][0]
    assert set(first) == {
        "id",
        "kind",
        "phase",
        "text",
        "happened_at",
        "recorded_at",
        "starred",
        "data",
    }
    json.dumps(doc)


def test_round_trip_preserves_everything_but_ids(
    store: NotebookStore, other_store: NotebookStore
) -> None:
    inv_id = _populated(store)
    original = store.get_investigation(inv_id)
    doc = _roundtrip(to_json(original, store.entries(inv_id)))
    inv, entries = from_json(doc)
    imported = other_store.import_investigation(inv, entries)
    assert imported == original  # the id was free in the other notebook, so it is kept
    old = store.entries(inv_id)
    new = other_store.entries(imported.id)

    def shape(e: Any) -> tuple[Any, ...]:
        return (e.kind, e.phase, e.text, e.happened_at, e.recorded_at, e.starred)

    assert [shape(e) for e in new] == [shape(e) for e in old]


def test_import_remaps_hypothesis_references(store: NotebookStore) -> None:
    inv_id = _populated(store)
    doc = _roundtrip(to_json(store.get_investigation(inv_id), store.entries(inv_id)))
    imported = store.import_investigation(*from_json(doc))
    entries = store.entries(imported.id)
    by_text = {e.text: e for e in entries}
    hyp = by_text["pool exhausted"].hypothesis
    assert hyp.supporting == (by_text["sessions"].id,)
    assert hyp.refuting == (by_text["saw 502s"].id,)
    assert hyp.status is HypothesisStatus.SUPPORTED
    assert by_text["sessions"].evidence.rows == (("1",), ("2",))


def test_import_of_an_existing_id_gets_a_fresh_one(store: NotebookStore) -> None:
    inv_id = _populated(store)
    doc = _roundtrip(to_json(store.get_investigation(inv_id), store.entries(inv_id)))
    imported = store.import_investigation(*from_json(doc))
    assert imported.id != inv_id
    assert len(store.list_investigations()) == 2
    assert len(store.entries(imported.id)) == len(store.entries(inv_id))


def test_export_is_redacted(store: NotebookStore) -> None:
    inv = store.create_investigation("db down")
    store.add_entry(inv.id, EntryKind.NOTE, "PGPASSWORD=hunter2 psql")
    store.add_entry(
        inv.id,
        EntryKind.EVIDENCE,
        "env",
        data=EvidenceData(
            title="env", params={"password": "s3cret"}, columns=("token",), rows=(("abc",),)
        ).to_dict(),
    )
    text = json.dumps(to_json(inv, store.entries(inv.id)))
    for secret in ("hunter2", "s3cret", '"abc"'):
        assert secret not in text
    assert "PGPASSWORD=[REDACTED] psql" in text


def _valid_doc() -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": 1,
        "investigation": {"id": "abcdef", "title": "t", "created_at": "2026-01-31T14:00:00Z"},
        "entries": [
            {
                "id": 1,
                "kind": "note",
                "phase": "reproduce",
                "text": "n",
                "happened_at": "2026-01-31T14:01:00+00:00",
                "recorded_at": "2026-01-31T14:01:00+00:00",
            }
        ],
    }


def test_minimal_document_is_accepted() -> None:
    inv, entries = from_json(_valid_doc())
    assert inv.title == "t"
    assert inv.created_at == T0
    assert entries[0].text == "n"
    assert entries[0].starred is False


_DELETE = object()


def _set(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    target: Any = doc
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last = keys[-1]
    if value is _DELETE:
        del target[last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return doc


MALFORMED = [
    ("format", "something-else", r"^format: expected 'debugtui-investigation'"),
    ("version", 2, r"^version: 2 was written by a newer debugtui"),
    ("version", "1", r"^version: expected a positive integer"),
    ("investigation", [], r"^investigation: expected an object"),
    ("investigation.title", _DELETE, r"^investigation\.title: missing"),
    ("investigation.title", "  ", r"^investigation\.title: empty"),
    ("investigation.severity", "SEV9", r"^investigation\.severity: 'SEV9' is not one of"),
    ("investigation.created_at", "yesterday", r"^investigation\.created_at: not an ISO"),
    ("investigation.created_at", "2026-01-31T14:00:00", r"without a timezone"),
    ("investigation.tags", "a,b", r"^investigation\.tags: expected a list of strings"),
    ("entries", {}, r"^entries: expected a list"),
    ("entries.0", "note", r"^entries\[0\]: expected an object"),
    ("entries.0.kind", "rant", r"^entries\[0\]\.kind: 'rant' is not one of"),
    ("entries.0.id", "1", r"^entries\[0\]\.id: expected int, got str"),
    ("entries.0.id", True, r"^entries\[0\]\.id: expected int, got bool"),
    ("entries.0.happened_at", _DELETE, r"^entries\[0\]\.happened_at: missing"),
    ("entries.0.starred", "yes", r"^entries\[0\]\.starred: expected bool"),
    ("entries.0.data", [], r"^entries\[0\]\.data: expected dict"),
]


@pytest.mark.parametrize(("path", "value", "message"), MALFORMED)
def test_malformed_document_is_refused_with_the_field(path: str, value: Any, message: str) -> None:
    with pytest.raises(InvestigationImportError, match=message):
        from_json(_set(_valid_doc(), path, value))


def test_invalid_hypothesis_data_is_refused() -> None:
    doc = _valid_doc()
    doc["entries"][0].update(kind="hypothesis", data={"status": "maybe"})
    with pytest.raises(InvestigationImportError, match=r"entries\[0\]\.data: not valid"):
        from_json(doc)


def test_duplicate_entry_ids_are_refused() -> None:
    doc = _valid_doc()
    doc["entries"].append(dict(doc["entries"][0]))
    with pytest.raises(InvestigationImportError, match=r"entries\[1\]\.id: duplicate id 1"):
        from_json(doc)


def test_not_an_object_is_refused() -> None:
    with pytest.raises(InvestigationImportError, match="expected a JSON object"):
        from_json([1, 2])


def test_import_error_is_a_value_error() -> None:
    assert issubclass(InvestigationImportError, ValueError)


def test_write_private_creates_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_private(tmp_path / "pm.md", "# x\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "pm.md").stat().st_mode) == 0o600
    assert (tmp_path / "pm.md").read_text() == "# x\n"


def test_write_private_tightens_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "pm.md"
    target.write_text("old and longer\n")
    target.chmod(0o644)
    write_private(target, "new\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text() == "new\n"
