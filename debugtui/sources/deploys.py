"""What changed recently: commits, deploy tags and merges to the default branch, from git.

The first question mid-outage is "what changed?". This source reads one or more git
repositories and lists the commits in a time window with their size (files, insertions,
deletions), marks the ones that are deploys (a tag matching ``[deploys] deploy_tags`` or a
merge on the default branch's first-parent line) and, when asked, the diff stat between two
deploys.

Every repository costs a handful of ``git`` processes whatever the window holds: one
``git log --numstat`` for all commits, one ``git for-each-ref`` for all tags, one
``git rev-list`` for the merges. Output is NUL-framed with a random marker, so commit
messages and file names (untrusted text, kept verbatim) cannot break the parsing.

Commits are filtered on their committer time (when they landed), which is what a deploy
timeline needs; rebased commits keep their old author time, also reported.
"""

from __future__ import annotations

import fnmatch
import os
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from debugtui.config import Config
from debugtui.sources.base import Source, SourceError, Table
from debugtui.timewindow import TimeParseError, parse_when

if TYPE_CHECKING:
    from git import Repo

MAX_FILES_PER_COMMIT = 200
"""Files kept per commit; the counts still cover every file."""

GIT_TIMEOUT_S = 60.0
"""A git process running longer than this is killed: a source must not hang."""

_CONFIG_HINT = "set [deploys] repos in debugtui.toml to the repositories to read"
OWNERSHIP_HINT = (
    "git refuses a repository owned by another user: run as its owner, or trust it with "
    "`git config --global --add safe.directory <path>`"
)


@dataclass(frozen=True)
class FileChange:
    """One file of a commit or a diff; counts are None for a binary file."""

    path: str
    insertions: int | None
    deletions: int | None
    old_path: str | None = None
    """The previous path when git saw a rename."""


@dataclass(frozen=True)
class Commit:
    repo: str
    sha: str
    short_sha: str
    author: str
    author_email: str
    authored_at: datetime
    committed_at: datetime
    subject: str
    """The first line of the message, verbatim (untrusted text: escape it to show it)."""
    files_changed: int
    insertions: int
    deletions: int
    is_merge: bool
    deploy: str | None
    """Why this commit is a deploy: its matching tags ("v1.1"), or "merge to main"; else None."""
    tags: tuple[str, ...] = ()
    files: tuple[FileChange, ...] = ()
    """At most ``max_files`` of them; ``files_changed`` counts all (merges: vs first parent)."""
    shipped_in: str | None = None
    """The oldest deploy in the window that contains this commit ("v2.4.0", "merge 1a2b3c4");
    None when none does: not deployed yet if its repository has deploys in the window."""


@dataclass(frozen=True)
class DeployMarker:
    """A point on the deploy timeline: a deploy tag, or a merge to the default branch."""

    repo: str
    kind: str
    """"tag" or "merge"."""
    name: str
    """The tag name, or "merge to <branch>"."""
    sha: str
    short_sha: str
    at: datetime
    """Tagger date of an annotated tag, else the commit's committer date."""
    subject: str

    @property
    def label(self) -> str:
        """How a commit names the deploy that shipped it: the tag, or "merge 1a2b3c4"."""
        return self.name if self.kind == "tag" else f"merge {self.short_sha[:7]}"


@dataclass(frozen=True)
class RepoInfo:
    name: str
    path: str
    head: str | None
    """The commit HEAD points at; None in a repository without commits."""
    branch: str | None
    """The checked-out branch; None when HEAD is detached."""
    detached: bool
    default_branch: str | None
    """The branch deploys merge into: origin/HEAD, else main/master, else the current one."""
    shallow_before: datetime | None
    """For a shallow clone, the time before which history is missing."""
    commits: int
    """Commits of this repository in the window."""


@dataclass(frozen=True)
class DiffStat:
    """What changed between two deploys (``git diff --numstat from to``)."""

    repo: str
    from_ref: str
    to_ref: str
    from_sha: str
    to_sha: str
    files: tuple[FileChange, ...]
    files_changed: int
    insertions: int
    deletions: int


@dataclass(frozen=True)
class DeploysData:
    since: datetime
    until: datetime | None
    deploy_tags: str
    repos: tuple[RepoInfo, ...]
    commits: tuple[Commit, ...]
    """Newest first, across repositories."""
    markers: tuple[DeployMarker, ...]
    """Deploy markers in the window, newest first."""
    diffs: tuple[DiffStat, ...] = field(default=())
    """One per repository knowing both refs, when a diff was asked for."""

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)

    def tables(self) -> Mapping[str, Table]:
        # Repositories with deploys in the window: there a commit none contains is not out.
        deployed = {m.repo for m in self.markers}
        out = {
            # At 80 columns the deploy that shipped a commit and its subject must be on screen:
            # they come right after its time; the repo, author and counts follow.
            "commits": Table(
                columns=(
                    "committed",
                    "shipped in",
                    "sha",
                    "subject",
                    "author",
                    "repo",
                    "files",
                    "+",
                    "-",
                ),
                rows=tuple(
                    (
                        _when(c.committed_at),
                        c.shipped_in or ("not yet" if c.repo in deployed else ""),
                        c.short_sha,
                        c.subject,
                        c.author,
                        c.repo,
                        str(c.files_changed),
                        str(c.insertions),
                        str(c.deletions),
                    )
                    for c in self.commits
                ),
                title=f"Commits since {_when(self.since)}",
            ),
            "markers": Table(
                columns=("at", "name", "kind", "sha", "subject", "repo"),
                rows=tuple(
                    (_when(m.at), m.name, m.kind, m.short_sha, m.subject, m.repo)
                    for m in self.markers
                ),
                title=f"Deploys since {_when(self.since)}",
            ),
        }
        for diff in self.diffs:
            out[f"diff {diff.repo}" if len(self.diffs) > 1 else "diff"] = Table(
                columns=("file", "+", "-"),
                rows=tuple(
                    (_path_label(f), _count(f.insertions), _count(f.deletions)) for f in diff.files
                ),
                title=(
                    f"{diff.repo} {diff.from_ref}..{diff.to_ref}: {diff.files_changed} files, "
                    f"+{diff.insertions} -{diff.deletions}"
                ),
            )
        return out


def shipped_by(
    markers: Sequence[DeployMarker], parents: Mapping[str, tuple[str, ...]]
) -> dict[str, str]:
    """For each commit of ``parents`` (sha -> its parents' shas, the window's commits), the
    oldest deploy that contains it: each marker, oldest first, claims the commits it reaches
    that no older one did. "Is the fix out?" is the question this answers at 3 a.m."""
    shipped: dict[str, str] = {}
    for marker in sorted(markers, key=lambda m: m.at):
        stack = [marker.sha]
        while stack:
            sha = stack.pop()
            if sha in shipped or sha not in parents:
                continue  # claimed by an older deploy (with its ancestors), or outside the window
            shipped[sha] = marker.label
            stack.extend(parents[sha])
    return shipped


class DeploysSource(Source):
    """Params: ``repos`` (paths), ``since`` / ``until`` (duration or ISO time),
    ``deploy_tags`` (glob), ``diff`` ((from_ref, to_ref)), ``max_files`` (per commit)."""

    name = "deploys"

    def __init__(self, config: Config | None = None) -> None:
        super().__init__(config)
        self._seen: set[str] = set()
        """Repositories read successfully before, so a vanished one is reported as such."""

    def _collect(self, params: dict[str, Any]) -> tuple[DeploysData, list[str]]:
        try:
            import git
        except ImportError as exc:
            raise SourceError(
                f"git cannot be used: {exc}",
                "install git, or point GIT_PYTHON_GIT_EXECUTABLE at it",
            ) from exc
        repos = _repo_list(params.get("repos"), self._default_repos)
        since = _time_param(params.get("since"), self.config.deploys.since, "since")
        until = _time_param(params.get("until"), None, "until")
        glob = str(params.get("deploy_tags") or self.config.deploys.deploy_tags)
        diff = _diff_param(params.get("diff"))
        max_files = int(params.get("max_files", MAX_FILES_PER_COMMIT))

        warnings: list[str] = []
        failures: list[SourceError] = []
        infos: list[RepoInfo] = []
        commits: list[Commit] = []
        markers: list[DeployMarker] = []
        diffs: list[DiffStat] = []
        for path in repos:
            try:
                read = self._read_repo(git, path, since, until, glob, diff, max_files)
            except SourceError as exc:
                failures.append(exc)
                warnings.append(exc.message)
                continue
            infos.append(read.info)
            commits.extend(read.commits)
            markers.extend(read.markers)
            diffs.extend(read.diffs)
            warnings.extend(read.warnings)
        if failures and not infos:
            if len(failures) == 1:
                raise failures[0]
            raise SourceError("; ".join(f.message for f in failures), failures[0].hint)
        commits.sort(key=lambda c: c.committed_at, reverse=True)
        markers.sort(key=lambda m: m.at, reverse=True)
        data = DeploysData(
            since=since,
            until=until,
            deploy_tags=glob,
            repos=tuple(infos),
            commits=tuple(commits),
            markers=tuple(markers),
            diffs=tuple(diffs),
        )
        return data, warnings

    def _default_repos(self) -> Sequence[str]:
        """The configured repositories, else the current directory, which can be gone
        mid-incident: a release directory a deploy swapped out."""
        try:
            return self.config.deploy_repos()
        except FileNotFoundError:
            raise SourceError(
                "the current directory no longer exists (a deploy may have replaced it), "
                "and deploys are read there when no repository is configured",
                _CONFIG_HINT + ", or start debugtui inside the repository",
            ) from None

    def _read_repo(
        self,
        git: Any,
        path: str,
        since: datetime,
        until: datetime | None,
        glob: str,
        diff: tuple[str, str] | None,
        max_files: int,
    ) -> _RepoRead:
        shown = str(path)
        absolute = os.path.abspath(os.path.expanduser(shown))
        if not os.path.exists(absolute):
            if absolute in self._seen:
                raise SourceError(
                    f"{shown} was deleted or moved since the last collect",
                    "check the path, or remove it from [deploys] repos",
                )
            raise SourceError(f"{shown} does not exist", _CONFIG_HINT)
        try:
            repo = git.Repo(absolute, search_parent_directories=True)
        except git.InvalidGitRepositoryError:
            raise SourceError(f"{shown} is not a git repository", _CONFIG_HINT) from None
        except git.NoSuchPathError:
            raise SourceError(f"{shown} does not exist", _CONFIG_HINT) from None
        try:
            read = _RepoReader(git, repo, since, until, glob, max_files).read(diff)
        except git.GitCommandError as exc:
            if not os.path.exists(absolute):
                raise SourceError(
                    f"{shown} was deleted or moved while it was being read",
                    "check the path, or remove it from [deploys] repos",
                ) from None
            raise SourceError(f"{shown}: {_git_error(exc)}", _git_hint(exc)) from None
        finally:
            repo.close()
        self._seen.add(absolute)
        return read

    def hint_for(self, exc: BaseException) -> str | None:
        if isinstance(exc, (TimeParseError, ValueError)):
            return "since/until take a duration (48h) or an ISO time; diff takes two refs"
        return None


@dataclass
class _RepoRead:
    info: RepoInfo
    commits: list[Commit]
    markers: list[DeployMarker]
    diffs: list[DiffStat]
    warnings: list[str]


@dataclass(frozen=True)
class _Tag:
    name: str
    sha: str
    at: datetime
    subject: str


class _RepoReader:
    """Reads one open repository; every git call is a single process over the whole window."""

    def __init__(
        self,
        git: Any,
        repo: Repo,
        since: datetime,
        until: datetime | None,
        glob: str,
        max_files: int,
    ) -> None:
        self.git = git
        self.repo = repo
        self.since = since
        self.until = until
        self.glob = glob
        self.max_files = max_files
        top = repo.working_tree_dir or repo.git_dir
        self.path = str(top)
        name = Path(top).name
        self.name = name[:-4] if name.endswith(".git") and len(name) > 4 else name

    def read(self, diff: tuple[str, str] | None) -> _RepoRead:
        warnings: list[str] = []
        head = self._optional("rev-parse", "--verify", "-q", "HEAD^{commit}")
        branch = self._optional("symbolic-ref", "-q", "--short", "HEAD")
        tags, default_ref, default_label = self._refs(branch if head else None)
        if head is None and default_ref is None and not tags:
            info = RepoInfo(self.name, self.path, None, branch, False, default_label, None, 0)
            warnings.append(f"{self.name}: the repository has no commits yet")
            return _RepoRead(info, [], [], [], warnings)
        detached = head is not None and branch is None
        if detached:
            warnings.append(f"{self.name}: HEAD is detached at {head[:12]}")
        shallow_before = self._shallow_before()
        if shallow_before is not None:
            warnings.append(
                f"{self.name}: shallow clone: history before {_when(shallow_before)} is missing"
            )
        merges = self._merges(default_ref) if default_ref else set()
        tags_by_sha: dict[str, list[str]] = {}
        for tag in tags:
            tags_by_sha.setdefault(tag.sha, []).append(tag.name)
        revs = [r for r in dict.fromkeys((head and "HEAD", default_ref)) if r]
        logged = list(self._log(revs, tags_by_sha, merges, default_label))
        commits = [commit for commit, _ in logged]
        markers = [
            DeployMarker(self.name, "tag", t.name, t.sha, t.sha[:12], t.at, t.subject)
            for t in tags
            if self._in_window(t.at)
        ]
        markers.extend(
            DeployMarker(
                self.name,
                "merge",
                f"merge to {default_label}",
                c.sha,
                c.short_sha,
                c.committed_at,
                c.subject,
            )
            for c in commits
            if c.sha in merges
        )
        shipped = shipped_by(markers, {c.sha: parents for c, parents in logged})
        commits = [replace(c, shipped_in=shipped.get(c.sha)) for c in commits]
        diffs: list[DiffStat] = []
        if diff is not None:
            stat = self._diff(*diff)
            if isinstance(stat, str):
                warnings.append(stat)
            else:
                diffs.append(stat)
        info = RepoInfo(
            self.name,
            self.path,
            head,
            branch,
            detached,
            default_label,
            shallow_before,
            len(commits),
        )
        return _RepoRead(info, commits, markers, diffs, warnings)

    def _git(self, command: str, *args: str) -> str:
        """Run ``git <command> <args>`` (``repo.git.log(...)`` etc.), output decoded as UTF-8.

        Undecodable bytes become U+FFFD, visibly, instead of failing the whole collect.
        """
        run = getattr(self.repo.git, command.replace("-", "_"))
        out = run(*args, stdout_as_string=False, kill_after_timeout=GIT_TIMEOUT_S)
        return bytes(out).decode("utf-8", errors="replace")

    def _optional(self, command: str, *args: str) -> str | None:
        """Output of a query git answers with a non-zero exit when the thing is absent."""
        run = getattr(self.repo.git, command.replace("-", "_"))
        status, out, _ = run(
            *args,
            with_exceptions=False,
            with_extended_output=True,
            kill_after_timeout=GIT_TIMEOUT_S,
        )
        text = str(out).strip()
        return text if status == 0 and text else None

    def _refs(self, branch: str | None) -> tuple[list[_Tag], str | None, str | None]:
        """Deploy tags, and the default branch as (ref to log, label), from one for-each-ref."""
        sep = "\x1f" + secrets.token_hex(6)
        fmt = sep.join(
            (
                "%(refname)",
                "%(symref)",
                "%(objecttype)",
                "%(objectname)",
                "%(*objecttype)",
                "%(*objectname)",
                "%(taggerdate:unix)",
                "%(committerdate:unix)",
                "%(*committerdate:unix)",
                "%(subject)",
                "%(*subject)",
            )
        )
        out = self._git(
            "for-each-ref",
            f"--format={fmt}",
            "refs/tags",
            "refs/remotes/origin/HEAD",
            "refs/heads/main",
            "refs/heads/master",
        )
        tags: list[_Tag] = []
        heads: dict[str, str] = {}
        origin_head: str | None = None
        for line in out.splitlines():
            parts = line.split(sep)
            if len(parts) != 11:
                continue
            ref, symref, kind, sha, peeled_kind, peeled, tagged, committed, peeled_at = parts[:9]
            subject, peeled_subject = parts[9:]
            if ref == "refs/remotes/origin/HEAD":
                origin_head = symref or None
            elif ref.startswith("refs/heads/"):
                heads[ref] = sha
            elif kind == "commit":
                name = ref.removeprefix("refs/tags/")
                if fnmatch.fnmatchcase(name, self.glob):
                    tags.append(_Tag(name, sha, _epoch(committed), subject))
            elif kind == "tag" and peeled_kind == "commit":
                name = ref.removeprefix("refs/tags/")
                if fnmatch.fnmatchcase(name, self.glob):
                    at = _epoch(tagged) if tagged else _epoch(peeled_at)
                    tags.append(_Tag(name, peeled, at, peeled_subject))
        if origin_head:
            return tags, origin_head, origin_head.removeprefix("refs/remotes/origin/")
        for name in ("main", "master"):
            if f"refs/heads/{name}" in heads:
                return tags, f"refs/heads/{name}", name
        if branch:
            return tags, f"refs/heads/{branch}", branch
        return tags, None, None

    def _merges(self, default_ref: str) -> set[str]:
        out = self._git(
            "rev-list",
            "--first-parent",
            "--merges",
            f"--since={self.since.isoformat()}",
            default_ref,
            "--",
        )
        return set(out.split())

    def _shallow_before(self) -> datetime | None:
        shallow = Path(self.repo.git_dir) / "shallow"
        try:
            shas = shallow.read_text(encoding="ascii").split()
        except (OSError, UnicodeDecodeError):
            return None
        if not shas:
            return None
        out = self._git("log", "--no-walk", "--format=%ct", *shas, "--")
        times = [int(t) for t in out.split() if t.isdigit()]
        return _epoch(str(max(times))) if times else None

    def _log(
        self,
        revs: Sequence[str],
        tags_by_sha: Mapping[str, list[str]],
        merges: set[str],
        default_label: str | None,
    ) -> Iterator[tuple[Commit, tuple[str, ...]]]:
        """The window's commits, each with its parents' shas."""
        marker = secrets.token_hex(8)
        sep = "\x1f" + marker
        fmt = sep.join(("%H", "%h", "%P", "%at", "%ct", "%ae", "%an", "%B"))
        args = [
            "log",
            "-z",
            "--no-color",
            "--no-show-signature",
            "--no-ext-diff",
            "--encoding=UTF-8",
            "--numstat",
            "--diff-merges=first-parent",
            f"--format={marker}{fmt}",
            f"--since={self.since.isoformat()}",
        ]
        if self.until is not None:
            args.append(f"--until={self.until.isoformat()}")
        args.extend(revs)
        args.append(f"--tags={self.glob}")
        args.append("--")
        for header, files in _records(self._git(*args), marker):
            parts = header.split(sep, 7)
            if len(parts) != 8:
                continue
            sha, short, parents, authored, committed, email, author, message = parts
            committed_at = _epoch(committed)
            if not self._in_window(committed_at):
                continue
            tag_names = tuple(sorted(tags_by_sha.get(sha, ())))
            if tag_names:
                deploy: str | None = ", ".join(tag_names)
            elif sha in merges:
                deploy = f"merge to {default_label}"
            else:
                deploy = None
            insertions = sum(f.insertions or 0 for f in files)
            deletions = sum(f.deletions or 0 for f in files)
            commit = Commit(
                repo=self.name,
                sha=sha,
                short_sha=short,
                author=author,
                author_email=email,
                authored_at=_epoch(authored),
                committed_at=committed_at,
                subject=message.split("\n", 1)[0],
                files_changed=len(files),
                insertions=insertions,
                deletions=deletions,
                is_merge=len(parents.split()) > 1,
                deploy=deploy,
                tags=tag_names,
                files=tuple(files[: self.max_files]),
            )
            yield commit, tuple(parents.split())

    def _diff(self, from_ref: str, to_ref: str) -> DiffStat | str:
        """The diff stat, or a warning naming the ref this repository does not know."""
        shas = []
        for ref in (from_ref, to_ref):
            sha = self._optional("rev-parse", "--verify", "-q", f"{ref}^{{commit}}")
            if sha is None:
                return f"{self.name}: diff {from_ref}..{to_ref}: unknown revision {ref!r}"
            shas.append(sha)
        out = self._git("diff", "-z", "--no-color", "--no-ext-diff", "--numstat", *shas, "--")
        files = _numstat(out.split("\0"))
        return DiffStat(
            repo=self.name,
            from_ref=from_ref,
            to_ref=to_ref,
            from_sha=shas[0],
            to_sha=shas[1],
            files=tuple(files),
            files_changed=len(files),
            insertions=sum(f.insertions or 0 for f in files),
            deletions=sum(f.deletions or 0 for f in files),
        )

    def _in_window(self, when: datetime) -> bool:
        return when >= self.since and (self.until is None or when <= self.until)


def _records(out: str, marker: str) -> Iterator[tuple[str, list[FileChange]]]:
    """Split ``git log -z --numstat`` output into (header, files) per commit.

    Each header token starts with the random ``marker``; the tokens after it up to the next
    header are that commit's numstat entries. File names are NUL-terminated, so nothing in
    a name or a message can be taken for a header.
    """
    header: str | None = None
    tokens: list[str] = []
    for token in out.split("\0"):
        token = token.removeprefix("\n")
        if token.startswith(marker):
            if header is not None:
                yield header, _numstat(tokens)
            header, tokens = token[len(marker) :], []
        elif header is not None:
            tokens.append(token)
    if header is not None:
        yield header, _numstat(tokens)


def _numstat(tokens: list[str]) -> list[FileChange]:
    """Parse ``--numstat -z`` tokens: "ins\\tdel\\tpath", or "ins\\tdel\\t" old new (rename)."""
    files: list[FileChange] = []
    i = 0
    while i < len(tokens):
        parts = tokens[i].removeprefix("\n").split("\t", 2)
        i += 1
        if len(parts) != 3:
            continue
        added, removed, path = parts
        old: str | None = None
        if path == "" and i + 1 < len(tokens):
            old, path = tokens[i], tokens[i + 1]
            i += 2
        files.append(FileChange(path, _int(added), _int(removed), old))
    return files


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _epoch(text: str) -> datetime:
    return datetime.fromtimestamp(int(text), timezone.utc)


def _when(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def _count(value: int | None) -> str:
    return "bin" if value is None else str(value)


def _path_label(change: FileChange) -> str:
    return f"{change.old_path} => {change.path}" if change.old_path else change.path


def _repo_list(value: Any, default: Callable[[], Sequence[str]]) -> tuple[str, ...]:
    if value is None or value == "" or value == ():
        return tuple(default())
    if isinstance(value, (str, os.PathLike)):
        return (os.fspath(value),)
    return tuple(os.fspath(v) for v in value)


def _time_param(value: Any, default: str | None, name: str) -> datetime | None:
    if value is None or value == "":
        value = default
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    try:
        return parse_when(str(value))
    except TimeParseError as exc:
        raise SourceError(f"{name}: {exc}", "use a duration like 48h or an ISO time") from None


def _diff_param(value: Any) -> tuple[str, str] | None:
    if not value:
        return None
    if isinstance(value, str):
        value = value.split("..", 1) if ".." in value else value.split()
    refs = tuple(str(v) for v in value)
    if len(refs) != 2 or not all(refs):
        raise SourceError(
            f"diff needs two refs, got {value!r}", "give (from_ref, to_ref), e.g. v1.0 v1.1"
        )
    for ref in refs:
        if ref.startswith("-"):
            raise SourceError(f"diff: {ref!r} is not a ref", "refs cannot start with '-'")
    return refs[0], refs[1]


def _git_error(exc: Any) -> str:
    # GitPython wraps the stream as "\n  stderr: '<text>'"
    stderr = str(getattr(exc, "stderr", "") or "").strip().removeprefix("stderr:").strip()
    if len(stderr) >= 2 and stderr[0] == stderr[-1] == "'":
        stderr = stderr[1:-1]
    for line in stderr.splitlines():
        if line.strip():
            return line.strip()
    return f"git exited with status {getattr(exc, 'status', '?')}"


def _git_hint(exc: Any) -> str | None:
    if "dubious ownership" in str(getattr(exc, "stderr", "")):
        return OWNERSHIP_HINT
    return None


def _plain(value: Any) -> Any:
    """JSON-able form of the dataclasses above: datetimes as ISO strings, tuples as lists."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return value
