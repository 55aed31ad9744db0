"""Sub-commands of the investigation notebook, usable from scripts without the TUI.

``new``, ``list``, ``open``, ``note``, ``status``, ``milestone``, ``export`` and ``import``
work on the notebook database (``--db``, else ``$DEBUGTUI_DB``, else the XDG data dir).
Only ``open`` and ``new`` without ``--no-tui`` load Textual. Every failure a user can cause
(unknown id, bad time, refused milestone, unreadable file, locked or foreign database) is
one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import functools
import shutil
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

    from debugtui.notebook.model import Investigation
    from debugtui.notebook.store import NotebookStore

Handler = Callable[[argparse.Namespace], int]

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
NOTE_KINDS = ("note", "hypothesis", "action", "decision")
ACTION_TYPES = ("mitigate", "prevent", "process")
LESSONS = ("well", "wrong", "lucky")
STATUSES = ("investigating", "mitigated", "resolved")
MILESTONES = ("impact_started", "detected", "acknowledged", "mitigated", "resolved")


def register(sub: argparse._SubParsersAction) -> None:
    """Add this group's sub-commands to the parser."""
    # --db is also accepted after the sub-command; SUPPRESS keeps the top-level value.
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help="notebook database")

    new = sub.add_parser("new", parents=[db], help="start an investigation")
    new.add_argument("title", metavar="TITLE")
    new.add_argument("--severity", type=str.upper, choices=SEVERITIES, default="SEV3")
    new.add_argument("--playbook", metavar="ID", help="playbook to follow")
    new.add_argument("--tag", action="append", default=[], metavar="T", help="repeatable")
    new.add_argument(
        "--impact-start", metavar="TIME", help="when impact began: 25m (ago) or an ISO time"
    )
    new.add_argument("--no-tui", action="store_true", help="print the new id instead of opening")
    new.set_defaults(handler=_cli(new_investigation))

    listing = sub.add_parser("list", parents=[db], help="list investigations, newest first")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=_cli(list_investigations))

    opening = sub.add_parser("open", parents=[db], help="open an investigation in the TUI")
    opening.add_argument("id", metavar="ID", help="id or unique prefix")
    opening.set_defaults(handler=_cli(open_investigation))

    note = sub.add_parser("note", parents=[db], help="add an entry; prints its id")
    note.add_argument("id", metavar="ID")
    note.add_argument("text", metavar="TEXT", help="the entry ('-' reads stdin)")
    note.add_argument("--kind", choices=NOTE_KINDS, default="note")
    note.add_argument("--because", help="hypothesis: why we think so")
    note.add_argument("--disproof", help="hypothesis: what would show it wrong")
    note.add_argument("--owner", help="action: who does it")
    note.add_argument("--due", help="action: by when")
    note.add_argument("--ticket", help="action: tracker reference")
    note.add_argument(
        "--type", choices=ACTION_TYPES, help="action: mitigate (now) or prevent/process (later)"
    )
    note.add_argument("--lesson", choices=LESSONS, help="note: a lesson for the post-mortem")
    note.add_argument("--star", action="store_true", help="mark as a key moment")
    note.add_argument("--at", metavar="TIME", help="when it happened (default: now)")
    note.set_defaults(handler=_cli(add_note))

    status = sub.add_parser("status", parents=[db], help="set the incident status")
    status.add_argument("id", metavar="ID")
    status.add_argument("status", choices=STATUSES)
    status.add_argument("--at", metavar="TIME", help="when (default: now)")
    status.set_defaults(handler=_cli(set_status))

    milestone = sub.add_parser("milestone", parents=[db], help="set a point on the incident clock")
    milestone.add_argument("id", metavar="ID")
    milestone.add_argument("milestone", choices=MILESTONES)
    milestone.add_argument("time", metavar="TIME", help="25m (ago), now, or an ISO time")
    milestone.set_defaults(handler=_cli(set_milestone))

    export = sub.add_parser("export", parents=[db], help="write the post-mortem (md) or JSON")
    export.add_argument("id", metavar="ID")
    export.add_argument("--format", choices=("md", "json"), default="md")
    export.add_argument(
        "-o", "--output", metavar="FILE", help="file (mode 0600); default or '-': stdout"
    )
    export.add_argument("--template", metavar="FILE", help="Markdown template ($placeholders)")
    export.set_defaults(handler=_cli(export_investigation))

    importing = sub.add_parser("import", parents=[db], help="import a JSON export; prints the id")
    importing.add_argument("file", metavar="FILE.json", help="'-' reads stdin")
    importing.set_defaults(handler=_cli(import_investigation))


def run_tui(args: argparse.Namespace) -> int:
    """Open the TUI on the start screen."""
    from debugtui.tui.app import run

    return run(args)


# -- plumbing ------------------------------------------------------------------------------


def _cli(func: Handler) -> Handler:
    """Turn the errors a user can cause into one line on stderr and exit status 2."""

    @functools.wraps(func)
    def handler(args: argparse.Namespace) -> int:
        from debugtui.cli import UsageError
        from debugtui.notebook.store import StoreError
        from debugtui.textsafe import one_line

        try:
            return func(args)
        except (UsageError, BrokenPipeError):
            raise  # cli.main reports both
        except (StoreError, ValueError) as exc:
            raise UsageError(f"debugtui {args.command}: {one_line(str(exc))}") from exc
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            reason = exc.strerror or str(exc)
            raise UsageError(f"debugtui {args.command}: {where}{reason}") from exc

    return handler


def _usage(args: argparse.Namespace, message: str) -> Exception:
    from debugtui.cli import UsageError

    return UsageError(f"debugtui {args.command}: {message}")


def _store(args: argparse.Namespace) -> NotebookStore:
    from debugtui.notebook.store import NotebookStore

    return NotebookStore.open_default(getattr(args, "db", None))


FUTURE_SLACK_S = 300
"""How far ahead (in seconds) a time something happened may be: another machine's clock,
posting through chat-ops. Beyond it the time is a typo (2099 for 2026, a date off by a
month), and such an entry would sit at the end of the timeline, after the resolution."""


def _when(args: argparse.Namespace, text: str, option: str) -> datetime:
    from datetime import datetime, timedelta, timezone

    from debugtui.timewindow import TimeParseError, parse_when

    now = datetime.now(timezone.utc)
    try:
        when = parse_when(text, now)
    except TimeParseError as exc:
        raise _usage(args, f"{option}: {exc}") from exc
    if when > now + timedelta(seconds=FUTURE_SLACK_S):
        shown = when.strftime("%Y-%m-%d %H:%M UTC")
        raise _usage(args, f"{option}: {shown} is in the future (use e.g. 10m, now or a past time)")
    return when


def _optional_when(args: argparse.Namespace, text: str | None, option: str) -> datetime | None:
    return None if text is None else _when(args, text, option)


def _open_tui(args: argparse.Namespace, inv_id: str) -> int:
    from debugtui.tui.app import run

    return run(args, open_id=inv_id)


def _check_playbook(args: argparse.Namespace, playbook_id: str) -> None:
    """Refuse an unknown ``--playbook`` before anything is created."""
    from debugtui.playbooks import load_playbooks

    playbooks = load_playbooks().playbooks
    if playbook_id not in playbooks:
        known = ", ".join(playbooks) or "none"
        raise _usage(args, f"--playbook: no playbook {playbook_id!r} (known: {known})")


# -- handlers ------------------------------------------------------------------------------


def new_investigation(args: argparse.Namespace) -> int:
    from debugtui.notebook.model import Severity

    impact = _optional_when(args, args.impact_start, "--impact-start")
    if args.playbook is not None:
        _check_playbook(args, args.playbook)
    with _store(args) as store:
        inv = store.create_investigation(
            args.title,
            Severity(args.severity),
            playbook_id=args.playbook,
            tags=args.tag,
            impact_started_at=impact,
        )
    if args.no_tui:
        print(inv.id)
        return 0
    from debugtui.tui.terminal import terminal_problem

    problem = terminal_problem()
    if problem is not None:  # a script's $(debugtui new ...): the id is what it wants
        print(inv.id)
        print(
            f"debugtui new: {problem}: printed the id (open it with: debugtui open {inv.id})",
            file=sys.stderr,
        )
        return 0
    return _open_tui(args, inv.id)


def list_investigations(args: argparse.Namespace) -> int:
    from debugtui.export.jsonfmt import investigation_to_dict

    with _store(args) as store:
        investigations = store.list_investigations()
    if args.json:
        import json

        json.dump([investigation_to_dict(i) for i in investigations], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if not investigations:
        print("No investigations yet. Start one with: debugtui new TITLE", file=sys.stderr)
        return 0
    sys.stdout.write(_table(investigations))
    return 0


def _table(investigations: list[Investigation]) -> str:
    from debugtui.notebook.model import utcnow
    from debugtui.textsafe import one_line
    from debugtui.timewindow import format_duration

    now = utcnow()
    header = ("ID", "SEV", "STATUS", "PHASE", "AGE", "TITLE")
    rows = [
        (
            i.id,
            i.severity.value,
            i.status.value,
            i.phase.value,
            format_duration(now - i.created_at),
            i.title,
        )
        for i in investigations
    ]
    widths = [max(len(r[n]) for r in [header, *rows]) for n in range(5)]
    room = shutil.get_terminal_size().columns - sum(widths) - 2 * 5 if sys.stdout.isatty() else None
    lines = []
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row[:5], widths, strict=True)]
        title = one_line(row[5], max(room, 10) if room is not None else None)
        lines.append("  ".join([*cells, title]).rstrip())
    return "\n".join(lines) + "\n"


def open_investigation(args: argparse.Namespace) -> int:
    with _store(args) as store:
        inv = store.get_investigation(args.id)
    return _open_tui(args, inv.id)


def _note_data(args: argparse.Namespace, inv: Investigation) -> dict[str, Any]:
    from debugtui.notebook.model import ActionData, ActionType, HypothesisData, Phase

    misplaced = {
        "hypothesis": ("because", "disproof"),
        "action": ("owner", "due", "ticket", "type"),
        "note": ("lesson",),
    }
    for kind, options in misplaced.items():
        for option in options:
            if getattr(args, option) is not None and args.kind != kind:
                raise _usage(args, f"--{option} is for --kind {kind}")
    if args.kind == "hypothesis":
        return HypothesisData(because=args.because or "", disproof=args.disproof or "").to_dict()
    if args.kind == "action":
        action_type = ActionType(args.type or "mitigate")
        # Prevent and process work happens after the incident: those are the follow-ups.
        followup = action_type is not ActionType.MITIGATE or inv.phase is Phase.PREVENT
        return ActionData(
            type=action_type,
            owner=args.owner or "",
            due=args.due or "",
            ticket=args.ticket or "",
            followup=followup,
        ).to_dict()
    if args.lesson:
        return {"lesson": args.lesson}
    return {}


def add_note(args: argparse.Namespace) -> int:
    from debugtui.notebook.model import EntryKind

    text = sys.stdin.read() if args.text == "-" else args.text
    if not text.strip():
        raise _usage(args, "the entry text is empty")
    when = _optional_when(args, args.at, "--at")
    with _store(args) as store:
        inv = store.get_investigation(args.id)
        entry = store.add_entry(
            inv.id,
            EntryKind(args.kind),
            text.strip("\n"),
            data=_note_data(args, inv),
            happened_at=when,
            starred=args.star,
        )
    print(entry.id)
    return 0


def set_status(args: argparse.Namespace) -> int:
    from debugtui.notebook.model import Status

    when = _optional_when(args, args.at, "--at")
    with _store(args) as store:
        inv, entry = store.set_status(args.id, Status(args.status), when)
    print(f"{inv.id}: {entry.text} at {entry.happened_at:%Y-%m-%d %H:%M:%S} UTC")
    return 0


def set_milestone(args: argparse.Namespace) -> int:
    from debugtui.notebook.model import Milestone

    when = _when(args, args.time, "TIME")
    with _store(args) as store:
        inv, _ = store.set_milestone(args.id, Milestone(args.milestone), when)
    print(f"{inv.id}: {args.milestone} at {when:%Y-%m-%d %H:%M:%S} UTC")
    return 0


def export_investigation(args: argparse.Namespace) -> int:
    from debugtui.export.files import write_private

    if args.template and args.format != "md":
        raise _usage(args, "--template is for --format md")
    with _store(args) as store:
        inv = store.get_investigation(args.id)
        entries = store.entries(inv.id)
    if args.format == "md":
        from debugtui.export.markdown import load_template, render_markdown

        text = render_markdown(inv, entries, load_template(args.template))
    else:
        import json

        from debugtui.export.jsonfmt import to_json

        text = json.dumps(to_json(inv, entries), indent=2, ensure_ascii=False) + "\n"
    if args.output and args.output != "-":
        write_private(args.output, text)
    else:
        sys.stdout.write(text)
    return 0


def import_investigation(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from debugtui.export.jsonfmt import from_json

    name = "<stdin>" if args.file == "-" else args.file
    raw = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    try:
        doc = json.loads(raw)
        inv, entries = from_json(doc)
    except ValueError as exc:
        reason = f"not JSON: {exc}" if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise _usage(args, f"{name}: {reason}") from exc
    with _store(args) as store:
        imported = store.import_investigation(inv, entries)
    print(imported.id)
    return 0
