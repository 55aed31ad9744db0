"""A real, throwaway PostgreSQL: initdb into a temp dir, start, load a workload, destroy.

The tests' fixtures (tests/fixtures/postgres.py), the demo (``debugtui demo``) and the
benchmarks all launch their clusters with this module. :func:`launch` gives a cluster with
``pg_stat_statements`` preloaded, the roles debugtui is tried with, and a database;
:meth:`PostgresServer.run_workload` runs pgbench plus a deliberately slow function a few
times, so the slow query is on top of pg_stat_statements, as an on-call engineer would see it.

initdb refuses to run as root, so as root every server-side binary runs as the ``postgres``
user through ``runuser`` and the data and socket directories belong to it. Clients (psycopg,
pgbench) run as the calling process and reach the server through the unix socket, or TCP on
127.0.0.1 at a free port (sockets tests want a listening port).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

SUPERUSER = "postgres"
MONITOR_USER = "debugtui_monitor"
"""A login role with only ``pg_monitor``: what debugtui must be enough for."""
PLAIN_USER = "debugtui_plain"
"""A login role with no monitoring grants: it sees other roles' statements hidden."""
PASSWORD_USER = "debugtui_pw"
"""A role that must give a password (scram) over TCP; ``PostgresServer.password`` is it."""
DBNAME = "debugtui_test"
SLOW_FUNCTION = "debugtui_slow_report"
"""Called by the workload: the statement that must come out on top by total and mean time."""
SLOW_QUERY = f"SELECT {SLOW_FUNCTION}()"
SLOW_CALLS = 5
PGBENCH_TRANSACTIONS = 150
"""Per pgbench client (two clients)."""

_SLOW_FUNCTION_SQL = f"""
CREATE FUNCTION {SLOW_FUNCTION}() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_sleep(0.1);
    -- an unindexed scan, the other half of what makes a report query slow
    RETURN (SELECT count(*) FROM pgbench_accounts WHERE abalance <> 0 OR filler LIKE '%x%');
END
$$
"""


def find_bindir() -> Path | None:
    """The directory of the server binaries: ``pg_ctl`` on PATH, else the newest Debian one."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(os.path.realpath(on_path)).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    for pg_ctl in reversed(candidates):
        if (Path(pg_ctl).parent / "initdb").exists():
            return Path(pg_ctl).parent
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_user() -> pwd.struct_passwd | None:
    """Who runs the server: ``postgres`` when we are root, else ourselves (None)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return None


class PostgresServer:
    """One cluster in its own temp directory; ``start``/``stop`` may be called by tests."""

    def __init__(
        self,
        bindir: Path,
        *,
        root: Path | None = None,
        dbname: str = DBNAME,
        preload: bool = True,
        max_connections: int = 40,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self.bindir = bindir
        self.preload = preload
        self.max_connections = max_connections
        self.settings = dict(settings or {})
        if root is None:
            root = Path(tempfile.mkdtemp(prefix="dtpg-"))
        else:
            root.mkdir(parents=True)
        self.root = root
        self.datadir = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.logfile = self.root / "server.log"
        self.port = free_port()
        self.dbname = dbname
        self.superuser = SUPERUSER
        self.monitor_user = MONITOR_USER
        self.plain_user = PLAIN_USER
        self.password_user = PASSWORD_USER
        self.password = "Pw-7c1e9d-not-in-any-message"
        self.slow_query = SLOW_QUERY
        self._owner = _server_user()
        self.socket_dir.mkdir()
        if self._owner is not None:
            for path in (self.root, self.socket_dir):
                os.chown(path, self._owner.pw_uid, self._owner.pw_gid)

    # -- connection strings -------------------------------------------------------------

    def dsn_for(
        self,
        *,
        user: str = SUPERUSER,
        dbname: str | None = None,
        host: str | None = None,
        password: str | None = None,
        port: int | None = None,
    ) -> str:
        """A libpq keyword DSN; ``host`` defaults to the unix socket directory."""
        parts = [
            f"host={host or self.socket_dir}",
            f"port={port or self.port}",
            f"dbname={dbname or self.dbname}",
            f"user={user}",
        ]
        if password is not None:
            parts.append(f"password={password}")
        return " ".join(parts)

    @property
    def dsn(self) -> str:
        """The workload database as the superuser, over the unix socket."""
        return self.dsn_for()

    @property
    def superuser_dsn(self) -> str:
        return self.dsn_for(user=SUPERUSER)

    @property
    def monitor_dsn(self) -> str:
        return self.dsn_for(user=MONITOR_USER)

    @property
    def plain_dsn(self) -> str:
        return self.dsn_for(user=PLAIN_USER)

    @property
    def tcp_dsn(self) -> str:
        return self.dsn_for(host="127.0.0.1")

    @property
    def socket_path(self) -> Path:
        """The unix socket the server listens on."""
        return self.socket_dir / f".s.PGSQL.{self.port}"

    @property
    def postmaster_pid(self) -> int:
        """The pid of the running postmaster (the process that owns the sockets)."""
        return int((self.datadir / "postmaster.pid").read_text().split("\n", 1)[0])

    # -- running the server -------------------------------------------------------------

    def _as_server_user(self, args: Sequence[str]) -> list[str]:
        if self._owner is None:
            return list(args)
        return ["runuser", "-u", self._owner.pw_name, "--", *args]

    def _run(self, args: Sequence[str], *, server_side: bool = False) -> str:
        cmd = self._as_server_user(args) if server_side else list(args)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        proc = subprocess.run(
            cmd, cwd=self.root, env=env, capture_output=True, text=True, timeout=120
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
                f"\n{self.log_tail()}"
            )
        return proc.stdout

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.logfile.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def init(self) -> None:
        """initdb, then the settings and pg_hba.conf the tests rely on."""
        self._run(
            [
                str(self.bindir / "initdb"),
                "-D",
                str(self.datadir),
                "-U",
                SUPERUSER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ],
            server_side=True,
        )
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.socket_dir}'",
            "max_connections": str(self.max_connections),
            "superuser_reserved_connections": "1",
            "track_io_timing": "on",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "shared_buffers": "32MB",
            "lc_messages": "'C'",
        }
        if self.preload:
            settings["shared_preload_libraries"] = "'pg_stat_statements'"
            settings["pg_stat_statements.track"] = "all"
        settings.update(self.settings)
        self._append_conf(settings)
        hba = (
            "local all all trust\n"
            f"host all {PASSWORD_USER} 127.0.0.1/32 scram-sha-256\n"
            "host all all 127.0.0.1/32 trust\n"
        )
        self._write_as_owner(self.datadir / "pg_hba.conf", hba)

    def _append_conf(self, settings: Mapping[str, str]) -> None:
        conf = self.datadir / "postgresql.conf"
        text = conf.read_text() + "".join(f"\n{k} = {v}" for k, v in settings.items()) + "\n"
        self._write_as_owner(conf, text)

    def _write_as_owner(self, path: Path, text: str) -> None:
        path.write_text(text)
        if self._owner is not None:
            os.chown(path, self._owner.pw_uid, self._owner.pw_gid)

    def start(self) -> None:
        """Start and wait until it accepts connections; a taken port is swapped for a free one."""
        for attempt in range(3):
            try:
                self._run(
                    [
                        str(self.bindir / "pg_ctl"),
                        "-D",
                        str(self.datadir),
                        "-l",
                        str(self.logfile),
                        "-w",
                        "-t",
                        "60",
                        "start",
                    ],
                    server_side=True,
                )
                return
            except RuntimeError:
                if attempt == 2 or "Address already in use" not in self.log_tail():
                    raise
                self.port = free_port()
                self._append_conf({"port": str(self.port)})

    def stop(self, mode: str = "fast") -> None:
        """Stop (``fast`` keeps pg_stat_statements' file; ``immediate`` is a crash)."""
        self._run(
            [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w", "stop"],
            server_side=True,
        )

    def is_running(self) -> bool:
        proc = subprocess.run(
            self._as_server_user([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "status"]),
            cwd=self.root,
            capture_output=True,
            check=False,
        )
        return proc.returncode == 0

    def ensure_running(self) -> None:
        if not self.is_running():
            self.start()

    def destroy(self) -> None:
        """Crash-stop (nothing to keep) and remove every directory."""
        if self.datadir.exists() and self.is_running():
            with contextlib.suppress(RuntimeError):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    # -- clients ------------------------------------------------------------------------

    def connect(
        self,
        *,
        user: str = SUPERUSER,
        dbname: str | None = None,
        autocommit: bool = True,
        tracked: bool = True,
    ) -> Any:
        """A psycopg connection for a test to hold (a lock, an open transaction).

        ``tracked=False`` (superuser only) keeps the session's statements out of
        pg_stat_statements: set-up and deliberately waiting statements would otherwise
        compete with the workload's slow query for the top.
        """
        import psycopg

        dsn = self.dsn_for(user=user, dbname=dbname)
        if not tracked:
            if user != SUPERUSER:
                raise ValueError("only the superuser may turn pg_stat_statements.track off")
            dsn += " options='-c pg_stat_statements.track=none'"
        return psycopg.connect(dsn, autocommit=autocommit)

    def psql(
        self, sql: str, *, user: str = SUPERUSER, dbname: str | None = None, tracked: bool = True
    ) -> list[tuple[Any, ...]]:
        """Run ``sql`` (several statements allowed) in autocommit; rows of the last result."""
        with self.connect(user=user, dbname=dbname, tracked=tracked) as conn:
            cur = conn.execute(sql)
            rows: list[tuple[Any, ...]] = []
            while True:
                rows = cur.fetchall() if cur.description is not None else []
                if not cur.nextset():
                    return rows

    def pgbench(self, *args: str, dbname: str | None = None) -> str:
        pgbench = self.bindir / "pgbench"
        exe = str(pgbench) if pgbench.exists() else shutil.which("pgbench") or "pgbench"
        connection = ["-h", str(self.socket_dir), "-p", str(self.port), "-U", SUPERUSER]
        return self._run([exe, *connection, *args, dbname or self.dbname])

    def create_database(self, name: str, *, extension_version: str | None = None) -> str:
        """A new database, with pg_stat_statements at ``extension_version`` if given."""
        self.psql(f'CREATE DATABASE "{name}"', dbname="postgres", tracked=False)
        if extension_version is not None:
            self.psql(
                f"CREATE EXTENSION pg_stat_statements VERSION '{extension_version}'",
                dbname=name,
                tracked=False,
            )
        return self.dsn_for(dbname=name)

    def drop_database(self, name: str) -> None:
        self.psql(f'DROP DATABASE "{name}" WITH (FORCE)', dbname="postgres", tracked=False)

    def setup_roles_and_database(self) -> None:
        self.psql(f'CREATE DATABASE "{self.dbname}"', dbname="postgres", tracked=False)
        self.psql(
            f"CREATE ROLE {MONITOR_USER} LOGIN;"
            f"GRANT pg_monitor TO {MONITOR_USER};"
            f"CREATE ROLE {PLAIN_USER} LOGIN;"
            f"CREATE ROLE {PASSWORD_USER} LOGIN PASSWORD '{self.password}';"
            f"GRANT pg_monitor TO {PASSWORD_USER};",
            dbname="postgres",
            tracked=False,
        )

    def run_workload(self) -> None:
        """pgbench then the slow function, after a reset so the picture is exactly this."""
        self.psql("CREATE EXTENSION pg_stat_statements")
        self.pgbench("-i", "-s", "1", "-q", "--unlogged-tables", "-I", "dtgp")
        self.psql(_SLOW_FUNCTION_SQL)
        self.psql("SELECT pg_stat_statements_reset()")
        self.pgbench("-n", "-c", "2", "-j", "1", "-t", str(PGBENCH_TRANSACTIONS))
        with self.connect() as conn:
            for _ in range(SLOW_CALLS):
                conn.execute(SLOW_QUERY)


def missing_requirement() -> str | None:
    """Why no cluster can be launched here, or None."""
    if find_bindir() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) not found"
    if os.geteuid() == 0 and (_server_user() is None or shutil.which("runuser") is None):
        return "running as root needs a 'postgres' user and runuser for initdb"
    return None


def launch(
    *,
    root: Path | None = None,
    dbname: str = DBNAME,
    preload: bool = True,
    max_connections: int = 40,
    settings: Mapping[str, str] | None = None,
    databases: bool = True,
) -> PostgresServer:
    """Create and start a cluster (under ``root`` if given, else a new temp dir).

    Call :func:`missing_requirement` first; a failed start removes what it made and raises.
    """
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found")
    server = PostgresServer(
        bindir,
        root=root,
        dbname=dbname,
        preload=preload,
        max_connections=max_connections,
        settings=settings,
    )
    try:
        server.init()
        server.start()
        if databases:
            server.setup_roles_and_database()
    except BaseException:
        server.destroy()
        raise
    return server
