"""Which files a log search reads, in which order, and how to open them.

A responder names files, globs or directories (``/var/log``); the logs they mean include
the rotated siblings (``app.log.1``, ``app.log.2.gz``, ``app.log-20261124``), compressed
ones are read through a streaming decompressor (never whole into memory), and the rotations
of one log are read oldest first, ordered by their first timestamp, so matches come out in
time order. A file that cannot be read is reported with the reason, never a crash: a FIFO
or socket is never opened (it would block), a directory walk passes over systemd journals
and login records (binary; ``lastlog`` is sparse and can be gigabytes of zeros), a corrupt
``.gz`` is reported when the decompressor gives up.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

from debugtui.sources.logtimes import TimeFormat, TimeParser, detect_format
from debugtui.sources.records import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from typing import IO, Any

HEAD_BYTES = 64 * 1024
"""Bytes read from the start of each file to detect its time format and binary content."""

_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bz2"), (b"\xfd7zXZ\x00", "xz"))
_SUFFIXES = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz"}
_ROTATED = re.compile(r"^(?P<base>.+?)(?:[.-](?P<n>\d{1,8}))?(?P<z>\.(?:gz|bz2|xz))?$")
_SKIP_IN_DIRS = (
    (re.compile(r"\.journal~?$"), "systemd journal (binary): use journalctl"),
    (
        re.compile(r"^(lastlog|faillog|[bw]tmp)(\.\d+)?$"),
        # lastlog is sparse: gigabytes of nothing on a host with large user ids
        "binary login records: use last, lastb or lastlog",
    ),
)
"""Files a directory walk passes over (named explicitly, they are searched all the same)."""


class LogFile(NamedTuple):
    """A regular file to search."""

    path: str
    size: int
    mtime: float
    compression: str | None
    """"gzip", "bz2" or "xz" when the content must be decompressed (by magic bytes)."""
    group: str
    """The live log this file is a rotation of (its path without rotation suffixes)."""
    note: str = ""
    """Something odd found while listing it (a ``.gz`` name on plain text)."""


class Unusable(NamedTuple):
    """A path that names nothing searchable, and why."""

    path: str
    reason: str


class FileInfo(NamedTuple):
    """What the first :data:`HEAD_BYTES` of a file say about it."""

    file: LogFile
    time_format: TimeFormat | None
    first_time: datetime | None
    binary: bool
    """A NUL byte in the head: searched as text all the same, and reported."""
    invalid_utf8: bool

    @property
    def path(self) -> str:
        return self.file.path

    @property
    def reference(self) -> datetime:
        """The file's modification time: what syslog year inference is relative to."""
        return datetime.fromtimestamp(self.file.mtime, timezone.utc)

    def time_parser(self) -> TimeParser | None:
        return TimeParser(self.time_format, self.reference) if self.time_format else None


def rotation_base(path: str) -> str:
    """``path`` without a rotation number or compression suffix."""
    head, name = os.path.split(path)
    found = _ROTATED.match(name)
    return os.path.join(head, found.group("base")) if found else path


def _describe_kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _compression_of(path: str) -> tuple[str | None, str | None]:
    """(compression, problem): by magic bytes, and a ``.gz``-named file that is not gzip."""
    with open(path, "rb") as handle:
        magic = handle.read(6)
    for prefix, name in _MAGIC:
        if magic.startswith(prefix):
            return name, None
    suffix = os.path.splitext(path)[1]
    if suffix in _SUFFIXES and magic:
        return None, f"named {suffix} but not {_SUFFIXES[suffix]} data (searched as plain text)"
    return None, None


def expand_paths(patterns: Sequence[str]) -> tuple[list[LogFile], list[Unusable]]:
    """Files named by ``patterns`` (files, globs, directories recursively) plus the rotated
    siblings of each named file; each file once, in the order named, and what was unusable.
    """
    files: list[LogFile] = []
    unusable: list[Unusable] = []
    seen: set[tuple[int, int]] = set()

    def add(path: str, reason_if_odd: bool = True) -> None:
        try:
            info = os.stat(path)
        except OSError as exc:
            unusable.append(Unusable(path, exc.strerror or str(exc)))
            return
        if not stat.S_ISREG(info.st_mode):
            if reason_if_odd:
                unusable.append(Unusable(path, _describe_kind(info.st_mode)))
            return
        key = (info.st_dev, info.st_ino)
        if key in seen:
            return
        seen.add(key)
        try:
            compression, problem = _compression_of(path)
        except OSError as exc:
            unusable.append(Unusable(path, exc.strerror or str(exc)))
            return
        group = rotation_base(path)
        files.append(LogFile(path, info.st_size, info.st_mtime, compression, group, problem or ""))

    for pattern in patterns:
        if is_glob(pattern):
            import glob  # only for a glob: loading it costs ~1 ms of a debugtui logs start-up

            matched = sorted(glob.glob(pattern, recursive=True))
            if not matched:
                unusable.append(Unusable(pattern, "no file matches this pattern"))
            for path in matched:
                _add_named(path, add, unusable)
        else:
            _add_named(pattern, add, unusable)
    return files, unusable


def is_glob(pattern: str) -> bool:
    """``glob.has_magic(pattern)``, without importing glob."""
    return any(char in pattern for char in "*?[")


def _add_named(path: str, add: Any, unusable: list[Unusable]) -> None:
    if os.path.isdir(path):
        for found in _walk(path, unusable):
            add(found)
        return
    add(path)
    if os.path.exists(path) and _is_live_name(path):
        for sibling in rotated_siblings(path):
            add(sibling)


def _is_live_name(path: str) -> bool:
    found = _ROTATED.match(os.path.basename(path))
    return bool(found) and not found.group("n") and not found.group("z")


def rotated_siblings(path: str) -> list[str]:
    """``app.log.1``, ``app.log.2.gz``, ``app.log-20261124``... next to ``path``."""
    folder, name = os.path.split(path)
    try:
        names = os.listdir(folder or ".")
    except OSError:
        return []
    # a sibling's name starts with the file's: the regex is compiled only when one does
    # (compiling it cost ~0.2 ms of a debugtui logs start-up, for a folder with none)
    candidates = [other for other in names if other != name and other.startswith(name)]
    if not candidates:
        return []
    sibling = re.compile(re.escape(name) + r"(?:[.-]\d{1,8})?(?:\.(?:gz|bz2|xz))?$")
    return sorted(os.path.join(folder, other) for other in candidates if sibling.match(other))


def _walk(top: str, unusable: list[Unusable]) -> Iterable[str]:
    def failed(exc: OSError) -> None:
        unusable.append(Unusable(exc.filename or top, exc.strerror or str(exc)))

    for folder, dirs, names in os.walk(top, onerror=failed):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(folder, name)
            reason = next((why for rule, why in _SKIP_IN_DIRS if rule.search(name)), None)
            if reason is not None:
                unusable.append(Unusable(path, reason))
                continue
            yield path


def open_raw(path: str) -> IO[bytes]:
    return open(path, "rb")


def decompressor(raw: IO[bytes], compression: str) -> IO[bytes]:
    """A streaming reader of the decompressed content of ``raw``."""
    if compression == "gzip":
        import gzip

        return gzip.GzipFile(fileobj=raw, mode="rb")
    if compression == "bz2":
        import bz2

        return bz2.BZ2File(raw, "rb")
    import lzma

    return lzma.LZMAFile(raw, "rb")


def read_errors() -> tuple[type[BaseException], ...]:
    """What reading a file raises: OS errors, and a decompressor's on corrupt data."""
    import zlib

    errors: list[type[BaseException]] = [OSError, EOFError, zlib.error]
    try:
        import lzma

        errors.append(lzma.LZMAError)
    except ImportError:  # pragma: no cover - Python built without lzma
        pass
    return tuple(errors)


def read_head(file: LogFile, limit: int = HEAD_BYTES) -> bytes:
    """The first ``limit`` bytes of the (decompressed) content."""
    with open_raw(file.path) as raw:
        if file.compression is None:
            return raw.read(limit)
        with decompressor(raw, file.compression) as stream:
            return stream.read(limit)


def head_lines(head: bytes, complete: bool) -> list[bytes]:
    """Lines of a head sample; the last one is dropped when cut short, unless it is the only one."""
    lines = head.split(b"\n")
    ends_clean = lines[-1] == b""
    if ends_clean or (not complete and len(lines) > 1):
        lines.pop()
    return lines


def inspect(file: LogFile) -> FileInfo:
    """Read the head of ``file``: time format, first time, binary, invalid UTF-8.

    Raises ``OSError`` (and a decompressor's errors) when the file cannot be read.
    """
    head = read_head(file)
    lines = head_lines(head, complete=len(head) < HEAD_BYTES)
    reference = datetime.fromtimestamp(file.mtime, timezone.utc)
    time_format = detect_format(lines, reference)
    first_time = None
    if time_format is not None:
        parser = TimeParser(time_format, reference)
        for line in lines:
            first_time = parser(line)
            if first_time is not None:
                break
    invalid = False
    try:
        b"\n".join(lines).decode("utf-8")
    except UnicodeDecodeError:
        invalid = True
    return FileInfo(file, time_format, first_time, b"\0" in head, invalid)


def order_rotations(infos: Sequence[FileInfo]) -> list[FileInfo]:
    """Each log's rotations together, oldest first: by first timestamp when every rotation
    has one, else by modification time; logs in the order first named."""
    groups: dict[str, list[FileInfo]] = {}
    for info in infos:
        groups.setdefault(info.file.group, []).append(info)
    ordered: list[FileInfo] = []
    for members in groups.values():
        if all(m.first_time is not None for m in members):
            members.sort(key=lambda m: (m.first_time, m.file.mtime))
        else:
            members.sort(key=lambda m: m.file.mtime)
        ordered.extend(members)
    return ordered
