"""Which SQL file the queries source runs, and the tiny cached loader that reads it.

The SQL lives in ``sources/sql/*.sql``, one file per query and version range, named
``<query>_<axis><since>.sql``. :data:`SQL_VARIANTS` is the one table that maps a query and a
version to a file: pg_stat_statements queries go by the *installed extension's* version (a
cluster upgraded without ``ALTER EXTENSION ... UPDATE`` keeps the old columns, so the server
version would pick the wrong ones), checked against the columns the view really has;
catalog and activity queries go by the server's major version. pg_activity keeps the same
shape; its lesson is to have one table instead of ``if version >= ...`` in every method.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from importlib import resources

Version = tuple[int, ...]

EXTENSION = "ext"
"""Axis: pg_stat_statements' ``extversion``."""
SERVER = "pg"
"""Axis: the server's major version."""


@dataclass(frozen=True)
class SqlVariant:
    """One SQL file: for ``query``, from version ``since`` (on ``axis``) to the next variant."""

    query: str
    axis: str
    since: Version
    file: str
    requires: frozenset[str] = frozenset()
    """Columns of the pg_stat_statements view this file reads, checked before running it."""


_EXT_1_4_COLUMNS = frozenset(
    {"total_time", "mean_time", "blk_read_time", "blk_write_time", "temp_blks_read"}
)
_EXT_1_8_COLUMNS = frozenset({"total_exec_time", "mean_exec_time", "total_plan_time"})
_EXT_1_9_COLUMNS = _EXT_1_8_COLUMNS | {"toplevel", "blk_read_time", "blk_write_time"}
_EXT_1_11_COLUMNS = _EXT_1_8_COLUMNS | {
    "toplevel",
    "shared_blk_read_time",
    "local_blk_read_time",
    "stats_since",
}

SQL_VARIANTS: tuple[SqlVariant, ...] = (
    SqlVariant("extension", SERVER, (10,), "extension_pg10.sql"),
    SqlVariant("statements", EXTENSION, (1, 4), "statements_ext1.4.sql", _EXT_1_4_COLUMNS),
    SqlVariant("statements", EXTENSION, (1, 8), "statements_ext1.8.sql", _EXT_1_8_COLUMNS),
    SqlVariant("statements", EXTENSION, (1, 9), "statements_ext1.9.sql", _EXT_1_9_COLUMNS),
    SqlVariant("statements", EXTENSION, (1, 11), "statements_ext1.11.sql", _EXT_1_11_COLUMNS),
    SqlVariant("statement_texts", EXTENSION, (1, 4), "statement_texts_ext1.4.sql"),
    SqlVariant("statement_names", SERVER, (10,), "statement_names_pg10.sql"),
    SqlVariant("statements_info", EXTENSION, (1, 9), "statements_info_ext1.9.sql"),
    SqlVariant("activity", SERVER, (10,), "activity_pg10.sql"),
    SqlVariant("activity", SERVER, (14,), "activity_pg14.sql"),
    SqlVariant("blocking", SERVER, (10,), "blocking_pg10.sql"),
    SqlVariant("health", SERVER, (10,), "health_pg10.sql"),
)

MARKER = "/* debugtui */"
"""Starts every statement debugtui sends, so its own pg_stat_statements entries are known."""


def parse_version(text: str) -> Version:
    """``"1.10"`` -> ``(1, 10)``; ``"17beta1"`` -> ``(17,)``; junk -> ``()``."""
    parts: list[int] = []
    for piece in text.strip().split("."):
        match = re.match(r"\d+", piece)
        if not match:
            break
        parts.append(int(match.group()))
        if match.end() != len(piece):
            break
    return tuple(parts)


def server_version(server_version_num: int) -> Version:
    """libpq's integer (150018, or 90624 before 10) -> the major version tuple."""
    if server_version_num >= 100000:
        return (server_version_num // 10000,)
    return (server_version_num // 10000, server_version_num // 100 % 100)


def variant_for(
    query: str, version: Version, columns: Collection[str] | None = None
) -> SqlVariant | None:
    """The newest variant of ``query`` for ``version`` whose required columns all exist.

    ``columns`` (the view's real columns) is only consulted for variants that require some;
    None means "not known", and then the version alone decides.
    """
    candidates = sorted(
        (v for v in SQL_VARIANTS if v.query == query and v.since <= version),
        key=lambda v: v.since,
        reverse=True,
    )
    for variant in candidates:
        if columns is None or variant.requires <= set(columns):
            return variant
    return None


@cache
def load(file: str) -> str:
    """The text of ``sql/<file>``, prefixed with :data:`MARKER`."""
    text = resources.files("debugtui.sources").joinpath("sql", file).read_text(encoding="utf-8")
    return f"{MARKER}\n{text.strip()}"


def sql_files() -> list[str]:
    """Every ``.sql`` file shipped in ``sources/sql``."""
    folder = resources.files("debugtui.sources").joinpath("sql")
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".sql"))
