"""The post-mortem: an investigation rendered as Markdown in the shape responders know.

The sections follow the Google SRE and PagerDuty post-mortem templates: header (date,
status, severity, duration), summary, impact, key metrics, timeline, detection, root cause
and trigger, resolution and recovery, action items, lessons learned, the checklist, and an
evidence appendix. Everything that comes from the notebook passes through
:func:`~debugtui.export.redact.redact`, and so does the finished document.

Templates
---------
The layout can be replaced by a template: a Markdown file with ``$placeholders``
(Python ``string.Template`` syntax). debugtui uses, first found:

1. ``debugtui export ID --format md --template FILE``
2. ``$XDG_CONFIG_HOME/debugtui/postmortem.md.tmpl`` (``~/.config/debugtui/postmortem.md.tmpl``)
3. the built-in template (:data:`DEFAULT_TEMPLATE`, a good starting point to copy).

Each placeholder is replaced by the body of one section, without its heading, so the
template chooses the headings, their order, and which sections appear at all:

=================  ==================================================================
``$title``         the investigation title
``$header``        bullet list: date, status, severity, duration, id, tags, playbook
``$summary``       the summary written in the notebook (or a prompt to write one)
``$impact``        the impact statement and the impact window
``$metrics``       table of milestones and time to detect/acknowledge/mitigate/resolve
``$timeline``      every entry by time (UTC, with dates), key moments starred, milestones
``$detection``     when and how it was detected, time to detect and to acknowledge
``$root_cause``    supported hypotheses with evidence, ruled-out ones, unconfirmed ones
``$resolution``    actions and decisions of the fix and verify phases, time to mitigate/resolve
``$action_items``  tables of follow-ups and of tasks done during the incident
``$lessons``       what went well, what went wrong, where we got lucky
``$checklist``     the playbook's steps: done, open, skipped or not reached; other ticks
``$evidence``      the evidence appendix: each pinned capture as a table (50 rows at most)
``$id``            the investigation id;  ``$severity``, ``$status``, ``$date``, ``$duration``
``$exported_at``   when the export was made (UTC)
=================  ==================================================================

Write ``$$`` for a literal dollar sign. An unknown placeholder or a lone ``$`` is an error
that names the line, rather than a post-mortem with holes in it.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from operator import attrgetter, itemgetter
from pathlib import Path
from string import Template

from debugtui.checklist import TICK_PLAYBOOK, StepState, step_report, tick_done
from debugtui.config import config_dir
from debugtui.export.redact import (
    redact,
    redact_data,
    redact_each,
    redact_known,
    redact_rows,
)
from debugtui.incident_events import collapse_crash_loops, evidence_events, merge
from debugtui.notebook.model import (
    ActionData,
    Entry,
    EntryKind,
    EvidenceData,
    HypothesisData,
    HypothesisStatus,
    Investigation,
    Milestone,
    Phase,
    utcnow,
)
from debugtui.textsafe import visible
from debugtui.timewindow import format_duration

TEMPLATE_FILENAME = "postmortem.md.tmpl"
MAX_EVIDENCE_ROWS = 50

DEFAULT_TEMPLATE = """\
# Post-mortem: $title

$header

## Summary

$summary

## Impact

$impact

## Key metrics

$metrics

## Timeline

$timeline

## Detection

$detection

## Root cause and trigger

$root_cause

## Resolution and recovery

$resolution

## Action items

$action_items

## Lessons learned

$lessons

## Checklist

$checklist

## Appendix: evidence

$evidence
"""

PLACEHOLDERS = (
    "title",
    "header",
    "summary",
    "impact",
    "metrics",
    "timeline",
    "detection",
    "root_cause",
    "resolution",
    "action_items",
    "lessons",
    "checklist",
    "evidence",
    "id",
    "severity",
    "status",
    "date",
    "duration",
    "exported_at",
)

LESSONS = (
    ("well", "What went well", "What worked: alerts, dashboards, runbooks, tools, people?"),
    ("wrong", "What went wrong", "What slowed us down, misled us or made it worse?"),
    ("lucky", "Where we got lucky", "What went right by chance and may not next time?"),
)

_LESSON_TITLES = {key: title for key, title, _ in LESSONS}

_MARKERS = {
    Milestone.IMPACT_STARTED: "IMPACT STARTED",
    Milestone.DETECTED: "DETECTED",
    Milestone.ACKNOWLEDGED: "ACKNOWLEDGED",
    Milestone.MITIGATED: "MITIGATED",
    Milestone.RESOLVED: "RESOLVED",
}


class TemplateError(ValueError):
    """A post-mortem template that cannot be used; the message names the file and line."""


# -- text helpers --------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Redacted, control characters made visible (no escape sequence reaches a reader)."""
    return _clean_str(str(text))


# Each string is cleaned once per export: evidence tables repeat their cells (states, hosts,
# counts) and column names thousands of times in a long investigation, the timeline and the
# other sections show the same entry texts. render_markdown empties these caches before and
# after; an export running alongside in another thread at worst cleans a string again.
_CLEANED: dict[str, str] = {}
_CELLS: dict[str, str] = {}


def _plain(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\t", "    ")


def _clean_str(text: str) -> str:
    found = _CLEANED.get(text)
    if found is None:
        found = _CLEANED[text] = _visible(redact(_plain(text)))
    return found


def _visible(text: str) -> str:
    """``visible(text)``, skipped where it has nothing to do: a printable text (one C call)
    holds no control character."""
    return text if text.isprintable() else visible(text)


def _clean_all(texts: Sequence[str]) -> None:
    """Clean ``texts`` into the cache at once: one search for secrets and one for control
    characters over them all, instead of one each (10,000 entry texts in a long incident)."""
    todo = [text for text in dict.fromkeys(texts) if text not in _CLEANED]
    redacted = redact_each([_plain(text) for text in todo])
    _CLEANED.update(zip(todo, [_visible(text) for text in redacted], strict=True))


def _inline(text: str, indent: str = "  ") -> str:
    """Text for a list item: continuation lines indented so they stay inside the item, each
    line break a hard one (two spaces before it), so a pasted stack trace renders as lines,
    not as one paragraph."""
    cleaned = _CLEANED.get(text) if type(text) is str else None  # most are, cleaned already
    if cleaned is None:
        cleaned = _clean(text)
    return cleaned.strip().replace("\n", "  \n" + indent)


def _cell(text: str) -> str:
    """Text for a table cell: ``|`` escaped, newlines as ``<br>``."""
    return _cell_str(str(text))


def _cell_str(text: str) -> str:
    found = _CELLS.get(text)
    if found is None:
        cleaned = _clean_str(text).strip().replace("\\", "\\\\").replace("|", "\\|")
        found = _CELLS[text] = cleaned.replace("\n", "<br>")
    return found


def _code(text: str) -> str:
    """Inline code that survives backticks inside ``text``."""
    cleaned = _clean(text).replace("\n", " ")
    fence = "`" * (max((len(r) for r in re.findall(r"`+", cleaned)), default=0) + 1)
    pad = " " if cleaned.startswith("`") or cleaned.endswith("`") else ""
    return f"{fence}{pad}{cleaned}{pad}{fence}"


def _ts(when: datetime) -> str:
    # Where it writes the same, %-formatting: a third faster than isoformat (whose time zone
    # costs) and twice as fast as format specifiers, for the 11,000 stamps of a long export.
    if when.year >= 1000:
        return "%04d-%02d-%02d %02d:%02d:%02d" % (  # noqa: UP031
            when.year,
            when.month,
            when.day,
            when.hour,
            when.minute,
            when.second,
        )
    return when.strftime("%Y-%m-%d %H:%M:%S")


def _prompt(text: str) -> str:
    return f"_{text}_"


def _table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    width = len(columns)
    lines = [
        "| " + " | ".join(_cell(c) for c in columns) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    known = _CELLS.get  # evidence cells repeat: most are made already
    for row in rows:
        cells = [known(c) or _cell(c) for c in row[:width]]
        cells += [""] * (width - len(cells))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _bullets(items: Sequence[str], empty: str) -> str:
    return "\n".join(f"- {item}" for item in items) if items else _prompt(empty)


# -- the pieces ----------------------------------------------------------------------------


class _Context:
    """What every section needs: the investigation, its entries and cross references."""

    def __init__(self, inv: Investigation, entries: Sequence[Entry], now: datetime) -> None:
        self.inv = inv
        self.entries = sorted(entries, key=attrgetter("happened_at", "id"))
        self.now = now
        self.by_id = {e.id: e for e in self.entries}
        self._by_kind: defaultdict[EntryKind, list[Entry]] = defaultdict(list)
        for entry in self.entries:
            self._by_kind[entry.kind].append(entry)
        _clean_all([entry.text for entry in self.entries])
        evidence = self._by_kind[EntryKind.EVIDENCE]
        self.evidence_number = {e.id: n for n, e in enumerate(evidence, start=1)}
        self._evidence: dict[int, EvidenceData] = {}
        self._hypotheses: dict[int, HypothesisData | None] = {}
        self._actions: dict[int, ActionData] = {}

    def of_kind(self, kind: EntryKind) -> list[Entry]:
        return list(self._by_kind[kind])

    def evidence(self, entry: Entry) -> EvidenceData:
        """The entry's evidence data, read once (the timeline and the appendix both show it)."""
        found = self._evidence.get(entry.id)
        if found is None:
            found = self._evidence[entry.id] = _evidence_data(entry)
        return found

    def hypothesis(self, entry: Entry) -> HypothesisData | None:
        """The entry's hypothesis data, read once (four sections ask); None if unreadable."""
        if entry.id in self._hypotheses:
            return self._hypotheses[entry.id]
        try:
            found: HypothesisData | None = entry.hypothesis
        except (ValueError, TypeError):
            found = None
        self._hypotheses[entry.id] = found
        return found

    def action(self, entry: Entry) -> ActionData:
        """The entry's action data, read once (the timeline and the action items ask)."""
        found = self._actions.get(entry.id)
        if found is None:
            found = self._actions[entry.id] = _action(entry)
        return found

    def reference(self, entry_id: int) -> str:
        """How another section points at an entry: E3 for evidence, else #id and a gist."""
        entry = self.by_id.get(entry_id)
        if entry is None:
            return f"#{entry_id} (deleted)"
        if entry.id in self.evidence_number:
            title = self.evidence(entry).title or entry.text
            return f"E{self.evidence_number[entry.id]} ({_inline(title, ' ')})"
        gist = _clean(entry.text).strip().splitlines()[0] if entry.text.strip() else ""
        if len(gist) > 60:
            gist = gist[:59] + "…"
        return f"#{entry.id} {entry.kind.value} “{gist}”"

    def references(self, ids: Sequence[int]) -> str:
        return ", ".join(self.reference(i) for i in ids)


def _duration(inv: Investigation, now: datetime) -> str:
    if inv.resolved_at is not None:
        return format_duration(inv.resolved_at - inv.impact_start)
    return f"ongoing, {format_duration(now - inv.impact_start)} so far"


def _header(ctx: _Context) -> str:
    inv = ctx.inv
    start_note = "" if inv.impact_started_at else " (impact start not recorded: response start)"
    lines = [
        f"**Date:** {inv.impact_start:%Y-%m-%d} (UTC)",
        f"**Status:** {inv.status.value.capitalize()}",
        f"**Severity:** {inv.severity.value}",
        f"**Duration:** {_duration(inv, ctx.now)}, measured from impact start{start_note}",
        f"**Investigation:** `{inv.id}`, response started {_ts(inv.created_at)} UTC",
    ]
    if inv.tags:
        lines.append("**Tags:** " + ", ".join(_inline(t, " ") for t in inv.tags))
    if inv.playbook_id:
        lines.append(f"**Playbook:** {_inline(inv.playbook_id, ' ')}")
    lines.append(f"**Exported:** {_ts(ctx.now)} UTC")
    return "\n".join(f"- {line}" for line in lines)


def _summary(ctx: _Context) -> str:
    if ctx.inv.summary.strip():
        return _clean(ctx.inv.summary).strip()
    return _prompt(
        "Not written yet. In two or three sentences: what happened, who was affected, "
        "and how it was fixed."
    )


def _impact(ctx: _Context) -> str:
    inv = ctx.inv
    if inv.impact.strip():
        text = _clean(inv.impact).strip()
    else:
        text = _prompt(
            "Not written yet. Who and what was affected, how many (users, requests, orders), "
            "for how long, and was any data lost?"
        )
    end = inv.resolved_at or inv.mitigated_at
    if end is None:
        window = f"{_ts(inv.impact_start)} UTC to now ({_duration(inv, ctx.now)})"
    else:
        span = format_duration(end - inv.impact_start)
        window = f"{_ts(inv.impact_start)} UTC to {_ts(end)} UTC ({span})"
    window = f"Impact window: {window}."
    return f"{text}\n\n{window}"


def _metrics(ctx: _Context) -> str:
    inv = ctx.inv
    labels = {
        Milestone.IMPACT_STARTED: "Impact started",
        Milestone.DETECTED: "Time to detect",
        Milestone.ACKNOWLEDGED: "Time to acknowledge",
        Milestone.MITIGATED: "Time to mitigate",
        Milestone.RESOLVED: "Time to resolve",
    }
    rows = []
    for milestone, label in labels.items():
        when = inv.milestone(milestone)
        if milestone is Milestone.IMPACT_STARTED:
            shown = (
                f"{_ts(when)} UTC"
                if when
                else f"not recorded (from response start {_ts(inv.created_at)})"
            )
            rows.append((label, shown, "-"))
            continue
        rows.append(
            (
                label,
                f"{_ts(when)} UTC" if when else "not yet",
                format_duration(inv.time_to(milestone)),
            )
        )
    return _table(("Metric", "When", "From impact start"), rows)


def _describe(ctx: _Context, entry: Entry) -> str:
    """One entry as a line of the timeline."""
    text = _inline(entry.text)
    kind = entry.kind
    if kind is EntryKind.NOTE:  # most entries are notes
        lesson = _LESSON_TITLES.get(str(entry.data.get("lesson")))
        return f"Note: {text}" + (f" _(lesson: {lesson.lower()})_" if lesson else "")
    if kind is EntryKind.HYPOTHESIS:
        hyp = ctx.hypothesis(entry) or HypothesisData()
        line = f"**Hypothesis** [{hyp.status.value}]: {text}"
        if hyp.because:
            line += f" — because {_inline(hyp.because)}"
        if hyp.disproof:
            line += f"; disprove by {_inline(hyp.disproof)}"
        return line
    if kind is EntryKind.EVIDENCE:
        ev = ctx.evidence(entry)
        title = _inline(ev.title or entry.text)
        source = f" ({_inline(ev.source, ' ')})" if ev.source else ""
        line = f"**Evidence** E{ctx.evidence_number[entry.id]}: {title}{source}"
        if ev.title and entry.text.strip() and entry.text != ev.title:
            line += f" — {text}"
        return line
    if kind is EntryKind.ACTION:
        act = ctx.action(entry)
        details = [act.type.value, act.status.value.replace("_", " ")]
        if act.owner:
            details.append(f"owner {_inline(act.owner, ' ')}")
        return f"**Action** [{', '.join(details)}]: {text}"
    if kind is EntryKind.DECISION:
        return f"**Decision**: {text}"
    if kind is EntryKind.CHECKLIST_TICK:
        mark = "☑" if tick_done(entry) else "☐"
        return f"Checklist {mark} {text}"
    return f"_{text}_"


# A hand-edited or imported entry may carry data the model cannot read; the post-mortem
# still renders, with the defaults.
def _action(entry: Entry) -> ActionData:
    try:
        return entry.action
    except (ValueError, TypeError):
        return ActionData()


def _evidence_data(entry: Entry) -> EvidenceData:
    try:
        return entry.evidence
    except (ValueError, TypeError):
        return EvidenceData()


def _timeline(ctx: _Context) -> str:
    inv = ctx.inv
    # (time, order, line): markers sort before entries that happened at the same second.
    items: list[tuple[datetime, int, int, str]] = [
        (inv.created_at, 1, 0, "**Response started** (notebook opened)")
    ]
    for milestone, label in _MARKERS.items():
        when = inv.milestone(milestone)
        if when is not None:
            items.append((when, 0, 0, f"**▶ {label}**"))
    for entry in ctx.entries:
        if entry.kind is EntryKind.MILESTONE and _is_marker_entry(inv, entry):
            continue
        star = "★ " if entry.starred else ""
        # _value_ is the member's value without Enum's Python-level property (per entry).
        line = f"_{entry.phase._value_}_ · {star}{_describe(ctx, entry)}"
        items.append((entry.happened_at, 2, entry.id, line))
    # Deploys and container events frozen in pinned evidence, at the time they happened.
    for event in collapse_crash_loops(merge(evidence_events(ctx.of_kind(EntryKind.EVIDENCE)))):
        number = ctx.evidence_number.get(event.entry_id or 0)
        origin = f" _(from E{number})_" if number else ""
        line = f"**{event.kind.capitalize()}**: {_inline(event.title)}{origin}"
        items.append((event.at, 1, event.entry_id or 0, line))
    items.sort(key=itemgetter(0, 1, 2))
    header = "All times UTC. ★ marks a key moment; ▶ marks a milestone of the incident clock."
    body = "\n".join(f"- `{_ts(when)}` {line}" for when, _, _, line in items)
    return f"{header}\n\n{body}"


def _is_marker_entry(inv: Investigation, entry: Entry) -> bool:
    """A MILESTONE entry that a ▶ marker already shows (same milestone, same time)."""
    if entry.kind is not EntryKind.MILESTONE:
        return False
    try:
        milestone = Milestone(entry.data.get("milestone"))
    except ValueError:
        return False
    return inv.milestone(milestone) == entry.happened_at


def _detection(ctx: _Context) -> str:
    inv = ctx.inv
    if inv.impact_started_at:
        start = f"{_ts(inv.impact_started_at)} UTC"
    else:
        start = (
            "not recorded; durations are measured from the response start, "
            f"{_ts(inv.created_at)} UTC"
        )
    lines = [f"**Impact started:** {start}"]
    for milestone, verb in (
        (Milestone.DETECTED, "detect"),
        (Milestone.ACKNOWLEDGED, "acknowledge"),
    ):
        when = inv.milestone(milestone)
        if when is None:
            lines.append(f"**{milestone.value.capitalize()}:** not recorded")
        else:
            took = format_duration(inv.time_to(milestone))
            lines.append(
                f"**{milestone.value.capitalize()}:** {_ts(when)} UTC — time to {verb} **{took}**"
            )
    lines.append(f"**Response started:** {_ts(inv.created_at)} UTC (notebook opened)")
    body = "\n".join(f"- {line}" for line in lines)
    prompt = _prompt(
        "How did we find out: an alert, a dashboard, a customer, a colleague? "
        "Could we have known sooner?"
    )
    return f"{body}\n\n{prompt}"


def _hypotheses(ctx: _Context, status: HypothesisStatus) -> list[tuple[Entry, HypothesisData]]:
    """The hypotheses with ``status``, each with its data (an unreadable one is open)."""
    found = []
    for entry in ctx.of_kind(EntryKind.HYPOTHESIS):
        hyp = ctx.hypothesis(entry)
        if hyp is None:
            if status is HypothesisStatus.OPEN:
                found.append((entry, HypothesisData()))
        elif hyp.status is status:
            found.append((entry, hyp))
    return found


def _root_cause(ctx: _Context) -> str:
    supported = []
    for entry, hyp in _hypotheses(ctx, HypothesisStatus.SUPPORTED):
        line = f"**{_inline(entry.text)}**"
        if hyp.because:
            line += f" — because {_inline(hyp.because)}"
        if hyp.supporting:
            line += f". Evidence: {ctx.references(hyp.supporting)}"
        supported.append(line)
    refuted = []
    for entry, hyp in _hypotheses(ctx, HypothesisStatus.REFUTED):
        line = f"{_inline(entry.text)} — ruled out"
        if hyp.because:
            line += f". Suspected because {_inline(hyp.because)}"
        if hyp.disproof:
            line += f". Disproved by: {_inline(hyp.disproof)}"
        if hyp.refuting:
            line += f". Evidence: {ctx.references(hyp.refuting)}"
        refuted.append(line)
    unconfirmed = []
    for entry, hyp in _hypotheses(ctx, HypothesisStatus.OPEN):
        line = f"{_inline(entry.text)} — unconfirmed"
        if hyp.because:
            line += f"; because {_inline(hyp.because)}"
        if hyp.disproof:
            line += f"; would be disproved by {_inline(hyp.disproof)}"
        unconfirmed.append(line)
    return "\n\n".join(
        (
            "### Root cause",
            _bullets(
                supported,
                "No hypothesis is marked supported yet. What was the root cause, and what "
                "triggered it (a deploy, a config change, traffic, a dependency)?",
            ),
            "### Ruled out",
            _bullets(refuted, "Nothing was ruled out."),
            "### Unconfirmed",
            _bullets(unconfirmed, "No open hypotheses."),
        )
    )


def _resolution(ctx: _Context) -> str:
    inv = ctx.inv
    lines = []
    for milestone, verb in ((Milestone.MITIGATED, "mitigate"), (Milestone.RESOLVED, "resolve")):
        when = inv.milestone(milestone)
        took = format_duration(inv.time_to(milestone))
        shown = f"**{took}** ({_ts(when)} UTC)" if when else "not yet"
        lines.append(f"**Time to {verb}:** {shown}")
    steps = [
        f"`{_ts(e.happened_at)}` _{e.phase.value}_ · {'★ ' if e.starred else ''}{_describe(ctx, e)}"
        for e in ctx.entries
        if e.kind in (EntryKind.ACTION, EntryKind.DECISION) and e.phase in (Phase.FIX, Phase.VERIFY)
    ]
    return "\n\n".join(
        (
            "\n".join(f"- {line}" for line in lines),
            "Actions and decisions in the fix and verify phases:",
            _bullets(
                steps,
                "None recorded. What stopped the bleeding (rollback, failover, scaling), and "
                "what fixed the cause?",
            ),
        )
    )


def _is_followup(ctx: _Context, entry: Entry) -> bool:
    if entry.kind is EntryKind.ACTION:
        return ctx.action(entry).followup or entry.phase is Phase.PREVENT
    return entry.phase is Phase.PREVENT and entry.kind in (EntryKind.NOTE, EntryKind.DECISION)


def _action_row(ctx: _Context, entry: Entry, followup: bool) -> tuple[str, ...]:
    if entry.kind is not EntryKind.ACTION:
        return (entry.kind.value, entry.text, "**unassigned**", "", "", "-")
    act = ctx.action(entry)
    owner = act.owner or ("**unassigned**" if followup else "")
    status = act.status.value.replace("_", " ")
    return (act.type.value, entry.text, owner, act.due, act.ticket, status)


def _action_items(ctx: _Context) -> str:
    columns = ("Type", "Description", "Owner", "Due", "Ticket", "Status")
    followups = [
        e
        for e in ctx.entries
        if (e.kind is EntryKind.ACTION or e.phase is Phase.PREVENT) and _is_followup(ctx, e)
    ]
    during = [e for e in ctx.of_kind(EntryKind.ACTION) if not _is_followup(ctx, e)]
    parts = ["### Follow-ups"]
    if followups:
        parts.append(_table(columns, [_action_row(ctx, e, True) for e in followups]))
    else:
        parts.append(
            _prompt(
                "No follow-ups yet. What would stop this happening silently again (tests, "
                "alerts, limits, docs)? Each one needs an owner, a due date and a ticket."
            )
        )
    parts.append("### Done during the incident")
    if during:
        parts.append(_table(columns, [_action_row(ctx, e, False) for e in during]))
    else:
        parts.append(_prompt("No in-incident actions recorded."))
    return "\n\n".join(parts)


def _lessons(ctx: _Context) -> str:
    by_lesson: defaultdict[str, list[str]] = defaultdict(list)
    for entry in ctx.entries:  # one pass, not one per lesson
        lesson = entry.data.get("lesson")
        if lesson:  # no false value reads as a lesson's key
            by_lesson[str(lesson)].append(_inline(entry.text))
    parts = []
    for key, title, prompt in LESSONS:
        parts += [f"### {title}", _bullets(by_lesson[key], prompt)]
    return "\n\n".join(parts)


def _checklist(ctx: _Context) -> str:
    """The playbook's steps, each done, open, skipped or not reached; then any other ticks."""
    from debugtui.playbooks import get_playbook

    parts = []
    playbook_id = ctx.inv.playbook_id
    playbook = get_playbook(playbook_id) if playbook_id else None
    if playbook is not None:
        report = step_report(playbook, ctx.inv, ctx.entries)
        counts = Counter(item.state for item in report)
        tally = ", ".join(f"{counts[state]} {state}" for state in StepState if counts[state])
        parts.append(f"Playbook {_inline(playbook.title, ' ')} (`{playbook.id}`): {tally}.")
        items = []
        for item in report:
            done = item.state is StepState.DONE
            facts = [f"{item.step.phase.value}: {item.state}"]
            if done and item.tick is not None:
                facts.append(f"{_ts(item.tick.happened_at)} UTC")
            if item.step.exit:
                facts.append("exit criterion")
            box = "[x]" if done else "[ ]"
            items.append(f"{box} {_inline(item.step.text)} _({', '.join(facts)})_")
        parts.append(_bullets(items, "The playbook has no steps."))
    elif playbook_id:
        parts.append(f"Playbook {_code(playbook_id)} is not installed here: its ticks only.")
    items = []
    for entry in ctx.of_kind(EntryKind.CHECKLIST_TICK):
        if playbook is not None and entry.data.get(TICK_PLAYBOOK) == playbook.id:
            continue
        box = "[x]" if tick_done(entry) else "[ ]"
        items.append(
            f"{box} {_inline(entry.text)} _({entry.phase.value}, {_ts(entry.happened_at)} UTC)_"
        )
    if playbook is None:
        parts.append(_bullets(items, "No checklist items ticked."))
    elif items:
        parts += ["Other ticks:", _bullets(items, "")]
    return "\n\n".join(parts)


def _evidence(ctx: _Context) -> str:
    parts = []
    shown = ctx.of_kind(EntryKind.EVIDENCE)
    known: dict[str, str] = {}  # every text cell of the appendix, redacted in one pass
    redact_known(
        (
            cell
            for entry in shown
            for row in ctx.evidence(entry).rows[:MAX_EVIDENCE_ROWS]
            for cell in row
            if isinstance(cell, str)
        ),
        known,
    )
    for entry in shown:
        ev = ctx.evidence(entry)
        number = ctx.evidence_number[entry.id]
        parts.append(f"### E{number}. {_inline(ev.title or entry.text, ' ')}")
        facts = [f"recorded {_ts(entry.happened_at)} UTC in {entry.phase.value}"]
        if ev.source:
            facts.insert(0, f"source {_code(ev.source)}")
        if ev.captured_at:
            facts.append(f"captured {_inline(ev.captured_at, ' ')}")
        if ev.params:
            params = json.dumps(redact_data(dict(ev.params)), ensure_ascii=False, sort_keys=True)
            facts.append(f"params {_code(params)}")
        parts.append("_" + "; ".join(facts) + "_")
        if ev.title and entry.text.strip() and entry.text != ev.title:
            parts.append(_clean(entry.text).strip())
        if ev.columns:
            rows = redact_rows(ev.columns, ev.rows[:MAX_EVIDENCE_ROWS], known)
            parts.append(_table(ev.columns, rows))
            hidden = len(ev.rows) - MAX_EVIDENCE_ROWS
            if hidden > 0:
                parts.append(_prompt(f"{hidden} more rows in the JSON export."))
        else:
            parts.append(_prompt("No table was captured."))
    return "\n\n".join(parts) if parts else _prompt("No evidence pinned.")


# -- templates -----------------------------------------------------------------------------


def load_template(path: str | Path | None = None) -> str | None:
    """The template text: ``path`` (``--template``), else the user's file, else None."""
    if path is None:
        candidate = config_dir() / TEMPLATE_FILENAME
        if not candidate.is_file():
            return None
        path = candidate
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise TemplateError(f"cannot read template {path}: {reason}") from exc


def check_template(template: str, source: str = "template") -> None:
    """Raise :class:`TemplateError` for an unknown placeholder or a lone ``$``."""
    for match in Template.pattern.finditer(template):
        line = template.count("\n", 0, match.start()) + 1
        name = match.group("named") or match.group("braced")
        if match.group("invalid") is not None:
            raise TemplateError(f"{source}:{line}: a lone $ (write $$ for a dollar sign)")
        if name is not None and name not in PLACEHOLDERS:
            known = ", ".join(f"${p}" for p in PLACEHOLDERS)
            raise TemplateError(f"{source}:{line}: unknown placeholder ${name} (known: {known})")


_SECTIONS: Mapping[str, Callable[[_Context], str]] = {
    "header": _header,
    "summary": _summary,
    "impact": _impact,
    "metrics": _metrics,
    "timeline": _timeline,
    "detection": _detection,
    "root_cause": _root_cause,
    "resolution": _resolution,
    "action_items": _action_items,
    "lessons": _lessons,
    "checklist": _checklist,
    "evidence": _evidence,
}


def render_markdown(
    inv: Investigation,
    entries: Sequence[Entry],
    template: str | None = None,
    *,
    now: datetime | None = None,
) -> str:
    """The post-mortem for ``inv`` as Markdown, through ``template`` (default layout if None)."""
    text = DEFAULT_TEMPLATE if template is None else template
    check_template(text)
    _CLEANED.clear()  # each export pays for its own cleaning
    _CELLS.clear()
    try:
        ctx = _Context(inv, entries, now or utcnow())
        values = {name: render(ctx) for name, render in _SECTIONS.items()}
        values.update(
            title=_inline(inv.title, " "),
            id=inv.id,
            severity=inv.severity.value,
            status=inv.status.value,
            date=f"{inv.impact_start:%Y-%m-%d}",
            duration=_duration(inv, ctx.now),
            exported_at=f"{_ts(ctx.now)} UTC",
        )
    finally:
        _CLEANED.clear()
        _CELLS.clear()
    document = Template(text).substitute(values)
    return redact(document).rstrip("\n") + "\n"
