"""The one PostgreSQL session debugtui keeps, and what its failures mean to a responder.

Mid-outage the database is often the thing that is sick, so the session is built to be
harmless and bounded: read-only by default, short statement and lock timeouts, a connect
timeout (a server that accepts TCP and never answers must not hang a panel), named
``debugtui`` so it can be told apart (and left out of what it reports), no prepared
statements (poolers in transaction mode break them). psycopg is imported only here, inside
functions, so nothing loads it before the queries source is used.

Failures come back as :class:`SourceError` with a hint, and the password never appears in
any message: :func:`scrub` removes it from whatever libpq or the server said.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from debugtui.config import Config, PostgresConfig
from debugtui.sources.base import SourceError, describe

APPLICATION_NAME = "debugtui"

_KEYWORD_PASSWORD = re.compile(r"(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s'\"]+)")
_URL_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s:/@?#]*:)([^\s/?#@]+)(@)")
_MIN_LITERAL = 4
"""Shorter passwords are only removed where they appear as ``password=`` or in a URL."""


def dsn_origin(config: Config, env: Mapping[str, str] | None = None) -> str:
    """Where the DSN came from, for hints ("check host/port; DSN from ...")."""
    env = os.environ if env is None else env
    if config.postgres.dsn:
        where = str(config.path) if config.path else "the config"
        return f"postgres.dsn in {where}"
    if env.get("DATABASE_URL"):
        return "DATABASE_URL"
    used = sorted(k for k in env if k.startswith("PG") and k != "PGPASSWORD")
    if used:
        return "libpq environment (" + ", ".join(used) + ")"
    return "libpq defaults (no DSN configured: set postgres.dsn, DATABASE_URL or PGHOST etc.)"


def passwords(dsn: str, env: Mapping[str, str] | None = None) -> list[str]:
    """The secrets that could show up in a message: the DSN's password and PGPASSWORD."""
    env = os.environ if env is None else env
    found = [env.get("PGPASSWORD", "")]
    found.append(_dsn_params(dsn).get("password", ""))
    url = _URL_PASSWORD.search(dsn)
    if url:
        from urllib.parse import unquote

        found += [url.group(2), unquote(url.group(2))]
    return [p for p in dict.fromkeys(found) if p]


def scrub(text: str, dsn: str, env: Mapping[str, str] | None = None) -> str:
    """``text`` with every password (keyword, URL or literal) replaced by ``***``."""
    text = _KEYWORD_PASSWORD.sub(r"\1***", text)
    text = _URL_PASSWORD.sub(r"\1***\3", text)
    for secret in sorted(passwords(dsn, env), key=len, reverse=True):
        if len(secret) >= _MIN_LITERAL:
            text = text.replace(secret, "***")
    return text


def _dsn_params(dsn: str) -> dict[str, str]:
    """The DSN's parameters; {} when it does not parse (the connect call reports that)."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        return {k: str(v) for k, v in conninfo_to_dict(dsn).items() if v is not None}
    except Exception:
        return {}


def session_options(config: PostgresConfig, existing: str = "") -> str:
    """The ``options`` startup parameter: the user's own first, ours after so ours win."""
    ours = " ".join(
        (
            f"-c statement_timeout={config.statement_timeout_ms}",
            f"-c lock_timeout={config.lock_timeout_ms}",
            "-c default_transaction_read_only=on",
        )
    )
    return f"{existing} {ours}".strip()


def open_session(dsn: str, config: PostgresConfig) -> Any:
    """Connect the way debugtui always does; returns a psycopg ``Connection``.

    Raises psycopg's errors unchanged (see :func:`connect_error` to explain them), and
    :class:`SourceError` for a DSN that does not parse.
    """
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        params: dict[str, Any] = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as exc:
        raise SourceError(
            f"invalid PostgreSQL DSN: {describe(exc)}",
            "use a libpq string (host=... dbname=...) or a postgresql:// URL",
        ) from exc
    params["options"] = session_options(config, str(params.get("options") or ""))
    params["application_name"] = APPLICATION_NAME
    params["connect_timeout"] = max(int(config.connect_timeout_s), 1)
    return psycopg.connect(autocommit=True, prepare_threshold=None, **params)


_CONNECT_CASES: tuple[tuple[str, str, str], ...] = (
    # (regex over libpq's message, what happened, what to do), first match wins
    (
        r"timeout expired|timed out",
        "PostgreSQL did not answer within connect_timeout ({timeout}s)",
        "something accepted the connection but never answered: a hung or overloaded server, "
        "or not PostgreSQL on that port? check host/port; DSN from {origin}",
    ),
    (
        r"too many clients|remaining connection slots are reserved|too many connections",
        "PostgreSQL refused the connection: max_connections is exhausted",
        "every connection slot is taken: look for leaked or idle-in-transaction clients "
        "(pool sizes, a deploy that doubled workers); a superuser can still use a reserved "
        "slot; raising max_connections needs a restart",
    ),
    (
        r"password authentication failed|no password supplied|authentication failed",
        "PostgreSQL rejected the login",
        "check the user and password (DSN, PGPASSWORD or ~/.pgpass) and pg_hba.conf; "
        "DSN from {origin}",
    ),
    (
        r"no pg_hba\.conf entry",
        "PostgreSQL has no pg_hba.conf entry for this connection",
        "add a pg_hba.conf line for this host, user and database, then reload; DSN from {origin}",
    ),
    (
        r'role ".*" does not exist',
        "PostgreSQL rejected the login: the role does not exist",
        "check the user in the DSN (or PGUSER); DSN from {origin}",
    ),
    (
        r'database ".*" does not exist',
        "the database does not exist",
        "check dbname in the DSN (or PGDATABASE); list databases with psql -l; DSN from {origin}",
    ),
    (
        r"starting up|shutting down|in recovery mode|not yet accepting connections",
        "PostgreSQL is starting up or shutting down",
        "retry in a moment; if it stays like this, read the server log",
    ),
    (
        r"connection refused|no such file or directory|could not connect"
        r"|could not translate host name|is the server running|server closed the connection"
        r"|network is unreachable",
        "PostgreSQL is not reachable",
        "is PostgreSQL running? check host/port; DSN from {origin}",
    ),
)


def connect_error(exc: BaseException, origin: str, timeout: int) -> SourceError:
    """Turn a failed connect into an error a responder can act on."""
    message = str(exc).strip()
    for pattern, headline, hint in _CONNECT_CASES:
        if re.search(pattern, message, re.IGNORECASE):
            return SourceError(
                f"{headline.format(timeout=timeout)}: {_first_line(message)}",
                hint.format(origin=origin, timeout=timeout),
            )
    return SourceError(
        f"cannot connect to PostgreSQL: {_first_line(message) or type(exc).__name__}",
        f"check the DSN; DSN from {origin}",
    )


def _first_line(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if not lines:
        return ""
    # libpq says "connection to server ... failed: FATAL:  <reason>"; keep the whole line.
    return re.sub(r"\s+", " ", lines[0])


def query_error(exc: BaseException, what: str, config: PostgresConfig) -> SourceError:
    """Explain a failed monitoring query (``what`` names it: "pg_stat_activity", ...)."""
    import psycopg.errors as pg_errors

    first = _first_line(str(exc)) or type(exc).__name__
    if isinstance(exc, pg_errors.QueryCanceled) and "statement timeout" in first:
        return SourceError(
            f"reading {what} took longer than statement_timeout "
            f"({config.statement_timeout_ms} ms): {first}",
            "the server is slow to answer even monitoring queries (overloaded? a huge "
            "pg_stat_statements file?); raise postgres.statement_timeout_ms if that is expected",
        )
    if isinstance(exc, pg_errors.LockNotAvailable):
        return SourceError(
            f"reading {what} waited longer than lock_timeout "
            f"({config.lock_timeout_ms} ms): {first}",
            "something holds a strong lock on a catalog debugtui reads (DDL in progress?); "
            "look at blocking sessions with a superuser psql",
        )
    if isinstance(exc, pg_errors.InsufficientPrivilege):
        return SourceError(
            f"not allowed to read {what}: {first}",
            "GRANT pg_monitor TO <user> (or pg_read_all_stats) for the role debugtui uses",
        )
    if isinstance(exc, pg_errors.OperationalError):
        return SourceError(
            f"lost the connection to PostgreSQL while reading {what}: {first}",
            "is PostgreSQL running? the next refresh reconnects",
        )
    return SourceError(f"reading {what} failed: {first}", None)
