"""Engine faults as evidence: a missing, stale, forbidden, stopped, silent or hanging-up
engine is a failed snapshot with an error and a hint, never an exception or a hang.

The silent and hanging-up engines are real unix socket servers written here (an engine in
those states cannot be produced on demand); everything else is the real podman.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from debugtui.config import Config, ContainersConfig
from debugtui.sources.base import SourceError
from debugtui.sources.containers import (
    MISSING_HINT,
    PERMISSION_HINT,
    TIMEOUT_HINT,
    ContainersData,
    ContainersSource,
)
from tests.fixtures.podman import PodmanEngine

DEFAULT_SOCKETS = (Path("/var/run/docker.sock"), Path("/run/podman/podman.sock"))


def source_at(host: str, timeout_s: float = 5.0) -> ContainersSource:
    return ContainersSource(Config(containers=ContainersConfig(host=host, timeout_s=timeout_s)))


class SocketServer:
    """A unix socket that accepts connections and then either never answers (``silent``) or
    closes them at once (``hang_up``)."""

    def __init__(self, path: Path, behaviour: str) -> None:
        self.path = path
        self.behaviour = behaviour
        self.accepted = 0
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(path))
        self._listener.listen(16)
        self._listener.settimeout(0.05)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            if self.behaviour == "hang_up":
                conn.close()
            else:
                self._held.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()
        for conn in self._held:
            conn.close()


@pytest.fixture
def silent_engine(tmp_path: Path) -> Iterator[SocketServer]:
    server = SocketServer(tmp_path / "silent.sock", "silent")
    yield server
    server.close()


@pytest.fixture
def hanging_up_engine(tmp_path: Path) -> Iterator[SocketServer]:
    server = SocketServer(tmp_path / "hangup.sock", "hang_up")
    yield server
    server.close()


def test_missing_socket_is_a_failure_with_hint(tmp_path: Path) -> None:
    host = f"unix://{tmp_path}/nothing-here.sock"
    snapshot = source_at(host).collect({})
    assert not snapshot.ok
    assert snapshot.error == f"no container engine at {host}: the socket does not exist"
    assert snapshot.hint == MISSING_HINT
    assert "set DOCKER_HOST or [containers] host" in snapshot.hint


def test_no_engine_configured_or_found_is_a_failure_with_hint() -> None:
    if any(p.exists() for p in DEFAULT_SOCKETS):
        pytest.skip("this machine has a default engine socket")
    snapshot = ContainersSource(Config()).collect({})
    assert not snapshot.ok
    assert snapshot.error is not None and snapshot.error.startswith("no container engine found")
    assert snapshot.hint == MISSING_HINT


def test_docker_host_environment_variable_is_used(
    podman_engine: PodmanEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", podman_engine.host)
    source = ContainersSource(Config())
    try:
        snapshot = source.collect({})
    finally:
        source.close()
    assert snapshot.ok, snapshot.error
    assert snapshot.data.host == podman_engine.host


def test_stale_socket_file_is_connection_refused(tmp_path: Path) -> None:
    """A socket file left behind by an engine that died: it exists, nobody listens."""
    path = tmp_path / "stale.sock"
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))
    stale.close()
    snapshot = source_at(f"unix://{path}").collect({})
    assert not snapshot.ok
    assert snapshot.error == f"no container engine at unix://{path}: connection refused"
    assert snapshot.hint == MISSING_HINT


_AS_NOBODY = """
import json, os, sys
from debugtui.config import Config, ContainersConfig
from debugtui.sources.containers import ContainersSource
import docker, requests, urllib3  # loaded while still root: nothing below needs to read files

os.setgroups([])
os.setgid(65534)
os.setuid(65534)
source = ContainersSource(Config(containers=ContainersConfig(host=sys.argv[1])))
print(json.dumps(source.collect({}).to_dict()))
"""


def test_permission_denied_on_the_socket_says_what_to_do(podman_engine: PodmanEngine) -> None:
    """Root is never refused by a socket's mode, so the collect runs in a child process that
    drops to the ``nobody`` user first: the socket (root, mode 0600) then refuses it, as
    /var/run/docker.sock refuses a user outside the docker group."""
    if os.geteuid() != 0:
        pytest.skip("dropping to another user needs root")
    assert os.stat(podman_engine.socket_path).st_mode & 0o077 == 0
    proc = subprocess.run(
        [sys.executable, "-c", _AS_NOBODY, podman_engine.host],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
    )
    assert proc.returncode == 0, proc.stderr
    snapshot = json.loads(proc.stdout)
    assert snapshot["ok"] is False
    assert snapshot["error"] == f"permission denied on {podman_engine.host}"
    assert snapshot["hint"] == PERMISSION_HINT


def test_engine_stopped_mid_session_fails_then_recovers(
    podman_engine: PodmanEngine, containers_source: ContainersSource
) -> None:
    assert containers_source.collect({}).ok
    with podman_engine.service_stopped():
        down = containers_source.collect({})
    assert not down.ok
    assert down.error is not None and down.error.startswith(
        f"no container engine at {podman_engine.host}"
    )
    assert down.hint == MISSING_HINT
    back = containers_source.collect({})
    assert back.ok, (back.error, back.hint)
    assert isinstance(back.data, ContainersData)
    assert podman_engine.names.running in {c.name for c in back.data.containers}


@pytest.mark.timeout(60)
def test_engine_that_never_answers_is_bounded_by_the_timeout(
    silent_engine: SocketServer,
) -> None:
    host = f"unix://{silent_engine.path}"
    source = source_at(host, timeout_s=0.5)
    snapshot = source.collect({})
    assert not snapshot.ok
    assert snapshot.error == f"the container engine at {host} did not answer within 0.5s"
    assert snapshot.hint == TIMEOUT_HINT
    assert silent_engine.accepted >= 1


@pytest.mark.timeout(60)
def test_logs_from_an_engine_that_never_answers_are_bounded_too(
    silent_engine: SocketServer,
) -> None:
    source = source_at(f"unix://{silent_engine.path}", timeout_s=0.5)
    with pytest.raises(SourceError) as caught:
        source.container_logs("anything")
    assert caught.value.hint == TIMEOUT_HINT


def test_engine_that_hangs_up_is_a_lost_connection(hanging_up_engine: SocketServer) -> None:
    host = f"unix://{hanging_up_engine.path}"
    snapshot = source_at(host).collect({})
    assert not snapshot.ok
    assert snapshot.error is not None
    assert snapshot.error.startswith(f"lost the connection to the container engine at {host}")
    assert snapshot.hint == MISSING_HINT


def test_bad_since_is_a_failure_with_hint(containers_source: ContainersSource) -> None:
    snapshot = containers_source.collect({"since": "yesterday-ish"})
    assert not snapshot.ok
    assert snapshot.error is not None and "yesterday-ish" in snapshot.error
    assert snapshot.hint is not None and "duration" in snapshot.hint
