"""The Findings tab, driven through Pilot on the scripted incident's real files.

The Logs panel searches the incident's rotated logs itself (as it does on mount); the deploys
snapshot is the real deploys source's, handed to the screen as the Deploys panel would
hand it (``feed``), so these tests do not depend on that panel. Keys are pressed in the
tab; the store file is read back to check what was committed.
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from panel_support import LITERAL, LITERAL_SHOWN, detail_static, markdown_of, table_header
from rich.console import Console
from test_tui_support import QuietSource, settle
from textual.pilot import Pilot
from textual.widgets import Static, TabbedContent

import debugtui.playbooks
from debugtui.config import Config, DeploysConfig, LogsConfig
from debugtui.demo.incident import DEPLOY_TAG, DemoFiles, build_incident, build_logs
from debugtui.findings import Finding
from debugtui.notebook.model import EntryKind, EvidenceData, Investigation, Severity
from debugtui.notebook.store import NotebookStore
from debugtui.sources.base import Snapshot
from debugtui.sources.collect import default_params
from debugtui.sources.deploys import DeploysSource
from debugtui.sources.logs import LogsSource
from debugtui.textsafe import one_line
from debugtui.tui.app import DebugApp, make_app
from debugtui.tui.panels.base import SourcePanel
from debugtui.tui.panels.findings import SUSPECT_FLAG, FindingsPanel, hypothesis_data
from debugtui.tui.screens.investigation import InvestigationScreen


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return build_incident(tmp_path_factory.mktemp("incident"))


@pytest.fixture(scope="module")
def deploys(demo: DemoFiles) -> Snapshot:
    snap = DeploysSource(Config(deploys=DeploysConfig(repos=(str(demo.repo),)))).collect(
        {"since": "48h"}
    )
    assert snap.ok, snap.error
    return snap


@pytest.fixture(scope="module")
def logs(demo: DemoFiles) -> Snapshot:
    return search_logs(demo.logs)


def search_logs(path: Path) -> Snapshot:
    """The Logs panel's search on mount (the error pattern over the default window)."""
    config = Config(logs=LogsConfig(paths=(str(path),)))
    snap = LogsSource(config).collect(default_params("logs", config))
    assert snap.ok, snap.error
    return snap


@pytest.fixture
def inv(store: NotebookStore) -> Investigation:
    return store.create_investigation("checkout 502s", Severity.SEV2)


def app_for(store: NotebookStore, inv: Investigation, logs: Path, repo: Path) -> DebugApp:
    config = Config(logs=LogsConfig(paths=(str(logs),)), deploys=DeploysConfig(repos=(str(repo),)))
    return make_app(store, open_id=inv.id, config=config)


async def open_findings(pilot: Pilot[None]) -> FindingsPanel:
    """Wait for the panels' first collects; the Findings tab is the first and shown."""
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, InvestigationScreen)
    assert screen.query_one("#panels", TabbedContent).active == "tab-findings"
    await pilot.press("1")
    await settle(pilot)
    return screen.query_one(FindingsPanel)


async def feed(pilot: Pilot[None], *snapshots: Snapshot) -> None:
    """The screen receives each snapshot as from the panel of its source."""
    screen = pilot.app.screen
    panel = screen.query(SourcePanel).first()
    for snapshot in snapshots:
        screen.post_message(SourcePanel.Collected(panel, snapshot))
    await settle(pilot)


def keys(panel: FindingsPanel) -> list[str]:
    return panel.listing.keys


async def select(pilot: Pilot[None], panel: FindingsPanel, prefix: str) -> str:
    key = next(k for k in keys(panel) if k.startswith(prefix))
    panel.listing.highlighted = keys(panel).index(key)
    await pilot.pause()
    return key


def row_text(panel: FindingsPanel, key: str) -> str:
    console = Console(width=200, record=True, color_system=None)
    console.print(panel.listing.get_option(key).prompt)
    return console.export_text()


def status(panel: FindingsPanel) -> str:
    return panel.query_one("#findings-status", Static).visual.plain  # type: ignore[attr-defined]


async def test_opening_the_investigation_fills_findings_from_the_panels_own_collects(
    store: NotebookStore, inv: Investigation, demo: DemoFiles
) -> None:
    """No feeding: the Deploys and Logs panels collect on mount, the screen forwards."""
    async with app_for(store, inv, demo.logs, demo.repo).run_test(size=(120, 36)) as pilot:
        panel = await open_findings(pilot)
        rules = {f.rule for f in panel.findings}
        assert {"error_spike", "deploy_before_errors"} <= rules
        deploy = next(f for f in panel.findings if f.rule == "deploy_before_errors")
        assert DEPLOY_TAG in deploy.statement


async def test_findings_fill_from_the_panels_collects_most_severe_first(
    store: NotebookStore,
    inv: Investigation,
    demo: DemoFiles,
    logs: Snapshot,
    deploys: Snapshot,
) -> None:
    async with app_for(store, inv, demo.logs, demo.repo).run_test(size=(120, 36)) as pilot:
        panel = await open_findings(pilot)
        await feed(pilot, logs)
        assert "error_spike" in keys(panel)
        assert "logs" in status(panel)
        await feed(pilot, deploys)
        marker = next(m for m in deploys.data.markers if m.name == DEPLOY_TAG)
        key = f"deploy_before_errors:shop:{marker.sha}"
        assert key in keys(panel)
        assert keys(panel) == [f.key for f in panel.findings]
        order = ["critical", "warning", "info"]
        severities = [f.severity for f in panel.findings]
        assert severities == sorted(severities, key=order.index)
        assert marker.short_sha in row_text(panel, key)


async def test_the_highlight_stays_on_its_finding_when_findings_refresh(
    store: NotebookStore,
    inv: Investigation,
    demo: DemoFiles,
    logs: Snapshot,
    deploys: Snapshot,
) -> None:
    async with app_for(store, inv, demo.logs, demo.repo).run_test(size=(120, 36)) as pilot:
        panel = await open_findings(pilot)
        await feed(pilot, logs, deploys)
        chosen = await select(pilot, panel, "error_spike")
        before = keys(panel)
        await feed(pilot, logs, deploys)  # a refresh of the same data: same rows, same place
        await feed(pilot, logs)
        assert keys(panel) == before
        assert panel.listing.highlighted_key == chosen


async def test_the_top_finding_stays_highlighted_while_evidence_arrives(
    store: NotebookStore, inv: Investigation, logs: Snapshot, deploys: Snapshot
) -> None:
    """Panels report one by one; a more severe finding arriving later goes on top, and the
    highlight (not moved yet) goes with the top row, so the worst finding stays in view."""
    app = make_app(store, open_id=inv.id, sources=QuietSource)  # the panels find nothing
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_findings(pilot)
        await feed(pilot, logs)
        assert keys(panel)[0].startswith("error_spike")
        await feed(pilot, deploys)
        assert keys(panel)[0].startswith("deploy_before_errors")
        assert panel.listing.highlighted_key == keys(panel)[0]


async def test_enter_shows_the_evidence_table_and_next_step(
    store: NotebookStore,
    inv: Investigation,
    demo: DemoFiles,
    logs: Snapshot,
    deploys: Snapshot,
) -> None:
    async with app_for(store, inv, demo.logs, demo.repo).run_test(size=(120, 36)) as pilot:
        panel = await open_findings(pilot)
        await feed(pilot, logs, deploys)
        await select(pilot, panel, "deploy_before_errors")
        await pilot.press("enter")
        await pilot.pause()
        text = detail_static(pilot).visual.plain  # type: ignore[attr-defined]
        assert "next step: what changed: git -C <shop> diff --stat v2.3.0..v2.4.0" in text
        assert "evidence from deploys" in text
        assert "checkout: load cart items with the new pricing join" in text
        assert "errors rose" in text


async def test_h_stores_the_evidence_then_a_hypothesis_it_supports(
    store: NotebookStore,
    inv: Investigation,
    demo: DemoFiles,
    logs: Snapshot,
    deploys: Snapshot,
) -> None:
    async with app_for(store, inv, demo.logs, demo.repo).run_test(size=(120, 36)) as pilot:
        panel = await open_findings(pilot)
        await feed(pilot, logs, deploys)
        await select(pilot, panel, "deploy_before_errors")
        finding = panel.selected
        assert finding is not None
        await pilot.press("h")
        await settle(pilot)
        entries = store.entries(inv.id)
        evidence = next(e for e in entries if e.kind is EntryKind.EVIDENCE)
        hypothesis = next(e for e in entries if e.kind is EntryKind.HYPOTHESIS)
        assert evidence.id < hypothesis.id  # committed first
        assert hypothesis.text == finding.statement
        assert hypothesis.hypothesis.supporting == (evidence.id,)
        assert hypothesis.hypothesis.disproof == finding.next_step
        assert hypothesis.hypothesis.because == one_line(finding.because, 240)
        assert [list(r) for r in evidence.evidence.rows] == finding.evidence["rows"]
        assert evidence.evidence.params == {"since": "48h"}
        assert evidence.happened_at == finding.at
        shown = {e.id for e in pilot.app.screen.timeline.entries}
        assert {evidence.id, hypothesis.id} <= shown


def test_a_hypothesis_without_a_reason_of_its_own_rests_on_its_evidences_first_rows() -> None:
    finding = Finding("disk_full", "warning", "/ is 97% full", "du -xh / | sort -h")
    evidence = EvidenceData(
        title="disk",
        source="system",
        columns=("mount", "device", "used %"),
        rows=(("/", "/dev/vda1", "97"), ("/var", "", "91.5"), ("/a", "b", "1"), ("/c", "d", "2")),
    )
    assert hypothesis_data(finding, evidence).because == (
        "system evidence: /, /dev/vda1, used % 97; /var, used % 91.5; /a, b, used % 1; "
        "and 1 more rows"
    )


async def test_p_pins_the_findings_evidence_into_the_post_mortem(
    store: NotebookStore, inv: Investigation, demo: DemoFiles, logs: Snapshot
) -> None:
    async with app_for(store, inv, demo.logs, demo.repo).run_test(size=(120, 36)) as pilot:
        panel = await open_findings(pilot)
        await feed(pilot, logs)
        await select(pilot, panel, "error_spike")
        await pilot.press("p")
        await settle(pilot)
        [pinned] = [e for e in store.entries(inv.id) if e.kind is EntryKind.EVIDENCE]
        assert pinned.evidence.source == "logs"
        assert pinned.evidence.columns[0] == "period"
        spike = next(f for f in panel.findings if f.rule == "error_spike")
        assert pinned.happened_at == spike.at
        markdown = markdown_of(store, inv)
        assert table_header(pinned.evidence.columns) in markdown


async def test_s_marks_a_deploy_a_suspect_once_with_a_starred_note(
    store: NotebookStore,
    inv: Investigation,
    demo: DemoFiles,
    logs: Snapshot,
    deploys: Snapshot,
) -> None:
    async with app_for(store, inv, demo.logs, demo.repo).run_test(size=(120, 36)) as pilot:
        panel = await open_findings(pilot)
        await feed(pilot, logs, deploys)
        key = await select(pilot, panel, "deploy_before_errors")
        await pilot.press("S")
        await settle(pilot)
        notes = [e for e in store.entries(inv.id) if e.kind is EntryKind.NOTE]
        [note] = notes
        assert note.starred
        assert note.text.startswith(f"suspect: deploy {DEPLOY_TAG} (shop ")
        assert note.data["finding"] == key
        assert SUSPECT_FLAG in row_text(panel, key)
        await pilot.press("S")  # already marked: nothing more is written
        await select(pilot, panel, "error_spike")
        await pilot.press("S")  # not a deploy
        await settle(pilot)
        assert [e.id for e in store.entries(inv.id) if e.kind is EntryKind.NOTE] == [note.id]


async def test_suspect_marks_come_back_with_the_notebook(
    store: NotebookStore,
    inv: Investigation,
    demo: DemoFiles,
    logs: Snapshot,
    deploys: Snapshot,
) -> None:
    marker = next(m for m in deploys.data.markers if m.name == DEPLOY_TAG)
    subject = f"{DEPLOY_TAG} (shop {marker.short_sha})"
    store.add_entry(inv.id, EntryKind.NOTE, f"suspect: deploy {subject}", data={"suspect": subject})
    async with app_for(store, inv, demo.logs, demo.repo).run_test(size=(120, 36)) as pilot:
        panel = await open_findings(pilot)
        await feed(pilot, logs, deploys)
        assert SUSPECT_FLAG in row_text(panel, f"deploy_before_errors:shop:{marker.sha}")


async def test_a_playbook_is_suggested_only_without_one(
    store: NotebookStore,
    demo: DemoFiles,
    logs: Snapshot,
    deploys: Snapshot,
) -> None:
    for playbook, shown in ((None, True), ("generic", False)):
        inv = store.create_investigation("checkout 502s", playbook_id=playbook)
        async with app_for(store, inv, demo.logs, demo.repo).run_test(size=(120, 36)) as pilot:
            panel = await open_findings(pilot)
            await feed(pilot, logs, deploys)
            line = panel.query_one("#findings-playbook", Static)
            assert line.has_class("-shown") is shown
            if shown:
                text = line.visual.plain  # type: ignore[attr-defined]
                assert "try the deploy-errors playbook" in text
                assert "deploy_before_errors" in text or "error_spike" in text


async def test_the_playbooks_are_read_only_once_a_finding_needs_them(
    store: NotebookStore, inv: Investigation, logs: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []
    load = debugtui.playbooks.load_playbooks

    def counting() -> debugtui.playbooks.Loaded:
        reads.append("playbooks")
        return load()

    monkeypatch.setattr(debugtui.playbooks, "load_playbooks", counting)
    app = make_app(store, open_id=inv.id, sources=QuietSource)  # the panels find nothing
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_findings(pilot)
        assert not panel.findings
        assert reads == ["playbooks"]  # the playbook rail's, not the findings panel's
        await feed(pilot, logs)
        assert panel.findings
        assert reads == ["playbooks", "playbooks"]
        assert panel.query_one("#findings-playbook", Static).has_class("-shown")


async def test_a_failed_source_is_named_and_its_last_findings_stay(
    store: NotebookStore,
    inv: Investigation,
    demo: DemoFiles,
    logs: Snapshot,
    deploys: Snapshot,
) -> None:
    from debugtui.sources.base import failure

    async with app_for(store, inv, demo.logs, demo.repo).run_test(size=(120, 36)) as pilot:
        panel = await open_findings(pilot)
        await feed(pilot, logs, deploys)
        before = keys(panel)
        await feed(pilot, failure("deploys", {}, "repository vanished", "check the path"))
        assert keys(panel) == before
        assert "failed: " in status(panel) and "deploys" in status(panel)


async def test_commit_subjects_with_markup_and_escapes_show_literally(
    store: NotebookStore, inv: Investigation, tmp_path: Path
) -> None:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    spike_at = now - timedelta(minutes=20)
    build_logs(tmp_path / "logs", now, spike_at)
    repo = tmp_path / "svc"
    repo.mkdir()
    stamp = (spike_at - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    env = {
        "GIT_AUTHOR_NAME": "x",
        "GIT_AUTHOR_EMAIL": "x@example.com",
        "GIT_COMMITTER_NAME": "x",
        "GIT_COMMITTER_EMAIL": "x@example.com",
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
    }
    for args in (
        ("init", "-q", "-b", "main"),
        ("commit", "-q", "--allow-empty", "-m", LITERAL),
        ("tag", "v9"),
    ):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    snap = DeploysSource(Config(deploys=DeploysConfig(repos=(str(repo),)))).collect({})
    async with app_for(store, inv, tmp_path / "logs", repo).run_test(size=(120, 36)) as pilot:
        panel = await open_findings(pilot)
        await feed(pilot, search_logs(tmp_path / "logs"), snap)
        key = next(k for k in keys(panel) if k.startswith("deploy_before_errors"))
        shown = row_text(panel, key).replace("\n", "")
        assert LITERAL_SHOWN[:20] in shown  # cut in the statement, but every character shown
        assert "\x1b" not in shown


async def test_deploys_before_the_investigations_impact_start_are_listed_as_suspects(
    store: NotebookStore, demo: DemoFiles, logs: Snapshot, tmp_path: Path
) -> None:
    repo = tmp_path / "shop"
    subprocess.run(["git", "clone", "-q", str(demo.repo), str(repo)], check=True)
    pushed_at = demo.deploy_at - timedelta(minutes=20)
    stamp = pushed_at.strftime("%Y-%m-%dT%H:%M:%S+0000")
    env = {
        "GIT_COMMITTER_NAME": "x",
        "GIT_COMMITTER_EMAIL": "x@example.com",
        "GIT_COMMITTER_DATE": stamp,
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
    }
    subprocess.run(
        ["git", "tag", "-a", "v2.3.9", "-m", "config push", "HEAD~1"], cwd=repo, env=env, check=True
    )
    deploys = DeploysSource(Config(deploys=DeploysConfig(repos=(str(repo),)))).collect({})
    inv = store.create_investigation("checkout 502s", impact_started_at=demo.spike_at)
    async with app_for(store, inv, demo.logs, repo).run_test(size=(120, 36)) as pilot:
        panel = await open_findings(pilot)
        await feed(pilot, logs, deploys)
        [suspect] = [f for f in panel.findings if f.rule == "deploy_suspect"]
        assert "v2.3.9" in suspect.statement and "before the impact start" in suspect.statement
        await select(pilot, panel, "deploy_suspect")
        await pilot.press("S")
        await settle(pilot)
        assert SUSPECT_FLAG in row_text(panel, suspect.key)
        assert any(e.text.startswith("suspect: deploy v2.3.9") for e in store.entries(inv.id))
