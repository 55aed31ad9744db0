"""Findings over logs and deploys, on the scripted incident's real files: the error spike
against its baseline, the deploy shortly before it, and the deploys suspected before the
impact start. Logs are searched and repositories read by the real sources."""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from debugtui.config import Config, DeploysConfig, LogsConfig, ThresholdsConfig
from debugtui.demo.incident import (
    BAD_COMMIT_SUBJECT,
    DEPLOY_TAG,
    DemoFiles,
    build_incident,
    build_logs,
)
from debugtui.findings import Finding, Severity, evaluate, find_spike, minute_series
from debugtui.sources.base import Snapshot
from debugtui.sources.collect import default_params
from debugtui.sources.deploys import DeploysSource
from debugtui.sources.logs import LogsSource


def config_for(demo: DemoFiles) -> Config:
    return Config(
        logs=LogsConfig(paths=(str(demo.logs),)),
        deploys=DeploysConfig(repos=(str(demo.repo),)),
    )


def collect(demo: DemoFiles, name: str) -> Snapshot:
    config = config_for(demo)
    source = LogsSource(config) if name == "logs" else DeploysSource(config)
    snap = source.collect(default_params(name, config))
    assert snap.ok, (snap.error, snap.hint)
    return snap


def git(repo: Path, *args: str, when: datetime) -> str:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S+0000")
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="Sam",
        GIT_AUTHOR_EMAIL="sam@example.com",
        GIT_COMMITTER_NAME="Sam",
        GIT_COMMITTER_EMAIL="sam@example.com",
        GIT_AUTHOR_DATE=stamp,
        GIT_COMMITTER_DATE=stamp,
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
    )
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    # The logs source's default window ("2h") is relative to the real clock.
    return build_incident(tmp_path_factory.mktemp("incident"))


@pytest.fixture(scope="module")
def snaps(demo: DemoFiles) -> dict[str, Snapshot]:
    return {"logs": collect(demo, "logs"), "deploys": collect(demo, "deploys")}


def rise_minutes(demo: DemoFiles) -> tuple[datetime, datetime]:
    """The minute the scripted errors start in, or the next (it may start late in its
    minute, and the first errors are random)."""
    start = demo.spike_at.replace(second=0)
    return start, start + timedelta(minutes=1)


def only(found: list[Finding], rule: str) -> list[Finding]:
    return [f for f in found if f.rule == rule]


def test_error_spike_starts_at_the_scripted_rise(
    demo: DemoFiles, snaps: dict[str, Snapshot]
) -> None:
    [spike] = only(evaluate(snaps), "error_spike")
    assert spike.at in rise_minutes(demo)
    assert spike.severity == Severity.CRITICAL
    # The demo is relative to the real clock and may straddle midnight: pin "today".
    [told] = only(evaluate(snaps, now=spike.at.replace(hour=23, minute=59)), "error_spike")
    assert f"rose at {spike.at:%H:%M} UTC" in told.statement


def test_an_error_spike_from_another_day_names_its_date(snaps: dict[str, Snapshot]) -> None:
    [spike] = only(evaluate(snaps), "error_spike")
    [told] = only(evaluate(snaps, now=spike.at + timedelta(days=1)), "error_spike")
    assert f"rose at {spike.at:%Y-%m-%d %H:%M} UTC" in told.statement


def test_error_spike_names_the_baseline_and_spike_rates(snaps: dict[str, Snapshot]) -> None:
    [spike] = only(evaluate(snaps), "error_spike")
    rows = {row[0]: row for row in spike.evidence["rows"]}
    baseline, rise = float(rows["baseline"][5]), float(rows["rise"][5])
    assert baseline < 0.5 < 3 < rise
    assert f"{baseline:.1f}/min before, {rise:.1f}/min since" in spike.statement
    assert spike.evidence["source"] == "logs"
    assert spike.evidence["params"]["pattern"] == Config().logs.error_pattern


def test_spike_rate_counts_every_match_since_the_start(snaps: dict[str, Snapshot]) -> None:
    logs = snaps["logs"].data
    spike = find_spike(logs, 3.0, snaps["logs"].collected_at)
    assert spike is not None
    assert spike.matches == sum(n for t, n in logs.histogram if t >= spike.start)
    assert spike.baseline_matches == sum(
        n for t, n in logs.histogram if spike.baseline_from <= t < spike.start
    )


def test_logs_without_a_rise_give_no_spike(tmp_path: Path) -> None:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    build_logs(tmp_path / "logs", now, spike_at=now + timedelta(hours=1))
    snap = LogsSource(Config(logs=LogsConfig(paths=(str(tmp_path / "logs"),)))).collect(
        default_params("logs", Config())
    )
    assert snap.ok and snap.data.total > 0  # the ordinary errors are there
    assert only(evaluate({"logs": snap}), "error_spike") == []


def test_spike_factor_comes_from_the_config(snaps: dict[str, Snapshot]) -> None:
    lenient = ThresholdsConfig(error_spike_factor=500.0)
    assert only(evaluate(snaps, lenient), "error_spike") == []
    assert only(evaluate(snaps, lenient), "deploy_before_errors") == []


def test_a_window_opening_mid_spike_has_no_baseline_so_no_spike(
    demo: DemoFiles, snaps: dict[str, Snapshot]
) -> None:
    config = config_for(demo)
    params = {**default_params("logs", config), "since": demo.spike_at + timedelta(minutes=2)}
    late = LogsSource(config).collect(params)
    assert late.ok and late.data.total > 0
    assert only(evaluate({"logs": late}), "error_spike") == []


def test_minute_series_fills_quiet_minutes_with_zeros() -> None:
    t0 = datetime(2026, 1, 31, 12, 0, tzinfo=timezone.utc)
    histogram = [(t0 + timedelta(minutes=1), 2), (t0 + timedelta(minutes=4), 5)]
    first, counts = minute_series(histogram, t0, None, t0 + timedelta(minutes=6, seconds=30))
    assert first == t0
    assert counts == [0, 2, 0, 0, 5, 0, 0]


def test_deploy_before_errors_names_commit_tag_delay_and_rise(
    demo: DemoFiles, snaps: dict[str, Snapshot]
) -> None:
    [finding] = only(evaluate(snaps), "deploy_before_errors")
    marker = next(m for m in snaps["deploys"].data.markers if m.name == DEPLOY_TAG)
    assert DEPLOY_TAG in finding.statement
    assert marker.sha[:12] in finding.statement
    assert BAD_COMMIT_SUBJECT[:40] in finding.statement
    [spike] = only(evaluate(snaps), "error_spike")
    delay = int((spike.at - demo.deploy_at.replace(second=0)).total_seconds() // 60)
    assert delay in (6, 7)
    assert f"{delay} min before log errors rose" in finding.statement
    assert finding.at == demo.deploy_at
    assert finding.key == f"deploy_before_errors:shop:{marker.sha}"
    assert "v2.3.0..v2.4.0" in finding.next_step  # the previous deploy to diff against


def test_deploy_evidence_lists_the_commits_it_shipped(snaps: dict[str, Snapshot]) -> None:
    [finding] = only(evaluate(snaps), "deploy_before_errors")
    what = [(row[1], row[5]) for row in finding.evidence["rows"]]
    assert ("commit", f"{BAD_COMMIT_SUBJECT} (1 files, +4 -0)") in what
    assert what[-1][0] == "errors rose"
    times = [row[0] for row in finding.evidence["rows"]]
    assert times == sorted(times)


def test_a_deploys_reason_lists_what_it_shipped_newest_first(snaps: dict[str, Snapshot]) -> None:
    [finding] = only(evaluate(snaps), "deploy_before_errors")
    commits = [row for row in finding.evidence["rows"] if row[1] == "commit"]
    assert len(commits) > 1
    head = f"{DEPLOY_TAG} shipped {len(commits)} commits since v2.3.0: "
    assert finding.because.startswith(head)
    listed = finding.because.removeprefix(head).split("; ")
    assert listed == [f"{row[4]} {row[5]}" for row in reversed(commits)]
    assert BAD_COMMIT_SUBJECT in listed[0]


def test_a_deploy_outside_the_window_is_not_blamed(snaps: dict[str, Snapshot]) -> None:
    narrow = ThresholdsConfig(deploy_window_minutes=3)
    assert only(evaluate(snaps, narrow), "deploy_before_errors") == []
    assert only(evaluate(snaps, narrow), "error_spike")


def test_a_merge_to_main_counts_as_a_deploy(tmp_path: Path) -> None:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    spike_at = now - timedelta(minutes=30)
    build_logs(tmp_path / "logs", now, spike_at)
    repo = tmp_path / "svc"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main", when=now)
    (repo / "a.txt").write_text("a\n")
    git(repo, "add", "a.txt", when=now - timedelta(days=1))
    git(repo, "commit", "-q", "-m", "start", when=now - timedelta(days=1))
    git(repo, "checkout", "-q", "-b", "feature", when=now)
    (repo / "b.txt").write_text("b\n")
    git(repo, "add", "b.txt", when=spike_at - timedelta(hours=1))
    git(repo, "commit", "-q", "-m", "feature: retry payments", when=spike_at - timedelta(hours=1))
    git(repo, "checkout", "-q", "main", when=now)
    merged_at = spike_at - timedelta(minutes=10)
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge feature", "feature", when=merged_at)
    config = Config(
        logs=LogsConfig(paths=(str(tmp_path / "logs"),)),
        deploys=DeploysConfig(repos=(str(repo),)),
    )
    snaps = {
        "logs": LogsSource(config).collect(default_params("logs", config)),
        "deploys": DeploysSource(config).collect(default_params("deploys", config)),
    }
    [finding] = only(evaluate(snaps), "deploy_before_errors")
    assert "merge to main" in finding.statement
    assert "“Merge feature”" in finding.statement
    assert finding.at == merged_at
    # what the merge shipped is what it brought in, the branch's older commit too
    assert "feature: retry payments" in finding.because
    assert any("feature: retry payments" in row[5] for row in finding.evidence["rows"])


def test_deploys_before_the_impact_start_are_suspects(
    demo: DemoFiles, snaps: dict[str, Snapshot], tmp_path: Path
) -> None:
    # A config push tagged 25 minutes before the bad deploy, on the commit before it.
    earlier = demo.deploy_at - timedelta(minutes=25)
    repo = tmp_path / "shop"
    subprocess.run(["git", "clone", "-q", str(demo.repo), str(repo)], check=True)
    git(repo, "tag", "-a", "v2.3.9", "-m", "config push", "HEAD~1", when=earlier)
    deploys = DeploysSource(Config(deploys=DeploysConfig(repos=(str(repo),)))).collect(
        {"since": "48h"}
    )
    assert deploys.ok, deploys.error
    found = evaluate({**snaps, "deploys": deploys}, impact_start=demo.spike_at)
    [suspect] = only(found, "deploy_suspect")
    assert suspect.severity == Severity.INFO
    assert "v2.3.9" in suspect.statement and "before the impact start" in suspect.statement
    assert suspect.at == earlier
    # the bad deploy is named once, by the stronger rule
    assert [f.subject.split()[0] for f in only(found, "deploy_before_errors")] == [DEPLOY_TAG]


def test_an_old_deploy_is_a_suspect_only_when_the_impact_start_says_so(
    demo: DemoFiles, snaps: dict[str, Snapshot]
) -> None:
    deploys = snaps["deploys"]
    marker = next(m for m in deploys.data.markers if m.name == DEPLOY_TAG)
    # move the bad deploy 2 hours earlier: out of the rise's window, no suspects either
    moved = replace(marker, at=marker.at - timedelta(hours=2))
    others = tuple(m for m in deploys.data.markers if m is not marker)
    old = replace(deploys, data=replace(deploys.data, markers=(moved, *others)))
    found = evaluate({"logs": snaps["logs"], "deploys": old})
    assert only(found, "deploy_before_errors") == [] and only(found, "deploy_suspect") == []
    # an impact start given by the responder brings it back as a suspect
    found = evaluate({"logs": snaps["logs"], "deploys": old}, impact_start=moved.at)
    assert [f.at for f in only(found, "deploy_suspect")] == [moved.at]


def test_no_logs_and_no_impact_start_means_no_deploy_findings(
    snaps: dict[str, Snapshot],
) -> None:
    found = evaluate({"deploys": snaps["deploys"]})
    assert [f for f in found if f.rule.startswith("deploy")] == []


def test_findings_are_json_ready(snaps: dict[str, Snapshot]) -> None:
    import json

    for finding in evaluate(snaps):
        record = json.loads(json.dumps(finding.to_dict()))
        assert record["key"] == finding.key
        assert record["at"] == finding.at.isoformat()
