"""Sub-command ``demo``: try debugtui on a scripted incident in a throwaway sandbox."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser(
        "demo",
        help="open the TUI on a sandbox incident (git, logs, PostgreSQL, podman)",
        description="Build a scripted incident in a temporary directory (a git repository "
        "with a bad deploy, rotated logs with an error spike, and where installed a "
        "throwaway PostgreSQL with a slow query and podman with a crash-looping container), "
        "then open the TUI on it. Everything it starts is stopped on exit.",
    )
    demo.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help="notebook database")
    demo.add_argument(
        "--check",
        action="store_true",
        help="build, collect every source once, report and tear down (no TUI)",
    )
    demo.add_argument(
        "--no-engines", action="store_true", help="files only: no PostgreSQL, no podman"
    )
    demo.add_argument(
        "--keep", action="store_true", help="keep the sandbox's files (engines still stop)"
    )
    demo.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    if not args.check:  # before the sandbox is built: minutes of engines for nothing
        from debugtui.tui.terminal import terminal_problem

        problem = terminal_problem()
        if problem is not None:
            print(
                f"debugtui demo: the TUI needs a terminal ({problem}); "
                "--check builds, collects and reports without it",
                file=sys.stderr,
            )
            return 2
    from debugtui.demo.run import run_demo

    return run_demo(args)
