"""B5: a sockets refresh with thousands of open TCP connections against ``ss -tanp``.

A helper process (this module run as ``python -m bench.sockets --hold PAIRS``) opens PAIRS
client/server pairs on loopback, so the host has twice that many ESTABLISHED sockets, all
owned by one process; it raises its own RLIMIT_NOFILE for them, prints its listening port
when they are all open, and closes everything when its stdin closes. The debugtui side is
``SocketsSource.collect()`` repeated on one open source, in this process (what the sockets
panel does on every refresh); the reference is the whole ``ss -tanp`` process.
"""

from __future__ import annotations

import contextlib
import resource
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from bench.harness import Result, alternate, median_s, peak_mb, run_call, run_measured

TARGET = 2.0
PAIRS = {"tiny": 100, "full": 4000}
ROOT = Path(__file__).resolve().parent.parent


def hold(pairs: int) -> None:
    """Open ``pairs`` loopback connections, report the port, keep them until stdin closes."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = 2 * pairs + 64
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            raise SystemExit(f"RLIMIT_NOFILE hard limit {hard} is below the {needed} needed")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    listener = socket.create_server(("127.0.0.1", 0), backlog=128)
    port = listener.getsockname()[1]
    held: list[socket.socket] = [listener]
    try:
        for _ in range(pairs):
            held.append(socket.create_connection(("127.0.0.1", port)))
            held.append(listener.accept()[0])
        print(port, flush=True)
        sys.stdin.read()
    finally:
        for sock in held:
            sock.close()


@contextlib.contextmanager
def held_connections(pairs: int) -> Iterator[tuple[int, int]]:
    """(port, pid) of a helper holding ``pairs`` connections; stopped on exit."""
    helper = subprocess.Popen(
        [sys.executable, "-m", "bench.sockets", "--hold", str(pairs)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert helper.stdout is not None
        line = helper.stdout.readline()
        if not line.strip().isdigit():
            raise RuntimeError(f"the connection holder failed (exit {helper.wait(10)})")
        yield int(line), helper.pid
    finally:
        if helper.stdin is not None:
            helper.stdin.close()
        try:
            helper.wait(30)
        except subprocess.TimeoutExpired:
            helper.kill()
            helper.wait()


def _ss_count(output: str, port: int) -> int:
    """ESTABLISHED sockets with the helper's port at either end, in ``ss -tan`` output."""
    suffix = f":{port}"
    count = 0
    for line in output.splitlines():
        fields = line.split()  # State Recv-Q Send-Q Local Peer [Process]
        if len(fields) >= 5 and fields[0] == "ESTAB":
            count += fields[3].endswith(suffix) or fields[4].endswith(suffix)
    return count


def run(size: str, runs: int) -> list[Result]:
    from debugtui.sources.registry import make_source

    pairs = PAIRS[size]
    ss = shutil.which("ss") or "ss"
    with held_connections(pairs) as (port, _pid):
        source = make_source("sockets")
        snapshots = []

        def refresh() -> None:
            snapshots.append(source.collect())

        try:
            mine, theirs = alternate(
                lambda: run_call(refresh),
                lambda: run_measured([ss, "-tanp"]),
                runs,
                warmup=2,
            )
        finally:
            source.close()
        last = snapshots[-1]
        ss_seen = _ss_count(theirs[-1].output, port)
        ours_seen = 0
        if last.ok:
            checked = make_source("sockets").collect({"port": port})
            ours_seen = dict(checked.data.tcp_states).get("ESTABLISHED", 0) if checked.ok else 0
    total = last.data.total if last.ok else 0
    ratio = median_s(mine) / median_s(theirs)
    counted = ours_seen == ss_seen == 2 * pairs
    note = f"{total} sockets on the host; helper's connections seen: debugtui {ours_seen}, "
    note += f"ss {ss_seen} (of {2 * pairs})"
    if not last.ok:
        note = f"collect failed: {last.error}; " + note
    return [
        Result(
            key="B5",
            what=f"sockets refresh, {2 * pairs} TCP connections",
            ours_s=median_s(mine),
            ref_s=median_s(theirs),
            target=f"<= {TARGET}x",
            ok=last.ok and counted and ratio <= TARGET,
            ours_rss_mb=peak_mb(mine),
            ref_rss_mb=peak_mb(theirs),
            note=note,
            extra={"expected": 2 * pairs, "ours": ours_seen, "ref": ss_seen},
        )
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--hold"]:
        hold(int(sys.argv[2]))
