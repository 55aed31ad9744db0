"""A scripted incident built from real files: the demo, the screenshots and the end-to-end
tests all run on it, so what the README shows is what the tests prove.

The story: a service has two days of ordinary commits; at ``deploy_at`` the tag ``v2.4.0``
ships a change to the checkout query; a few minutes later its log fills with timeouts and
502s. The logs are split the way logrotate leaves them (``app.log``, ``app.log.1``,
``app.log.2.gz``) and include a stack trace whose continuation lines carry no timestamp.
"""

from __future__ import annotations

import gzip
import os
import random
import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

DEPLOY_TAG = "v2.4.0"
BAD_COMMIT_SUBJECT = "checkout: load cart items with the new pricing join"


@dataclass(frozen=True)
class DemoFiles:
    """Where the scripted incident's pieces are, and the times that matter."""

    root: Path
    repo: Path
    logs: Path
    deploy_at: datetime
    spike_at: datetime
    now: datetime


def _git(repo: Path, *args: str, when: datetime | None = None) -> str:
    env = dict(os.environ)
    env.update(
        GIT_AUTHOR_NAME="Dana Deployer",
        GIT_AUTHOR_EMAIL="dana@example.com",
        GIT_COMMITTER_NAME="Dana Deployer",
        GIT_COMMITTER_EMAIL="dana@example.com",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
    )
    if when is not None:
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S+0000")
        env.update(GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


_ORDINARY = [
    ("README.md", "docs: explain the checkout flow"),
    ("app/cart.py", "cart: round totals half-even"),
    ("app/search.py", "search: cache the facet counts"),
    ("app/api.py", "api: add request ids to error responses"),
    ("deploy/values.yaml", "deploy: raise the worker count to 8"),
    ("app/users.py", "users: lazy-load the avatar url"),
    ("tests/test_cart.py", "tests: cover empty carts"),
    ("app/search.py", "search: drop the legacy ranking flag"),
]


def build_repo(repo: Path, deploy_at: datetime) -> None:
    """Two days of commits, a previous deploy tag, then the bad change tagged ``v2.4.0``."""
    repo.mkdir(parents=True, exist_ok=True)
    _git(repo, "init", "-q", "-b", "main")
    start = deploy_at - timedelta(days=2)
    step = timedelta(hours=5)
    for n, (path, subject) in enumerate(_ORDINARY):
        when = start + step * n
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as fh:
            fh.write(f"# change {n}: {subject}\n")
        _git(repo, "add", path)
        _git(repo, "commit", "-q", "-m", subject, when=when)
        if n == 3:
            _git(repo, "tag", "-a", "v2.3.0", "-m", "release 2.3.0", when=when)
    bad = repo / "app" / "checkout.py"
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_text(
        "QUERY = '''\n"
        "SELECT * FROM cart_items ci\n"
        "JOIN prices p ON p.sku LIKE '%' || ci.sku || '%'\n"
        "'''\n",
        encoding="utf-8",
    )
    when = deploy_at - timedelta(minutes=12)
    _git(repo, "add", "app/checkout.py")
    _git(repo, "commit", "-q", "-m", BAD_COMMIT_SUBJECT, when=when)
    _git(repo, "tag", "-a", DEPLOY_TAG, "-m", "release 2.4.0", when=deploy_at)


def _line(when: datetime, level: str, message: str) -> str:
    return f"{when:%Y-%m-%dT%H:%M:%S}.{when.microsecond // 1000:03d}Z {level} {message}\n"


_OK = [
    "GET /api/cart 200 {ms}ms",
    "GET /api/search?q=shoes 200 {ms}ms",
    "POST /api/checkout 200 {ms}ms",
    "GET /healthz 200 1ms",
]


def log_lines(start: datetime, end: datetime, spike_at: datetime, seed: int = 7) -> list[str]:
    """Access and error lines every few seconds; after ``spike_at`` checkout times out."""
    rng = random.Random(seed)
    lines: list[str] = []
    when = start
    while when < end:
        spiking = when >= spike_at
        if spiking and rng.random() < 0.45:
            ms = rng.randint(5000, 5400)
            lines.append(_line(when, "ERROR", f"POST /api/checkout 502 {ms}ms upstream timed out"))
            if rng.random() < 0.15:
                lines.append(_line(when, "ERROR", "Unhandled exception in checkout worker"))
                lines.append("Traceback (most recent call last):\n")
                lines.append('  File "app/checkout.py", line 88, in load_cart\n')
                lines.append("psycopg.errors.QueryCanceled: canceling statement due to timeout\n")
        elif rng.random() < 0.01:
            lines.append(_line(when, "ERROR", "GET /api/search 500 12ms index shard unavailable"))
        else:
            template = rng.choice(_OK)
            lines.append(_line(when, "INFO", template.format(ms=rng.randint(3, 180))))
        when += timedelta(seconds=rng.randint(2, 9))
    return lines


def build_logs(logs: Path, now: datetime, spike_at: datetime) -> None:
    """Six hours of logs, rotated the way logrotate leaves them."""
    logs.mkdir(parents=True, exist_ok=True)
    lines = log_lines(now - timedelta(hours=6), now, spike_at)
    third = len(lines) // 3
    oldest, older, current = lines[:third], lines[third : 2 * third], lines[2 * third :]
    with gzip.open(logs / "app.log.2.gz", "wt", encoding="utf-8") as fh:
        fh.writelines(oldest)
    (logs / "app.log.1").write_text("".join(older), encoding="utf-8")
    (logs / "app.log").write_text("".join(current), encoding="utf-8")


def build_incident(root: Path, now: datetime | None = None) -> DemoFiles:
    """The git repository and the logs of the scripted incident, under ``root``."""
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    deploy_at = now - timedelta(minutes=40)
    spike_at = deploy_at + timedelta(minutes=6)
    repo, logs = root / "shop", root / "logs"
    build_repo(repo, deploy_at)
    build_logs(logs, now, spike_at)
    return DemoFiles(
        root=root, repo=repo, logs=logs, deploy_at=deploy_at, spike_at=spike_at, now=now
    )
