"""The fault matrix, with the app running: every fault an outage brings to an evidence source,
driven through the real app (``make_app`` on a real notebook file) and the REAL sources
against real engines, real repositories and real files.

For every fault the same four things are checked:

* the app stays up (the investigation screen is still the one shown);
* the panel the fault hits says so in place: an error with a hint (``#panel-error``), or for
  a fault that leaves data to show, a warning line on screen next to that data;
* another panel (System) still collects a fresh snapshot;
* no notebook entry is lost: a note typed before the fault and one typed after are both in
  the store, and the file passes SQLite's integrity check.

Faults that pass are healed where that is possible (the server started again, the lock
released) and the panel must recover on refresh. Secrets in the fault's configuration (a
password) must appear nowhere on screen.

Each row names the tab it targets; rows whose panel is not in ``PANELS`` yet are left out
(see ``LANDED``). Faults that need their own choreography (a followed log file deleted, the
notebook locked by another process, a corrupt notebook at start) are separate tests below.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fault_support import note_texts, screen_text, still_collects, type_note
from panel_support import error_text, refresh, status
from test_tui_support import settle
from textual.pilot import Pilot
from textual.widgets import Input, Static, TabbedContent

from debugtui.config import (
    Config,
    ContainersConfig,
    DeploysConfig,
    LogsConfig,
    PostgresConfig,
)
from debugtui.notebook.model import EntryKind, Investigation, Severity
from debugtui.notebook.store import NotebookStore
from debugtui.sources.registry import make_source
from debugtui.tui.app import make_app
from debugtui.tui.panels.base import SourcePanel
from debugtui.tui.screens.investigation import PANELS, InvestigationScreen
from tests.fixtures.postgres import PostgresServer, make_server

SECRET = "Fault-Matrix-Secret-8d2f"
"""A password a fault's DSN carries: it must never be on screen."""
NOBODY = 65534

LANDED = frozenset(title for title, _ in PANELS)
"""The tabs the investigation screen has today; a row for another tab is left out."""


# -- engines and servers the faults need ------------------------------------------------------


class SilentServer:
    """A socket server (TCP on 127.0.0.1, or unix at ``path``) that accepts every connection
    and never says a word: a database or engine wedged after accept()."""

    def __init__(self, path: Path | None = None) -> None:
        family = socket.AF_UNIX if path is not None else socket.AF_INET
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        self._listener.bind(str(path) if path is not None else ("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.05)
        self.port = 0 if path is not None else self._listener.getsockname()[1]
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                self._held.append(self._listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()
        for conn in self._held:
            conn.close()


@pytest.fixture(scope="module")
def spare_pg() -> Iterator[PostgresServer]:
    """A cluster of this module's own, for the faults that stop it, lock it or fill it."""
    server = make_server(max_connections=6)
    try:
        server.psql("CREATE EXTENSION pg_stat_statements")
        yield server
    finally:
        server.destroy()


@contextlib.contextmanager
def as_nobody() -> Iterator[None]:
    """Every thread of this process checks file permissions as ``nobody`` until the block
    ends. Tests run as root, whom no file mode refuses; glibc's ``seteuid`` changes every
    thread (the panel's worker included), and root's saved uid lets it come back."""
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)


def needs_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("a file refused by its mode needs root to switch to the nobody user")


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    done = subprocess.run(
        ["git", "-c", "user.name=Ann Oncall", "-c", "user.email=ann@example.com", *args],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def repo_with_commits(root: Path, count: int = 3) -> Path:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    for n in range(count):
        (root / "app.py").write_text(f"version = {n}\n", encoding="utf-8")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", f"change {n}")
    return root


# -- the rig each row arranges its fault with -------------------------------------------------


class Rig:
    """What a row's steps get: the test's temp dir, engines on demand, clean-up."""

    def __init__(self, request: pytest.FixtureRequest, tmp_path: Path, stack: Any) -> None:
        self.request = request
        self.tmp_path = tmp_path
        self.stack: contextlib.ExitStack = stack
        self.held: dict[str, Any] = {}
        """What a row keeps between its steps (a lock holder, a path)."""

    def engine(self, name: str) -> Any:
        """A fixture (the PostgreSQL or podman engine), created only for rows that need it."""
        return self.request.getfixturevalue(name)

    def later(self, undo: Callable[[], Any]) -> None:
        """Run ``undo`` when the test ends, passed or not (servers started again...)."""
        self.stack.callback(undo)

    def config(self, **sections: Any) -> Config:
        return quiet_config(self.tmp_path, **sections)


def quiet_config(tmp_path: Path, **sections: Any) -> Config:
    """``sections`` as given; every other source pointed somewhere local and quick."""
    quiet_logs = tmp_path / "quiet-logs"
    quiet_logs.mkdir(exist_ok=True)
    (quiet_logs / "app.log").write_text("all quiet\n", encoding="utf-8")
    defaults: dict[str, Any] = {
        "logs": LogsConfig(paths=(str(quiet_logs),)),
        "postgres": PostgresConfig(dsn=f"host={tmp_path}/no-pg port=5432 dbname=x"),
        "containers": ContainersConfig(host=f"unix://{tmp_path}/no-engine.sock"),
        "deploys": DeploysConfig(repos=(str(tmp_path),)),
    }
    return Config(**{**defaults, **sections})


Step = Callable[[Rig], Any]


@dataclass(frozen=True)
class Fault:
    """One row of the matrix."""

    id: str
    tab: str
    """The tab (and so the panel) the fault hits, as titled in ``PANELS``."""
    arrange: Callable[[Rig], Config]
    """Sets the fault up (or the healthy state, for mid-session faults); the app's config."""
    says: str
    """Text the error (or the warning, or a row) must hold, and the screen show."""
    hint: str = ""
    """Text the error's hint must hold."""
    kind: str = "error"
    """How the panel shows it: "error" (with a hint), "warning" (a warning line beside the
    data), or "rows" (nothing is wrong: the data is shown, ``says`` in a row)."""
    breaks: Step | None = None
    """Mid-session: the panel is healthy first, this breaks it, then ``r`` shows the fault."""
    during: Callable[[Rig], contextlib.AbstractContextManager[Any]] | None = None
    """Held around the refresh that must show the fault (acting as another user, say)."""
    heals: Step | None = None
    """Undoes the fault; the panel must then recover on ``r``."""
    secret: str | None = None
    """Text from the configuration that must appear nowhere on screen."""
    marks: tuple[Any, ...] = field(default=())
    """pytest marks of the row (a strict xfail naming a known bug and its owner file)."""

    @property
    def source(self) -> str:
        return self.tab.lower()


# -- PostgreSQL -----------------------------------------------------------------------------


def pg_down_at_start(rig: Rig) -> Config:
    server: PostgresServer = rig.engine("spare_pg")
    server.stop()
    rig.later(server.ensure_running)
    return rig.config(postgres=PostgresConfig(dsn=server.dsn))


def pg_healthy(rig: Rig, **postgres: Any) -> Config:
    server: PostgresServer = rig.engine("spare_pg")
    rig.later(server.ensure_running)
    return rig.config(postgres=PostgresConfig(dsn=server.dsn, **postgres))


def pg_start(rig: Rig) -> None:
    rig.engine("spare_pg").start()


def pg_stop(rig: Rig) -> None:
    rig.engine("spare_pg").stop()


def pg_wrong_password(rig: Rig) -> Config:
    server: PostgresServer = rig.engine("postgres")
    dsn = server.dsn_for(user=server.password_user, host="127.0.0.1", password=SECRET)
    return rig.config(postgres=PostgresConfig(dsn=dsn))


def pg_not_installed(rig: Rig) -> Config:
    server: PostgresServer = rig.engine("postgres")
    dsn = server.create_database("faults_without_pgss")
    rig.later(lambda: server.drop_database("faults_without_pgss"))
    return rig.config(postgres=PostgresConfig(dsn=dsn))


def pg_not_preloaded(rig: Rig) -> Config:
    server: PostgresServer = rig.engine("postgres_unpreloaded")
    return rig.config(postgres=PostgresConfig(dsn=server.dsn_for(dbname="withext")))


def pg_lock_catalog(rig: Rig) -> None:
    """Hold the lock every collect needs: the panel's statement runs into statement_timeout."""
    locker = rig.engine("spare_pg").connect(autocommit=False)
    rig.later(locker.close)
    locker.execute("LOCK TABLE pg_catalog.pg_extension IN ACCESS EXCLUSIVE MODE")
    rig.held["locker"] = locker


def pg_unlock_catalog(rig: Rig) -> None:
    rig.held.pop("locker").rollback()


def pg_exhausted(rig: Rig) -> Config:
    """Every connection slot taken before the app starts (its panel gets none)."""
    server: PostgresServer = rig.engine("spare_pg")
    server.ensure_running()
    held: list[Any] = []
    rig.held["connections"] = held
    rig.later(lambda: [conn.close() for conn in held])
    while True:
        try:
            held.append(server.connect())
        except psycopg.OperationalError:
            break
        assert len(held) <= server.max_connections, "the server never refused"
    return rig.config(postgres=PostgresConfig(dsn=server.dsn))


def pg_release_connections(rig: Rig) -> None:
    for conn in rig.held.pop("connections"):
        conn.close()


def pg_silent(rig: Rig) -> Config:
    server = SilentServer()
    rig.later(server.close)
    dsn = f"host=127.0.0.1 port={server.port} dbname=x user=y password={SECRET}"
    return rig.config(postgres=PostgresConfig(dsn=dsn, connect_timeout_s=2))


PG_FAULTS = [
    Fault(
        "postgres-down-at-start",
        "Queries",
        pg_down_at_start,
        says="not reachable",
        hint="is PostgreSQL running?",
        heals=pg_start,
    ),
    Fault(
        "postgres-stopped-mid-session",
        "Queries",
        pg_healthy,
        says="not reachable",
        hint="is PostgreSQL running?",
        breaks=pg_stop,
        heals=pg_start,
    ),
    Fault(
        "postgres-wrong-password",
        "Queries",
        pg_wrong_password,
        says="rejected the login",
        hint="password",
        secret=SECRET,
    ),
    Fault(
        "pg_stat_statements-not-installed",
        "Queries",
        pg_not_installed,
        says="CREATE EXTENSION pg_stat_statements",
        kind="warning",
    ),
    Fault(
        "pg_stat_statements-not-preloaded",
        "Queries",
        pg_not_preloaded,
        says="shared_preload_libraries",
        kind="warning",
    ),
    Fault(
        "postgres-statement-timeout",
        "Queries",
        lambda rig: pg_healthy(rig, statement_timeout_ms=300, lock_timeout_ms=0),
        says="statement_timeout (300 ms)",
        hint="statement_timeout_ms",
        breaks=pg_lock_catalog,
        heals=pg_unlock_catalog,
    ),
    Fault(
        "postgres-max-connections-exhausted",
        "Queries",
        pg_exhausted,
        says="max_connections is exhausted",
        hint="idle-in-transaction",
        heals=pg_release_connections,
    ),
    Fault(
        "postgres-never-answers",
        "Queries",
        pg_silent,
        says="did not answer within connect_timeout (2s)",
        hint="check host/port",
        secret=SECRET,
    ),
]


# -- container engine ----------------------------------------------------------------------


def engine_missing(rig: Rig) -> Config:
    host = f"unix://{rig.tmp_path}/nothing-here.sock"
    return rig.config(containers=ContainersConfig(host=host))


def engine_healthy(rig: Rig) -> Config:
    engine = rig.engine("podman_engine")
    return rig.config(containers=ContainersConfig(host=engine.host))


def engine_stop(rig: Rig) -> None:
    engine = rig.engine("podman_engine")
    engine.stop_service()
    rig.later(engine.start_service)


def engine_start(rig: Rig) -> None:
    rig.engine("podman_engine").start_service()


def engine_restart(rig: Rig) -> None:
    """The engine restarts (its socket made anew): the panel's kept connection is gone and
    the next collect connects again, as the user ``during`` makes it."""
    needs_root()
    with rig.engine("podman_engine").service_stopped():
        pass


def engine_silent(rig: Rig) -> Config:
    path = rig.tmp_path / "silent.sock"
    server = SilentServer(path)
    rig.later(server.close)
    return rig.config(containers=ContainersConfig(host=f"unix://{path}", timeout_s=0.5))


CONTAINER_FAULTS = [
    Fault(
        "engine-socket-missing",
        "Containers",
        engine_missing,
        says="the socket does not exist",
        hint="DOCKER_HOST",
    ),
    Fault(
        "engine-socket-permission-denied",
        "Containers",
        engine_healthy,
        says="permission denied on unix://",
        hint="docker group",
        breaks=engine_restart,
        during=lambda rig: as_nobody(),
        heals=lambda rig: None,
    ),
    Fault(
        "engine-stopped-mid-session",
        "Containers",
        engine_healthy,
        says="no container engine at",
        hint="DOCKER_HOST",
        breaks=engine_stop,
        heals=engine_start,
    ),
    Fault(
        "engine-never-answers",
        "Containers",
        engine_silent,
        says="did not answer within 0.5s",
        hint="timeout",
    ),
]


# -- git ------------------------------------------------------------------------------------


def deploys_at(rig: Rig, repo: Path) -> Config:
    rig.held["repo"] = repo
    return rig.config(deploys=DeploysConfig(repos=(str(repo),), since="30d"))


def git_not_a_repo(rig: Rig) -> Config:
    plain = rig.tmp_path / "plain-dir"
    plain.mkdir()
    return deploys_at(rig, plain)


def git_empty(rig: Rig) -> Config:
    repo = rig.tmp_path / "empty"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    return deploys_at(rig, repo)


def git_shallow(rig: Rig) -> Config:
    origin = repo_with_commits(rig.tmp_path / "origin")
    clone = rig.tmp_path / "shallow"
    git(rig.tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(clone))
    return deploys_at(rig, clone)


def git_detached(rig: Rig) -> Config:
    repo = repo_with_commits(rig.tmp_path / "detached")
    git(repo, "checkout", "-q", "HEAD~1")
    return deploys_at(rig, repo)


def git_healthy(rig: Rig) -> Config:
    return deploys_at(rig, repo_with_commits(rig.tmp_path / "app"))


def git_delete(rig: Rig) -> None:
    shutil.rmtree(rig.held["repo"])


GIT_FAULTS = [
    Fault(
        "git-not-a-repository",
        "Deploys",
        git_not_a_repo,
        says="is not a git repository",
        hint="[deploys] repos",
    ),
    Fault("git-empty-repository", "Deploys", git_empty, says="no commits yet", kind="warning"),
    Fault("git-shallow-clone", "Deploys", git_shallow, says="shallow clone", kind="warning"),
    Fault("git-detached-head", "Deploys", git_detached, says="HEAD is detached", kind="warning"),
    Fault(
        "git-repository-deleted-mid-session",
        "Deploys",
        git_healthy,
        says="was deleted or moved",
        breaks=git_delete,
    ),
]


# -- log files ------------------------------------------------------------------------------


def logs_at(rig: Rig, *paths: Path) -> Config:
    return rig.config(logs=LogsConfig(paths=tuple(str(p) for p in paths), since="", context=0))


def shared_dir(rig: Rig) -> Path:
    """A directory anyone may enter (the test's own is root's alone), removed at the end."""
    folder = Path(tempfile.mkdtemp(prefix="debugtui-faults-"))
    folder.chmod(0o755)
    rig.later(lambda: shutil.rmtree(folder, ignore_errors=True))
    return folder


def log_missing(rig: Rig) -> Config:
    return logs_at(rig, rig.tmp_path / "nowhere" / "app.log")


def log_unreadable(rig: Rig) -> Config:
    needs_root()
    log = shared_dir(rig) / "secret.log"
    log.write_text("ERROR only root may read this\n", encoding="utf-8")
    log.chmod(0o600)
    return logs_at(rig, log)


def log_unreadable_among_others(rig: Rig) -> Config:
    needs_root()
    folder = shared_dir(rig)
    (folder / "ok.log").write_text("ERROR anyone may read this\n", encoding="utf-8")
    (folder / "ok.log").chmod(0o644)
    (folder / "secret.log").write_text("ERROR only root may read this\n", encoding="utf-8")
    (folder / "secret.log").chmod(0o600)
    return logs_at(rig, folder)


def log_binary(rig: Rig) -> Config:
    log = rig.tmp_path / "core.log"
    log.write_bytes(b"\x00\x01\x02 header\xff\xfe\nERROR after the NUL bytes\n")
    return logs_at(rig, log)


def log_invalid_utf8(rig: Rig) -> Config:
    log = rig.tmp_path / "latin1.log"
    log.write_bytes(b"caf\xe9 ERROR in latin-1\n")
    return logs_at(rig, log)


def log_huge_line(rig: Rig) -> Config:
    log = rig.tmp_path / "huge.log"
    with log.open("wb") as handle:
        handle.write(b"ERROR first line\n")
        handle.write(b"x" * (10 * 1024 * 1024))
        handle.write(b" ERROR at the end of ten megabytes")  # and no newline
    return logs_at(rig, log)


def corrupt_gzip(path: Path) -> None:
    import gzip

    data = gzip.compress(b"".join(b"ERROR line %d of the old log\n" % n for n in range(20000)))
    path.write_bytes(data[: len(data) // 2])  # cut mid-stream


def log_corrupt_gz(rig: Rig) -> Config:
    log = rig.tmp_path / "app.log.1.gz"
    corrupt_gzip(log)
    return logs_at(rig, log)


def log_garbage_gz(rig: Rig) -> Config:
    """Gzip's magic bytes and then nothing gzip can read: not one line comes out."""
    log = rig.tmp_path / "app.log.2.gz"
    log.write_bytes(b"\x1f\x8b\x08\x00" + b"not deflate data at all" * 10)
    return logs_at(rig, log)


def log_corrupt_gz_rotation(rig: Rig) -> Config:
    live = rig.tmp_path / "logs" / "app.log"
    live.parent.mkdir()
    live.write_text("ERROR in the live log\n", encoding="utf-8")
    corrupt_gzip(live.parent / "app.log.1.gz")
    return logs_at(rig, live)


LOG_FAULTS = [
    Fault(
        "log-file-missing", "Logs", log_missing, says="no readable log file", hint="[logs] paths"
    ),
    Fault(
        "log-file-unreadable",
        "Logs",
        log_unreadable,
        says="no readable log file",
        hint="adm group",
        during=lambda rig: as_nobody(),
        heals=lambda rig: None,
        breaks=lambda rig: None,
    ),
    Fault(
        "log-file-unreadable-among-readable",
        "Logs",
        log_unreadable_among_others,
        says="Permission denied",
        kind="warning",
        during=lambda rig: as_nobody(),
        breaks=lambda rig: None,
    ),
    Fault(
        "log-file-binary",
        "Logs",
        log_binary,
        says="binary",
        kind="warning",
    ),
    Fault(
        "log-file-invalid-utf8",
        "Logs",
        log_invalid_utf8,
        says="invalid UTF-8",
        kind="warning",
    ),
    Fault("log-line-of-ten-megabytes", "Logs", log_huge_line, says="x" * 12, kind="rows"),
    Fault(
        "log-corrupt-gz",
        "Logs",
        log_corrupt_gz,
        says="corrupt gzip",
        kind="warning",
    ),
    Fault(
        "log-garbage-gz",
        "Logs",
        log_garbage_gz,
        says="gzip",
        hint="[logs] paths",
    ),
    Fault(
        "log-corrupt-gz-rotation",
        "Logs",
        log_corrupt_gz_rotation,
        says="corrupt gzip",
        kind="warning",
    ),
]

ALL_FAULTS = PG_FAULTS + CONTAINER_FAULTS + GIT_FAULTS + LOG_FAULTS
FAULTS = [f for f in ALL_FAULTS if f.tab in LANDED]


# -- the test every row runs ----------------------------------------------------------------


@pytest.fixture
def inv(store: NotebookStore) -> Investigation:
    return store.create_investigation("checkout 500s during the outage", Severity.SEV1)


@pytest.fixture
def rig(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Rig]:
    with contextlib.ExitStack() as stack:
        yield Rig(request, tmp_path, stack)


def flat(text: str) -> str:
    """Screen text with line wraps and padding folded into single spaces."""
    return re.sub(r"\s+", " ", text)


async def open_tab(pilot: Pilot[None], fault: Fault) -> SourcePanel:
    """Show the fault's tab, its table focused, auto-refresh paused; wait for its collect."""
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, InvestigationScreen)
    panel = screen.query_one(f"#panel-{fault.source}", SourcePanel)
    panel.paused = True
    screen.query_one("#panels", TabbedContent).active = f"tab-{fault.source}"
    panel.table.focus()
    await settle(pilot)
    return panel


def warning_text(panel: SourcePanel) -> str:
    boxes = panel.query("#panel-warnings")
    if not boxes:
        return ""
    box = boxes.first(Static)
    return box.visual.plain if box.has_class("-shown") else ""  # type: ignore[attr-defined]


def assert_shown(fault: Fault, panel: SourcePanel, pilot: Pilot[None]) -> None:
    shown = flat(screen_text(pilot))
    if fault.kind == "error":
        error = error_text(panel)
        assert fault.says in error, error or shown
        assert "\nhint: " in error and fault.hint in error.split("\nhint: ", 1)[1], error
        # the status line: stale rows say so; a source that never answered updated nothing
        line = status(panel)
        assert "STALE" in line if panel.snapshot is not None else line.startswith("failed "), line
    else:
        assert error_text(panel) == "", "a fault with data to show is not a failure"
        assert panel.snapshot is not None and panel.snapshot.ok
        if fault.kind == "warning":
            assert fault.says in warning_text(panel), warning_text(panel) or shown
        else:
            rows = [" ".join(row) for row in panel.table.view_rows()]
            assert any(fault.says in row for row in rows), rows
    assert flat(fault.says) in shown, shown
    assert "Traceback" not in shown
    if fault.secret is not None:
        assert fault.secret not in screen_text(pilot)


@pytest.mark.timeout(180)
@pytest.mark.parametrize("fault", [pytest.param(f, id=f.id, marks=f.marks) for f in FAULTS])
async def test_a_fault_is_shown_in_its_panel_and_nothing_else_suffers(
    fault: Fault, rig: Rig, store: NotebookStore, inv: Investigation
) -> None:
    config = fault.arrange(rig)
    app = make_app(store, open_id=inv.id, config=config)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        await type_note(pilot, "before the fault")
        panel = await open_tab(pilot, fault)
        if fault.breaks is not None:
            assert error_text(panel) == "", f"healthy before the fault: {error_text(panel)}"
            fault.breaks(rig)
            with fault.during(rig) if fault.during else contextlib.nullcontext():
                await refresh(pilot, panel)
        assert_shown(fault, panel, pilot)

        assert pilot.app.is_running and isinstance(pilot.app.screen, InvestigationScreen)
        assert await still_collects(pilot)
        await type_note(pilot, "after the fault")

        if fault.heals is not None:
            fault.heals(rig)
            panel = await open_tab(pilot, fault)
            await refresh(pilot, panel)
            assert error_text(panel) == ""
            assert panel.last_error is None and panel.snapshot is not None
            assert panel.snapshot.ok
    assert note_texts(store, inv) == ["before the fault", "after the fault"]
    assert store.integrity_check() == "ok"


# -- what the logs source itself says about bad files ----------------------------------------


@pytest.mark.parametrize(
    ("arrange", "says"),
    [
        (log_binary, "binary (NUL bytes)"),
        (log_invalid_utf8, "invalid UTF-8"),
        (log_corrupt_gz_rotation, "corrupt gzip data"),
    ],
    ids=["binary", "invalid-utf8", "corrupt-gz-rotation"],
)
def test_a_log_files_caveat_is_a_warning_of_the_snapshot(
    rig: Rig, arrange: Callable[[Rig], Config], says: str
) -> None:
    config = arrange(rig)
    snap = make_source("logs", config).collect({"pattern": "ERROR", "since": ""})
    assert snap.ok, snap.error
    assert snap.data.total >= 1
    [warning] = snap.warnings
    assert warning.startswith(str(rig.tmp_path)) and says in warning


@pytest.mark.parametrize(
    ("arrange", "why"),
    [(log_missing, "No such file or directory"), (log_garbage_gz, "gzip")],
    ids=["missing", "garbage-gz"],
)
def test_no_readable_log_file_says_why_for_each_file(
    rig: Rig, arrange: Callable[[Rig], Config], why: str
) -> None:
    config = arrange(rig)
    only = config.logs.paths[0]
    snap = make_source("logs", config).collect({"pattern": "ERROR", "since": ""})
    assert not snap.ok
    assert snap.error is not None
    assert snap.error.startswith(f"no readable log file in {only} ({only}: ")
    assert why in snap.error
    assert snap.hint and "[logs] paths" in snap.hint


# -- a followed log changed under the app -------------------------------------------------------


async def until(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    """Let the app run until ``condition`` holds; fail after a minute (a bound on a hang,
    not a timing requirement: pytest-timeout's own alarm is swallowed by the app's loop)."""
    for _ in range(1200):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never happened: {what}")


def delete_and_recreate(log: Path) -> None:
    log.unlink()


def rotate_by_rename(log: Path) -> None:
    log.rename(log.with_name(log.name + ".1"))
    log.write_text("ERROR after the change\n", encoding="utf-8")


def truncate_in_place(log: Path) -> None:
    with log.open("w", encoding="utf-8") as handle:
        handle.write("ERROR after the change\n")


DEEP = "var/log/containers/checkout-api-7d9f8b6c5-x2x9z_prod_checkout-0123456789abcdef"
"""A log directory as long as a Kubernetes node's container logs."""


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("change", "notice", "deep"),
    [
        pytest.param(delete_and_recreate, "deleted or moved away", False, id="deleted"),
        pytest.param(rotate_by_rename, "rotated", False, id="rotated-by-rename"),
        pytest.param(truncate_in_place, "truncated", False, id="truncated-in-place"),
        pytest.param(truncate_in_place, "truncated", True, id="truncated-long-path"),
    ],
)
async def test_a_followed_log_changed_under_the_app_is_said_and_followed_on(
    rig: Rig,
    store: NotebookStore,
    inv: Investigation,
    change: Callable[[Path], None],
    notice: str,
    deep: bool,
) -> None:
    # a short directory of its own (the test's is long): the notice follows the path
    log = shared_dir(rig) / (DEEP if deep else "logs") / "app.log"
    log.parent.mkdir(parents=True)
    # longer than what replaces it: truncation is told by the size going down
    log.write_text("ERROR before following, the longest line of the file\n", encoding="utf-8")
    app = make_app(store, open_id=inv.id, config=logs_at(rig, log))
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        await type_note(pilot, "before the fault")
        panel = await open_tab(pilot, Fault("follow", "Logs", logs_at, says=""))
        panel.table.focus()
        await pilot.press("f")

        def rows() -> list[str]:
            return [" ".join(row) for row in panel.table.view_rows()]

        change(log)
        await until(pilot, lambda: notice in panel.status_text(), f"{notice!r} in the status")
        await pilot.pause()
        assert notice in flat(screen_text(pilot))
        if not log.exists():  # deleted: it comes back, as a restarted writer recreates it
            log.write_text("ERROR after the change\n", encoding="utf-8")
        await until(
            pilot, lambda: any("ERROR after the change" in row for row in rows()), "a new match"
        )
        await pilot.press("f")
        await settle(pilot)
        assert error_text(panel) == ""
        assert isinstance(pilot.app.screen, InvestigationScreen)
        assert await still_collects(pilot)
        await type_note(pilot, "after the fault")
    assert note_texts(store, inv) == ["before the fault", "after the fault"]


# -- the notebook itself ------------------------------------------------------------------------

HOLD_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


@contextlib.contextmanager
def locked_by_another_process(db: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holds the notebook's write lock until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        yield holder
    finally:
        if holder.stdin is not None:
            holder.stdin.close()
        holder.wait(timeout=30)


async def test_a_note_typed_while_another_process_locks_the_notebook_is_kept_and_retried(
    tmp_path: Path,
) -> None:
    with NotebookStore(tmp_path / "notebook.db", busy_timeout_ms=200) as store:
        inv = store.create_investigation("checkout 500s", Severity.SEV2)
        app = make_app(store, open_id=inv.id, config=quiet_config(tmp_path))
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await settle(pilot)
            await type_note(pilot, "before the lock")
            with locked_by_another_process(store.path):
                await type_note(pilot, "typed while locked")
                screen = pilot.app.screen
                assert isinstance(screen, InvestigationScreen)
                assert screen.composer.is_open
                assert screen.composer.values()["text"] == "typed while locked"
                shown = flat(screen_text(pilot))
                assert "Could not save the note" in shown and "locked" in shown, shown
                assert note_texts(store, inv) == ["before the lock"]
            await pilot.press("enter")  # the retry: the lock is gone
            await settle(pilot)
            assert not screen.composer.is_open
        assert note_texts(store, inv) == ["before the lock", "typed while locked"]
        assert store.integrity_check() == "ok"


async def test_a_note_typed_when_the_disk_is_full_is_kept_and_retried(tmp_path: Path) -> None:
    with NotebookStore(tmp_path / "notebook.db") as store:
        inv = store.create_investigation("checkout 500s", Severity.SEV2)
        app = make_app(store, open_id=inv.id, config=quiet_config(tmp_path))
        long_note = "the disk filled up while I typed this " * 300
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await settle(pilot)
            await type_note(pilot, "before the disk filled")
            conn = store._conn  # SQLite's page cap gives the SQLITE_FULL a full disk gives
            assert conn is not None
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")
            screen = pilot.app.screen
            assert isinstance(screen, InvestigationScreen)
            screen.timeline.focus()
            await pilot.press("n")
            screen.composer.query_one(Input).insert_text_at_cursor(long_note)
            await pilot.press("enter")
            await settle(pilot)
            assert screen.composer.is_open
            assert screen.composer.values()["text"] == long_note
            assert "Could not save the note" in flat(screen_text(pilot))
            conn.execute("PRAGMA max_page_count = 1073741823")  # space again
            await pilot.press("enter")
            await settle(pilot)
            assert not screen.composer.is_open
        assert note_texts(store, inv) == ["before the disk filled", long_note.strip()]
        assert store.integrity_check() == "ok"


async def test_an_absurd_window_typed_into_the_logs_panel_is_one_inline_message(
    rig: Rig, store: NotebookStore, inv: Investigation
) -> None:
    log = rig.tmp_path / "app.log"
    log.write_text("ERROR one line\n", encoding="utf-8")
    app = make_app(store, open_id=inv.id, config=logs_at(rig, log))
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        panel = await open_tab(pilot, Fault("window", "Logs", logs_at, says=""))
        since = panel.query_one("#logs-since", Input)
        since.focus()
        await pilot.press(*"999999d", "enter")
        await settle(pilot)
        invalid = panel.query_one("#logs-invalid", Static)
        assert invalid.has_class("-shown")
        assert "before year 1" in invalid.visual.plain  # type: ignore[attr-defined]
        assert pilot.app.is_running and isinstance(pilot.app.screen, InvestigationScreen)
        assert panel.result is not None and panel.result.total == 1  # the last search stays


def damaged_notebook(path: Path) -> None:
    """A real notebook with a few pages overwritten: SQLite's header intact, its data not."""
    with NotebookStore(path) as store:
        inv = store.create_investigation("an old incident")
        for n in range(200):
            store.add_entry(inv.id, EntryKind.NOTE, f"note {n} " + "x" * 200)
    data = bytearray(path.read_bytes())
    data[4096 : 4096 * 3] = b"\xde\xad" * 4096
    path.write_bytes(bytes(data))


def truncated_notebook(path: Path) -> None:
    with NotebookStore(path) as store:
        store.create_investigation("an old incident")
    path.write_bytes(path.read_bytes()[:100])


def random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


@pytest.mark.parametrize(
    "spoil", [damaged_notebook, truncated_notebook, random_bytes], ids=lambda f: f.__name__
)
@pytest.mark.parametrize("command", [[], ["open", "abcdef"]], ids=["start", "open"])
def test_a_corrupt_notebook_at_start_is_one_line_exit_2_and_never_overwritten(
    tmp_path: Path, spoil: Callable[[Path], None], command: list[str]
) -> None:
    db = tmp_path / "notebook.db"
    spoil(db)
    before = db.read_bytes()
    debugtui = Path(sys.executable).with_name("debugtui")
    done = subprocess.run(
        [str(debugtui), "--db", str(db), *command],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("debugtui")
    assert str(db) in done.stderr
    assert "Traceback" not in done.stderr
    assert db.read_bytes() == before
    assert {p.name for p in tmp_path.iterdir()} == {"notebook.db"}  # no -wal, -journal left
