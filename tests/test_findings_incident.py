"""The issue's acceptance: a scripted incident (a tagged deploy, then an error spike in the
logs, a crash-looping container and a slow query) yields findings that name the deploy's
commit, the container and the query. Every source is the real one: git and log files built
by the demo, the podman fixture's containers, the PostgreSQL fixture's workload.

Also ``debugtui snapshot --json`` (the real console script) carries the deploy and logs
findings when its config points at the incident's repository and logs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from debugtui.config import (
    Config,
    ContainersConfig,
    DeploysConfig,
    LogsConfig,
    PostgresConfig,
)
from debugtui.demo.incident import BAD_COMMIT_SUBJECT, DEPLOY_TAG, DemoFiles, build_incident
from debugtui.findings import evaluate
from debugtui.sources.collect import collect_all, default_params
from tests.fixtures.podman import PodmanEngine
from tests.fixtures.postgres import SLOW_FUNCTION, SLOW_QUERY, PostgresServer

SCRIPT = Path(sys.executable).with_name("debugtui")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return build_incident(tmp_path_factory.mktemp("incident"))


def test_scripted_incident_names_the_deploy_the_container_and_the_query(
    demo: DemoFiles,
    podman_engine: PodmanEngine,
    postgres_factory: Callable[..., PostgresServer],
) -> None:
    # A cluster of its own: the incident's slow query is called more than the shared
    # fixture's workload calls it, so it dominates database time clearly.
    postgres = postgres_factory()
    postgres.run_workload()
    with postgres.connect() as conn:
        for _ in range(10):
            conn.execute(SLOW_QUERY)
    config = Config(
        deploys=DeploysConfig(repos=(str(demo.repo),)),
        logs=LogsConfig(paths=(str(demo.logs),)),
        postgres=PostgresConfig(dsn=postgres.dsn),
        containers=ContainersConfig(host=podman_engine.host),
    )
    names = ["deploys", "logs", "containers", "queries"]
    snaps = collect_all(names, config, {n: default_params(n, config) for n in names}, timeout_s=60)
    for snap in snaps.values():
        assert snap.ok, (snap.source, snap.error, snap.hint)
    found = evaluate(snaps, config.thresholds)
    by_rule = {f.rule: [g for g in found if g.rule == f.rule] for f in found}

    [deploy] = by_rule["deploy_before_errors"]
    marker = next(m for m in snaps["deploys"].data.markers if m.name == DEPLOY_TAG)
    assert marker.short_sha in deploy.statement
    assert BAD_COMMIT_SUBJECT[:40] in deploy.statement
    assert DEPLOY_TAG in deploy.statement

    assert any(podman_engine.names.crashloop in f.statement for f in by_rule["container_restarts"])

    [query] = by_rule["query_dominates"]
    assert SLOW_FUNCTION in query.statement

    assert by_rule["error_spike"]
    severities = [f.severity for f in found]
    assert severities == sorted(severities, key=["critical", "warning", "info"].index)


def test_snapshot_json_carries_the_deploy_and_logs_findings(
    demo: DemoFiles, tmp_path: Path
) -> None:
    config = tmp_path / "debugtui.toml"
    config.write_text(
        f"[deploys]\nrepos = [{json.dumps(str(demo.repo))}]\n"
        f"[logs]\npaths = [{json.dumps(str(demo.logs))}]\n",
        encoding="utf-8",
    )
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "debugtui"]
    sources = ["--source", "deploys", "--source", "logs"]
    done = subprocess.run(
        [*command, "--config", str(config), "snapshot", "--json", *sources],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    rules = {f["rule"]: f for f in document["findings"]}
    assert {"error_spike", "deploy_before_errors"} <= set(rules)
    assert DEPLOY_TAG in rules["deploy_before_errors"]["statement"]
    assert rules["deploy_before_errors"]["evidence"]["source"] == "deploys"
