"""The podman fixture itself: isolated storage, the promised containers, a restartable service.

The container source's tests trust these states, so they are checked here once, through the
podman CLI rather than the code under test.
"""

from __future__ import annotations

from pathlib import Path

from tests.fixtures.podman import PodmanEngine, ping


def test_storage_lives_in_the_fixture_directory(podman_engine: PodmanEngine) -> None:
    graph_root = podman_engine.podman("info", "--format", "{{.Store.GraphRoot}}").strip()
    assert Path(graph_root).is_relative_to(podman_engine.root)


def test_socket_answers_ping(podman_engine: PodmanEngine) -> None:
    assert podman_engine.host == f"unix://{podman_engine.socket_path}"
    assert ping(podman_engine.socket_path)


def test_exited_container_has_exit_code_3(podman_engine: PodmanEngine) -> None:
    state = podman_engine.inspect(podman_engine.names.exited)["State"]
    assert state["ExitCode"] == 3


def test_crash_looping_container_is_restarted_by_podman(podman_engine: PodmanEngine) -> None:
    assert podman_engine.restart_count(podman_engine.names.crashloop) >= 1


def test_oom_and_killed_containers_exit_137(podman_engine: PodmanEngine) -> None:
    for name in (podman_engine.names.oom, podman_engine.names.killed):
        assert podman_engine.inspect(name)["State"]["ExitCode"] == 137


def test_unhealthy_container_is_unhealthy(podman_engine: PodmanEngine) -> None:
    state = podman_engine.inspect(podman_engine.names.unhealthy)["State"]
    assert state["Health"]["Status"] == "unhealthy"


def test_service_stops_and_starts_again(podman_engine: PodmanEngine) -> None:
    with podman_engine.service_stopped():
        assert not ping(podman_engine.socket_path)
    assert ping(podman_engine.socket_path)
    running = podman_engine.inspect(podman_engine.names.running)["State"]["Status"]
    assert running == "running"


def test_container_locks_are_files_in_the_fixture_directory(podman_engine: PodmanEngine) -> None:
    """Not the machine-wide /libpod_lock shared memory, which a fresh podman would reset."""
    locks = podman_engine.root / "tmp" / "locks"
    assert locks.is_dir() and any(locks.iterdir())
