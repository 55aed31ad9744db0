"""A commit's patch, for the Deploys panel's detail: what exactly shipped.

Mid-outage the question after "what changed?" is "how?": a commit's files and line counts
say where to look, its patch is what to read, without leaving for another terminal to type
``git show``. One ``git show`` process, read line by line up to a cap and killed past it or
past a timeout: a commit that vendors a megabyte of minified code must neither fill memory
nor hang the panel. The patch is untrusted text, kept verbatim (undecodable bytes become
U+FFFD) for the screen to show literally. Plain ``subprocess``: GitPython adds nothing to one
streamed command and costs its import.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from dataclasses import dataclass

from debugtui.sources.base import SourceError
from debugtui.sources.deploys import GIT_TIMEOUT_S, OWNERSHIP_HINT

MAX_LINES = 3000
"""Patch lines kept; a longer patch is cut there and says so."""
MAX_LINE_CHARS = 2000
"""Characters kept of one line (a minified file is one line of megabytes)."""


@dataclass(frozen=True)
class CommitPatch:
    sha: str
    lines: tuple[str, ...]
    """The patch as ``git show --patch`` prints it (merges: against the first parent)."""
    truncated: bool
    """More lines followed than :data:`MAX_LINES`."""


def read_patch(
    repo_path: str,
    sha: str,
    *,
    max_lines: int = MAX_LINES,
    timeout_s: float = GIT_TIMEOUT_S,
) -> CommitPatch:
    """The patch of commit ``sha`` in the repository at ``repo_path``; SourceError (with a
    hint) when git is missing, the commit or repository is gone, or git takes too long."""
    if not sha or sha.startswith("-"):
        raise SourceError(f"{sha!r} is not a commit")
    if not os.path.isdir(repo_path):
        raise SourceError(f"{repo_path} does not exist", "the repository was moved or deleted")
    command = [
        "git",
        "-C",
        repo_path,
        "show",
        "--no-color",
        "--no-ext-diff",
        "--format=",
        "--patch",
        "--find-renames",
        "--diff-merges=first-parent",
        f"{sha}^{{commit}}",
        "--",
    ]
    env = {"GIT_OPTIONAL_LOCKS": "0", "GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0"}
    try:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **env},
            start_new_session=True,  # a stop kills git's children too (a textconv filter)
        )
    except FileNotFoundError:
        raise SourceError("git is not installed", "install git to read patches") from None
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        _kill(proc)

    timer = threading.Timer(timeout_s, stop)
    timer.daemon = True
    timer.start()
    try:
        lines, truncated = _read_lines(proc, max_lines)
        if truncated:
            _kill(proc)
        err = proc.stderr.read() if proc.stderr is not None else b""
        status = proc.wait()
    finally:
        timer.cancel()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    if timed_out.is_set():
        raise SourceError(
            f"git show {sha[:12]} took more than {timeout_s:g} s and was stopped",
            "the commit is huge or the disk is slow: run git show in a shell",
        )
    if status != 0 and not truncated:
        raise _failure(sha, err.decode("utf-8", errors="replace"))
    return CommitPatch(sha, tuple(lines), truncated)


def _read_lines(proc: subprocess.Popen[bytes], max_lines: int) -> tuple[list[str], bool]:
    """Up to ``max_lines`` lines of the process's output, each cut to
    :data:`MAX_LINE_CHARS`; and whether more followed."""
    assert proc.stdout is not None
    lines: list[str] = []
    limit = MAX_LINE_CHARS * 4  # bytes: a UTF-8 character takes at most four
    while True:
        raw = proc.stdout.readline(limit)
        if not raw:
            return lines, False
        if len(lines) >= max_lines:
            return lines, True
        line = raw.decode("utf-8", errors="replace").rstrip("\n")
        if not raw.endswith(b"\n"):  # cut by the limit: skip the rest of the line
            skipped = 0
            while raw and not raw.endswith(b"\n"):
                raw = proc.stdout.readline(limit)
                skipped += len(raw)
            line = f"{line[:MAX_LINE_CHARS]}… ({skipped:,} more bytes)"
        elif len(line) > MAX_LINE_CHARS:
            line = f"{line[:MAX_LINE_CHARS]}…"
        lines.append(line)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill git and whatever it started: a child left running holds the pipes open."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def _failure(sha: str, stderr: str) -> SourceError:
    first = next((line for line in stderr.splitlines() if line.strip()), "git failed")
    if "dubious ownership" in stderr:
        return SourceError(f"git show {sha[:12]}: {first}", OWNERSHIP_HINT)
    return SourceError(
        f"git show {sha[:12]}: {first}",
        "the repository changed since it was read (history rewritten, moved): press r",
    )
