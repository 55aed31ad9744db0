"""Reading a commit's patch from a real git repository (the demo incident's, plus commits
made here): the patch itself, the caps on lines and line length, and each failure as a
SourceError with a hint."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from debugtui.demo.incident import DEPLOY_TAG, build_repo
from debugtui.sources.base import SourceError
from debugtui.sources.commitpatch import MAX_LINE_CHARS, read_patch


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "shop"
    build_repo(path, datetime.now(timezone.utc) - timedelta(minutes=30))
    return path


def git(repo: Path, *args: str) -> str:
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@x", GIT_COMMITTER_NAME="t")
    env.update(GIT_COMMITTER_EMAIL="t@x")
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def commit_file(repo: Path, name: str, content: str) -> str:
    (repo / name).write_text(content, encoding="utf-8")
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", f"add {name}")
    return git(repo, "rev-parse", "HEAD")


def test_the_patch_of_the_deploy_shows_the_added_lines(repo: Path) -> None:
    patch = read_patch(str(repo), git(repo, "rev-parse", DEPLOY_TAG))
    assert patch.lines[0] == "diff --git a/app/checkout.py b/app/checkout.py"
    assert "+JOIN prices p ON p.sku LIKE '%' || ci.sku || '%'" in patch.lines
    assert not patch.truncated
    assert not any(line.startswith("tag ") for line in patch.lines)  # the commit, not the tag


def test_a_long_patch_is_cut_at_max_lines_and_says_so(repo: Path) -> None:
    sha = commit_file(repo, "big.txt", "".join(f"line {n}\n" for n in range(500)))
    patch = read_patch(str(repo), sha, max_lines=50)
    assert len(patch.lines) == 50
    assert patch.truncated


def test_a_huge_line_is_cut_with_the_bytes_left_out(repo: Path) -> None:
    sha = commit_file(repo, "min.js", "x" * 100_000 + "\nend\n")
    patch = read_patch(str(repo), sha)
    [huge] = [line for line in patch.lines if line.startswith("+xxx")]
    assert huge.startswith("+" + "x" * (MAX_LINE_CHARS - 1) + "… (")
    assert huge.endswith("more bytes)")
    assert "+end" in patch.lines  # the lines after it are read as lines


def test_escapes_in_a_patch_are_kept_verbatim_for_the_screen_to_escape(repo: Path) -> None:
    sha = commit_file(repo, "evil.txt", "\x1b]0;pwn\x07 [bold]x\n")
    assert "+\x1b]0;pwn\x07 [bold]x" in read_patch(str(repo), sha).lines


def test_an_unknown_commit_is_an_error_with_a_hint(repo: Path) -> None:
    with pytest.raises(SourceError) as caught:
        read_patch(str(repo), "0" * 40)
    assert caught.value.message.startswith("git show 000000000000: fatal:")
    assert caught.value.hint is not None and "press r" in caught.value.hint


def test_a_repository_that_is_gone_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        read_patch(str(tmp_path / "gone"), "0" * 40)


def test_a_sha_that_reads_as_an_option_is_refused(repo: Path) -> None:
    with pytest.raises(SourceError, match="is not a commit"):
        read_patch(str(repo), "--output=/tmp/x")


def test_git_taking_too_long_is_stopped_and_said(repo: Path) -> None:
    # A textconv filter that hangs (the repository's own config; git runs it for show)
    git(repo, "config", "diff.hang.textconv", "sleep 30; cat")
    (repo / ".gitattributes").write_text("*.hang diff=hang\n", encoding="utf-8")
    sha = commit_file(repo, "slow.hang", "x\n")
    with pytest.raises(SourceError, match=r"took more than 0\.5 s and was stopped"):
        read_patch(str(repo), sha, timeout_s=0.5)
