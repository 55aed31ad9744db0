"""The Findings tab: what the rules of :mod:`debugtui.findings` conclude from the latest
snapshot of every panel, most severe first, re-evaluated on every collect.

Each finding is one row keyed by ``Finding.key``, so a refresh rewrites only the rows whose
words changed and the highlight stays on its finding. From a finding:

- enter shows its evidence table and next step;
- ``h`` makes it a hypothesis (we think <statement>, because <the evidence>, disprove by
  <the next step>) with its evidence stored first as an EVIDENCE entry and attached as
  support;
- ``p`` pins its evidence;
- ``S`` marks a deploy a suspect: a starred note "suspect: deploy v2.4.0 (repo sha) …"
  whose ``data["suspect"]`` is the deploy (the finding's subject). Notes are the record: the
  mark is in the timeline and the post-mortem, survives a restart, and every finding about
  that deploy shows the ⚑ flag.

When the investigation follows no playbook and the findings fit one, a line says which.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import partial
from itertools import zip_longest
from typing import Any, ClassVar

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList, Static

from debugtui.findings import RULES, Finding, Severity, evaluate
from debugtui.notebook.model import EntryKind, EvidenceData, HypothesisData
from debugtui.textsafe import one_line
from debugtui.tui.literal import literal, literal_line
from debugtui.tui.panels.detail import DetailScreen
from debugtui.tui.panels.incident_tab import IncidentTab, KeyedList
from debugtui.tui.widgets.timeline import entry_time

SEVERITY_LABELS: Mapping[str, tuple[str, str]] = {
    Severity.CRITICAL: ("CRIT", "bold red"),
    Severity.WARNING: ("WARN", "bold yellow"),
    Severity.INFO: ("info", "dim"),
}

SUSPECT_RULES = frozenset({"deploy_before_errors", "deploy_suspect"})
"""Findings about one deploy, which ``S`` can mark a suspect."""
SUSPECT_FLAG = "⚑"

NUMBER = re.compile(r"-?\d+(\.\d+)?")
"""An evidence cell that is a bare number: it reads only with its column's name."""
BECAUSE_WIDTH = 240
"""The longest "because" a hypothesis made from a finding gets (the evidence is attached)."""
EVIDENCE_TEXT_ROWS = 50
"""Evidence rows the detail view lists (the pinned entry keeps them all)."""


def finding_evidence(finding: Finding, captured_at: datetime) -> EvidenceData:
    """The finding's evidence as a notebook evidence entry's data."""
    evidence = finding.evidence
    return EvidenceData(
        title=f"finding: {one_line(finding.statement, 120)}",
        source=str(evidence.get("source") or "findings"),
        params=dict(evidence.get("params") or {}),
        columns=tuple(str(c) for c in evidence.get("columns") or ()),
        rows=tuple(tuple(str(c) for c in row) for row in evidence.get("rows") or ()),
        captured_at=captured_at.isoformat(),
    )


def evidence_summary(evidence: EvidenceData, limit: int = BECAUSE_WIDTH) -> str:
    """A hypothesis's "because": the evidence in one line (its first rows). A number is
    named by its column ("calls 62, mean ms 624.3"): bare, it says nothing."""
    rows = [
        ", ".join(
            f"{column} {cell}" if NUMBER.fullmatch(cell) and column else cell
            for column, cell in zip_longest(evidence.columns, row, fillvalue="")
            if cell
        )
        for row in evidence.rows[:3]
    ]
    more = f"; and {len(evidence.rows) - 3} more rows" if len(evidence.rows) > 3 else ""
    text = f"{evidence.source} evidence: " + "; ".join(rows) + more
    return one_line(text, limit)


def hypothesis_data(finding: Finding, evidence: EvidenceData) -> HypothesisData:
    """We think <statement> because <the finding's reason, else its evidence in a line>;
    disprove by <next step>. Supporting evidence ids are added once the evidence entry
    exists."""
    reason = finding.because
    because = one_line(reason, BECAUSE_WIDTH) if reason else evidence_summary(evidence)
    return HypothesisData(because=because, disproof=finding.next_step)


def suspect_note(finding: Finding) -> tuple[str, dict[str, Any]]:
    """The starred note that marks a finding's deploy a suspect: (text, data)."""
    return f"suspect: deploy {finding.subject}", {
        "suspect": finding.subject,
        "finding": finding.key,
    }


def text_table(columns: Sequence[str], rows: Sequence[Sequence[str]], width: int = 60) -> str:
    """Columns aligned in plain text (cells on one line, cut to ``width``)."""
    shown = [[one_line(str(c), width) for c in row] for row in rows]
    heads = [one_line(str(c), width) for c in columns]
    widths = [
        max([len(heads[i])] + [len(r[i]) for r in shown if i < len(r)]) for i in range(len(heads))
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in shown:
        cells = row + [""] * (len(widths) - len(row))
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip())
    return "\n".join(lines)


def detail_text(finding: Finding) -> str:
    """Everything about a finding: statement, next step, the evidence table."""
    evidence = finding.evidence
    rows = list(evidence.get("rows") or ())
    parts = [
        f"{finding.severity.upper()} · {finding.rule}: {RULES.get(finding.rule, '')}",
    ]
    if finding.at is not None:
        parts.append(f"at {finding.at:%Y-%m-%d %H:%M:%S} UTC")
    parts += ["", finding.statement, "", f"next step: {finding.next_step}", ""]
    source = evidence.get("source") or "?"
    params = evidence.get("params") or {}
    parts.append(f"evidence from {source}" + (f" (params {dict(params)})" if params else "") + ":")
    if rows:
        parts.append(text_table(list(evidence.get("columns") or ()), rows[:EVIDENCE_TEXT_ROWS]))
        if len(rows) > EVIDENCE_TEXT_ROWS:
            parts.append(f"… {len(rows) - EVIDENCE_TEXT_ROWS} more rows (pin it with p)")
    else:
        parts.append("(no rows)")
    return "\n".join(parts)


class FindingsPanel(IncidentTab):
    """The Findings tab (see the module docstring)."""

    DEFAULT_CSS = """
    FindingsPanel {
        height: 1fr;
        #findings-status { height: 1; color: $text-muted; padding: 0 1; }
        #findings-playbook { height: 1; color: $accent; padding: 0 1; display: none; }
        #findings-status, #findings-playbook { text-wrap: nowrap; text-overflow: ellipsis; }
        #findings-playbook.-shown { display: block; }
        #findings-list { height: 1fr; border: none; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "h",
            "hypothesis",
            "Hypothesis",
            tooltip="Turn the finding into a hypothesis with its evidence attached",
        ),
        Binding("p", "pin", "Pin", tooltip="Pin the finding's evidence into the notebook"),
        Binding(
            "S",
            "suspect",
            "Suspect",
            tooltip="Mark the finding's deploy a suspect (a starred note)",
        ),
    ]

    class HypothesisRequested(Message):
        """Store ``evidence`` first, then a hypothesis it supports."""

        def __init__(
            self,
            text: str,
            hypothesis: HypothesisData,
            evidence: EvidenceData,
            happened_at: datetime,
        ) -> None:
            super().__init__()
            self.text = text
            self.hypothesis = hypothesis
            self.evidence = evidence
            self.happened_at = happened_at
            """When the evidence happened (the deploy, the rise); the hypothesis is now."""

    class SuspectRequested(Message):
        """Record a starred note marking a deploy a suspect."""

        def __init__(self, text: str, data: dict[str, Any]) -> None:
            super().__init__()
            self.text = text
            self.data = data

    class PlaybooksLoaded(Message):
        def __init__(self, playbooks: Mapping[str, Any]) -> None:
            super().__init__()
            self.playbooks = playbooks

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id or "panel-findings")
        self.findings: list[Finding] = []
        self.suspects: set[str] = set()
        """Subjects (deploys) marked suspect by a note in the notebook."""
        self._playbooks: Mapping[str, Any] = {}
        self._playbooks_asked = False
        """The playbooks are read (in a thread) when a suggestion first needs them: read as the
        panel mounted, they competed with the opening notebook for the GIL."""

    def compose(self) -> ComposeResult:
        yield Static(id="findings-status")
        yield Static(id="findings-playbook")
        yield KeyedList(id="findings-list")

    @work(thread=True, exit_on_error=False, group="findings")
    def _load_playbooks(self) -> None:
        from debugtui.playbooks import load_playbooks

        self.post_message(self.PlaybooksLoaded(load_playbooks().playbooks))

    def on_findings_panel_playbooks_loaded(self, message: PlaybooksLoaded) -> None:
        self._playbooks = message.playbooks
        self._show_playbook()

    # -- drawing ---------------------------------------------------------------------------

    def show_entries(self, entries: Sequence[Any]) -> None:
        self.suspects = {
            str(e.data.get("suspect"))
            for e in entries
            if e.kind is EntryKind.NOTE and e.data.get("suspect")
        }
        super().show_entries(entries)

    def redraw(self) -> None:
        if not self.is_mounted:
            return
        inv = self.investigation
        self.findings = evaluate(
            self.snapshots,
            self.session.config.thresholds,
            now=self.now(),
            impact_start=inv.impact_started_at if inv is not None else None,
        )
        today = self.now()
        width = max((len(entry_time(f.at, today)) for f in self.findings if f.at), default=5)
        rows = []
        seen: set[str] = set()
        for finding in self.findings:
            key = finding.key or finding.rule
            while key in seen:  # keys are unique per rule and subject; stay safe regardless
                key += "+"
            seen.add(key)
            suspect = finding.rule in SUSPECT_RULES and finding.subject in self.suspects
            when = entry_time(finding.at, today) if finding.at else ""
            signature = (
                f"{finding.severity}\x1f{when}\x1f{suspect}\x1f{finding.statement}\x1f{width}"
            )
            rows.append((key, signature, partial(self._row, finding, when, suspect, width)))
        at_top = self.listing.highlighted in (None, 0)
        self.listing.show(rows)
        if at_top and rows:
            # Evidence arrives panel by panel, the most severe not first: until the responder
            # moves, the top finding stays highlighted and in view.
            self.listing.highlighted = 0
        self._show_status()
        self._show_playbook()

    def _row(self, finding: Finding, when: str, suspect: bool, width: int) -> RenderableType:
        label, style = SEVERITY_LABELS.get(finding.severity, (finding.severity[:4], ""))
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(width=4, no_wrap=True)
        grid.add_column(width=width, no_wrap=True)
        grid.add_column(width=1, no_wrap=True)
        grid.add_column(ratio=1, overflow="fold")
        grid.add_row(
            Text(label, style=style),
            Text(when, style="dim"),
            Text(SUSPECT_FLAG if suspect else " ", style="bold magenta"),
            literal(finding.statement),
        )
        return grid

    def _show_status(self) -> None:
        counts = {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITY_LABELS}
        sources = ", ".join(sorted(self.snapshots)) or "no source yet"
        if not self.snapshots and not self.failed:
            text = "Waiting for the panels' first collects…"
        elif self.findings:
            spread = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
            text = f"{spread} · from {sources}"
        else:
            text = f"No findings: nothing crosses a threshold · from {sources}"
        if self.failed:
            text += f" · failed: {', '.join(sorted(self.failed))}"
        self.query_one("#findings-status", Static).update(literal_line(text))

    def _show_playbook(self) -> None:
        from debugtui.checklist import findings_suggestion

        line = self.query_one("#findings-playbook", Static)
        inv = self.investigation
        suggestion = None
        if inv is not None and inv.playbook_id is None and self.findings:
            if not self._playbooks_asked:
                self._playbooks_asked = True
                self._load_playbooks()  # shown when they are read
            if self._playbooks:
                suggestion = findings_suggestion(self.findings, self._playbooks, None)
        if suggestion is None:
            line.remove_class("-shown")
            return
        playbook, why = suggestion
        chooser = " (b chooses one)" if hasattr(self.screen, "action_playbook") else ""
        line.update(
            literal_line(f"{why}: try the {playbook.id} playbook, “{playbook.title}”{chooser}")
        )
        line.add_class("-shown")

    # -- actions ---------------------------------------------------------------------------

    @property
    def selected(self) -> Finding | None:
        key = self.listing.highlighted_key
        index = self.listing.keys.index(key) if key is not None else -1
        return self.findings[index] if 0 <= index < len(self.findings) else None

    def _selected_or_tell(self) -> Finding | None:
        finding = self.selected
        if finding is None:
            self.notify("No finding selected.", timeout=3)
        return finding

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        finding = self.selected
        if finding is not None:
            self.app.push_screen(DetailScreen(finding.statement, detail_text(finding)))

    def action_hypothesis(self) -> None:
        finding = self._selected_or_tell()
        if finding is None:
            return
        now = self.now()
        evidence = finding_evidence(finding, now)
        self.post_message(
            self.HypothesisRequested(
                finding.statement,
                hypothesis_data(finding, evidence),
                evidence,
                finding.at or now,
            )
        )

    def action_pin(self) -> None:
        from debugtui.tui.panels.base import SourcePanel

        finding = self._selected_or_tell()
        if finding is None:
            return
        now = self.now()
        self.post_message(
            SourcePanel.PinRequested(finding_evidence(finding, now), finding.at or now)
        )

    def action_suspect(self) -> None:
        finding = self._selected_or_tell()
        if finding is None:
            return
        if finding.rule not in SUSPECT_RULES:
            self.notify("Only a deploy can be marked a suspect.", timeout=3)
            return
        if finding.subject in self.suspects:
            self.notify(f"Already a suspect: {finding.subject}", markup=False, timeout=3)
            return
        self.post_message(self.SuspectRequested(*suspect_note(finding)))
