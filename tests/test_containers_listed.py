"""When podman's list entry says what an inspect would (:mod:`debugtui.sources.containerlisted`):
the rule on list entries shaped as podman 4.3 sends them. The source applying it against the
real podman is in tests/test_containers_inventory.py."""

from __future__ import annotations

from typing import Any

from debugtui.sources.containerlisted import SECONDS_ENOUGH_AFTER_S, inspect_from_list
from debugtui.sources.containerstats import parse_engine_time

NEVER = -62135596800
"""Go's zero time in Unix seconds: podman's ``ExitedAt`` before the first exit."""
STARTED = 1_796_596_202
START_EVENT_NS = STARTED * 1_000_000_000 + 181_970_705


def entry(**changes: Any) -> dict[str, Any]:
    base = {
        "Id": "f" * 64,
        "Names": ["web"],
        "Image": "localhost/web:1",
        "State": "running",
        "Status": "",
        "StartedAt": STARTED,
        "ExitedAt": NEVER,
        "ExitCode": 0,
        "Pid": 4242,
    }
    return {**base, **changes}


def started_s(listed: Any) -> float | None:
    """The start time an inspect made from the list says, in seconds."""
    assert listed is not None
    started = parse_engine_time(listed["State"]["StartedAt"])
    return None if started is None else started.timestamp()


def test_a_running_container_that_never_exited_reads_as_its_inspect_would() -> None:
    listed = inspect_from_list(entry(), START_EVENT_NS, STARTED + 5.0)
    assert listed is not None
    state = listed["State"]
    assert (listed["Name"], listed["RestartCount"], listed["Config"]["Image"]) == (
        "web",
        0,
        "localhost/web:1",
    )
    assert (state["Status"], state["Running"], state["ExitCode"], state["OOMKilled"]) == (
        "running",
        True,
        0,
        False,
    )
    assert parse_engine_time(state["FinishedAt"]) is None
    assert started_s(listed) == STARTED + 0.181970
    assert state["Health"] == {}


def test_the_health_comes_from_the_list_status() -> None:
    listed = inspect_from_list(entry(Status="unhealthy"), START_EVENT_NS, STARTED + 5.0)
    assert listed is not None and listed["State"]["Health"] == {"Status": "unhealthy"}


def test_a_container_that_exited_before_or_is_not_running_needs_its_inspect() -> None:
    """An exit, even one followed by a restart, may mean restarts, an OOM kill, an exit
    code: only the inspect says."""
    now = STARTED + 5.0
    assert inspect_from_list(entry(ExitedAt=STARTED - 1), START_EVENT_NS, now) is None
    for state in ("exited", "paused", "created", "stopped", "restarting"):
        assert inspect_from_list(entry(State=state), START_EVENT_NS, now) is None
    assert inspect_from_list(entry(StartedAt=0), START_EVENT_NS, now) is None
    assert inspect_from_list(entry(ExitedAt=None), START_EVENT_NS, now) is None


def test_without_its_start_event_only_an_old_start_in_seconds_is_exact_enough() -> None:
    young = STARTED + SECONDS_ENOUGH_AFTER_S - 1
    old = STARTED + SECONDS_ENOUGH_AFTER_S
    assert inspect_from_list(entry(), None, young) is None
    assert started_s(inspect_from_list(entry(), None, old)) == STARTED


def test_a_start_event_of_another_second_is_not_taken_for_this_start() -> None:
    """A start the list does not show (read from events, then the list of a later run)."""
    earlier = (STARTED - 5) * 1_000_000_000
    assert inspect_from_list(entry(), earlier, STARTED + 5.0) is None
    assert started_s(inspect_from_list(entry(), earlier, STARTED + SECONDS_ENOUGH_AFTER_S)) == (
        STARTED
    )
