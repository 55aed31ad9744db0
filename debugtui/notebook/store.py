"""The notebook store: every investigation and entry in one SQLite file that never loses a note.

Why it is built this way:

* **Durability.** WAL journal with ``synchronous=FULL``: a method that records something
  returns only after its transaction is committed and fsynced, so what the UI shows survives
  a killed process or a power cut. Drafts (the text still being typed) are saved the same way.
* **Two debugtui on one file.** WAL lets readers and a writer run side by side; writes take
  the lock up front (``BEGIN IMMEDIATE``) and wait ``busy_timeout`` for it, then fail with a
  clear :class:`StoreError` instead of crashing.
* **Never damage someone else's file.** Before SQLite touches an existing file its header is
  read by hand: a file that is not SQLite, or SQLite marked by another program
  (``PRAGMA application_id``), or unmarked but holding other tables, is refused and left
  byte-for-byte unchanged.
* **Private.** The database and its ``-wal``/``-shm`` are created mode 0600: notes quote logs
  and queries.
* **Threads.** The TUI calls in from worker threads: one connection, guarded by a lock.

Times are stored as fixed-width ISO-8601 UTC text (so text order is time order) and
``Entry.data`` as JSON text. The schema and its migrations live in :mod:`.schema`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from debugtui.config import default_db_path
from debugtui.notebook import schema
from debugtui.notebook.model import (
    Entry,
    EntryKind,
    HypothesisStatus,
    Investigation,
    Milestone,
    Phase,
    Severity,
    Status,
    milestone_problem,
    utcnow,
)

ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
"""Lowercase base32 without the look-alikes l, o, 0 and 1, so ids survive being read aloud."""
ID_LENGTH = 6
MIN_PREFIX = 2
DEFAULT_BUSY_TIMEOUT_MS = 5000

_SQLITE_MAGIC = b"SQLite format 3\x00"
_HEADER_SIZE = 100
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+00:00"

_INVESTIGATION_COLUMNS = (
    "id, title, severity, status, phase, playbook_id, tags, summary, impact, created_at, "
    "updated_at, impact_started_at, detected_at, acknowledged_at, mitigated_at, resolved_at"
)
_ENTRY_COLUMNS = "id, investigation_id, kind, phase, text, happened_at, recorded_at, starred, data"


class StoreError(Exception):
    """The notebook cannot be read or written; the message says which file and why."""


class NotFoundError(StoreError):
    """An unknown or ambiguous investigation id, or an unknown entry id."""


def _to_text(when: datetime) -> str:
    if when.tzinfo is None:
        raise ValueError("times must carry a timezone")
    return when.astimezone(timezone.utc).strftime(_TIME_FORMAT)


def _opt_text(when: datetime | None) -> str | None:
    return None if when is None else _to_text(when)


def _from_text(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    # Every time the store writes is in UTC already (and parses to timezone.utc itself).
    return when if when.tzinfo is timezone.utc else when.astimezone(timezone.utc)


def _opt_time(text: str | None) -> datetime | None:
    return None if text is None else _from_text(text)


def _to_json(data: Mapping[str, Any] | None) -> str:
    try:
        return json.dumps(dict(data or {}), ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"entry data must be JSON-serialisable: {exc}") from exc


def _new_id() -> str:
    import secrets  # when first needed: it loads hashlib and hmac, 2 ms of the TUI's start-up

    return "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


def _describe(exc: sqlite3.Error) -> str:
    text = str(exc)
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return f"{text} (another debugtui is writing to it; try again)"
    return text


def _refuse_foreign(path: Path) -> None:
    """Raise unless ``path`` is empty, or SQLite that is ours or carries no mark.

    Reads the file header directly so that nothing, not even SQLite's recovery of a leftover
    WAL, touches a file that is not ours. Unmarked SQLite files get a deeper look later.
    """
    if not path.is_file():
        raise StoreError(f"{path} is not a debugtui notebook: not a regular file")
    try:
        with path.open("rb") as fh:
            header = fh.read(_HEADER_SIZE)
    except OSError as exc:
        raise StoreError(f"cannot read notebook {path}: {exc.strerror or exc}") from exc
    if not header:
        return
    if len(header) < _HEADER_SIZE or not header.startswith(_SQLITE_MAGIC):
        raise StoreError(f"{path} is not a debugtui notebook: not an SQLite database")
    app_id = int.from_bytes(header[68:72], "big", signed=True)
    if app_id not in (0, schema.APPLICATION_ID):
        raise StoreError(
            f"{path} is not a debugtui notebook: it is an SQLite database of another "
            f"application (application_id {app_id:#x})"
        )


class NotebookStore:
    """All investigations and their entries, in the SQLite file at ``path``."""

    path: Path

    def __init__(self, path: Path | str, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> None:
        self.path = Path(path).expanduser()
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._conn = self._open(busy_timeout_ms)

    @classmethod
    def open_default(cls, db: str | None = None) -> NotebookStore:
        """The store at ``db`` (``--db``), else at ``config.default_db_path()``."""
        path = Path(db).expanduser() if db else default_db_path()
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the directory for notebook {path}: {exc.strerror or exc}"
            ) from exc
        return cls(path)

    def __enter__(self) -> NotebookStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- opening ----------------------------------------------------------------------------

    def _open(self, busy_timeout_ms: int) -> sqlite3.Connection:
        self._create_private_file()
        _refuse_foreign(self.path)
        old_umask = os.umask(0o077)
        try:
            conn = sqlite3.connect(
                f"file:{self.path}?mode=rw",
                uri=True,
                timeout=busy_timeout_ms / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
            try:
                conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
                self._check_ours(conn)
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = FULL")
                conn.execute("PRAGMA foreign_keys = ON")
                self._migrate(conn)
            except BaseException:
                conn.close()
                raise
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open notebook {self.path}: {_describe(exc)}") from exc
        finally:
            os.umask(old_umask)
        for suffix in ("-wal", "-shm"):
            side = Path(f"{self.path}{suffix}")
            try:
                side.chmod(0o600)
            except FileNotFoundError:
                pass
            except OSError as exc:
                conn.close()
                raise StoreError(f"cannot make {side} private: {exc.strerror or exc}") from exc
        return conn

    def _create_private_file(self) -> None:
        if self.path.exists():
            return
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            return
        except OSError as exc:
            raise StoreError(f"cannot create notebook {self.path}: {exc.strerror or exc}") from exc
        os.close(fd)

    def _check_ours(self, conn: sqlite3.Connection) -> None:
        """Refuse, before anything is written, a database that is not (yet) a notebook."""
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = {
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'"
                )
            }
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a debugtui notebook: {exc}") from exc
        if app_id == 0 and tables:
            names = ", ".join(sorted(tables)[:5])
            raise StoreError(
                f"{self.path} is not a debugtui notebook: it is an SQLite database holding "
                f"other tables ({names})"
            )
        if app_id not in (0, schema.APPLICATION_ID):
            raise StoreError(
                f"{self.path} is not a debugtui notebook: it is an SQLite database of another "
                f"application (application_id {app_id:#x})"
            )
        if version > len(schema.MIGRATIONS):
            raise StoreError(
                f"{self.path} was written by a newer debugtui (schema version {version}; "
                f"this one knows up to {len(schema.MIGRATIONS)})"
            )

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Apply the missing migrations in order, in one transaction."""
        migrations = schema.MIGRATIONS
        if conn.execute("PRAGMA user_version").fetchone()[0] >= len(migrations):
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another debugtui may have migrated while we waited for the write lock.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for statements in migrations[version:]:
                for statement in statements:
                    conn.execute(statement)
            conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {len(migrations)}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # -- transactions -----------------------------------------------------------------------

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._conn is None:
                raise StoreError(f"notebook {self.path} is closed")
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise StoreError(f"cannot read notebook {self.path}: {_describe(exc)}") from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One committed transaction; anything raised inside rolls it back."""
        with self._lock:
            conn = self._conn
            if conn is None:
                raise StoreError(f"notebook {self.path} is closed")
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"cannot write to notebook {self.path}: {_describe(exc)}") from exc
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                # SQLite may already have rolled back by itself (e.g. after SQLITE_FULL).
                if conn.in_transaction:
                    with suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(
                        f"cannot write to notebook {self.path}: {_describe(exc)}"
                    ) from exc
                raise

    # -- investigations ---------------------------------------------------------------------

    def create_investigation(
        self,
        title: str,
        severity: Severity = Severity.SEV3,
        playbook_id: str | None = None,
        tags: Sequence[str] = (),
        impact_started_at: datetime | None = None,
    ) -> Investigation:
        title = title.strip()
        if not title:
            raise ValueError("an investigation needs a title")
        now = utcnow()
        with self._write() as conn:
            inv_id = _new_id()
            while conn.execute("SELECT 1 FROM investigations WHERE id = ?", (inv_id,)).fetchone():
                inv_id = _new_id()
            inv = Investigation(
                id=inv_id,
                title=title,
                severity=Severity(severity),
                playbook_id=playbook_id,
                tags=tuple(tags),
                created_at=now,
                updated_at=now,
                impact_started_at=impact_started_at,
            )
            conn.execute(
                f"INSERT INTO investigations ({_INVESTIGATION_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (inv.id, *_investigation_values(inv)),
            )
        return inv

    def get_investigation(self, id_or_prefix: str) -> Investigation:
        with self._read() as conn:
            return self._load_investigation(conn, self._resolve(conn, id_or_prefix))

    def list_investigations(self) -> list[Investigation]:
        """Newest first (by creation time)."""
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_INVESTIGATION_COLUMNS} FROM investigations ORDER BY created_at DESC, id"
            ).fetchall()
        return [_investigation_from_row(row) for row in rows]

    def delete_investigation(self, inv_id: str) -> None:
        """Delete the investigation with its entries and drafts."""
        with self._write() as conn:
            full_id = self._resolve(conn, inv_id)
            conn.execute("DELETE FROM investigations WHERE id = ?", (full_id,))

    def update_investigation(self, inv: Investigation) -> Investigation:
        """Save every field except ``id`` and ``created_at``; bumps ``updated_at``.

        Changes made here leave no timeline entry: use :meth:`set_phase`, :meth:`set_status`
        and :meth:`set_milestone` for the ones the timeline should show.
        """
        if not inv.title.strip():
            raise ValueError("an investigation needs a title")
        # Checking each later milestone against the impact start covers the reverse check too.
        for milestone in list(Milestone)[1:]:
            when = inv.milestone(milestone)
            problem = None if when is None else milestone_problem(inv, milestone, when)
            if problem:
                raise ValueError(problem)
        with self._write() as conn:
            current = self._load_investigation(conn, self._resolve_exact(conn, inv.id))
            saved = replace(inv, created_at=current.created_at, updated_at=utcnow())
            self._save_investigation(conn, saved)
        return saved

    def set_phase(self, inv_id: str, phase: Phase) -> tuple[Investigation, Entry]:
        """Move to ``phase``, recording a PHASE_CHANGE entry ``{"from", "to"}``."""
        phase = Phase(phase)
        with self._write() as conn:
            inv = self._load_investigation(conn, self._resolve(conn, inv_id))
            now = utcnow()
            updated = replace(inv, phase=phase, updated_at=now)
            self._save_investigation(conn, updated)
            entry_id = self._insert_entry(
                conn,
                updated.id,
                EntryKind.PHASE_CHANGE,
                f"Phase: {inv.phase.title} → {phase.title}",
                {"from": inv.phase.value, "to": phase.value},
                phase,
                now,
                now,
                False,
            )
            entry = self._load_entry(conn, entry_id)
        return updated, entry

    def set_status(
        self, inv_id: str, status: Status, when: datetime | None = None
    ) -> tuple[Investigation, Entry]:
        """Change the status, recording a STATUS_CHANGE entry ``{"from", "to"}``.

        Mitigated sets the mitigated milestone if unset; resolved sets resolved, and
        mitigated too if unset. A time before the impact start is refused (ValueError).
        """
        status = Status(status)
        when = when or utcnow()
        _to_text(when)
        with self._write() as conn:
            inv = self._load_investigation(conn, self._resolve(conn, inv_id))
            milestones: list[Milestone] = []
            if status is Status.MITIGATED:
                milestones = [Milestone.MITIGATED]
            elif status is Status.RESOLVED:
                milestones = [Milestone.MITIGATED, Milestone.RESOLVED]
            updated = replace(inv, status=status, updated_at=utcnow())
            set_now = [m for m in milestones if inv.milestone(m) is None]
            for milestone in set_now:
                updated = updated.with_milestone(milestone, when)
            self._save_investigation(conn, updated)
            data = {
                "from": inv.status.value,
                "to": status.value,
                "milestones": [m.value for m in set_now],
            }
            entry_id = self._insert_entry(
                conn,
                updated.id,
                EntryKind.STATUS_CHANGE,
                f"Status: {inv.status.value} → {status.value}",
                data,
                updated.phase,
                when,
                utcnow(),
                False,
            )
            entry = self._load_entry(conn, entry_id)
        return updated, entry

    def set_milestone(
        self, inv_id: str, milestone: Milestone, when: datetime
    ) -> tuple[Investigation, Entry]:
        """Set a milestone, recording a MILESTONE entry that happened at ``when``.

        Raises ValueError with :func:`model.milestone_problem`'s reason when refused.
        """
        milestone = Milestone(milestone)
        with self._write() as conn:
            inv = self._load_investigation(conn, self._resolve(conn, inv_id))
            previous = inv.milestone(milestone)
            updated = replace(inv.with_milestone(milestone, when), updated_at=utcnow())
            self._save_investigation(conn, updated)
            entry_id = self._insert_entry(
                conn,
                updated.id,
                EntryKind.MILESTONE,
                milestone.value.replace("_", " ").capitalize(),
                {
                    "milestone": milestone.value,
                    "at": _to_text(when),
                    "previous": _opt_text(previous),
                },
                updated.phase,
                when,
                utcnow(),
                False,
            )
            entry = self._load_entry(conn, entry_id)
        return updated, entry

    # -- entries ----------------------------------------------------------------------------

    def add_entry(
        self,
        inv_id: str,
        kind: EntryKind,
        text: str,
        data: Mapping[str, Any] | None = None,
        phase: Phase | None = None,
        happened_at: datetime | None = None,
        starred: bool = False,
    ) -> Entry:
        """Record an entry; committed before this returns. ``phase`` defaults to the current."""
        kind = EntryKind(kind)
        payload = _to_json(data)
        now = utcnow()
        happened = happened_at or now
        _to_text(happened)
        with self._write() as conn:
            inv = self._load_investigation(conn, self._resolve(conn, inv_id))
            entry_id = self._insert_entry(
                conn,
                inv.id,
                kind,
                text,
                payload,
                Phase(phase) if phase else inv.phase,
                happened,
                now,
                starred,
            )
            self._touch(conn, inv.id)
            return self._load_entry(conn, entry_id)

    def get_entry(self, entry_id: int) -> Entry:
        with self._read() as conn:
            return self._load_entry(conn, entry_id)

    def update_entry(self, entry: Entry) -> Entry:
        """Save the entry's text, happened_at, starred and data."""
        payload = _to_json(entry.data)
        happened = _to_text(entry.happened_at)
        with self._write() as conn:
            current = self._load_entry(conn, entry.id)
            conn.execute(
                "UPDATE entries SET text = ?, happened_at = ?, starred = ?, data = ? WHERE id = ?",
                (entry.text, happened, int(entry.starred), payload, entry.id),
            )
            self._touch(conn, current.investigation_id)
            return self._load_entry(conn, entry.id)

    def entries(self, inv_id: str, *, at_once: bool = False) -> list[Entry]:
        """The investigation's timeline: by happened_at, then id.

        ``at_once`` is for a worker thread while the UI thread is busy: the rows come back as
        one JSON array built in a single SQLite step. Fetched row by row, every step lets go
        of the GIL, and the worker then waited up to a switch interval (5 ms) to get it back,
        a row at a time: a 10,000-entry investigation took seconds to open. Alone, building
        and parsing the JSON costs ~20% more than fetching the rows.
        """
        with self._read() as conn:
            full_id = self._resolve(conn, inv_id)
            ordered = (
                f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE investigation_id = ? "
                "ORDER BY happened_at, id"
            )
            array = None
            if at_once:
                # An aggregate over an ordered subquery sees its rows in that order: SQLite
                # does not flatten such a subquery into the outer query.
                with suppress(sqlite3.OperationalError):
                    (array,) = conn.execute(
                        f"SELECT json_group_array(json_array({_ENTRY_COLUMNS})) FROM ({ordered})",
                        (full_id,),
                    ).fetchone()
            # A row JSON cannot hold (a BLOB in a damaged file) fails the aggregate as a
            # whole; read row by row, it is named: "entry N is damaged".
            rows: list[Any] = conn.execute(ordered, (full_id,)).fetchall() if array is None else []
        if array is not None:
            rows = json.loads(array)
        return [_entry_from_row(row) for row in rows]

    def set_hypothesis_status(self, entry_id: int, status: HypothesisStatus) -> Entry:
        status = HypothesisStatus(status)
        with self._write() as conn:
            entry = self._load_entry(conn, entry_id)
            if entry.kind is not EntryKind.HYPOTHESIS:
                raise ValueError(f"entry {entry_id} is a {entry.kind.value}, not a hypothesis")
            data = {**entry.data, "status": status.value}
            conn.execute("UPDATE entries SET data = ? WHERE id = ?", (_to_json(data), entry_id))
            self._touch(conn, entry.investigation_id)
            return self._load_entry(conn, entry_id)

    def toggle_star(self, entry_id: int) -> Entry:
        with self._write() as conn:
            entry = self._load_entry(conn, entry_id)
            conn.execute(
                "UPDATE entries SET starred = ? WHERE id = ?", (int(not entry.starred), entry_id)
            )
            self._touch(conn, entry.investigation_id)
            return self._load_entry(conn, entry_id)

    def import_investigation(self, inv: Investigation, entries: Sequence[Entry]) -> Investigation:
        """Add an investigation from elsewhere (a JSON export) with all its entries.

        Keeps its id unless taken (or not one of ours), then draws a fresh one. Entries keep
        their times, star and data; they get new ids, and a hypothesis's ``supporting`` and
        ``refuting`` references follow them (references to entries not imported are dropped).
        All in one transaction: a failure imports nothing.
        """
        with self._write() as conn:
            inv_id = inv.id
            valid = len(inv_id) == ID_LENGTH and set(inv_id) <= set(ID_ALPHABET)
            while (
                not valid
                or conn.execute("SELECT 1 FROM investigations WHERE id = ?", (inv_id,)).fetchone()
            ):
                inv_id, valid = _new_id(), True
            imported = replace(inv, id=inv_id)
            conn.execute(
                f"INSERT INTO investigations ({_INVESTIGATION_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (imported.id, *_investigation_values(imported)),
            )
            new_ids: dict[int, int] = {}
            for entry in sorted(entries, key=lambda e: e.id):
                new_ids[entry.id] = self._insert_entry(
                    conn,
                    inv_id,
                    EntryKind(entry.kind),
                    entry.text,
                    entry.data,
                    Phase(entry.phase),
                    entry.happened_at,
                    entry.recorded_at,
                    entry.starred,
                )
            for entry in entries:
                if entry.kind is not EntryKind.HYPOTHESIS:
                    continue
                data = dict(entry.data)
                for key in ("supporting", "refuting"):
                    if key in data:
                        data[key] = [new_ids[int(i)] for i in data[key] if int(i) in new_ids]
                conn.execute(
                    "UPDATE entries SET data = ? WHERE id = ?",
                    (_to_json(data), new_ids[entry.id]),
                )
        return imported

    # -- drafts -----------------------------------------------------------------------------

    def save_draft(self, inv_id: str, key: str, text: str) -> None:
        """Autosave text still being typed under ``key`` (e.g. the note editor)."""
        with self._write() as conn:
            full_id = self._resolve(conn, inv_id)
            conn.execute(
                "INSERT INTO drafts (investigation_id, key, text, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (investigation_id, key) "
                "DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at",
                (full_id, key, text, _to_text(utcnow())),
            )

    def get_draft(self, inv_id: str, key: str) -> str | None:
        with self._read() as conn:
            full_id = self._resolve(conn, inv_id)
            row = conn.execute(
                "SELECT text FROM drafts WHERE investigation_id = ? AND key = ?", (full_id, key)
            ).fetchone()
        return None if row is None else row[0]

    def drafts(self, inv_id: str) -> dict[str, str]:
        """Every draft of the investigation, by key: what :meth:`get_draft` gives for each,
        read at once (a worker opening an investigation waited for the GIL after each query
        while the UI thread was busy; see :meth:`entries`)."""
        with self._read() as conn:
            full_id = self._resolve(conn, inv_id)
            rows = conn.execute(
                "SELECT key, text FROM drafts WHERE investigation_id = ?", (full_id,)
            ).fetchall()
        return dict(rows)

    def clear_draft(self, inv_id: str, key: str) -> None:
        with self._write() as conn:
            full_id = self._resolve(conn, inv_id)
            conn.execute(
                "DELETE FROM drafts WHERE investigation_id = ? AND key = ?", (full_id, key)
            )

    # -- maintenance ------------------------------------------------------------------------

    def integrity_check(self, quick: bool = False) -> str:
        """SQLite's ``PRAGMA integrity_check``: ``"ok"``, or the problems, one per line.

        ``quick`` runs ``quick_check`` instead: every page read and its structure checked, the
        indexes not compared with their tables, in half the time.
        """
        pragma = "quick_check" if quick else "integrity_check"
        with self._read() as conn:
            rows = conn.execute(f"PRAGMA {pragma}").fetchall()
        return "\n".join(str(row[0]) for row in rows)

    # -- helpers (called with the lock held) -------------------------------------------------

    def _resolve(self, conn: sqlite3.Connection, id_or_prefix: str) -> str:
        """The full id for an id or a unique prefix of at least MIN_PREFIX characters."""
        wanted = id_or_prefix.strip().lower()
        if conn.execute("SELECT 1 FROM investigations WHERE id = ?", (wanted,)).fetchone():
            return wanted
        if len(wanted) < MIN_PREFIX:
            raise NotFoundError(
                f"no investigation {id_or_prefix!r} (give at least {MIN_PREFIX} characters "
                "of its id)"
            )
        matches = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM investigations WHERE substr(id, 1, ?) = ? ORDER BY id",
                (len(wanted), wanted),
            )
        ]
        if not matches:
            raise NotFoundError(f"no investigation with id {id_or_prefix!r}")
        if len(matches) > 1:
            raise NotFoundError(f"ambiguous id {id_or_prefix!r}: matches {', '.join(matches)}")
        return matches[0]

    def _resolve_exact(self, conn: sqlite3.Connection, inv_id: str) -> str:
        if not conn.execute("SELECT 1 FROM investigations WHERE id = ?", (inv_id,)).fetchone():
            raise NotFoundError(f"no investigation with id {inv_id!r}")
        return inv_id

    def _load_investigation(self, conn: sqlite3.Connection, inv_id: str) -> Investigation:
        row = conn.execute(
            f"SELECT {_INVESTIGATION_COLUMNS} FROM investigations WHERE id = ?", (inv_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no investigation with id {inv_id!r}")
        return _investigation_from_row(row)

    def _save_investigation(self, conn: sqlite3.Connection, inv: Investigation) -> None:
        conn.execute(
            "UPDATE investigations SET title = ?, severity = ?, status = ?, phase = ?, "
            "playbook_id = ?, tags = ?, summary = ?, impact = ?, created_at = ?, "
            "updated_at = ?, impact_started_at = ?, detected_at = ?, acknowledged_at = ?, "
            "mitigated_at = ?, resolved_at = ? WHERE id = ?",
            (*_investigation_values(inv), inv.id),
        )

    def _touch(self, conn: sqlite3.Connection, inv_id: str) -> None:
        conn.execute(
            "UPDATE investigations SET updated_at = ? WHERE id = ?",
            (_to_text(utcnow()), inv_id),
        )

    def _insert_entry(
        self,
        conn: sqlite3.Connection,
        inv_id: str,
        kind: EntryKind,
        text: str,
        data: Mapping[str, Any] | str,
        phase: Phase,
        happened_at: datetime,
        recorded_at: datetime,
        starred: bool,
    ) -> int:
        payload = data if isinstance(data, str) else _to_json(data)
        cursor = conn.execute(
            f"INSERT INTO entries ({_ENTRY_COLUMNS}) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                inv_id,
                kind.value,
                phase.value,
                text,
                _to_text(happened_at),
                _to_text(recorded_at),
                int(starred),
                payload,
            ),
        )
        return int(cursor.lastrowid or 0)

    def _load_entry(self, conn: sqlite3.Connection, entry_id: int) -> Entry:
        row = conn.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE id = ?", (int(entry_id),)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no entry with id {entry_id}")
        return _entry_from_row(row)


def _investigation_values(inv: Investigation) -> tuple[Any, ...]:
    """Every column but ``id``, in ``_INVESTIGATION_COLUMNS`` order."""
    return (
        inv.title,
        Severity(inv.severity).value,
        Status(inv.status).value,
        Phase(inv.phase).value,
        inv.playbook_id,
        json.dumps(list(inv.tags), ensure_ascii=False),
        inv.summary,
        inv.impact,
        _to_text(inv.created_at),
        _to_text(inv.updated_at),
        _opt_text(inv.impact_started_at),
        _opt_text(inv.detected_at),
        _opt_text(inv.acknowledged_at),
        _opt_text(inv.mitigated_at),
        _opt_text(inv.resolved_at),
    )


def _investigation_from_row(row: Sequence[Any]) -> Investigation:
    try:
        return Investigation(
            id=row[0],
            title=row[1],
            severity=Severity(row[2]),
            status=Status(row[3]),
            phase=Phase(row[4]),
            playbook_id=row[5],
            tags=tuple(str(t) for t in json.loads(row[6])),
            summary=row[7],
            impact=row[8],
            created_at=_from_text(row[9]),
            updated_at=_from_text(row[10]),
            impact_started_at=_opt_time(row[11]),
            detected_at=_opt_time(row[12]),
            acknowledged_at=_opt_time(row[13]),
            mitigated_at=_opt_time(row[14]),
            resolved_at=_opt_time(row[15]),
        )
    except (ValueError, TypeError) as exc:
        raise StoreError(f"investigation {row[0]!r} is damaged in the notebook: {exc}") from exc


# A timeline is read whole (10,000 entries for a long incident): the enum members by value
# and an empty data object are looked up instead of going through Enum() and json.loads for
# each row. An unknown value still goes through Enum(), which raises as before. A note's
# happened_at is its recorded_at unless edited: the same text is parsed once.
_KIND_BY_VALUE = {kind.value: kind for kind in EntryKind}
_PHASE_BY_VALUE = {phase.value: phase for phase in Phase}
_new_object = object.__new__


def _entry_from_row(row: Sequence[Any]) -> Entry:
    try:
        happened = _from_text(row[5])
        values = {
            "id": int(row[0]),
            "investigation_id": row[1],
            "kind": _KIND_BY_VALUE.get(row[2]) or EntryKind(row[2]),
            "phase": _PHASE_BY_VALUE.get(row[3]) or Phase(row[3]),
            "text": row[4],
            "happened_at": happened,
            "recorded_at": happened if row[6] == row[5] else _from_text(row[6]),
            "starred": bool(row[7]),
            "data": {} if row[8] == "{}" else json.loads(row[8]),
        }
    except (ValueError, TypeError) as exc:
        raise StoreError(f"entry {row[0]} is damaged in the notebook: {exc}") from exc
    # The frozen dataclass's __init__ sets each field through object.__setattr__, 2.5 times
    # the cost of filling the instance dict at once; every field is given, so the instance
    # is the one __init__ would build (Entry has no __post_init__).
    entry = _new_object(Entry)
    entry.__dict__.update(values)
    return entry
