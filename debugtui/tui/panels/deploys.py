"""The Deploys panel: what changed and when it shipped, the first question mid-outage.

Commits of the configured repositories (newest first) with the deploy each one is part of,
and a view of the deploy markers alone (deploy tags, merges to the default branch). Enter on
a commit, or on a marker, lists the files it changed, then its patch (read when the detail
opens). A pinned commit is placed in the notebook's timeline at the time it was committed
(a marker at its deploy time), not at the time it was looked at. History does not change by
itself mid-incident, so this panel collects on demand (``r``) only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from debugtui.sources.base import Table
from debugtui.sources.deploys import Commit, DeployMarker, DeploysData, FileChange
from debugtui.tui.panels.base import SourcePanel
from debugtui.tui.panels.detail import DetailScreen


class DeploysPanel(SourcePanel):
    source_name = "deploys"
    views = (
        ("commits", ("repo", "sha")),
        ("markers", ("repo", "kind", "name")),
    )
    refresh_seconds = None

    @property
    def view_name(self) -> str:
        return self.views[self.view_index % len(self.views)][0]

    # -- the records behind the rows -------------------------------------------------------

    def commit_for(self, row: Sequence[str]) -> Commit | None:
        """The commit of a commits row (repo, short sha) or of a markers row."""
        data = self._data()
        if data is None or not row:
            return None
        if self.view_name == "markers":
            marker = self.marker_for(row)
            return None if marker is None else _find_commit(data, marker.repo, sha=marker.sha)
        columns = self.table.source_table.columns
        repo, short = row[columns.index("repo")], row[columns.index("sha")]
        return _find_commit(data, repo, short=short)

    def marker_for(self, row: Sequence[str]) -> DeployMarker | None:
        data = self._data()
        if data is None or self.view_name != "markers":
            return None
        columns = self.table.source_table.columns
        repo, kind, name = (row[columns.index(c)] for c in ("repo", "kind", "name"))
        return next(
            (m for m in data.markers if (m.repo, m.kind, m.name) == (repo, kind, name)), None
        )

    def _data(self) -> DeploysData | None:
        return None if self.snapshot is None else self.snapshot.data  # type: ignore[no-any-return]

    # -- hooks -----------------------------------------------------------------------------

    def happened_at(self, rows: Sequence[Sequence[str]]) -> datetime | None:
        """A commit when it was committed, a marker when it was deployed; for several rows
        the newest, the moment the pinned changes were all in."""
        times: list[datetime] = []
        for row in rows:
            marker = self.marker_for(row)
            if marker is not None:
                times.append(marker.at)
                continue
            commit = self.commit_for(row)
            if commit is not None:
                times.append(commit.committed_at)
        return max(times, default=None)

    def detail_title(self, row: Sequence[str]) -> str:
        commit = self.commit_for(row)
        marker = self.marker_for(row)
        if marker is not None:
            return f"deploys: {marker.name} ({marker.repo})"
        if commit is not None:
            return f"deploys: {commit.repo} {commit.short_sha}"
        return super().detail_title(row)

    def detail_screen(self, table: Table, row: Sequence[str]) -> DetailScreen:
        """A commit's record with its patch below (read when the detail opens)."""
        commit = self.commit_for(row)
        path = None if commit is None else self.repo_path(commit.repo)
        if commit is None or path is None:
            return super().detail_screen(table, row)
        from debugtui.sources.commitpatch import read_patch
        from debugtui.tui.panels.commit_detail import CommitDetailScreen

        sha = commit.sha
        return CommitDetailScreen(
            self.detail_title(row), self.detail_text(table, row), lambda: read_patch(path, sha)
        )

    def repo_path(self, name: str) -> str | None:
        """Where the repository the snapshot calls ``name`` is."""
        data = self._data()
        found = None if data is None else next((r for r in data.repos if r.name == name), None)
        return None if found is None else found.path

    def detail_text(self, table: Table, row: Sequence[str]) -> str:
        commit = self.commit_for(row)
        marker = self.marker_for(row)
        parts: list[str] = []
        if marker is not None:
            parts += [marker_text(marker), ""]
        if commit is not None:
            parts.append(commit_text(commit))
        elif marker is not None:
            parts.append("(the commit is outside the window: widen [deploys] since to list it)")
        return "\n".join(parts) if parts else super().detail_text(table, row)


def _find_commit(
    data: DeploysData, repo: str, *, sha: str | None = None, short: str | None = None
) -> Commit | None:
    for commit in data.commits:
        if commit.repo == repo and (commit.sha == sha or commit.short_sha == short):
            return commit
    return None


def _when(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def marker_text(marker: DeployMarker) -> str:
    return "\n".join(
        [
            f"deploy    {marker.name} ({'tag' if marker.kind == 'tag' else marker.kind})",
            f"at        {_when(marker.at)}",
            f"repo      {marker.repo}",
            f"commit    {marker.sha}",
        ]
    )


def commit_text(commit: Commit) -> str:
    """The commit's header, its subject, then every file it changed with its line counts."""
    lines = [
        f"commit    {commit.sha}",
        f"repo      {commit.repo}",
        f"author    {commit.author} <{commit.author_email}>",
        f"authored  {_when(commit.authored_at)}",
        f"committed {_when(commit.committed_at)}",
        f"deploy    {commit.deploy or '-'}",
    ]
    if commit.tags:
        lines.append(f"tags      {', '.join(commit.tags)}")
    if commit.is_merge:
        lines.append("merge     yes (files are against the first parent)")
    lines += [
        "",
        commit.subject,
        "",
        f"{commit.files_changed} files changed, +{commit.insertions} -{commit.deletions}",
    ]
    lines += [_file_line(f) for f in commit.files]
    missing = commit.files_changed - len(commit.files)
    if missing > 0:
        lines.append(f"… and {missing} more files (git show --stat {commit.short_sha})")
    return "\n".join(lines)


def _file_line(change: FileChange) -> str:
    if change.insertions is None or change.deletions is None:
        counts = f"{'bin':>6} {'':>6}"
    else:
        counts = f"{'+' + str(change.insertions):>6} {'-' + str(change.deletions):>6}"
    path = f"{change.old_path} => {change.path}" if change.old_path else change.path
    return f"{counts}  {path}"
