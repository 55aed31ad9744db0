"""The Deploys panel on a real git repository: the demo incident's (two days of commits, the
deploy tags v2.3.0 and v2.4.0), driven through Pilot."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fault_support import screen_text
from panel_support import (
    LITERAL,
    LITERAL_SHOWN,
    cells,
    column,
    detail_static,
    error_text,
    evidence_entries,
    markdown_of,
    open_panel,
    quiet_logs,
    refresh,
    rendered_text,
    shown_rows,
    status,
    table_header,
)
from test_tui_support import settle
from textual.pilot import Pilot
from textual.widgets import Static

from debugtui.config import Config, DeploysConfig
from debugtui.demo.incident import BAD_COMMIT_SUBJECT, DEPLOY_TAG, build_repo
from debugtui.notebook.model import Investigation, Severity
from debugtui.notebook.store import NotebookStore
from debugtui.sources.commitpatch import CommitPatch
from debugtui.tui.app import DebugApp, make_app
from debugtui.tui.panels.commit_detail import CommitDetailScreen, patch_text
from debugtui.tui.panels.deploys import DeploysPanel
from debugtui.tui.panels.system import SystemPanel


@pytest.fixture
def inv(store: NotebookStore) -> Investigation:
    return store.create_investigation("checkout 502s after the deploy", Severity.SEV2)


@pytest.fixture
def deploy_at() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=30)


@pytest.fixture
def repo(tmp_path: Path, deploy_at: datetime) -> Path:
    path = tmp_path / "shop"
    build_repo(path, deploy_at)
    return path


def app_for(store: NotebookStore, inv: Investigation, tmp_path: Path, repo: Path) -> DebugApp:
    config = Config(
        deploys=DeploysConfig(repos=(str(repo),), since="72h"), logs=quiet_logs(tmp_path)
    )
    return make_app(store, open_id=inv.id, config=config)


def commit(repo: Path, message: str, path: str = "app/late.py") -> str:
    """One more commit, now; its full sha."""
    env = dict(os.environ)
    env.update(
        GIT_AUTHOR_NAME="Late Larry",
        GIT_AUTHOR_EMAIL="larry@example.com",
        GIT_COMMITTER_NAME="Late Larry",
        GIT_COMMITTER_EMAIL="larry@example.com",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
    )
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text("late = True\n", encoding="utf-8")

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
        ).stdout

    git("add", path)
    git("commit", "-q", "--cleanup=verbatim", "-m", message)
    return git("rev-parse", "HEAD").strip()


async def view(pilot: Pilot[None], panel: DeploysPanel, name: str) -> None:
    while panel.view_name != name:
        await pilot.press("t")
        await settle(pilot)


async def test_commits_newest_first_with_the_deploy_marked(
    store: NotebookStore, inv: Investigation, tmp_path: Path, repo: Path
) -> None:
    app = app_for(store, inv, tmp_path, repo)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot, DeploysPanel)
        assert error_text(panel) == ""
        first = shown_rows(panel)[0]
        columns = panel.table.source_table.columns
        assert first[columns.index("subject")] == BAD_COMMIT_SUBJECT
        assert first[columns.index("shipped in")] == DEPLOY_TAG
        committed = column(panel, "committed")
        assert committed == sorted(committed, reverse=True)
        assert len(committed) >= 8
        assert "Commits since" in status(panel)
        assert "auto" not in status(panel)  # on demand only


async def test_markers_view_lists_the_deploy_tags(
    store: NotebookStore, inv: Investigation, tmp_path: Path, repo: Path, deploy_at: datetime
) -> None:
    app = app_for(store, inv, tmp_path, repo)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot, DeploysPanel)
        await view(pilot, panel, "markers")
        assert column(panel, "name")[:2] == [DEPLOY_TAG, "v2.3.0"]
        assert column(panel, "at")[0] == deploy_at.strftime("%Y-%m-%d %H:%M:%SZ")
        await pilot.press("enter")
        await pilot.pause()
        text = rendered_text(detail_static(pilot)).plain
        assert f"deploy    {DEPLOY_TAG} (tag)" in text
        assert "app/checkout.py" in text


async def test_enter_lists_the_files_the_commit_changed(
    store: NotebookStore, inv: Investigation, tmp_path: Path, repo: Path
) -> None:
    app = app_for(store, inv, tmp_path, repo)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_panel(pilot, DeploysPanel)
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.strip()
        await pilot.press("enter")
        await pilot.pause()
        text = rendered_text(detail_static(pilot)).plain
        assert f"commit    {sha}" in text
        assert BAD_COMMIT_SUBJECT in text
        assert "1 files changed, +4 -0" in text
        assert "    +4     -0  app/checkout.py" in text
        await pilot.press("escape")
        await pilot.press("down", "enter")
        await pilot.pause()
        assert "search: drop the legacy ranking flag" in rendered_text(detail_static(pilot)).plain


async def test_enter_shows_the_commit_patch_below_its_files_coloured_as_a_diff(
    store: NotebookStore, inv: Investigation, tmp_path: Path, repo: Path
) -> None:
    app = app_for(store, inv, tmp_path, repo)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_panel(pilot, DeploysPanel)
        await pilot.press("enter")
        screen = pilot.app.screen
        assert isinstance(screen, CommitDetailScreen)
        await screen.workers.wait_for_complete()
        await settle(pilot)
        patch = rendered_text(screen.query_one("#detail-patch", Static))
        added = "+JOIN prices p ON p.sku LIKE '%' || ci.sku || '%'"
        assert "diff --git a/app/checkout.py b/app/checkout.py" in patch.plain
        start = patch.plain.index(added)
        assert any(s.start == start and s.style == "green" for s in patch.spans)


async def test_a_patch_that_cannot_be_read_is_an_error_in_the_detail(
    store: NotebookStore, inv: Investigation, tmp_path: Path, repo: Path
) -> None:
    app = app_for(store, inv, tmp_path, repo)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_panel(pilot, DeploysPanel)
        shutil.rmtree(repo)  # gone since it was read
        await pilot.press("enter")
        screen = pilot.app.screen
        assert isinstance(screen, CommitDetailScreen)
        await screen.workers.wait_for_complete()
        await settle(pilot)
        shown = rendered_text(screen.query_one("#detail-patch", Static)).plain
        assert "✖ patch:" in shown and "does not exist" in shown
        assert BAD_COMMIT_SUBJECT in rendered_text(detail_static(pilot)).plain


def test_a_patch_line_with_escapes_and_markup_is_shown_literally() -> None:
    patch = CommitPatch("0" * 40, ("+\x1b]0;pwn\x07 [bold]x", "-gone"), truncated=True)
    text = patch_text(patch)
    assert "+\\x1b]0;pwn\\x07 [bold]x" in text.plain and "\x1b" not in text.plain
    assert text.plain.rstrip().endswith("cut at 2 lines: git show 000000000000 for the rest")


async def test_r_collects_again_and_shows_a_new_commit_on_top(
    store: NotebookStore, inv: Investigation, tmp_path: Path, repo: Path
) -> None:
    app = app_for(store, inv, tmp_path, repo)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot, DeploysPanel)
        before = len(shown_rows(panel))
        sha = commit(repo, "hotfix: revert the pricing join")
        await refresh(pilot, panel)
        assert len(shown_rows(panel)) == before + 1
        assert sha[:7] in {r[2][:7] for r in shown_rows(panel)}
        assert "hotfix: revert the pricing join" in column(panel, "subject")


async def test_a_missing_repository_shows_error_and_hint_while_the_app_works(
    store: NotebookStore, inv: Investigation, tmp_path: Path
) -> None:
    app = app_for(store, inv, tmp_path, tmp_path / "no-such-repo")
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot, DeploysPanel)
        error = error_text(panel)
        assert error.startswith("✖ ")
        assert "no-such-repo does not exist" in error
        assert "\nhint: set [deploys] repos" in error
        assert shown_rows(panel) == []
        system = pilot.app.screen.query_one(SystemPanel)
        assert system.snapshot is not None and system.table.row_count > 0


async def test_pinned_commit_is_evidence_at_its_commit_time_and_in_the_export(
    store: NotebookStore, inv: Investigation, tmp_path: Path, repo: Path, deploy_at: datetime
) -> None:
    app = app_for(store, inv, tmp_path, repo)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await open_panel(pilot, DeploysPanel)
        first = shown_rows(panel)[0]
        columns = panel.table.source_table.columns
        await pilot.press("p")
        await settle(pilot)
        [entry] = evidence_entries(store, inv)
        assert entry.evidence.source == "deploys"
        assert entry.evidence.columns == columns
        assert entry.evidence.rows == (first,)
        assert entry.happened_at == deploy_at - timedelta(minutes=12)  # committed, not now

        await view(pilot, panel, "markers")
        await pilot.press("p")
        await settle(pilot)
        [marker] = [e for e in evidence_entries(store, inv) if "kind" in e.evidence.columns]
        assert marker.evidence.rows[0][marker.evidence.columns.index("name")] == DEPLOY_TAG
        assert marker.happened_at == deploy_at  # the tag's time

    markdown = markdown_of(store, inv)
    assert table_header(columns) in markdown
    assert f"| {BAD_COMMIT_SUBJECT} |" in markdown


async def test_a_commit_message_with_markup_and_escapes_is_shown_literally(
    store: NotebookStore, inv: Investigation, tmp_path: Path, repo: Path
) -> None:
    commit(repo, LITERAL)
    app = app_for(store, inv, tmp_path, repo)
    async with app.run_test(size=(200, 40)) as pilot:
        panel = await open_panel(pilot, DeploysPanel)
        assert LITERAL in column(panel, "subject")  # kept verbatim in the data
        [subject] = [c for c in cells(panel) if "pwn" in c.plain]
        assert subject.plain == LITERAL_SHOWN
        assert subject.spans == [] and not subject.style
        assert "\x1b" not in "".join(c.plain for c in cells(panel))

        await pilot.press("enter")
        await pilot.pause()
        shown = rendered_text(detail_static(pilot))
        assert LITERAL_SHOWN in shown.plain and "\x1b" not in shown.plain
        assert shown.spans == []
        screenshot = pilot.app.export_screenshot()
        assert "[bold]x" in screenshot and "\x1b]0;pwn" not in screenshot


async def test_at_80_columns_a_commit_shows_its_deploy_and_subject(
    store: NotebookStore, inv: Investigation, tmp_path: Path, repo: Path
) -> None:
    async with app_for(store, inv, tmp_path, repo).run_test(size=(80, 24)) as pilot:
        await open_panel(pilot, DeploysPanel)
        await pilot.press("z")  # the tabs get the whole screen
        await settle(pilot)
        line = next(ln for ln in screen_text(pilot).splitlines() if BAD_COMMIT_SUBJECT[:20] in ln)
        assert DEPLOY_TAG in line
