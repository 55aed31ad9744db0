"""The early requests of a whole-process snapshot (:mod:`debugtui.sources.containerprefetch`)
against the real podman: when they are made, that the document reads as the normal path's,
that the source then asks the engine nothing but the events itself, and that every failing
engine reads exactly as it does without them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from debugtui.cli import main
from debugtui.config import Config, ContainersConfig
from debugtui.sources import containerprefetch, containers, engineapi
from debugtui.sources.containerprefetch import (
    DEFAULT_WINDOW_S,
    Prefetch,
    PrefetchedEngine,
    engine_address,
)
from debugtui.sources.containers import ContainersSource, window_start
from debugtui.sources.engineapi import events_query
from tests.fixtures.podman import PodmanEngine
from tests.test_containers_faults import SocketServer


@pytest.fixture
def no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory and XDG config home without a config file."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path


def test_the_engine_is_asked_early_only_when_no_config_file_can_name_another(
    no_config: Path,
) -> None:
    env = {"DOCKER_HOST": "unix:///run/x.sock", "XDG_CONFIG_HOME": str(no_config / "config")}
    assert engine_address(None, env) == "unix:///run/x.sock"
    assert engine_address("elsewhere.toml", env) is None  # --config: the file decides
    assert engine_address(None, {**env, "DOCKER_HOST": "tcp://db:2375"}) is None  # the SDK's
    xdg_file = no_config / "config" / "debugtui" / "config.toml"
    xdg_file.parent.mkdir(parents=True)
    xdg_file.write_text("")
    assert engine_address(None, env) is None
    xdg_file.unlink()
    (no_config / "debugtui.toml").write_text("")
    assert engine_address(None, env) is None


def test_the_early_requests_load_without_dataclasses() -> None:
    """The requests are to be under way before the slow part of loading (dataclasses pulls
    in inspect, ast and dis: ~20 ms) begins."""
    code = "import sys, debugtui.sources.containerprefetch; print('dataclasses' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


@pytest.fixture
def requests_made(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """Every request sent to a local engine: (who sent it, its target). A source handed a
    prefetch asks through :class:`PrefetchedEngine` ("source"); the early requests, and a
    source without one, through a plain local engine ("plain")."""
    made: list[tuple[str, str]] = []
    plain_open = engineapi.LocalEngine.open

    def open_and_note(self: engineapi.LocalEngine, path: str, params: Any = None, **kw: Any):
        who = "source" if isinstance(self, PrefetchedEngine) else "plain"
        made.append((who, self.target(path, params, kw.get("versioned", True))))
        return plain_open(self, path, params, **kw)

    monkeypatch.setattr(engineapi.LocalEngine, "open", open_and_note)
    yield made


def first_sent(requests_made: list[tuple[str, str]], part: str) -> str:
    """The first target holding ``part`` that was sent, waiting for it: the early events
    go out from a thread of their own, which the list's answer can beat (seen once in CI)."""
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        for _, target in list(requests_made):
            if part in target:
                return target
        time.sleep(0.01)
    raise AssertionError(f"no request with {part!r} was sent: {requests_made}")


def comparable(doc: Mapping[str, Any], unstable: str) -> dict[str, Any]:
    """A snapshot document without what differs between two collects of the same engine:
    times, durations, resource numbers (only whether a container has them), and anything
    about the ``unstable`` container (it crash-loops)."""
    section = doc["sources"]["containers"]
    assert section["ok"], section
    data = section["data"]
    containers = [
        {**c, "stats": c["stats"] is not None} for c in data["containers"] if c["name"] != unstable
    ]
    return {
        "params": section["params"],
        "warnings": [w for w in section["warnings"] if unstable not in w],
        "host": data["host"],
        "engine": data["engine"],
        "api_version": data["api_version"],
        "containers": containers,
        "events": [
            (e["time"], e["container_id"], e["action"], e["detail"])
            for e in data["events"]
            if e["container"] != unstable
        ],
        "events_complete": data["events_complete"],
        "findings": [f for f in doc["findings"] if unstable not in json.dumps(f)],
    }


def run_snapshot(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main([*argv, "snapshot", "--source", "containers", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_early_snapshot_reads_as_the_normal_one_and_asks_nothing_twice(
    podman_engine: PodmanEngine,
    no_config: Path,
    requests_made: list[tuple[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DOCKER_HOST", podman_engine.host)
    early = run_snapshot(capsys)
    asked_early = list(requests_made)
    config = no_config / "named.toml"
    config.write_text(f"[containers]\nhost = {json.dumps(podman_engine.host)}\n")
    normal = run_snapshot(capsys, "--config", str(config))
    unstable = podman_engine.names.crashloop
    assert comparable(early, unstable) == comparable(normal, unstable)
    assert len(comparable(early, unstable)["containers"]) >= 6

    data = early["sources"]["containers"]["data"]
    version = data["api_version"]
    # podman answers 500 while a restarting container comes and goes: the source then
    # inspects it again itself, as it would have without the early requests
    restarting = next(c["id"] for c in data["containers"] if c["name"] == unstable)
    again = f"/v{version}/containers/{restarting}"
    asked = [(who, t.split("?")[0]) for who, t in asked_early if not t.startswith(again)]
    assert len(asked) == len(set(asked)), "a request was made twice"
    assert [t for who, t in asked if who == "source"] == []
    early_asked = [t for who, t in asked if who == "plain"]
    assert early_asked[0] == "/_ping"
    assert set(early_asked) >= {
        f"/v{version}/libpod/containers/json",
        f"/v{version}/libpod/containers/stats",
        f"/v{version}/events",
    }
    inspect = f"/v{version}/containers/"
    inspected = {t[len(inspect) :][:12] for t in early_asked if t.startswith(inspect)}
    # each listed one but the restarting and those the list says everything about
    needed = {c["id"] for c in data["containers"] if not (c["running"] and not c["finished_at"])}
    assert inspected == needed - {restarting}
    assert len(needed) >= 3 and len(data["containers"]) - len(needed) >= 3
    # a config file may name another engine: nothing is asked early, so nothing twice
    normal_asked = [t for who, t in requests_made[len(asked_early) :] if not t.startswith(again)]
    assert len(set(normal_asked)) == len(normal_asked)
    assert all(who == "plain" for who, _ in requests_made[len(asked_early) :])


def test_the_early_requests_read_events_as_the_source_does_by_default() -> None:
    """The prefetch cannot import the source (it is what loads while the engine answers):
    its copies of the source's settings must say the same."""
    now = datetime.now(timezone.utc)
    assert (
        abs((now - window_start(containers.DEFAULT_SINCE)).total_seconds() - DEFAULT_WINDOW_S) < 5
    )
    assert containerprefetch.EVENT_HISTORY == containers.EVENT_HISTORY


def test_events_sent_early_answer_a_window_starting_no_earlier(
    podman_engine: PodmanEngine, requests_made: list[tuple[str, str]]
) -> None:
    """The source's window starts a moment after the early one (a second later, past a
    second's turn): that answer holds every event it asks for, so it takes it; a window
    starting earlier than the early one goes to the engine."""
    prefetch = Prefetch(podman_engine.host, 10.0)
    engine = prefetch.engine(10.0)
    engine.api_version = "1.41"
    assert engine.get_json("/libpod/containers/json", {"all": "true"}) is not None
    sent = first_sent(requests_made, "/events?")
    since = int(sent.split("since=")[1].split("&")[0])
    query = events_query(since + 1, 0, podman=True)
    too_early = events_query(since - 1, 0, podman=True)
    assert engine.open("/events", too_early).read()
    assert engine.open("/events", query).read()
    from_engine = [t for who, t in requests_made if who == "source" and "/events?" in t]
    assert from_engine == [engine.target("/events", too_early, True)]


def failed(host: str, timeout_s: float, *, early: bool) -> tuple[Any, ...]:
    config = Config(containers=ContainersConfig(host=host, timeout_s=timeout_s))
    prefetch = Prefetch(host, timeout_s) if early else None
    source = ContainersSource(config, prefetch=prefetch)
    try:
        snap = source.collect({})
    finally:
        source.close()
    return snap.ok, snap.error, snap.hint, snap.warnings


def assert_reads_the_same(host: str, timeout_s: float = 5.0, *, racy: bool = False) -> None:
    """``racy``: which error the cut connection gives (a reset, a broken pipe) is a race
    with the engine on either path; the message is compared up to it."""
    normal = failed(host, timeout_s, early=False)
    early = failed(host, timeout_s, early=True)
    assert normal[0] is False
    if racy:
        cut = f"{host}: "
        normal = (normal[0], normal[1].partition(cut)[0], *normal[2:])
        early = (early[0], early[1].partition(cut)[0], *early[2:])
    assert early == normal


def test_a_missing_socket_reads_the_same(tmp_path: Path) -> None:
    assert_reads_the_same(f"unix://{tmp_path}/nothing-here.sock")


def test_a_stale_socket_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "stale.sock"
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))
    stale.close()
    assert_reads_the_same(f"unix://{path}")


def test_a_stopped_engine_reads_the_same(podman_engine: PodmanEngine) -> None:
    with podman_engine.service_stopped():
        assert_reads_the_same(podman_engine.host)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("behaviour", ["silent", "hang_up"])
def test_an_engine_that_never_answers_or_hangs_up_reads_the_same(
    tmp_path: Path, behaviour: str
) -> None:
    server = SocketServer(tmp_path / f"{behaviour}.sock", behaviour)
    try:
        assert_reads_the_same(f"unix://{server.path}", timeout_s=0.5, racy=behaviour == "hang_up")
    finally:
        server.close()


_AS_NOBODY = """
import json, os, sys
from debugtui.config import Config, ContainersConfig
from debugtui.sources.containerprefetch import Prefetch
from debugtui.sources.containers import ContainersSource, window_start

os.setgroups([])
os.setgid(65534)
os.setuid(65534)
host = sys.argv[1]
config = Config(containers=ContainersConfig(host=host))
read = []
for prefetch in (None, Prefetch(host, 5.0)):
    snap = ContainersSource(config, prefetch=prefetch).collect({})
    read.append([snap.ok, snap.error, snap.hint])
print(json.dumps(read))
"""


def test_a_forbidden_socket_reads_the_same(podman_engine: PodmanEngine) -> None:
    """As in test_containers_faults: the child drops to ``nobody``, whom the socket
    (root, 0600) refuses."""
    if os.geteuid() != 0:
        pytest.skip("dropping to another user needs root")
    proc = subprocess.run(
        [sys.executable, "-c", _AS_NOBODY, podman_engine.host],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
    )
    assert proc.returncode == 0, proc.stderr
    normal, early = json.loads(proc.stdout)
    assert normal[:2] == [False, f"permission denied on {podman_engine.host}"]
    assert early == normal
