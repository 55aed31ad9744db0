"""Sub-commands: ``playbooks list | show ID | validate PATH...``.

``validate`` is what a playbook author runs before dropping a file into
``$XDG_CONFIG_HOME/debugtui/playbooks/``: it prints ``ok`` per good file and every problem of
a bad one as ``path:line: field: reason``, exiting 2 if any file is bad.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from debugtui.playbooks import Playbook, PlaybookError

_WIDTH = 78
_INDENT = " " * 9


def register(sub: argparse._SubParsersAction) -> None:
    """Add this group's sub-commands to the parser."""
    group = sub.add_parser("playbooks", help="list, show and validate incident playbooks")
    actions = group.add_subparsers(dest="playbooks_command", metavar="ACTION")
    actions.required = True

    listing = actions.add_parser("list", help="every playbook: id, title, steps, origin")
    listing.set_defaults(handler=_list)

    show = actions.add_parser("show", help="one playbook, phase by phase")
    show.add_argument("id", metavar="ID")
    show.set_defaults(handler=_show)

    validate = actions.add_parser("validate", help="check playbook files (exit 2 on errors)")
    validate.add_argument("paths", metavar="PATH", nargs="+", help="files, or directories")
    validate.set_defaults(handler=_validate)


def _report_broken(errors: Sequence[PlaybookError]) -> None:
    for error in errors:
        print(f"warning: skipped a broken playbook:\n{error}", file=sys.stderr)


def _list(args: argparse.Namespace) -> int:
    from debugtui.playbooks import load_playbooks
    from debugtui.textsafe import one_line

    playbooks, errors = load_playbooks()
    _report_broken(errors)
    if not playbooks:
        print("no playbooks found")
        return 0
    id_width = max(len(pb.id) for pb in playbooks.values())
    for pb in playbooks.values():
        steps = f"{len(pb.steps())} steps"
        print(f"{pb.id:<{id_width}}  {steps:>9}  {pb.origin:<7}  {one_line(pb.title, 60)}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from debugtui.cli import UsageError
    from debugtui.playbooks import load_playbooks

    playbooks, errors = load_playbooks()
    _report_broken(errors)
    playbook = playbooks.get(args.id)
    if playbook is None:
        known = ", ".join(playbooks) or "none"
        raise UsageError(f"debugtui playbooks show: no playbook {args.id!r} (known: {known})")
    return _write(render(playbook))


def _write(text: str) -> int:
    """Print ``text``, flushed here so a reader that went away (``| head``) reaches cli.main."""
    print(text)
    sys.stdout.flush()
    return 0


def render(playbook: Playbook) -> str:
    """A readable plain-text rendering, phase by phase, every untrusted string made visible."""
    from debugtui.findings import RULES
    from debugtui.notebook.model import PHASES
    from debugtui.textsafe import one_line, visible

    lines = [f"{one_line(playbook.title)}  [{playbook.id}]"]
    origin = f"{playbook.origin} " if playbook.origin else ""
    if playbook.path:
        lines.append(f"{origin}file: {one_line(str(playbook.path))}")
    if playbook.description:
        lines += _wrap(one_line(playbook.description), "")
    if playbook.symptoms:
        symptoms = ", ".join(one_line(s) for s in playbook.symptoms)
        lines += _wrap(f"Symptoms: {symptoms}", "  ")
    lines.append(f"Stakeholder updates every {playbook.update_cadence_minutes} minutes.")
    for phase in PHASES:
        steps = playbook.steps(phase)
        lines += ["", f"{phase.index + 1}. {phase.title}"]
        if not steps:
            lines.append("   (no steps)")
        for number, step in enumerate(steps, start=1):
            mark = " [exit]" if step.exit else ""
            head = f"   [ ] {number}. {one_line(step.text)}  ({step.id}){mark}"
            lines += _wrap(head, _INDENT)
            guidance = visible(step.guidance).rstrip()
            if "\n" in guidance:
                # Several lines are commands or a layout the author chose: keep them verbatim.
                lines += [f"{_INDENT}{line}".rstrip() for line in guidance.splitlines()]
            elif guidance:
                lines += _wrap(_INDENT + guidance, _INDENT)
            if step.run:
                lines.append(f"{_INDENT}run:   {one_line(step.run.describe())}")
            if step.check:
                lines.append(f"{_INDENT}check: {step.check} - {RULES.get(step.check, '')}")
    exits = playbook.exit_criteria
    if exits:
        lines += ["", "Exit criteria ([exit]: met before resolving without confirmation):"]
        lines += [f"   - {one_line(step.text)}" for step in exits]
    return "\n".join(lines)


def _wrap(text: str, indent: str) -> list[str]:
    """Wrap at spaces only, so ids, paths and commands are never split."""
    import textwrap

    return textwrap.wrap(
        text,
        _WIDTH,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _validate(args: argparse.Namespace) -> int:
    from debugtui.playbooks import PlaybookError, load_playbook_file, playbook_files

    files: list[Path] = []
    bad = 0
    for raw in args.paths:
        path = Path(raw)
        try:
            files += playbook_files(path) if path.is_dir() else [path]
        except OSError as exc:
            bad += 1
            print(f"{path}: directory: cannot list: {exc.strerror or exc}")
    if not files and not bad:
        print("no playbook files found in " + ", ".join(args.paths), file=sys.stderr)
        return 2
    for path in files:
        try:
            load_playbook_file(path)
        except PlaybookError as exc:
            bad += 1
            print(str(exc))
        else:
            print(f"{path}: ok")
    return 2 if bad else 0
