"""Sub-commands: ``snapshot`` (every source at once, for scripts and cron) and ``doctor``."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    snap = sub.add_parser(
        "snapshot",
        help="collect every source concurrently and print one document",
        description="Collect every configured source concurrently, each under its own "
        "timeout; a failed source never stops the others.",
    )
    snap.add_argument(
        "--source",
        action="append",
        metavar="NAME",
        help="only this source (repeatable): deploys, logs, queries, containers, sockets, system",
    )
    snap.add_argument("--since", metavar="T", help="window for deploys, logs and events (e.g. 2h)")
    snap.add_argument("--timeout", type=float, default=15.0, help="seconds per source (15)")
    fmt = snap.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="JSON (the default)")
    fmt.add_argument("--md", action="store_true", help="Markdown")
    # exit_at_once: a whole-process snapshot (cron, scripts) skips the interpreter's tear-down;
    # every source that answered is closed by then, and one that did not is abandoned, as a
    # normal exit abandons its daemon thread (without waiting for a pool it left running).
    snap.set_defaults(handler=snapshot, exit_at_once=True)

    doctor = sub.add_parser("doctor", help="say which sources are reachable and what to configure")
    doctor.add_argument("--timeout", type=float, default=10.0, help="seconds per source (10)")
    doctor.set_defaults(handler=run_doctor)


def _config(args: argparse.Namespace):
    from debugtui.cli import UsageError
    from debugtui.config import ConfigError, load_config

    try:
        return load_config(args.config)
    except ConfigError as exc:
        raise UsageError(str(exc)) from exc


def _names(args: argparse.Namespace) -> list[str] | None:
    from debugtui.cli import UsageError
    from debugtui.sources.registry import SOURCES

    names = getattr(args, "source", None)
    for name in names or ():
        if name not in SOURCES:
            raise UsageError(
                f"debugtui snapshot: unknown source {name!r} (known: {', '.join(SOURCES)})"
            )
    return names


def snapshot(args: argparse.Namespace) -> int:
    # The engine is asked first, while the modules below load (see containerprefetch).
    prefetch = None
    if not args.source or "containers" in args.source:
        from debugtui.sources.containerprefetch import Prefetch, engine_address

        host = engine_address(args.config)
        prefetch = None if host is None else Prefetch(host, args.timeout, events=not args.since)

    from debugtui.cli import UsageError
    from debugtui.config import Config
    from debugtui.sources.base import Source
    from debugtui.sources.collect import Collection, default_params
    from debugtui.sources.registry import SOURCES, make_source
    from debugtui.timewindow import TimeParseError, parse_when

    def factory(name: str, config: Config) -> Source:
        if name == "containers" and prefetch is not None:
            from debugtui.sources.containers import ContainersSource

            return ContainersSource(config, prefetch=prefetch)
        return make_source(name, config)

    config = _config(args)
    names = _names(args) or list(SOURCES)
    if args.since:
        try:
            parse_when(args.since)
        except TimeParseError as exc:
            raise UsageError(f"debugtui snapshot: --since: {exc}") from exc
    params = {name: default_params(name, config, args.since) for name in names}
    collecting = Collection(names, config, params, timeout_s=args.timeout, factory=factory)
    # The document's modules (the findings' rules) load while the sources wait on engines.
    from debugtui.export.snapshot import snapshot_document, snapshot_markdown

    snaps = collecting.results()
    if args.md:
        text = snapshot_markdown(snaps, config)
    else:
        import json

        text = json.dumps(snapshot_document(snaps, config), indent=2, default=str) + "\n"
    # One write: json.dump writes each token on its own, a system call each when stdout is
    # unbuffered (PYTHONUNBUFFERED, as under many schedulers): ~2,000 for 20 containers.
    sys.stdout.write(text)
    return 0


def run_doctor(args: argparse.Namespace) -> int:
    from debugtui.configpaths import config_candidates
    from debugtui.sources.collect import collect_all, default_params
    from debugtui.sources.registry import SOURCES
    from debugtui.textsafe import one_line

    config = _config(args)
    if config.path:
        where = str(config.path)
    else:  # where to put one: the first place looked is the current directory
        looked = " and ".join(config_candidates())
        where = f"none found (looked for {looked}); built-in defaults"
    print(f"config: {where}")
    names = list(SOURCES)
    params = {name: default_params(name, config) for name in names}
    snaps = collect_all(names, config, params, timeout_s=args.timeout)
    for name, snap in snaps.items():
        if snap.ok:
            extra = f" ({len(snap.warnings)} warning(s))" if snap.warnings else ""
            print(f"  ok    {name:<11} {snap.duration_s * 1000:6.0f} ms{extra}")
            for warning in snap.warnings[:3]:
                print(f"          {one_line(warning, 160)}")
        else:
            print(f"  FAIL  {name:<11} {one_line(snap.error or '', 160)}")
            if snap.hint:
                print(f"          hint: {one_line(snap.hint, 160)}")
    return 0
