"""Timing two commands side by side: warm-up, alternated runs, medians, ratio, peak RSS.

Each benchmark compares debugtui with the tool a responder would type instead, in the same
run on the same data, so the ratio means something on whatever machine prints it. Peak RSS
comes from ``wait4``: the maximum resident set of the process and of every descendant it
waited for (rg workers included).
"""

from __future__ import annotations

import compileall
import os
import resource
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"


@dataclass(frozen=True)
class Run:
    seconds: float
    rss_mb: float
    output: str = ""
    cpu_s: float = 0.0
    """User plus system CPU time (of the process tree for a whole process)."""


@dataclass(frozen=True)
class Result:
    """One row of the benchmark table."""

    key: str
    what: str
    ours_s: float
    ref_s: float | None
    target: str
    ok: bool
    ours_rss_mb: float | None = None
    ref_rss_mb: float | None = None
    note: str = ""
    extra: Mapping[str, float] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.ref_s is None or self.ref_s <= 0:
            return None
        return self.ours_s / self.ref_s


def run_measured(
    argv: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> Run:
    """Run ``argv`` to completion: wall time from fork to reap, peak RSS of its tree."""
    started = time.perf_counter()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: exec the command with stdout into the pipe
        try:
            os.close(read_fd)
            os.dup2(write_fd, 1)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            if cwd is not None:
                os.chdir(cwd)
            os.execvpe(argv[0], list(argv), {**os.environ, **(env or {})})
        finally:
            os._exit(127)
    os.close(write_fd)
    chunks = []
    with os.fdopen(read_fd, "rb") as pipe:
        while chunk := pipe.read(1 << 16):
            chunks.append(chunk)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise RuntimeError(f"{argv[0]} exited {code}")
    output = b"".join(chunks).decode(errors="replace")
    return Run(elapsed, usage.ru_maxrss / 1024, output, usage.ru_utime + usage.ru_stime)


def run_call(call: Callable[[], object]) -> Run:
    """Time one in-process call (a refresh on an open session); RSS is this process's peak."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    call()
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return Run(elapsed, self_rss_mb(), "", cpu)


def self_rss_mb() -> float:
    """Peak resident set of this (the benchmark) process since the last reset_peak_rss()."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> None:
    """Start this process's peak RSS over (Linux 4.0+), so each benchmark reports its own
    peak rather than the largest of every benchmark run before it in this process."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        pass  # elsewhere the peak stays cumulative: an upper bound, still true


def compile_bytecode() -> None:
    """Write the package's bytecode, as ``pip install`` does, before timing any start-up.

    An editable checkout run with PYTHONDONTWRITEBYTECODE would otherwise compile every
    debugtui module on every start while the installed libraries load compiled code.
    """
    root = Path(__file__).resolve().parent.parent
    for package in ("debugtui", "bench"):
        compileall.compile_dir(root / package, quiet=1)


def alternate(
    ours: Callable[[], Run], ref: Callable[[], Run], runs: int, warmup: int = 1
) -> tuple[list[Run], list[Run]]:
    """Warm both up, then alternate them so drift hits both sides alike."""
    for _ in range(warmup):
        ours()
        ref()
    mine: list[Run] = []
    theirs: list[Run] = []
    for i in range(runs):
        if i % 2:
            theirs.append(ref())
            mine.append(ours())
        else:
            mine.append(ours())
            theirs.append(ref())
    return mine, theirs


def median_s(runs: Sequence[Run]) -> float:
    return statistics.median(r.seconds for r in runs)


def median_cpu_s(runs: Sequence[Run]) -> float:
    return statistics.median(r.cpu_s for r in runs)


def peak_mb(runs: Sequence[Run]) -> float:
    return max(r.rss_mb for r in runs)


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def format_table(results: Sequence[Result]) -> str:
    header = ("#", "what", "debugtui", "reference", "ratio", "target", "peak RSS", "ok")
    rows = []
    for r in results:
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}x"
        rss = "-"
        if r.ours_rss_mb is not None:
            rss = f"{r.ours_rss_mb:.0f} MB"
            if r.ref_rss_mb is not None:
                rss += f" / {r.ref_rss_mb:.0f} MB"
        ref = "-" if r.ref_s is None else _fmt_s(r.ref_s)
        rows.append(
            (r.key, r.what, _fmt_s(r.ours_s), ref, ratio, r.target, rss, "yes" if r.ok else "NO")
        )
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=False)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        lines.append(
            "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)) + " |"
        )
    notes = [f"- {r.key}: {r.note}" for r in results if r.note]
    return "\n".join(lines + (["", *notes] if notes else []))


def _fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"
