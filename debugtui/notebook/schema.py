"""The notebook database schema and its forward migrations.

The schema version lives in ``PRAGMA user_version``; ``MIGRATIONS[n]`` takes a database from
version ``n`` to ``n + 1``. The store applies the missing ones in order, all inside one
write transaction, so a crash mid-migration leaves the previous version intact. A migration
is a tuple of single SQL statements (never ``executescript``, which would commit early).
Never edit a released migration: append a new one.

``PRAGMA application_id`` marks the file as ours, so a foreign SQLite file is recognised and
left alone.
"""

from __future__ import annotations

APPLICATION_ID = 0x64627475
"""``b"dbtu"``: the mark ``PRAGMA application_id`` carries in every debugtui notebook."""

OUR_TABLES = frozenset({"investigations", "entries", "drafts"})
"""Tables a debugtui notebook holds (``sqlite_sequence`` is SQLite's own)."""

_V1: tuple[str, ...] = (
    """
    CREATE TABLE investigations (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        severity TEXT NOT NULL,
        status TEXT NOT NULL,
        phase TEXT NOT NULL,
        playbook_id TEXT,
        tags TEXT NOT NULL DEFAULT '[]',
        summary TEXT NOT NULL DEFAULT '',
        impact TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        impact_started_at TEXT,
        detected_at TEXT,
        acknowledged_at TEXT,
        mitigated_at TEXT,
        resolved_at TEXT
    )
    """,
    """
    CREATE TABLE entries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        investigation_id TEXT NOT NULL REFERENCES investigations(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        phase TEXT NOT NULL,
        text TEXT NOT NULL,
        happened_at TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        starred INTEGER NOT NULL DEFAULT 0,
        data TEXT NOT NULL DEFAULT '{}'
    )
    """,
    "CREATE INDEX entries_timeline ON entries(investigation_id, happened_at, id)",
    """
    CREATE TABLE drafts (
        investigation_id TEXT NOT NULL REFERENCES investigations(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        text TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (investigation_id, key)
    )
    """,
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1,)
"""``MIGRATIONS[n]`` upgrades schema version ``n`` to ``n + 1``."""

SCHEMA_VERSION = len(MIGRATIONS)
