"""The deploys source against real git repositories built in tmp with commits at chosen times."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from debugtui.config import Config, DeploysConfig
from debugtui.sources.deploys import Commit, DeploysData, DeploysSource

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def git(repo: Path, *args: str, at: datetime | None = None) -> str:
    """Run git in ``repo`` with a fixed identity, no user config, and an optional fixed time."""
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    if at is not None:
        stamp = f"{int(at.timestamp())} +0000"
        env["GIT_AUTHOR_DATE"] = stamp
        env["GIT_COMMITTER_DATE"] = stamp
    done = subprocess.run(
        ["git", "-c", "user.name=Ann Oncall", "-c", "user.email=ann@example.com", *args],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def commit(repo: Path, message: str, at: datetime, files: dict[str, str | bytes]) -> str:
    for name, content in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, at=at)
    return git(repo, "rev-parse", "HEAD")


HOTFIX_SUBJECT = "hotfix: \x1b[31mred[/] [bold]pool[/bold] size"


@pytest.fixture
def history(tmp_path: Path) -> dict[str, str]:
    """main: initial (10d ago), fix tagged v1.0 (30h), merge of a feature (10h) tagged v1.1
    (annotated, tagger date 5h ago), hotfix (1h) tagged "nightly" (not a deploy tag)."""
    repo = tmp_path / "app"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    shas = {"repo": str(repo)}
    shas["initial"] = commit(repo, "initial", NOW - timedelta(days=10), {"app.py": "a\nb\nc\n"})
    shas["fix"] = commit(
        repo,
        "fix: retry on timeout\n\nlonger body\nsecond line",
        NOW - timedelta(hours=30),
        {"app.py": "a\nB\nc\n", "README": "one\ntwo\n"},
    )
    git(repo, "tag", "v1.0")
    git(repo, "checkout", "-q", "-b", "feature")
    shas["feature"] = commit(
        repo, "feature x", NOW - timedelta(hours=20), {"feature.py": "1\n2\n3\n4\n5\n"}
    )
    git(repo, "checkout", "-q", "main")
    git(
        repo,
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "Merge branch 'feature'",
        "feature",
        at=NOW - timedelta(hours=10),
    )
    shas["merge"] = git(repo, "rev-parse", "HEAD")
    git(repo, "tag", "-a", "v1.1", "-m", "release 1.1", at=NOW - timedelta(hours=5))
    shas["hotfix"] = commit(
        repo, HOTFIX_SUBJECT, NOW - timedelta(hours=1), {"app.py": "a\nB\nc\nd\n"}
    )
    git(repo, "tag", "nightly")
    return shas


def collect(repo: str | Path, **params: object) -> DeploysData:
    snap = DeploysSource().collect({"repos": [str(repo)], **params})
    assert snap.ok, (snap.error, snap.hint)
    assert isinstance(snap.data, DeploysData)
    return snap.data


def by_sha(data: DeploysData) -> dict[str, Commit]:
    return {c.sha: c for c in data.commits}


def test_default_window_of_48h_lists_recent_commits_newest_first(history: dict[str, str]) -> None:
    data = collect(history["repo"])
    assert [c.sha for c in data.commits] == [
        history["hotfix"],
        history["merge"],
        history["feature"],
        history["fix"],
    ]
    assert data.repos[0].commits == 4


def test_since_and_until_bound_the_window_on_commit_time(history: dict[str, str]) -> None:
    recent = collect(history["repo"], since="12h")
    assert [c.sha for c in recent.commits] == [history["hotfix"], history["merge"]]
    middle = collect(history["repo"], since="2d", until=(NOW - timedelta(hours=15)).isoformat())
    assert [c.sha for c in middle.commits] == [history["feature"], history["fix"]]


def test_commit_records_author_times_subject_and_file_counts(history: dict[str, str]) -> None:
    fix = by_sha(collect(history["repo"]))[history["fix"]]
    assert fix.author == "Ann Oncall"
    assert fix.author_email == "ann@example.com"
    assert fix.committed_at == NOW - timedelta(hours=30)
    assert fix.authored_at == NOW - timedelta(hours=30)
    assert fix.subject == "fix: retry on timeout"
    assert fix.short_sha and history["fix"].startswith(fix.short_sha)
    assert (fix.files_changed, fix.insertions, fix.deletions) == (2, 3, 1)
    changes = {f.path: (f.insertions, f.deletions) for f in fix.files}
    assert changes == {"app.py": (1, 1), "README": (2, 0)}
    assert not fix.is_merge


def test_merge_counts_files_against_its_first_parent(history: dict[str, str]) -> None:
    merge = by_sha(collect(history["repo"]))[history["merge"]]
    assert merge.is_merge
    assert (merge.files_changed, merge.insertions, merge.deletions) == (1, 5, 0)
    assert merge.files[0].path == "feature.py"


def test_deploy_tags_and_merges_to_main_are_markers(history: dict[str, str]) -> None:
    data = collect(history["repo"])
    markers = [(m.kind, m.name, m.sha, m.at) for m in data.markers]
    assert markers == [
        ("tag", "v1.1", history["merge"], NOW - timedelta(hours=5)),  # tagger date
        ("merge", "merge to main", history["merge"], NOW - timedelta(hours=10)),
        ("tag", "v1.0", history["fix"], NOW - timedelta(hours=30)),  # lightweight: commit time
    ]
    commits = by_sha(data)
    assert commits[history["fix"]].deploy == "v1.0"
    assert commits[history["merge"]].deploy == "v1.1"
    assert commits[history["feature"]].deploy is None
    assert commits[history["hotfix"]].deploy is None  # "nightly" does not match v*


def test_merge_without_a_tag_is_marked_as_merge_to_default_branch(
    history: dict[str, str],
) -> None:
    data = collect(history["repo"], deploy_tags="release-*")
    assert by_sha(data)[history["merge"]].deploy == "merge to main"
    assert [m.kind for m in data.markers] == ["merge"]


def test_deploy_tag_glob_comes_from_config(history: dict[str, str]) -> None:
    config = Config(deploys=DeploysConfig(deploy_tags="night*"))
    snap = DeploysSource(config).collect({"repos": [history["repo"]]})
    assert [m.name for m in snap.data.markers if m.kind == "tag"] == ["nightly"]


def test_diff_stat_between_two_deploys(history: dict[str, str]) -> None:
    data = collect(history["repo"], diff=("v1.0", "v1.1"))
    (diff,) = data.diffs
    assert (diff.from_sha, diff.to_sha) == (history["fix"], history["merge"])
    assert (diff.files_changed, diff.insertions, diff.deletions) == (1, 5, 0)
    assert diff.files[0].path == "feature.py"
    assert data.tables()["diff"].rows == (("feature.py", "5", "0"),)


def test_diff_with_an_unknown_ref_is_a_warning_not_a_failure(history: dict[str, str]) -> None:
    snap = DeploysSource().collect({"repos": [history["repo"]], "diff": "v1.0..v9"})
    assert snap.ok
    assert snap.data.diffs == ()
    assert any("unknown revision 'v9'" in w for w in snap.warnings)


def test_diff_ref_looking_like_an_option_is_refused(history: dict[str, str]) -> None:
    snap = DeploysSource().collect({"repos": [history["repo"]], "diff": ("--output=x", "v1.1")})
    assert not snap.ok
    assert "not a ref" in (snap.error or "")
    assert not Path("x").exists()


def test_commit_subject_is_kept_verbatim(history: dict[str, str]) -> None:
    data = collect(history["repo"])
    assert by_sha(data)[history["hotfix"]].subject == HOTFIX_SUBJECT
    commits = data.tables()["commits"]
    assert commits.rows[0][commits.columns.index("subject")] == HOTFIX_SUBJECT


def test_odd_file_names_renames_and_binaries_are_parsed(tmp_path: Path) -> None:
    repo = tmp_path / "odd"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    odd = "tab\there\nnewline => x.txt"
    commit(repo, "add", NOW - timedelta(hours=3), {odd: "1\n2\n3\n4\n", "blob.bin": b"\0\1\2"})
    git(repo, "mv", odd, "renamed.txt")
    commit(repo, "rename", NOW - timedelta(hours=2), {"renamed.txt": "1\n2\n3\n4\n5\n"})
    first, second = reversed(collect(repo).commits)
    assert {(f.path, f.insertions) for f in first.files} == {(odd, 4), ("blob.bin", None)}
    assert (first.insertions, first.files_changed) == (4, 2)
    (rename,) = second.files
    assert (rename.old_path, rename.path, rename.insertions) == (odd, "renamed.txt", 1)


def test_files_per_commit_are_capped_but_counted(tmp_path: Path) -> None:
    repo = tmp_path / "wide"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "wide", NOW - timedelta(hours=1), {f"f{i}.txt": "x\n" for i in range(7)})
    (wide,) = collect(repo, max_files=3).commits
    assert len(wide.files) == 3
    assert (wide.files_changed, wide.insertions) == (7, 7)


def test_thousands_of_commits_are_read_in_one_pass(tmp_path: Path) -> None:
    repo = tmp_path / "big"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    start = int((NOW - timedelta(hours=40)).timestamp())
    stream = []
    for i in range(3000):
        body = f"line {i}\n"
        msg = f"change {i}\n"
        stream.append(
            f"commit refs/heads/main\nmark :{i + 1}\n"
            f"committer Bot <bot@example.com> {start + i * 30} +0000\n"
            f"data {len(msg)}\n{msg}"
            + (f"from :{i}\n" if i else "")
            + f"M 644 inline f{i % 50}.txt\ndata {len(body)}\n{body}\n"
        )
    subprocess.run(
        ["git", "fast-import", "--quiet"],
        cwd=repo,
        input="".join(stream),
        text=True,
        check=True,
    )
    git(repo, "checkout", "-q", "main")
    data = collect(repo)
    assert len(data.commits) == 3000
    assert data.commits[0].subject == "change 2999"
    assert all(c.files_changed == 1 for c in data.commits)


def test_default_repo_is_the_current_directory(
    history: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(Path(history["repo"]) / ".git")
    snap = DeploysSource().collect()
    assert snap.ok
    assert snap.data.repos[0].path == history["repo"]


def test_configured_repos_are_read(history: dict[str, str]) -> None:
    config = Config(deploys=DeploysConfig(repos=(history["repo"],), since="12h"))
    snap = DeploysSource(config).collect()
    assert snap.ok
    assert len(snap.data.commits) == 2


def test_a_directory_that_is_not_a_repository_is_a_clear_error(tmp_path: Path) -> None:
    snap = DeploysSource().collect({"repos": [str(tmp_path)]})
    assert not snap.ok
    assert snap.error == f"{tmp_path} is not a git repository"
    assert "[deploys] repos" in (snap.hint or "")


def test_a_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    snap = DeploysSource().collect({"repos": [str(tmp_path / "nope")]})
    assert not snap.ok
    assert snap.error == f"{tmp_path / 'nope'} does not exist"
    assert "[deploys] repos" in (snap.hint or "")


def test_a_current_directory_that_is_gone_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = tmp_path / "release-41"  # the default repository: a release dir a deploy removed
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    snap = DeploysSource().collect()
    assert not snap.ok
    assert snap.error is not None and snap.error.startswith("the current directory no longer")
    assert "start debugtui inside the repository" in (snap.hint or "")


def test_one_bad_repository_among_several_is_a_warning(
    history: dict[str, str], tmp_path: Path
) -> None:
    snap = DeploysSource().collect({"repos": [history["repo"], str(tmp_path / "gone")]})
    assert snap.ok
    assert len(snap.data.commits) == 4
    assert f"{tmp_path / 'gone'} does not exist" in snap.warnings


def test_empty_repository_is_ok_and_empty_with_a_warning(tmp_path: Path) -> None:
    repo = tmp_path / "empty"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    snap = DeploysSource().collect({"repos": [str(repo)]})
    assert snap.ok
    assert snap.data.commits == ()
    assert snap.data.repos[0].head is None
    assert snap.warnings == ("empty: the repository has no commits yet",)


def test_shallow_clone_warns_that_history_is_missing(
    history: dict[str, str], tmp_path: Path
) -> None:
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{history['repo']}", str(clone))
    snap = DeploysSource().collect({"repos": [str(clone)]})
    assert snap.ok
    assert [c.sha for c in snap.data.commits] == [history["hotfix"]]
    info = snap.data.repos[0]
    assert info.shallow_before == NOW - timedelta(hours=1)
    assert info.default_branch == "main"  # from origin/HEAD
    assert any("shallow clone: history before" in w for w in snap.warnings)


def test_default_branch_comes_from_origin_head(history: dict[str, str], tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", f"file://{history['repo']}", str(clone))
    git(clone, "checkout", "-q", "-b", "work")
    data = collect(clone)
    assert data.repos[0].default_branch == "main"
    assert data.repos[0].branch == "work"
    assert by_sha(data)[history["merge"]].is_merge
    assert any(m.kind == "merge" for m in data.markers)


def test_detached_head_is_read_and_reported(history: dict[str, str]) -> None:
    git(Path(history["repo"]), "checkout", "-q", history["fix"])
    snap = DeploysSource().collect({"repos": [history["repo"]]})
    assert snap.ok
    info = snap.data.repos[0]
    assert (info.detached, info.branch, info.head) == (True, None, history["fix"])
    assert info.default_branch == "main"
    assert len(snap.data.commits) == 4  # the default branch is still read
    assert f"app: HEAD is detached at {history['fix'][:12]}" in snap.warnings


def test_repository_deleted_mid_session_is_a_clear_error(history: dict[str, str]) -> None:
    source = DeploysSource()
    assert source.collect({"repos": [history["repo"]]}).ok
    shutil.rmtree(history["repo"])
    snap = source.collect({"repos": [history["repo"]]})
    assert not snap.ok
    assert snap.error == f"{history['repo']} was deleted or moved since the last collect"
    assert snap.hint


def test_bad_since_is_a_clear_error(history: dict[str, str]) -> None:
    snap = DeploysSource().collect({"repos": [history["repo"]], "since": "yesterdayish"})
    assert not snap.ok
    assert "since" in (snap.error or "")
    assert snap.hint


def test_snapshot_is_json_serialisable_with_tables(history: dict[str, str]) -> None:
    snap = DeploysSource().collect({"repos": [history["repo"]], "diff": ["v1.0", "v1.1"]})
    out = json.loads(json.dumps(snap.to_dict()))
    assert out["data"]["commits"][0]["sha"] == history["hotfix"]
    assert out["data"]["markers"][0]["at"] == (NOW - timedelta(hours=5)).isoformat()
    tables = snap.tables()
    assert set(tables) == {"commits", "markers", "diff"}
    assert len(tables["commits"].rows) == 4
    markers = tables["markers"]
    assert markers.rows[0][markers.columns.index("name")] == "v1.1"


def test_repository_owned_by_another_user_explains_safe_directory(
    history: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if os.geteuid() != 0:
        pytest.skip("changing a repository's owner needs root")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    subprocess.run(["chown", "-R", "nobody", history["repo"]], check=True)
    snap = DeploysSource().collect({"repos": [history["repo"]]})
    assert not snap.ok
    assert "dubious ownership" in (snap.error or "")
    assert "safe.directory" in (snap.hint or "")


def test_each_commit_names_the_oldest_deploy_that_shipped_it(history: dict[str, str]) -> None:
    data = collect(history["repo"], since="72h")
    shipped = {c.sha: c.shipped_in for c in data.commits}
    merge = f"merge {history['merge'][:7]}"
    assert shipped[history["fix"]] == "v1.0"
    # the feature went out with the merge to main (a deploy), before v1.1 tagged that merge
    assert shipped[history["feature"]] == merge and shipped[history["merge"]] == merge
    assert shipped[history["hotfix"]] is None  # "nightly" is not a deploy tag
    commits = data.tables()["commits"]
    column = {row[commits.columns.index("sha")]: row[1] for row in commits.rows}
    assert commits.columns[1] == "shipped in"
    assert column[history["hotfix"][:7]] == "not yet"
    assert column[history["fix"][:7]] == "v1.0"


def test_without_deploys_in_the_window_no_commit_is_called_not_yet(
    history: dict[str, str],
) -> None:
    data = collect(history["repo"], since="2h")  # the hotfix alone; no deploy since
    assert data.markers == () and [c.sha for c in data.commits] == [history["hotfix"]]
    assert data.tables()["commits"].rows[0][1] == ""
