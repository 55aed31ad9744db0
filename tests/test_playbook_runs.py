"""Every ``run`` of every shipped playbook collects without error against the test fixtures.

A step's ``run`` is what enter does in the checklist, mid-incident: a run that fails (a
parameter the source does not take, a pattern it rejects) would only show up on the day it
is needed. Each run goes through the real source, as the panel would ask it, with a config
pointing at the scripted incident's git repository and logs, the ``postgres`` fixture's
cluster and the ``podman_engine`` fixture's API socket; engines are requested only by the
runs that need them.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from debugtui.config import Config, ContainersConfig, DeploysConfig, LogsConfig, PostgresConfig
from debugtui.demo.incident import DemoFiles, build_incident
from debugtui.playbooks import SHIPPED_DIR, Run, load_playbook_file, playbook_files
from debugtui.sources.registry import make_source


def shipped_runs() -> list[tuple[str, Run]]:
    """(playbook:step, run) for every step with a run, from the shipped files only (never
    the machine's own playbooks: collection happens before the XDG dirs are isolated)."""
    runs = []
    for path in playbook_files(SHIPPED_DIR):
        playbook = load_playbook_file(path)
        runs += [(f"{playbook.id}:{s.id}", s.run) for s in playbook.steps() if s.run]
    return runs


RUNS = shipped_runs()


@pytest.fixture(scope="module")
def incident(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    """The scripted incident, ending now: every run's relative window (30m ... 48h) reaches
    its deploy, its error spike or both."""
    return build_incident(tmp_path_factory.mktemp("incident"))


@pytest.fixture
def config(incident: DemoFiles) -> Config:
    return Config(
        deploys=DeploysConfig(repos=(str(incident.repo),)),
        logs=LogsConfig(paths=(str(incident.logs),)),
    )


def with_engine(config: Config, source: str, request: pytest.FixtureRequest) -> Config:
    """The config plus the engine ``source`` reads, started only for the runs that need it."""
    if source == "queries":
        server = request.getfixturevalue("postgres")
        return replace(config, postgres=PostgresConfig(dsn=server.dsn))
    if source == "containers":
        engine = request.getfixturevalue("podman_engine")
        return replace(config, containers=ContainersConfig(host=engine.host))
    return config


def test_every_shipped_playbook_has_runs_of_every_source() -> None:
    """The parametrized test below covers each source at least once."""
    assert {run.source for _, run in RUNS} == {
        "logs",
        "deploys",
        "queries",
        "containers",
        "sockets",
        "system",
    }


@pytest.mark.parametrize(("step", "run"), RUNS, ids=[step for step, _ in RUNS])
def test_run_collects_without_error(
    step: str, run: Run, config: Config, request: pytest.FixtureRequest
) -> None:
    # ``sockets port=5432``: the fixture cluster listens on a free port, not 5432, so this
    # run's snapshot is ok and empty here; the filter itself is what is exercised.
    source = make_source(run.source, with_engine(config, run.source, request))
    try:
        snapshot = source.collect(dict(run.params))
    finally:
        source.close()
    assert snapshot.ok, f"{step}: {run.describe()}: {snapshot.error} (hint: {snapshot.hint})"
    assert snapshot.tables(), f"{step}: the snapshot has no table to show or pin"
    assert snapshot.params == dict(run.params), "the panel's pinned evidence keeps the params"


def test_the_incident_runs_find_what_the_story_says(config: Config) -> None:
    """Not just "no error": deploy-errors' first search finds the spike, its isolate run the
    v2.4.0 deploy."""
    runs = dict(RUNS)
    logs = make_source("logs", config).collect(dict(runs["deploy-errors:first-error"].params))
    deploys = make_source("deploys", config).collect(
        dict(runs["deploy-errors:what-changed"].params)
    )
    assert len(logs.tables()["matches"].rows) > 0
    assert any("v2.4.0" in " ".join(row) for row in deploys.tables()["markers"].rows)
