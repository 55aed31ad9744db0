"""Follow mode: new matches as real files grow, across rename rotation, truncation, deletion.

Each test follows real files from a real thread and waits on a queue with a deadline, never
on a fixed sleep; the poll interval is shortened so the tests stay quick.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from debugtui.sources.logfollow import FollowNotice, follow, follow_targets
from debugtui.sources.logresults import LogMatch, LogQuery, MatchBatch

WAIT_S = 10.0


class Follower:
    """Runs ``follow`` in a thread; the test reads matches and notices from queues."""

    def __init__(self, *paths: Path, pattern: str = "error", from_start: bool = False) -> None:
        self.cancel = threading.Event()
        self.matches: queue.Queue[LogMatch] = queue.Queue()
        self.notices: queue.Queue[FollowNotice] = queue.Queue()
        query = LogQuery(pattern, paths=tuple(str(p) for p in paths))
        self.events = follow(query, self.cancel, poll_seconds=0.02, from_start=from_start)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for event in self.events:
            if isinstance(event, MatchBatch):
                for match in event.matches:
                    self.matches.put(match)
            else:
                self.notices.put(event)

    def next_texts(self, count: int) -> list[str]:
        return [self.matches.get(timeout=WAIT_S).text for _ in range(count)]

    def notice(self) -> str:
        return self.notices.get(timeout=WAIT_S).message

    def nothing_more(self) -> bool:
        try:
            self.matches.get(timeout=0.3)
        except queue.Empty:
            return True
        return False

    def stop(self) -> None:
        self.cancel.set()
        self.thread.join(timeout=WAIT_S)
        assert not self.thread.is_alive(), "follow did not stop when cancelled"


@pytest.fixture
def followers() -> Iterator[list[Follower]]:
    started: list[Follower] = []
    yield started
    for follower in started:
        follower.stop()


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()


def test_new_matching_lines_are_followed_from_the_end(tmp_path: Path, followers: list) -> None:
    log = tmp_path / "app.log"
    log.write_text("old error before following\n")
    follower = Follower(log)
    followers.append(follower)
    _append(log, "2026-11-24T00:00:01Z info fine\n2026-11-24T00:00:02Z error one\n")
    assert follower.next_texts(1) == ["2026-11-24T00:00:02Z error one"]
    _append(log, "2026-11-24T00:00:03Z error two\n")
    assert follower.next_texts(1) == ["2026-11-24T00:00:03Z error two"]


def test_a_line_being_written_waits_for_its_newline(tmp_path: Path, followers: list) -> None:
    log = tmp_path / "app.log"
    log.write_text("")
    follower = Follower(log)
    followers.append(follower)
    _append(log, "2026-11-24T00:00:01Z error half")
    assert follower.nothing_more()
    _append(log, " and the rest\n")
    assert follower.next_texts(1) == ["2026-11-24T00:00:01Z error half and the rest"]


def test_a_stack_trace_line_carries_its_entry(tmp_path: Path, followers: list) -> None:
    log = tmp_path / "app.log"
    log.write_text("2026-11-24T00:00:00Z INFO start\n")
    follower = Follower(log, pattern="ValueError")
    followers.append(follower)
    _append(log, "2026-11-24T00:00:05Z ERROR boom\nTraceback:\nValueError: bad\n")
    match = follower.matches.get(timeout=WAIT_S)
    assert match.text == "ValueError: bad"
    assert match.entry is not None and match.entry.text == "2026-11-24T00:00:05Z ERROR boom"
    assert match.time is not None and match.time.second == 5


def test_rename_rotation_finishes_the_old_file_then_follows_the_new(
    tmp_path: Path, followers: list
) -> None:
    log = tmp_path / "app.log"
    log.write_text("")
    follower = Follower(log)
    followers.append(follower)
    _append(log, "error 1\n")
    assert follower.next_texts(1) == ["error 1"]
    with log.open("a", encoding="utf-8") as old_handle:
        log.rename(tmp_path / "app.log.1")
        old_handle.write("error 2 written to the old file after the rename\n")
        old_handle.flush()
        log.write_text("error 3 in the new file\n")
    assert follower.next_texts(2) == [
        "error 2 written to the old file after the rename",
        "error 3 in the new file",
    ]
    # "rotated", or "deleted" then "appeared again" if a poll fell between rename and create
    notice = follower.notice()
    if "deleted" in notice:
        notice = follower.notice()
    assert "rotated" in notice or "appeared again" in notice
    _append(log, "error 4\n")
    assert follower.next_texts(1) == ["error 4"]


def test_truncation_in_place_reads_again_from_the_start(tmp_path: Path, followers: list) -> None:
    log = tmp_path / "app.log"
    log.write_text("")
    follower = Follower(log)
    followers.append(follower)
    _append(log, "error before a long line " + "x" * 200 + "\n")
    assert len(follower.next_texts(1)) == 1
    with log.open("r+", encoding="utf-8") as handle:  # copytruncate
        handle.truncate(0)
    assert "truncated" in follower.notice()
    _append(log, "error after truncation\n")
    assert follower.next_texts(1) == ["error after truncation"]


def test_a_deleted_file_is_reported_and_waited_for(tmp_path: Path, followers: list) -> None:
    log = tmp_path / "app.log"
    log.write_text("")
    follower = Follower(log)
    followers.append(follower)
    log.unlink()
    assert "deleted" in follower.notice()
    log.write_text("error in the new file\n")
    assert "appeared again" in follower.notice()
    assert follower.next_texts(1) == ["error in the new file"]


def test_a_file_that_does_not_exist_yet_is_followed_from_its_start(
    tmp_path: Path, followers: list
) -> None:
    log = tmp_path / "later.log"
    follower = Follower(log)
    followers.append(follower)
    assert "waiting" in follower.notice()
    log.write_text("error first line\n")
    assert follower.next_texts(1) == ["error first line"]


def test_from_start_reads_what_the_file_already_holds(tmp_path: Path, followers: list) -> None:
    log = tmp_path / "app.log"
    log.write_text("error old\nok\n")
    follower = Follower(log, from_start=True)
    followers.append(follower)
    assert follower.next_texts(1) == ["error old"]
    assert follower.nothing_more()


def test_cancelling_stops_the_follow_promptly(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("")
    follower = Follower(log)
    follower.stop()


def test_directories_follow_their_live_files_only(tmp_path: Path) -> None:
    for name in ("app.log", "app.log.1", "app.log.2.gz", "db.log"):
        (tmp_path / name).write_text("x\n")
    targets = follow_targets((str(tmp_path), str(tmp_path / "missing.log")))
    assert [os.path.basename(t) for t in targets] == ["app.log", "db.log", "missing.log"]
