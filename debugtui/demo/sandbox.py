"""The demo's sandbox: the scripted incident's files plus whatever engines this machine has.

:class:`DemoSandbox` builds :func:`~debugtui.demo.incident.build_incident` under one temp
directory, then starts what it can: a throwaway PostgreSQL with the checkout workload where
the server binaries exist, a podman engine with a crash-looping worker where podman is
installed. What cannot start is one line in :attr:`DemoSandbox.report` and the rest goes on.
:func:`demo_config` writes the config that points every source at the sandbox; a source
whose engine is missing is pointed at a path that does not exist, so its tab says so instead
of reading the machine's real database or container engine.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from debugtui.demo.incident import DEPLOY_TAG, DemoFiles, build_incident
from debugtui.textsafe import one_line

if TYPE_CHECKING:
    from debugtui.demo.workload import CheckoutTraffic
    from debugtui.sandbox.podman import PodmanEngine
    from debugtui.sandbox.postgres import PostgresServer

DEMO_DB = "shop"
WORKER = "shop-checkout-worker"
"""The crash-looping container: the checkout worker dying on its query timeout."""
WEB = "shop-web"
"""A healthy container beside it, for contrast."""
WORKER_RETRIES = 500
WORKER_PAUSE_S = 4
"""The worker's life between crashes: about half an hour of crash loop at little CPU."""
WORKER_MESSAGE = "psycopg.errors.QueryCanceled: canceling statement due to statement timeout"


@dataclass(frozen=True)
class Engines:
    """Where the sandbox's engines answer; None for one that is not running."""

    postgres_dsn: str | None = None
    docker_host: str | None = None
    postgres_port: int | None = None


def demo_config(files: DemoFiles, engines: Engines = Engines(), *, relative: bool = False) -> str:
    """The TOML config pointing every source at the sandbox (``files.root``).

    ``relative`` writes the repository and log paths relative to the sandbox, for a process
    running in it: the screenshots show the same paths wherever they were made.
    """
    missing = files.root / "not-running"
    repo, logs = files.repo, files.logs
    if relative:
        repo, logs = repo.relative_to(files.root), logs.relative_to(files.root)
    dsn = engines.postgres_dsn or f"host={missing} port=5432 dbname={DEMO_DB} connect_timeout=2"
    host = engines.docker_host or f"unix://{missing / 'podman.sock'}"
    ports = [engines.postgres_port] if engines.postgres_port else []
    return (
        "# Written by `debugtui demo`: every source points at the sandbox incident.\n"
        "[deploys]\n"
        f"repos = [{_toml(repo)}]\n"
        'since = "48h"\n'
        "\n[logs]\n"
        f"paths = [{_toml(logs)}]\n"
        'since = "2h"\n'
        "\n[postgres]\n"
        f"dsn = {_toml(dsn)}\n"
        "\n[containers]\n"
        f"host = {_toml(host)}\n"
        "\n[sockets]\n"
        f"ports = {json.dumps(ports)}\n"
    )


def _toml(value: object) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(str(value), ensure_ascii=False)


class DemoSandbox:
    """The incident's files and engines under ``root``; :meth:`stop` undoes :meth:`start`."""

    def __init__(
        self,
        root: Path,
        *,
        now: datetime | None = None,
        engines: bool = True,
        say: Callable[[str], None] = lambda line: None,
    ) -> None:
        self.root = root
        self.now = now
        self.want_engines = engines
        self.say = say
        """Called with one line at a time while starting and stopping (progress)."""
        self.files: DemoFiles | None = None
        self.postgres: PostgresServer | None = None
        self.engine: PodmanEngine | None = None
        self.traffic: CheckoutTraffic | None = None
        self.report: list[str] = []
        """What was started and where, or why not: one line each."""
        self.config_path = root / "debugtui.toml"

    # -- starting ---------------------------------------------------------------------------

    def start(self) -> DemoFiles:
        """Build everything; an engine that cannot start is reported, never raised."""
        self.say("Building the incident: a git repository and rotated logs…")
        files = build_incident(self.root, self.now)
        self.files = files
        self._report(
            "Deploys", f"{files.repo} (git; {DEPLOY_TAG} tagged at {files.deploy_at:%H:%M} UTC)"
        )
        logs = ", ".join(sorted(p.name for p in files.logs.iterdir()))
        self._report("Logs", f"{files.logs} ({logs}; errors from {files.spike_at:%H:%M} UTC)")
        if self.want_engines:
            self._start_postgres()
            self._start_podman()
        self.config_path.write_text(demo_config(files, self.engines), encoding="utf-8")
        self._report("Config", str(self.config_path))
        return files

    def _report(self, what: str, line: str) -> None:
        self.report.append(f"{what + ':':<12}{line}")

    @property
    def engines(self) -> Engines:
        pg = self.postgres
        return Engines(
            postgres_dsn=pg.dsn_for(user=pg.monitor_user) if pg else None,
            docker_host=self.engine.host if self.engine else None,
            postgres_port=pg.port if pg else None,
        )

    def _start_postgres(self) -> None:
        from debugtui.sandbox import postgres

        reason = postgres.missing_requirement()
        if reason is not None:
            self._report("PostgreSQL", f"not installed ({reason}) — the Queries tab will say so")
            return
        self.say("Starting PostgreSQL and running the checkout workload…")
        try:
            self.postgres = postgres.launch(root=self.root / "postgres", dbname=DEMO_DB)
            from debugtui.demo.workload import CheckoutTraffic, load

            load(self.postgres)
            self.traffic = CheckoutTraffic(self.postgres)
            self.traffic.start()
        except Exception as exc:
            self._stop_postgres()
            self._report(
                "PostgreSQL", f"could not start: {_first_line(exc)} — the Queries tab will say so"
            )
            return
        pg = self.postgres
        self._report(
            "PostgreSQL",
            f"{pg.socket_dir} port {pg.port}, database {DEMO_DB}"
            " (pg_stat_statements; the checkout join is slow)",
        )

    def _start_podman(self) -> None:
        from debugtui.sandbox import podman

        reason = podman.missing_requirement()
        if reason is not None:
            self._report("Containers", f"not available ({reason}) — the Containers tab will say so")
            return
        self.say("Starting podman with a crash-looping worker…")
        try:
            self.engine = podman.launch(self.root / "podman")
            self.engine.run_container(WEB, "sleep", "7200")
            self.engine.start_crashloop(
                WORKER, message=WORKER_MESSAGE, retries=WORKER_RETRIES, pause_s=WORKER_PAUSE_S
            )
        except Exception as exc:
            self._stop_podman()
            self._report(
                "Containers",
                f"podman could not start: {_first_line(exc)} — the Containers tab will say so",
            )
            return
        self._report("Containers", f"{self.engine.host} ({WORKER} crash-looping, {WEB} up)")

    # -- stopping ---------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop every engine started (each attempted even if another fails)."""
        try:
            self._stop_podman()
        finally:
            self._stop_postgres()

    def _stop_postgres(self) -> None:
        traffic, self.traffic = self.traffic, None
        if traffic is not None:
            traffic.stop()
        server, self.postgres = self.postgres, None
        if server is not None:
            self.say("Stopping PostgreSQL…")
            server.destroy()

    def _stop_podman(self) -> None:
        engine, self.engine = self.engine, None
        if engine is not None:
            self.say("Stopping podman and its containers…")
            engine.teardown()

    def remove(self) -> None:
        """Delete the sandbox directory (after :meth:`stop`)."""
        with contextlib.suppress(OSError):
            shutil.rmtree(self.root)

    def __enter__(self) -> DemoSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return one_line(text[0] if text else type(exc).__name__, 160)


def sandbox_dir_mode() -> int:
    """The sandbox directory's mode: others may traverse it when the server runs as the
    ``postgres`` user (we are root), never list or read it."""
    return 0o711 if os.geteuid() == 0 else 0o700
