"""Which files a log search reads: paths, globs, directories, rotations, odd files."""

from __future__ import annotations

import glob
import gzip
import os
import threading
from datetime import timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from test_logs_data import START, entries, set_mtime, write_log

from debugtui.sources.logfiles import (
    expand_paths,
    inspect,
    is_glob,
    order_rotations,
    rotated_siblings,
    rotation_base,
)


def _log(path: Path, start_hours: float = 0, count: int = 5) -> Path:
    write_log(path, entries(count, start=START + timedelta(hours=start_hours)))
    return path


def _gz(path: Path, start_hours: float, count: int = 5) -> Path:
    plain = _log(path.with_suffix(".plain"), start_hours, count)
    path.write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    return path


def test_a_named_file_brings_its_rotated_siblings(tmp_path: Path) -> None:
    live = _log(tmp_path / "app.log", 3)
    _log(tmp_path / "app.log.1", 2)
    _gz(tmp_path / "app.log.2.gz", 1)
    _log(tmp_path / "app.log-20261123", 0)
    _log(tmp_path / "app.log.bak", 0)  # not a rotation: a different file
    _log(tmp_path / "other.log", 0)
    files, unusable = expand_paths([str(live)])
    names = sorted(Path(f.path).name for f in files)
    assert names == ["app.log", "app.log-20261123", "app.log.1", "app.log.2.gz"]
    assert unusable == []
    assert {f.group for f in files} == {str(live)}


def test_rotations_are_read_oldest_first_by_their_first_timestamp(tmp_path: Path) -> None:
    _log(tmp_path / "app.log", 3)
    _log(tmp_path / "app.log.1", 2)
    _gz(tmp_path / "app.log.2.gz", 1)
    # mtimes that lie (a copy touched them all): the timestamps decide
    for name in ("app.log", "app.log.1", "app.log.2.gz"):
        set_mtime(tmp_path / name, START + timedelta(days=2))
    files, _ = expand_paths([str(tmp_path / "app.log")])
    ordered = order_rotations([inspect(f) for f in files])
    assert [Path(i.path).name for i in ordered] == ["app.log.2.gz", "app.log.1", "app.log"]


def test_rotations_without_timestamps_are_ordered_by_modification_time(tmp_path: Path) -> None:
    for age, name in enumerate(("app.log", "app.log.1", "app.log.2")):
        path = tmp_path / name
        path.write_text("no time here\n")
        set_mtime(path, START - timedelta(hours=age))
    files, _ = expand_paths([str(tmp_path / "app.log")])
    ordered = order_rotations([inspect(f) for f in files])
    assert [Path(i.path).name for i in ordered] == ["app.log.2", "app.log.1", "app.log"]


def test_directories_are_walked_recursively_and_globs_expand(tmp_path: Path) -> None:
    (tmp_path / "nginx").mkdir()
    _log(tmp_path / "nginx" / "access.log")
    _log(tmp_path / "syslog")
    (tmp_path / "journal").mkdir()
    (tmp_path / "journal" / "system.journal").write_bytes(b"LPKSHHRH\0\0")
    (tmp_path / "lastlog").write_bytes(b"\0" * 100)
    files, unusable = expand_paths([str(tmp_path)])
    assert sorted(Path(f.path).name for f in files) == ["access.log", "syslog"]
    assert sorted(u.reason for u in unusable) == [
        "binary login records: use last, lastb or lastlog",
        "systemd journal (binary): use journalctl",
    ]
    globbed, _ = expand_paths([str(tmp_path / "**" / "*.log")])
    assert [Path(f.path).name for f in globbed] == ["access.log"]


def test_missing_paths_and_empty_globs_are_reported(tmp_path: Path) -> None:
    files, unusable = expand_paths([str(tmp_path / "nope.log"), str(tmp_path / "*.nothing")])
    assert files == []
    assert [u.reason for u in unusable] == [
        "No such file or directory",
        "no file matches this pattern",
    ]


def test_a_fifo_is_reported_and_never_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.log"
    os.mkfifo(fifo)
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(expand_paths([str(fifo)])))
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), "opening a FIFO would block forever"
    files, unusable = result[0]  # type: ignore[misc]
    assert files == [] and [u.reason for u in unusable] == ["a FIFO"]


def test_the_same_file_named_twice_is_searched_once(tmp_path: Path) -> None:
    live = _log(tmp_path / "app.log")
    (tmp_path / "link.log").symlink_to(live)
    files, _ = expand_paths([str(live), str(tmp_path / "link.log"), str(tmp_path / "*.log")])
    assert len(files) == 1


def test_compression_is_told_by_magic_bytes_not_by_name(tmp_path: Path) -> None:
    real = _gz(tmp_path / "a.log.1.gz", 0)
    hidden = tmp_path / "b.log.1"
    hidden.write_bytes(real.read_bytes())
    liar = tmp_path / "c.log.1.gz"
    liar.write_text("plain text after all\n")
    files, _ = expand_paths([str(real), str(hidden), str(liar)])
    by_name = {Path(f.path).name: f for f in files}
    assert by_name["a.log.1.gz"].compression == "gzip"
    assert by_name["b.log.1"].compression == "gzip"
    assert by_name["c.log.1.gz"].compression is None
    assert "not gzip data" in by_name["c.log.1.gz"].note


def test_inspect_detects_format_first_time_binary_and_invalid_utf8(tmp_path: Path) -> None:
    text = _log(tmp_path / "app.log", 5)
    odd = tmp_path / "odd.log"
    odd.write_bytes(b"2026-11-24T10:00:00Z a\x00b \xff\xfe\n")
    files, _ = expand_paths([str(text), str(odd)])
    plain, weird = (inspect(f) for f in files)
    assert plain.time_format is not None and plain.time_format.name == "iso"
    assert plain.first_time == START + timedelta(hours=5)
    assert not plain.binary and not plain.invalid_utf8
    assert weird.binary and weird.invalid_utf8


def test_rotation_names_map_to_their_live_log() -> None:
    assert rotation_base("/var/log/syslog.2.gz") == "/var/log/syslog"
    assert rotation_base("/var/log/app.log-20261124") == "/var/log/app.log"
    assert rotation_base("/var/log/app.log") == "/var/log/app.log"


def test_rotated_siblings_lists_only_rotations(tmp_path: Path) -> None:
    for name in ("app.log", "app.log.1", "app.log.10.gz", "app.logger", "xapp.log.1"):
        (tmp_path / name).write_text("x\n")
    found = [Path(p).name for p in rotated_siblings(str(tmp_path / "app.log"))]
    assert found == ["app.log.1", "app.log.10.gz"]


def test_a_file_without_siblings_has_none_and_regex_names_are_literal(tmp_path: Path) -> None:
    """Siblings are looked for among names that start with the file's (the regex that
    checks them is compiled only then); a name with regex characters is matched literally."""
    lone = _log(tmp_path / "lone.log")
    _log(tmp_path / "other.log.1")
    assert rotated_siblings(str(lone)) == []
    odd = _log(tmp_path / "a+b.log")
    _log(tmp_path / "a+b.log.1")
    _log(tmp_path / "aab.log.1")
    assert rotated_siblings(str(odd)) == [str(tmp_path / "a+b.log.1")]


@given(st.text(alphabet="ab*?[]/.x", max_size=12))
def test_a_path_is_a_glob_exactly_when_glob_says_so(pattern: str) -> None:
    """expand_paths tells globs apart without importing glob (it costs start-up time)."""
    assert is_glob(pattern) == glob.has_magic(pattern)
