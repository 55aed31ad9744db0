"""The JSON export: a complete, versioned, redacted copy of one investigation, and its import.

The document::

    {"format": "debugtui-investigation", "version": 1,
     "exported_at": "...", "generator": "debugtui 0.1.0",
     "investigation": {"id", "title", "severity", "status", "phase", "playbook_id", "tags",
                       "summary", "impact", "created_at", "updated_at", "impact_started_at",
                       "detected_at", "acknowledged_at", "mitigated_at", "resolved_at"},
     "entries": [{"id", "kind", "phase", "text", "happened_at", "recorded_at", "starred",
                  "data"}, ...]}

Times are ISO-8601 UTC; ``data`` is the entry's structured part as stored. Every string
passes through :func:`~debugtui.export.redact.redact_data`, so secrets do not leave the
machine in an export and do not come back on import.

:func:`from_json` checks everything before anything is stored and raises
:class:`InvestigationImportError` naming the first bad field (``entries[3].kind: ...``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, NoReturn

from debugtui import __version__
from debugtui.export.redact import redact_data, redact_row
from debugtui.notebook.model import (
    Entry,
    EntryKind,
    Investigation,
    Phase,
    Severity,
    Status,
    utcnow,
)

FORMAT = "debugtui-investigation"
VERSION = 1

_MILESTONE_FIELDS = (
    "impact_started_at",
    "detected_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
)


class InvestigationImportError(ValueError):
    """A document that is not a usable debugtui investigation; the message names the field."""


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.astimezone(timezone.utc).isoformat()


def investigation_to_dict(inv: Investigation) -> dict[str, Any]:
    """The investigation's fields as JSON values (not redacted: see :func:`to_json`)."""
    return {
        "id": inv.id,
        "title": inv.title,
        "severity": inv.severity.value,
        "status": inv.status.value,
        "phase": inv.phase.value,
        "playbook_id": inv.playbook_id,
        "tags": list(inv.tags),
        "summary": inv.summary,
        "impact": inv.impact,
        "created_at": _iso(inv.created_at),
        "updated_at": _iso(inv.updated_at),
        **{name: _iso(getattr(inv, name)) for name in _MILESTONE_FIELDS},
    }


def entry_to_dict(entry: Entry) -> dict[str, Any]:
    """The entry's fields as JSON values (not redacted: see :func:`to_json`)."""
    return {
        "id": entry.id,
        "kind": entry.kind.value,
        "phase": entry.phase.value,
        "text": entry.text,
        "happened_at": _iso(entry.happened_at),
        "recorded_at": _iso(entry.recorded_at),
        "starred": entry.starred,
        "data": dict(entry.data),
    }


def _redacted_entry(entry: Entry) -> dict[str, Any]:
    doc = redact_data(entry_to_dict(entry))
    data = doc["data"]
    columns = data.get("columns")
    rows = entry.data.get("rows")
    if entry.kind is EntryKind.EVIDENCE and isinstance(columns, list) and isinstance(rows, list):
        # Column-aware: a "password" column is redacted whatever its cells look like.
        data["rows"] = [
            redact_row([str(c) for c in columns], list(row)) if isinstance(row, list) else row
            for row in rows
        ]
    return doc


def to_json(
    inv: Investigation, entries: Sequence[Entry], *, now: datetime | None = None
) -> dict[str, Any]:
    """The export document for ``inv`` and its entries, redacted."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _iso(now or utcnow()),
        "generator": f"debugtui {__version__}",
        "investigation": redact_data(investigation_to_dict(inv)),
        "entries": [_redacted_entry(e) for e in sorted(entries, key=lambda e: e.id)],
    }


# -- import --------------------------------------------------------------------------------


def _fail(where: str, problem: str) -> NoReturn:
    raise InvestigationImportError(f"{where}: {problem}")


def _field(obj: Mapping[str, Any], key: str, where: str, kind: type | tuple[type, ...]) -> Any:
    if key not in obj:
        _fail(f"{where}.{key}", "missing")
    value = obj[key]
    # bool is an int in Python but not in JSON: never accept one for the other.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        _fail(f"{where}.{key}", f"expected {names}, got {type(value).__name__}")
    return value


def _time(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        _fail(where, f"expected an ISO-8601 time, got {type(value).__name__}")
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        _fail(where, f"not an ISO-8601 time: {value!r}")
    if when.tzinfo is None:
        _fail(where, f"time without a timezone: {value!r}")
    return when.astimezone(timezone.utc)


def _optional_time(obj: Mapping[str, Any], key: str, where: str) -> datetime | None:
    value = obj.get(key)
    return None if value is None else _time(value, f"{where}.{key}")


def _enum(enum: type, value: Any, where: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        known = ", ".join(m.value for m in enum)
        _fail(where, f"{value!r} is not one of {known}")


def _investigation(doc: Any) -> Investigation:
    where = "investigation"
    if not isinstance(doc, Mapping):
        _fail(where, "expected an object")
    title = _field(doc, "title", where, str)
    if not title.strip():
        _fail(f"{where}.title", "empty")
    tags = doc.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        _fail(f"{where}.tags", "expected a list of strings")
    playbook = doc.get("playbook_id")
    if playbook is not None and not isinstance(playbook, str):
        _fail(f"{where}.playbook_id", "expected a string or null")
    for key in ("summary", "impact"):
        if not isinstance(doc.get(key, ""), str):
            _fail(f"{where}.{key}", "expected a string")
    created = _time(_field(doc, "created_at", where, str), f"{where}.created_at")
    updated = _optional_time(doc, "updated_at", where) or created
    return Investigation(
        id=str(doc.get("id", "")),
        title=title,
        severity=_enum(Severity, doc.get("severity", "SEV3"), f"{where}.severity"),
        status=_enum(Status, doc.get("status", "investigating"), f"{where}.status"),
        phase=_enum(Phase, doc.get("phase", "reproduce"), f"{where}.phase"),
        playbook_id=playbook,
        tags=tuple(tags),
        summary=doc.get("summary", ""),
        impact=doc.get("impact", ""),
        created_at=created,
        updated_at=updated,
        **{name: _optional_time(doc, name, where) for name in _MILESTONE_FIELDS},
    )


def _entry(doc: Any, where: str, inv_id: str) -> Entry:
    if not isinstance(doc, Mapping):
        _fail(where, "expected an object")
    entry = Entry(
        id=_field(doc, "id", where, int),
        investigation_id=inv_id,
        kind=_enum(EntryKind, _field(doc, "kind", where, str), f"{where}.kind"),
        phase=_enum(Phase, _field(doc, "phase", where, str), f"{where}.phase"),
        text=_field(doc, "text", where, str),
        happened_at=_time(_field(doc, "happened_at", where, str), f"{where}.happened_at"),
        recorded_at=_time(_field(doc, "recorded_at", where, str), f"{where}.recorded_at"),
        starred=_field(doc, "starred", where, bool) if "starred" in doc else False,
        data=dict(_field(doc, "data", where, dict)) if "data" in doc else {},
    )
    readers = {
        EntryKind.HYPOTHESIS: lambda: entry.hypothesis,
        EntryKind.ACTION: lambda: entry.action,
        EntryKind.EVIDENCE: lambda: entry.evidence,
    }
    if entry.kind in readers:
        try:
            readers[entry.kind]()
        except (ValueError, TypeError) as exc:
            _fail(f"{where}.data", f"not valid for a {entry.kind.value}: {exc}")
    return entry


def from_json(doc: Any) -> tuple[Investigation, list[Entry]]:
    """The investigation and entries in an export document, validated.

    Ids are the document's; :meth:`NotebookStore.import_investigation` assigns fresh ones
    where needed and remaps references between entries.
    """
    if not isinstance(doc, Mapping):
        _fail("document", "expected a JSON object")
    if doc.get("format") != FORMAT:
        _fail("format", f"expected {FORMAT!r}, got {doc.get('format')!r}")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        _fail("version", f"expected a positive integer, got {version!r}")
    if version > VERSION:
        _fail("version", f"{version} was written by a newer debugtui (this one reads {VERSION})")
    inv = _investigation(doc.get("investigation"))
    raw_entries = doc.get("entries", [])
    if not isinstance(raw_entries, list):
        _fail("entries", "expected a list")
    entries = [_entry(e, f"entries[{n}]", inv.id) for n, e in enumerate(raw_entries)]
    seen: set[int] = set()
    for n, entry in enumerate(entries):
        if entry.id in seen:
            _fail(f"entries[{n}].id", f"duplicate id {entry.id}")
        seen.add(entry.id)
    return inv, entries
