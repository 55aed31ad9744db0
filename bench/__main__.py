"""``python -m bench [--size tiny|full] [--runs N] [--only B2,B3] [--json]``: run, print the table.

``full`` is the size the targets in the README are for (a ~1 GB log, 20 containers, 8,000
sockets, 5,000 statements); ``tiny`` proves the suite works in seconds (the tests use it).
Generated data is cached in ``bench/.cache``. Exit status 1 when a target is missed.
``--json`` prints the rows as one JSON document instead (the tests read it).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import platform
import sys
from datetime import datetime, timezone

from bench.harness import Result, compile_bytecode, format_table, reset_peak_rss

GROUPS = {
    "startup": ("B1",),
    "logs": ("B2", "B2L", "B3"),
    "containers": ("B4", "B4F"),
    "sockets": ("B5",),
    "queries": ("B6",),
    "notebook": ("B7", "B7X", "B7N"),
    "latency": ("B8",),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--size", choices=("tiny", "full"), default="full")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per side (5)")
    parser.add_argument("--only", help="comma-separated benchmark keys, e.g. B2,B3")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    wanted = set(args.only.upper().split(",")) if args.only else None
    results: list[Result] = []
    compile_bytecode()
    for group, keys in GROUPS.items():
        if wanted is not None and not wanted & set(keys):
            continue
        module = importlib.import_module(f"bench.{group}")
        reset_peak_rss()
        results.extend(r for r in module.run(args.size, args.runs) if not wanted or r.key in wanted)
    now = datetime.now(timezone.utc)
    machine = f"{platform.machine()}, {_cores()} cores, Python {platform.python_version()}"
    if args.json:
        rows = [{**dataclasses.asdict(r), "ratio": r.ratio} for r in results]
        doc = {"size": args.size, "runs": args.runs, "date": now.isoformat(), "machine": machine}
        print(json.dumps({**doc, "results": rows}, indent=2))
    else:
        print(f"debugtui benchmarks, size {args.size}, {args.runs} runs, {now:%Y-%m-%d %H:%M} UTC")
        print(f"machine: {machine}")
        print()
        print(format_table(results))
    return 0 if all(r.ok for r in results) else 1


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    sys.exit(main())
