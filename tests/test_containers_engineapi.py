"""The two ways the containers source asks an engine (by hand on a local socket, through the
docker SDK's transport otherwise) against the real podman: the same answers, the same
errors, and a whole collect through either."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from debugtui.config import Config, ContainersConfig
from debugtui.sources import containers as containers_module
from debugtui.sources.containerevents import read_events
from debugtui.sources.containers import ContainersData, ContainersSource
from debugtui.sources.engineapi import (
    Engine,
    EngineError,
    EngineNotFound,
    LocalEngine,
    SdkEngine,
)
from tests.fixtures.podman import PodmanEngine


@pytest.fixture(params=["local", "sdk"])
def engine(request: pytest.FixtureRequest, podman_engine: PodmanEngine) -> Iterator[Engine]:
    if request.param == "local":
        made: Engine = LocalEngine(str(podman_engine.socket_path), 10.0)
    else:
        made = SdkEngine(podman_engine.host, 10.0, 4)
    made.api_version = "1.41"
    try:
        yield made
    finally:
        made.close()


def test_ping_names_the_engine_in_lowercase_headers(engine: Engine) -> None:
    headers = engine.ping()
    assert headers["api-version"] == "1.41"
    assert headers["server"].startswith("Libpod/")


def test_list_and_inspect_answer_as_json(engine: Engine, podman_engine: PodmanEngine) -> None:
    listed = engine.get_json("/containers/json", {"all": "true"})
    names = {n.lstrip("/") for c in listed for n in c["Names"]}
    assert podman_engine.names.running in names
    inspect = engine.get_json(f"/containers/{podman_engine.names.running}/json")
    assert inspect["State"]["Running"] is True


def test_unknown_container_is_engine_not_found_with_the_engines_message(engine: Engine) -> None:
    with pytest.raises(EngineNotFound) as caught:
        engine.get_json("/containers/dt-no-such-container/json")
    assert caught.value.status == 404
    assert "no such container" in caught.value.explanation


def test_a_bad_request_is_an_engine_error(engine: Engine) -> None:
    with pytest.raises(EngineError) as caught:
        engine.get_json("/containers/json", {"filters": "{not json"})
    assert caught.value.status >= 400
    assert not isinstance(caught.value, EngineNotFound)


def test_events_stream_reads_to_its_end(engine: Engine) -> None:
    """The session's containers started within the hour: their events are read, then the
    answer ends (podman's stream=false), well before the timeout."""
    start = datetime.now(timezone.utc) - timedelta(hours=1)
    got = read_events(engine, start, timeout_s=30.0, podman=True)
    assert got.complete and got.error is None
    assert all(json.dumps(e) for e in got.events)
    assert {e.get("Type") for e in got.events} <= {"container"}


def test_a_whole_collect_through_the_sdk_transport(
    podman_engine: PodmanEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tcp:// or ssh:// host goes through the SDK; here the SDK is pointed at podman's
    socket, so the whole collect runs through it against the real engine."""

    def through_sdk(socket_path: str, timeout_s: float) -> Any:
        return SdkEngine(f"unix://{socket_path}", timeout_s, 9)

    monkeypatch.setattr(containers_module, "LocalEngine", through_sdk)
    source = ContainersSource(Config(containers=ContainersConfig(host=podman_engine.host)))
    try:
        snapshot = source.collect({})
    finally:
        source.close()
    assert snapshot.ok, (snapshot.error, snapshot.hint)
    assert isinstance(snapshot.data, ContainersData)
    running = {c.name: c for c in snapshot.data.containers}[podman_engine.names.running]
    assert running.stats is not None and running.stats.memory_bytes is not None
    assert snapshot.data.events_complete


def test_closing_a_stream_from_another_thread_ends_its_reader(
    podman_engine: PodmanEngine,
) -> None:
    """A live events stream (no stream=false: podman keeps it open for new events) is
    stopped by closing the answer: the reading thread sees the end instead of blocking."""
    engine = LocalEngine(str(podman_engine.socket_path), 30.0)
    engine.api_version = "1.41"
    answer = engine.open("/events")
    assert answer.status == 200
    ended = threading.Event()

    def reader() -> None:
        for _ in answer.lines():
            pass
        ended.set()

    threading.Thread(target=reader, daemon=True).start()
    time.sleep(0.2)
    assert not ended.is_set()
    answer.close()
    assert ended.wait(10)
