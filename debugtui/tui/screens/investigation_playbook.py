"""The investigation screen's playbook half: checklist, runs, checks, the resolve gate, and
stakeholder updates.

:class:`PlaybookSupport` is mixed into :class:`~.investigation.InvestigationScreen`, which
keeps the notebook half (entries, composer, phases). It handles the same messages as the
screen under the same names (``on_investigation_screen_loaded`` ...): Textual calls the
handler of every class in the MRO, the screen's first, so by the time these run the screen
has shown the entry or the investigation. Its state is derived, never stored apart:

- ticks come from the CHECKLIST_TICK entries on the timeline (:mod:`debugtui.checklist`),
  so they survive a restart and a tick shows only once the store has it;
- check outcomes come from the findings over the latest snapshot of each panel's source;
- the last stakeholder update is the latest note marked ``status_update``.

Playbooks are files: they are read in a thread worker whenever the investigation's
playbook id changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.message import Message
from textual.widgets import TabbedContent, TabPane

from debugtui.checklist import (
    CheckResult,
    check_results,
    done_steps,
    findings_suggestion,
    tick_data,
    tick_text,
    unmet_exit_criteria,
)
from debugtui.findings import Finding, evaluate
from debugtui.notebook.model import Entry, EntryKind, Investigation, Status
from debugtui.notebook.store import NotebookStore
from debugtui.sources.base import Snapshot
from debugtui.tui.literal import literal_line
from debugtui.tui.panels.base import SourcePanel
from debugtui.tui.screens.confirm import ConfirmScreen
from debugtui.tui.screens.playbook_picker import (
    PlaybookChoice,
    PlaybookPickerScreen,
    load_catalogue,
)
from debugtui.tui.screens.status_update import StatusUpdateScreen
from debugtui.tui.widgets.checklist import Checklist
from debugtui.tui.widgets.phase_rail import PhaseRail

if TYPE_CHECKING:
    from textual.screen import Screen

    from debugtui.playbooks import Playbook, Step
    from debugtui.tui.session import Session
    from debugtui.tui.widgets.timeline import Timeline

    _Screen = Screen[None]
else:
    _Screen = object  # mixed into a Screen: only type checkers need to see it as one

_NOT_LOADED = "\x00"
"""Not a playbook id (ids start with a letter or digit): nothing was loaded yet."""

REMIND_SECONDS = 30.0
"""How often the screen looks whether a stakeholder update has become due."""


class PlaybookSupport(_Screen):
    """The playbook behaviour of the investigation screen (see the module docstring)."""

    # What the investigation screen provides (annotations only: nothing here shadows them).
    session: Session
    investigation: Investigation | None
    timeline: Timeline
    _submit: Callable[[str, Callable[[NotebookStore], Message | None]], None]
    InvestigationChanged: Callable[[Investigation, Entry], Message]
    EntryAdded: Callable[[Entry], Message]

    # Derived state; class-level defaults are immutable and replaced, never mutated.
    _playbook: Playbook | None = None
    _playbook_loaded_for: str | None = _NOT_LOADED
    """The playbook id (None: no playbook) the shown playbook and catalogue were loaded for."""
    _catalogue: Mapping[str, Playbook] = {}
    _snapshots: Mapping[str, Snapshot] = {}
    _findings: tuple[Finding, ...] = ()
    _results: Mapping[str, CheckResult] = {}
    _pending_runs: Mapping[str, tuple[dict[str, Any], bool]] = {}
    """Source name -> (params of a step's run not collected yet, retried already)."""
    _problem = ""
    """Why the investigation's playbook is not shown (it is not installed here)."""
    _update_was_due: bool | None = None
    _suggested: frozenset[str] = frozenset()
    _reminding = False

    class PlaybookLoaded(Message):
        def __init__(
            self, wanted: str | None, playbook: Playbook | None, catalogue: Mapping[str, Playbook]
        ) -> None:
            super().__init__()
            self.wanted = wanted
            self.playbook = playbook
            self.catalogue = catalogue

    # -- the playbook -------------------------------------------------------------------------

    @property
    def rail(self) -> PhaseRail:
        return self.query_one(PhaseRail)

    @property
    def playbook(self) -> Playbook | None:
        """The playbook the investigation follows, once loaded."""
        return self._playbook

    @property
    def cadence_minutes(self) -> int:
        from debugtui.playbooks import DEFAULT_CADENCE_MINUTES

        pb = self._playbook
        return pb.update_cadence_minutes if pb is not None else DEFAULT_CADENCE_MINUTES

    def _follow_playbook(self, inv: Investigation) -> None:
        """Load the investigation's playbook when its id is not the one shown."""
        wanted = inv.playbook_id
        if wanted == self._playbook_loaded_for:
            return
        self._playbook_loaded_for = wanted

        def load() -> None:
            catalogue = load_catalogue().playbooks
            found = catalogue.get(wanted) if wanted else None
            self.post_message(self.PlaybookLoaded(wanted, found, catalogue))

        self.run_worker(load, thread=True, exit_on_error=False, group="playbook")

    def on_playbook_support_playbook_loaded(self, message: PlaybookLoaded) -> None:
        if message.wanted != self._playbook_loaded_for:
            return  # the playbook was changed again meanwhile
        self._playbook, self._catalogue = message.playbook, message.catalogue
        self._problem = ""
        if message.wanted and message.playbook is None:
            self._problem = f"playbook {message.wanted} missing"
            self.notify(
                f"Playbook {message.wanted!r} is not installed: see debugtui playbooks list.",
                severity="warning",
                markup=False,
            )
        self._show_checklist()
        self._remind_update()
        self._suggest_playbook()

    def _show_checklist(self) -> None:
        pb = self._playbook
        self._results = check_results(pb, self._findings, self._sources_ok()) if pb else {}
        self.rail.show_playbook(pb, self._done(), self._results, self._problem)

    def _done(self) -> frozenset[str]:
        pb = self._playbook
        return done_steps(self.timeline.entries, pb.id) if pb is not None else frozenset()

    # -- the screen's own messages, after the screen has handled them -------------------------

    def on_investigation_screen_loaded(self, message: Any) -> None:
        self._follow_playbook(message.investigation)
        # The first look at the update reminder comes with the playbook (its cadence).
        if not self._reminding:
            self._reminding = True
            self.set_interval(REMIND_SECONDS, self._remind_update)

    def on_investigation_screen_investigation_changed(self, message: Any) -> None:
        self._follow_playbook(message.investigation)
        self._show_checklist()
        self._remind_update()

    def on_investigation_screen_entry_added(self, message: Any) -> None:
        # A tick or a posted update is an entry like any other: the screen shows it first.
        self._show_checklist()
        self._remind_update()

    # -- ticking ------------------------------------------------------------------------------

    def on_checklist_tick_requested(self, message: Checklist.TickRequested) -> None:
        message.stop()
        inv, pb = self.investigation, self._playbook
        if inv is None or pb is None:
            return
        step, done = message.step, message.done
        happened_at = self.session.clock()

        def tick(store: NotebookStore) -> Message:
            entry = store.add_entry(
                inv.id,
                EntryKind.CHECKLIST_TICK,
                tick_text(step, done),
                data=tick_data(pb.id, step.id, done),
                happened_at=happened_at,
            )
            return self.EntryAdded(entry)

        self._submit("tick the step" if done else "untick the step", tick)

    def on_checklist_closed(self, message: Checklist.Closed) -> None:
        message.stop()
        self.timeline.focus()

    def action_checklist(self) -> None:
        if self._playbook is None:
            self.notify("No playbook yet: choose one with b (or Playbook in the command palette).")
            return
        if not self.rail.open_checklist():
            self.notify("The playbook has no steps in this phase: ] moves on.")

    # -- running a step's evidence ------------------------------------------------------------

    def on_checklist_run_requested(self, message: Checklist.RunRequested) -> None:
        message.stop()
        self.run_step(message.step)

    def run_step(self, step: Step) -> bool:
        """Collect ``step.run`` in its source's panel and bring that panel to the front.

        False, with a notice saying what to run by hand, when no panel shows that source.
        """
        run = step.run
        if run is None:
            return False
        panel = next(
            (p for p in self.query(SourcePanel) if p.source_name == run.source),
            None,
        )
        if panel is None:
            self.notify(
                f"No {run.source} panel here yet. The step's evidence: {run.describe()}",
                severity="warning",
                timeout=10,
                markup=False,
            )
            return False
        params = dict(run.params)
        for key, value in params.items():
            if isinstance(value, tuple):
                params[key] = list(value)
        self._show_panel(panel)
        search = getattr(panel, "search", None)
        if run.source == "logs" and callable(search):
            # The logs panel shows what it searches in its inputs: fill them, then search.
            logs = self.session.config.logs
            paths = params.get("paths", ())
            search(
                pattern=params["pattern"],
                paths=", ".join(paths) if paths else "",
                since=params.get("since", logs.since),
                until=params.get("until", ""),
                ignore_case=bool(params.get("ignore_case", False)),
                context=params.get("context"),
                max_matches=params.get("max_matches"),
            )
        else:
            self._pending_runs = {**self._pending_runs, run.source: (params, False)}
            panel.collect(params)
        self.notify(f"Running: {run.describe()}", timeout=3, markup=False)
        return True

    def _show_panel(self, panel: SourcePanel) -> None:
        pane = next((a for a in panel.ancestors if isinstance(a, TabPane)), None)
        tabs = next((a for a in panel.ancestors if isinstance(a, TabbedContent)), None)
        if pane is not None and pane.id and tabs is not None:
            tabs.active = pane.id
        panel.table.focus()

    # -- checks: findings over the latest snapshot of each source -----------------------------

    def on_source_panel_collected(self, message: SourcePanel.Collected) -> None:
        snap = message.snapshot
        self._retry_pending_run(message.panel, snap)
        if not message.feeds_findings:
            return
        self._snapshots = {**self._snapshots, snap.source: snap}
        inv = self.investigation
        self._findings = tuple(
            evaluate(
                self._snapshots,
                self.session.config.thresholds,
                now=self.session.clock(),
                impact_start=inv.impact_started_at if inv else None,
            )
        )
        if self._playbook is not None:
            self._show_checklist()
        self._suggest_playbook()

    def _sources_ok(self) -> dict[str, bool]:
        return {name: snap.ok for name, snap in self._snapshots.items()}

    def _retry_pending_run(self, panel: SourcePanel, snap: Snapshot) -> None:
        """A busy panel skips a collect: run the step again once its collection is done."""
        pending = self._pending_runs.get(panel.source_name)
        if pending is None:
            return
        params, retried = pending
        rest = {k: v for k, v in self._pending_runs.items() if k != panel.source_name}
        asked = all(snap.params.get(key) == value for key, value in params.items())
        if asked or retried:
            self._pending_runs = rest
            return
        self._pending_runs = {**rest, panel.source_name: (params, True)}
        panel.collect(params)

    def _suggest_playbook(self) -> None:
        """Once per playbook: "3 container_killed findings: try the Memory playbook (b)"."""
        inv = self.investigation
        if inv is None or not self._catalogue or not self._findings:
            return
        suggestion = findings_suggestion(self._findings, self._catalogue, inv.playbook_id)
        if suggestion is None or suggestion[0].id in self._suggested:
            return
        playbook, why = suggestion
        self._suggested = self._suggested | {playbook.id}
        self.notify(
            f"{why}: try the {playbook.title!r} playbook (b chooses one).",
            title="Playbook suggestion",
            timeout=10,
            markup=False,
        )

    # -- resolving ----------------------------------------------------------------------------

    def confirm_unmet_exit_criteria(self, proceed: Callable[[], None]) -> bool:
        """Ask before resolving while exit criteria are unticked; True if it asked.

        ``proceed`` runs on an explicit yes.
        """
        pb = self._playbook
        unmet = unmet_exit_criteria(pb, self._done()) if pb is not None else ()
        if not unmet:
            return False
        question = Text("These exit criteria are not ticked:\n", style="bold")
        for step in unmet:
            question.append("\n  [ ] ")
            question.append_text(literal_line(step.text))
        question.append("\n\nResolve the incident anyway?")

        def answered(yes: bool | None) -> None:
            if yes:
                proceed()

        self.app.push_screen(ConfirmScreen(question, yes="Resolve anyway"), answered)
        return True

    # -- stakeholder updates ------------------------------------------------------------------

    def action_status_update(self) -> None:
        from debugtui.status_update import draft_status_update

        inv = self.investigation
        if inv is None:
            return
        cadence = self.cadence_minutes
        draft = draft_status_update(
            inv,
            self.timeline.entries,
            self.session.clock(),
            cadence_minutes=cadence,
            findings=self._findings,
        )

        def answered(copied: bool | None) -> None:
            if copied:
                self._record_update(inv, draft)

        self.app.push_screen(StatusUpdateScreen(draft, cadence), answered)

    def _record_update(self, inv: Investigation, draft: str) -> None:
        from debugtui.status_update import STATUS_UPDATE_KEY

        happened_at = self.session.clock()

        def record(store: NotebookStore) -> Message:
            entry = store.add_entry(
                inv.id,
                EntryKind.NOTE,
                draft,
                data={STATUS_UPDATE_KEY: True},
                happened_at=happened_at,
            )
            return self.EntryAdded(entry)

        self._submit("record the status update", record)
        self.notify("Copied to the clipboard; recorded as posted.", timeout=3)

    def _remind_update(self) -> None:
        """Show the reminder while an update is due; a notice when it has just become due."""
        from debugtui.status_update import last_status_update, update_overdue

        inv = self.investigation
        if inv is None or not self.is_mounted:
            return
        due = False
        if inv.status is not Status.RESOLVED:
            last = last_status_update(self.timeline.entries)
            last_at = last.recorded_at if last is not None else None
            due = update_overdue(last_at, self.cadence_minutes, self.session.clock())
        if due and self._update_was_due is False:
            self.notify(
                f"A stakeholder update is due (every {self.cadence_minutes} minutes): press u.",
                title="Status update",
                timeout=10,
            )
        self._update_was_due = due
        self.rail.update_due = due

    # -- choosing the playbook ----------------------------------------------------------------

    def action_playbook(self) -> None:
        inv = self.investigation
        if inv is None:
            return

        def chosen(choice: PlaybookChoice | None) -> None:
            if choice is not None and choice.playbook_id != inv.playbook_id:
                self._set_playbook(inv.id, choice.playbook_id)

        picker = PlaybookPickerScreen(inv.playbook_id, inv.title, self._findings)
        self.app.push_screen(picker, chosen)

    def _set_playbook(self, inv_id: str, playbook_id: str | None) -> None:
        catalogue = self._catalogue
        name = catalogue[playbook_id].title if playbook_id in catalogue else playbook_id
        text = f"Playbook: {name} ({playbook_id})" if playbook_id else "Playbook: none"
        happened_at = self.session.clock()

        def change(store: NotebookStore) -> Message:
            fresh = store.get_investigation(inv_id)
            updated = store.update_investigation(replace(fresh, playbook_id=playbook_id))
            entry = store.add_entry(
                inv_id,
                EntryKind.NOTE,
                text,
                data={"playbook": playbook_id},
                happened_at=happened_at,
            )
            return self.InvestigationChanged(updated, entry)

        self._submit("change the playbook", change)
