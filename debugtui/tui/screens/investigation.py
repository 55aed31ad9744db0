"""The investigation screen: header, phase rail, evidence tabs, timeline and composer.

Every change goes through the store first (in the session's store queue, off the UI
thread) and is shown only when the store has committed it: the timeline never shows a note
that is not on disk. The main area is a TabbedContent whose tabs come from ``PANELS``; an
evidence panel is added with one line there.

Opening shows the notebook first: the evidence panels (one per source) are mounted, and start
collecting, once the loaded timeline is on screen, or as soon as their tab is chosen. Styling
six panels and drawing what six sources found before the first frame made a notebook take
seconds to open; the Findings and Timeline tabs, fed by those panels, are there from the start.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import AwaitMount, Widget
from textual.widgets import Input, TabbedContent, TabPane

from debugtui.notebook.model import Entry, EntryKind, Investigation, Milestone, Phase, Status
from debugtui.notebook.store import NotebookStore, NotFoundError
from debugtui.tui.commands import ScreenActions
from debugtui.tui.keys import focus_rows, help_rows
from debugtui.tui.messages import StoreFailed
from debugtui.tui.panels.base import SourcePanel
from debugtui.tui.panels.findings import FindingsPanel
from debugtui.tui.panels.incident_tab import IncidentTab
from debugtui.tui.panels.incident_timeline import IncidentTimelinePanel
from debugtui.tui.screens.export_preview import ExportPreviewScreen
from debugtui.tui.screens.help import HelpScreen
from debugtui.tui.screens.investigation_playbook import PlaybookSupport
from debugtui.tui.session import Session
from debugtui.tui.typeahead import release_keys, typing_in_a_field
from debugtui.tui.widgets.composer import (
    FIELDS,
    Composer,
    action_defaults,
    default_owner,
    draft_key,
    entry_data,
)
from debugtui.tui.widgets.evidence_tabs import EvidenceTabs
from debugtui.tui.widgets.guide import GuidePanel
from debugtui.tui.widgets.held_footer import HeldFooter
from debugtui.tui.widgets.investigation_header import InvestigationHeader
from debugtui.tui.widgets.phase_rail import PhaseRail
from debugtui.tui.widgets.timeline import Timeline


class EvidencePanel:
    """Makes one source's evidence panel, importing its module (and its source's) when first
    called: after the notebook is on screen, not when this screen's module is imported."""

    def __init__(self, module: str, name: str) -> None:
        self.module = f"debugtui.tui.panels.{module}"
        self.name = name

    def load(self) -> type[SourcePanel]:
        panel: type[SourcePanel] = getattr(importlib.import_module(self.module), self.name)
        return panel

    def __call__(self) -> SourcePanel:
        return self.load()()


PANELS: tuple[tuple[str, Callable[[], Widget]], ...] = (
    ("Findings", FindingsPanel),
    ("Deploys", EvidencePanel("deploys", "DeploysPanel")),
    ("Logs", EvidencePanel("logs", "LogsPanel")),
    ("Queries", EvidencePanel("queries", "QueriesPanel")),
    ("Containers", EvidencePanel("containers", "ContainersPanel")),
    ("Sockets", EvidencePanel("sockets", "SocketsPanel")),
    ("System", EvidencePanel("system", "SystemPanel")),
    ("Timeline", IncidentTimelinePanel),
    ("Guide", GuidePanel),
)
"""The main area's tabs, in order: (title, widget factory). Each panel widget has an
``investigation`` reactive, bound to the screen's; digits 1-9 jump to a tab. The evidence
panels (an :class:`EvidencePanel`, or any :class:`SourcePanel` class) are mounted once the
notebook is on screen or their tab is chosen; the others with the screen."""


def _is_evidence(factory: Callable[[], Widget]) -> bool:
    return isinstance(factory, EvidencePanel) or (
        isinstance(factory, type) and issubclass(factory, SourcePanel)
    )


NEEDS_INVESTIGATION = frozenset(
    {"compose", "phase", "status", "acknowledge", "export", "star", "cycle_hypothesis"}
    | {"checklist", "status_update", "playbook"}
)
"""Actions that need the investigation loaded and the composer closed."""


class InvestigationScreen(Screen[None], PlaybookSupport):
    """One investigation; loaded by a store call when mounted. The playbook's checklist,
    checks and stakeholder updates are in :class:`PlaybookSupport`."""

    CSS_PATH = "investigation.tcss"
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {ScreenActions}

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: the app runs these as it reads the key, so the composer is open and
        # focused before the keys typed after it are handed out; they stand aside where
        # focus takes the key itself (``_focus_takes_key``).
        Binding(
            "n",
            "compose('note')",
            "Note",
            priority=True,
            tooltip="Add a note to the timeline",
        ),
        Binding(
            "h",
            "compose('hypothesis')",
            "Hypothesis",
            priority=True,
            tooltip="We think X, because Y; we can disprove it by Z",
        ),
        Binding(
            "a",
            "compose('action')",
            "Action",
            priority=True,
            tooltip="An action item: type, owner, due date, ticket",
        ),
        Binding(
            "d",
            "compose('decision')",
            "Decision",
            priority=True,
            tooltip="Record a decision and why",
        ),
        Binding("right_square_bracket", "phase(1)", "Next phase", tooltip="Move to the next phase"),
        Binding(
            "left_square_bracket",
            "phase(-1)",
            "Prev phase",
            show=False,
            tooltip="Move back to the previous phase",
        ),
        Binding(
            "A",
            "acknowledge",
            "Acknowledged",
            show=False,
            tooltip="You are on it: sets the time to acknowledge",
        ),
        Binding(
            "m",
            "status('mitigated')",
            "Mitigated",
            show=False,
            tooltip="Mark the incident mitigated (sets its time)",
        ),
        Binding(
            "r",
            "status('resolved')",
            "Resolved",
            show=False,
            tooltip="Mark the incident resolved (sets its time)",
        ),
        Binding(
            "e",
            "export",
            "Export",
            show=False,
            tooltip="Write postmortem-<id>.md here, then preview it",
        ),
        Binding("s", "star", "Star", show=False, tooltip="Star or unstar the selected entry"),
        Binding(
            "space,c",
            "cycle_hypothesis",
            "Cycle status",
            show=False,
            tooltip="Hypothesis: open → supported → refuted",
        ),
        Binding("1", "tab(1)", "Tab 1-9", show=False, tooltip="Jump to the evidence tab 1 to 9"),
        *(Binding(str(n), f"tab({n})", "", show=False) for n in range(2, 10)),
        Binding("question_mark", "help", "Help", tooltip="Every key of this screen"),
        Binding(
            "k",
            "checklist",
            "Checklist",
            show=False,
            tooltip="The playbook's steps: space ticks, enter runs, escape returns",
        ),
        Binding(
            "u",
            "status_update",
            "Status update",
            show=False,
            tooltip="Draft a stakeholder update (conditions, actions, needs) to copy",
        ),
        Binding(
            "b",
            "playbook",
            "Playbook",
            show=False,
            tooltip="Choose or change the playbook this investigation follows",
        ),
        Binding(
            "z",
            "zoom",
            "Zoom",
            tooltip="Give the evidence tabs the whole screen (again: back to the notebook)",
        ),
        Binding("q", "leave", "Back", tooltip="Back to the list of investigations"),
        Binding(
            "escape", "close_composer", "Close", tooltip="Close the composer (the draft is kept)"
        ),
    ]

    investigation: reactive[Investigation | None] = reactive(None)
    """The investigation as last committed; None while it loads."""

    class Loaded(Message):
        def __init__(
            self,
            investigation: Investigation,
            entries: list[Entry],
            drafts: dict[EntryKind, dict[str, str]],
        ) -> None:
            super().__init__()
            self.investigation = investigation
            self.entries = entries
            self.drafts = drafts

    class LoadFailed(Message):
        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    class EntryAdded(Message):
        def __init__(self, entry: Entry) -> None:
            super().__init__()
            self.entry = entry

    class EntryFailed(Message):
        """An entry could not be saved; its text goes back into the composer."""

        def __init__(self, kind: EntryKind, values: dict[str, str], reason: str) -> None:
            super().__init__()
            self.kind = kind
            self.values = values
            self.reason = reason

    class EntryChanged(Message):
        def __init__(self, entry: Entry) -> None:
            super().__init__()
            self.entry = entry

    class InvestigationChanged(Message):
        """A phase or status change, with the timeline entry that records it."""

        def __init__(self, investigation: Investigation, entry: Entry) -> None:
            super().__init__()
            self.investigation = investigation
            self.entry = entry

    class ChangeFailed(Message):
        def __init__(self, what: str, reason: str) -> None:
            super().__init__()
            self.what = what
            self.reason = reason

    class PanelsDue(Message):
        """The loaded notebook is on screen: mount and start the evidence panels."""

    class Exported(Message):
        def __init__(self, path: Path, markdown: str, why_there: str | None = None) -> None:
            super().__init__()
            self.path = path
            self.markdown = markdown
            self.why_there = why_there
            """Why it is not in the current directory, when it is not."""

    def __init__(self, session: Session, investigation_id: str) -> None:
        """Made in the running app and pushed at once: the store is asked for the
        investigation here, and its answer is posted to the screen."""
        super().__init__()
        self.session = session
        self.investigation_id = investigation_id
        """As asked for (may be a prefix until loaded)."""
        self._drafts: dict[EntryKind, dict[str, str]] = {}
        self._target_phase: Phase | None = None
        self._owner = default_owner()
        self._unmounted: dict[str, Callable[[], Widget]] = {}
        """Tab id -> the factory of its evidence panel, for the panels not mounted yet."""
        self._resumed = False
        # Reading 10,000 entries takes the store's thread a while: asked as the screen is made,
        # the thread is going while the screen is built (the answer is handled once the screen
        # is mounted: its messages wait for that).
        self._load()

    def post_message(self, message: Message) -> bool:
        if isinstance(message, events.ScreenResume) and not self._resumed:
            # Pushing the screen asks its first resume to style every widget again; they are
            # all styled as they mount, just before it is handled (~50 ms at 10,000 entries).
            # Textual does not restyle a screen coming back when the one above it closes.
            self._resumed = True
            message.refresh_styles = False
        return super().post_message(message)

    def compose(self) -> ComposeResult:
        yield InvestigationHeader(self.session.clock).data_bind(InvestigationScreen.investigation)
        yield PhaseRail().data_bind(InvestigationScreen.investigation)
        with EvidenceTabs(id="panels"):
            for title, factory in PANELS:
                tab_id = f"tab-{title.lower()}"
                with TabPane(title, id=tab_id):
                    if _is_evidence(factory):
                        self._unmounted[tab_id] = factory
                    else:
                        yield factory().data_bind(InvestigationScreen.investigation)
        timeline = Timeline(self.session.clock, id="timeline")
        timeline.border_title = "Timeline"
        yield timeline
        yield Composer(id="composer")
        yield HeldFooter(compact=True)  # its keys come once the notebook is drawn

    def on_mount(self) -> None:
        self.query_one(Timeline).focus()

    # -- queries ------------------------------------------------------------------------------

    @property
    def timeline(self) -> Timeline:
        return self.query_one(Timeline)

    @property
    def composer(self) -> Composer:
        return self.query_one(Composer)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        composing = self.is_mounted and self.composer.is_open
        if action == "close_composer":
            return composing
        if action == "compose" and self._focus_takes_key(parameters):
            return False  # a priority key standing aside: the focused widget gets it
        if action in NEEDS_INVESTIGATION:
            if composing:
                return False
            return self.investigation is not None or None
        return True

    def _focus_takes_key(self, compose: tuple[object, ...]) -> bool:
        """Whether the key of ``compose('<kind>')`` means something else where focus is: a
        letter typed into a text field, or a key the focused widget (or a panel holding it)
        binds itself, such as the findings panel's ``h``. The command palette asks with no
        kind: it is not a key."""
        if not compose:
            return False
        action = f"compose({compose[0]!r})"
        if typing_in_a_field(self.app):
            return True
        keys = {
            key
            for key, bindings in self._bindings.key_to_bindings.items()
            if any(b.action == action for b in bindings)
        }
        node = self.focused
        while node is not None and node is not self:
            if keys & node._bindings.key_to_bindings.keys():
                return True
            node = node.parent
        return False

    # -- store calls (run in the queue's worker: they return messages, never touch widgets) --

    def _submit(self, what: str, run: Callable[[NotebookStore], Message | None]) -> None:
        self.session.queue.submit(self, what, run, lambda reason: self.ChangeFailed(what, reason))

    def _load(self) -> None:
        wanted = self.investigation_id

        def load(store: NotebookStore) -> Message:
            try:
                inv = store.get_investigation(wanted)
            except NotFoundError as exc:
                return self.LoadFailed(str(exc))
            saved = store.drafts(inv.id)
            drafts: dict[EntryKind, dict[str, str]] = {}
            for kind, fields in FIELDS.items():
                found = {f: saved[key] for f in fields if (key := draft_key(kind, f)) in saved}
                if found:
                    drafts[kind] = found
            return self.Loaded(inv, store.entries(inv.id, at_once=True), drafts)

        self.session.queue.submit(self, "open the investigation", load, self.LoadFailed)

    def _save_drafts(self, kind: EntryKind, changed: dict[str, str]) -> None:
        inv_id = self.investigation_id

        def save(store: NotebookStore) -> None:
            for field, text in changed.items():
                store.save_draft(inv_id, draft_key(kind, field), text)

        self.session.queue.submit(self, "save the draft", save)

    def _add_entry(self, kind: EntryKind, values: dict[str, str], inv: Investigation) -> None:
        happened_at = self.session.clock()

        def add(store: NotebookStore) -> Message:
            entry = store.add_entry(
                inv.id,
                kind,
                values["text"].strip(),
                data=entry_data(kind, values),
                phase=inv.phase,
                happened_at=happened_at,
            )
            # The entry is committed; a draft left behind would only come back as a duplicate.
            for field in FIELDS[kind]:
                try:
                    store.clear_draft(inv.id, draft_key(kind, field))
                except Exception as exc:
                    self.post_message(StoreFailed("clear the draft", exc))
                    break
            return self.EntryAdded(entry)

        self.session.queue.submit(
            self,
            f"save the {kind.value}",
            add,
            lambda reason: self.EntryFailed(kind, values, reason),
        )

    # -- results ------------------------------------------------------------------------------

    def on_investigation_screen_loaded(self, message: Loaded) -> None:
        self.investigation_id = message.investigation.id
        self.investigation = message.investigation
        self._drafts = message.drafts
        self.timeline.show_entries(message.entries)
        self._entries_changed()
        self.refresh_bindings()
        release_keys(self.app)  # typed while it loaded: n and a note, say
        self._after_first_frame()

    @work(group="evidence-panels", exit_on_error=False)
    async def _after_first_frame(self) -> None:
        """Show the footer's keys and ask for the evidence panels once the loaded timeline
        has been drawn (a worker, so whoever waits for the screen's work waits for this too)."""
        await self.timeline.wait_for_refresh()
        for footer in self.query(HeldFooter):
            footer.release()
        # Their modules (and their sources') load in a thread: the screen keeps answering keys.
        # A module that fails to import fails again when its panel is made, as it always did.
        lazy = [f for f in self._unmounted.values() if isinstance(f, EvidencePanel)]
        try:
            await asyncio.to_thread(lambda: [factory.load() for factory in lazy])
        finally:
            self.post_message(self.PanelsDue())

    async def on_investigation_screen_panels_due(self, message: PanelsDue) -> None:
        """Every evidence panel, mounted and collecting: the findings need every source."""
        for tab_id in list(self._unmounted):
            if not self.is_attached:
                return  # left already (q pressed at once): nothing to mount into
            mounting = self._mount_panel(tab_id)
            if mounting is not None:
                await mounting
        for panel in self.query(SourcePanel):
            panel.start()
        shown = self.query_one(TabbedContent).active_pane
        if shown is not None:  # the tab shown since the screen opened (Findings) was told none
            self._tell_panels(shown)
        # What is in memory now (modules, styles, this screen's widgets) lives as long as the
        # screen: frozen, a full collection no longer walks it. Unfrozen, one took 50-130 ms
        # of the UI thread while a search streamed matches in (B8's slowest keys).
        gc.freeze()

    def on_unmount(self) -> None:
        gc.unfreeze()  # this screen's widgets may be garbage now: collectable again

    def _mount_panel(self, tab_id: str) -> AwaitMount | None:
        """Mount the evidence panel of tab ``tab_id`` unless it is there already."""
        factory = self._unmounted.pop(tab_id, None)
        if factory is None:
            return None
        panel = factory().data_bind(InvestigationScreen.investigation)
        return self.query_one(f"#{tab_id}", TabPane).mount(panel)

    def on_investigation_screen_load_failed(self, message: LoadFailed) -> None:
        self.post_message(StoreFailed("open the investigation", message.reason))
        self.dismiss(None)
        release_keys(self.app)

    def on_investigation_screen_entry_added(self, message: EntryAdded) -> None:
        self.timeline.add_entry(message.entry)
        self._entries_changed()

    def on_investigation_screen_entry_failed(self, message: EntryFailed) -> None:
        self.notify(
            f"Could not save the {message.kind.value}: {message.reason}. "
            "Its text is kept: open the composer again to retry.",
            severity="error",
            timeout=10,
            markup=False,
        )
        self._drafts[message.kind] = message.values
        if not self.composer.is_open:
            self._open_composer(message.kind)

    def on_investigation_screen_entry_changed(self, message: EntryChanged) -> None:
        self.timeline.replace_entry(message.entry)
        self._entries_changed()

    def on_investigation_screen_investigation_changed(self, message: InvestigationChanged) -> None:
        self.investigation = message.investigation
        if self._target_phase is message.investigation.phase:
            self._target_phase = None
        self.timeline.add_entry(message.entry)
        self._entries_changed()

    def on_investigation_screen_change_failed(self, message: ChangeFailed) -> None:
        self._target_phase = None
        self.post_message(StoreFailed(message.what, message.reason))

    def on_investigation_screen_exported(self, message: Exported) -> None:
        self.app.push_screen(ExportPreviewScreen(message.path, message.markdown))
        if message.why_there:
            self.notify(
                f"{message.why_there}: written to {message.path}",
                severity="warning",
                markup=False,
            )

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            self._mount_panel(event.pane.id)  # it starts collecting when it is shown
        self._tell_panels(event.pane)

    def _tell_panels(self, pane: TabPane) -> None:
        """Which panel's tab is shown, and whether it is one fed by every panel."""
        feeding = bool(pane.query(IncidentTab))
        for panel in self.query(SourcePanel):
            panel.set_active(pane.id == f"tab-{panel.source_name}", feeding=feeding)

    def on_source_panel_pin_requested(self, message: SourcePanel.PinRequested) -> None:
        inv = self.investigation
        if inv is None:
            return
        evidence = message.evidence

        def pin(store: NotebookStore) -> Message:
            entry = store.add_entry(
                inv.id,
                EntryKind.EVIDENCE,
                evidence.title,
                data=evidence.to_dict(),
                happened_at=message.happened_at,
            )
            return self.EntryAdded(entry)

        self._submit("pin the evidence", pin)
        self.notify(f"Pinned: {evidence.title}", markup=False, timeout=3)

    # -- the Findings and Timeline tabs: fed with every snapshot and the notebook's entries --

    def on_source_panel_collected(self, message: SourcePanel.Collected) -> None:
        if not message.feeds_findings:
            return
        for tab in self.query(IncidentTab):
            tab.feed(message.snapshot)

    def _entries_changed(self) -> None:
        entries = self.timeline.entries
        for tab in self.query(IncidentTab):
            tab.show_entries(entries)

    def on_findings_panel_hypothesis_requested(
        self, message: FindingsPanel.HypothesisRequested
    ) -> None:
        """``h`` on a finding: its evidence is committed first, then the hypothesis it
        supports (so the hypothesis never points at evidence that is not on disk)."""
        inv = self.investigation
        if inv is None:
            return
        evidence = message.evidence
        now = self.session.clock()

        def add(store: NotebookStore) -> Message:
            pinned = store.add_entry(
                inv.id,
                EntryKind.EVIDENCE,
                evidence.title,
                data=evidence.to_dict(),
                happened_at=message.happened_at,
            )
            self.post_message(self.EntryAdded(pinned))
            hypothesis = replace(message.hypothesis, supporting=(pinned.id,))
            entry = store.add_entry(
                inv.id,
                EntryKind.HYPOTHESIS,
                message.text,
                data=hypothesis.to_dict(),
                happened_at=now,
            )
            return self.EntryAdded(entry)

        self._submit("turn the finding into a hypothesis", add)
        self.notify(f"Hypothesis: {message.text}", markup=False, timeout=3)

    def on_findings_panel_suspect_requested(self, message: FindingsPanel.SuspectRequested) -> None:
        inv = self.investigation
        if inv is None:
            return
        now = self.session.clock()

        def mark(store: NotebookStore) -> Message:
            entry = store.add_entry(
                inv.id,
                EntryKind.NOTE,
                message.text,
                data=message.data,
                happened_at=now,
                starred=True,
            )
            return self.EntryAdded(entry)

        self._submit("mark the suspect", mark)
        self.notify(message.text, markup=False, timeout=3)

    def on_composer_draft_changed(self, message: Composer.DraftChanged) -> None:
        self._remember_draft(message.kind, message.values)

    def _remember_draft(self, kind: EntryKind, values: dict[str, str]) -> None:
        previous = self._drafts.get(kind, {})
        changed = {f: v for f, v in values.items() if previous.get(f) != v}
        self._drafts[kind] = dict(values)
        if changed:
            self._save_drafts(kind, changed)

    def save_draft_now(self) -> None:
        """Queue the composer's unsaved text right away (the screen is closing or the app
        quitting, so the autosave timer would never fire)."""
        if not self.is_mounted:
            return
        draft = self.composer.take_draft()
        if draft is not None:
            self._remember_draft(*draft)

    def on_composer_submitted(self, message: Composer.Submitted) -> None:
        self._drafts.pop(message.kind, None)
        self.timeline.focus()
        self.refresh_bindings()
        if self.investigation is not None:
            self._add_entry(message.kind, message.values, self.investigation)

    # -- actions ------------------------------------------------------------------------------

    def _open_composer(self, kind: EntryKind) -> None:
        inv = self.investigation
        if inv is None:
            return
        today = self.session.clock().date()
        values = action_defaults(inv.phase, today, self._owner) if kind is EntryKind.ACTION else {}
        values.update(self._drafts.get(kind, {}))
        self.composer.open(kind, values, today)
        self.refresh_bindings()

    def action_compose(self, kind: str) -> None:
        self._open_composer(EntryKind(kind))

    def on_paste(self, event: events.Paste) -> None:
        """A paste no field took (focus on the timeline or a table) starts a note with it,
        or goes into the open composer's text: dropped, it would be lost without a word."""
        event.stop()
        if self.investigation is None or not event.text.strip():
            return
        if not self.composer.is_open:
            self._open_composer(EntryKind.NOTE)
        field = self.composer.query_one("#field-text", Input)
        self.set_focus(field)
        field.post_message(events.Paste(event.text))

    def action_close_composer(self) -> None:
        if self.composer.is_open:
            self.composer.close()
            self.timeline.focus()
            self.refresh_bindings()

    def action_phase(self, step: int) -> None:
        inv = self.investigation
        if inv is None:
            return
        current = self._target_phase or inv.phase
        target = current.next() if step > 0 else current.previous()
        if target is current:
            edge = "last" if step > 0 else "first"
            self.notify(f"{current.title} is the {edge} phase.")
            return
        self._target_phase = target

        def move(store: NotebookStore) -> Message:
            return self.InvestigationChanged(*store.set_phase(inv.id, target))

        self._submit(f"move to {target.title}", move)

    def action_status(self, status: str) -> None:
        inv = self.investigation
        if inv is None:
            return
        target = Status(status)
        if inv.status is target:
            self.notify(f"Already {target.value}.")
            return
        if target is Status.RESOLVED and self.confirm_unmet_exit_criteria(
            lambda: self._set_status(inv, target)
        ):
            return
        self._set_status(inv, target)

    def _set_status(self, inv: Investigation, target: Status) -> None:
        when = self.session.clock()

        def change(store: NotebookStore) -> Message:
            return self.InvestigationChanged(*store.set_status(inv.id, target, when=when))

        self._submit(f"mark it {target.value}", change)

    def action_acknowledge(self) -> None:
        inv = self.investigation
        if inv is None:
            return
        done = inv.milestone(Milestone.ACKNOWLEDGED)
        if done is not None:
            self.notify(f"Acknowledged at {done:%H:%M:%S} UTC already.")
            return
        when = self.session.clock()

        def acknowledge(store: NotebookStore) -> Message:
            return self.InvestigationChanged(
                *store.set_milestone(inv.id, Milestone.ACKNOWLEDGED, when)
            )

        self._submit("record the acknowledgement", acknowledge)

    def action_star(self) -> None:
        entry = self.timeline.selected_entry
        if entry is None:
            self.notify("Select an entry in the timeline first.")
            return
        self._submit("star the entry", lambda store: self.EntryChanged(store.toggle_star(entry.id)))

    def action_cycle_hypothesis(self) -> None:
        entry = self.timeline.selected_entry
        if entry is None or entry.kind is not EntryKind.HYPOTHESIS:
            self.notify("Select a hypothesis in the timeline first.")
            return
        status = entry.hypothesis.status.cycle()

        def cycle(store: NotebookStore) -> Message:
            return self.EntryChanged(store.set_hypothesis_status(entry.id, status))

        self._submit("change the hypothesis status", cycle)

    def action_export(self) -> None:
        inv = self.investigation
        if inv is None:
            return
        name = f"postmortem-{inv.id}.md"
        now = self.session.clock()

        def export(store: NotebookStore) -> Message:
            from debugtui.export.files import write_here_or_in
            from debugtui.export.markdown import load_template, render_markdown

            fresh = store.get_investigation(inv.id)
            markdown = render_markdown(fresh, store.entries(inv.id), load_template(), now=now)
            # Where the current directory cannot take it: next to the notebook, which is
            # written to all along.
            path, why = write_here_or_in(name, markdown, store.path.parent)
            return self.Exported(path, markdown, why)

        self._submit("export the post-mortem", export)

    def action_tab(self, number: int) -> None:
        tabs = self.query_one("#panels", TabbedContent)
        panes = list(tabs.query(TabPane))
        if 0 < number <= len(panes) and panes[number - 1].id:
            pane = panes[number - 1]
            tabs.active = pane.id or ""
            if pane.id in self._unmounted:
                # Mounted from the screen's own queue: a panel binds to the screen's
                # investigation, which needs the screen as the running message pump.
                self.call_later(self._mount_and_work_in, tabs, pane)
            else:
                self._work_in(pane)

    async def _mount_and_work_in(self, tabs: TabbedContent, pane: TabPane) -> None:
        mounting = self._mount_panel(pane.id or "")
        if mounting is not None:
            await mounting
        if tabs.active == pane.id:  # not left meanwhile
            self._work_in(pane)

    def _work_in(self, pane: TabPane) -> None:
        """Jumping to a panel means working in it: its keys (r, /, p) apply from now on."""
        for panel in pane.query(SourcePanel):
            panel.table.focus()
        for tab in pane.query(IncidentTab):
            tab.listing.focus()

    def action_zoom(self) -> None:
        """At 80x24 the tabs get a few rows; zoomed, they get all but the header and footer."""
        self.toggle_class("-zoomed")
        if not self.has_class("-zoomed"):
            self.timeline.focus()
            return
        for panel in self.query(SourcePanel):
            if panel.active:
                panel.table.focus()

    def action_help(self) -> None:
        here = focus_rows(self.app, self)
        rows = here + [r for r in help_rows(self.app, self) if r.keys not in {h.keys for h in here}]
        self.app.push_screen(HelpScreen("investigation", rows))

    def action_leave(self) -> None:
        self.save_draft_now()
        if self.composer.is_open:
            self.composer.close()
        self.dismiss(None)
