"""``debugtui snapshot --json`` against the real engines: every source in one document, and a
source that goes down mid-session is one ``ok: false`` section with a hint, never the end of
the others. Runs the installed console script, as cron or a remote script would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from debugtui.demo.incident import DEPLOY_TAG, build_incident
from debugtui.sandbox.postgres import SLOW_FUNCTION

pytestmark = pytest.mark.engine


def debugtui() -> str:
    return str(Path(sys.executable).parent / "debugtui")


@pytest.fixture
def config_file(tmp_path: Path, postgres: Any, podman_engine: Any) -> Path:
    incident = build_incident(tmp_path / "incident", datetime.now(timezone.utc))
    path = tmp_path / "debugtui.toml"
    path.write_text(
        f'[deploys]\nrepos = [{json.dumps(str(incident.repo))}]\nsince = "3d"\n'
        f"[logs]\npaths = [{json.dumps(str(incident.logs))}]\n"
        f"[postgres]\ndsn = {json.dumps(postgres.dsn)}\n"
        f"[containers]\nhost = {json.dumps(podman_engine.host)}\n"
    )
    return path


def snapshot(config: Path, *extra: str) -> dict[str, Any]:
    done = subprocess.run(
        [debugtui(), "--config", str(config), "snapshot", "--json", "--since", "6h", *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


def test_snapshot_reports_every_source_from_the_real_engines(
    config_file: Path, postgres: Any, podman_engine: Any
) -> None:
    doc = snapshot(config_file)
    sources = doc["sources"]
    assert all(sources[name]["ok"] for name in sources), {
        n: s.get("error") for n, s in sources.items() if not s["ok"]
    }

    top = sources["queries"]["data"]["statements"]["statements"][0]
    assert SLOW_FUNCTION in top["query"]

    containers = {c["name"]: c for c in sources["containers"]["data"]["containers"]}
    looper = containers[podman_engine.names.crashloop]
    assert looper["restart_count"] > 0
    assert looper["exit_code"] == 1

    markers = {m["name"] for m in sources["deploys"]["data"]["markers"]}
    assert DEPLOY_TAG in markers

    ports = {listener["port"] for listener in sources["sockets"]["data"]["listeners"]}
    assert postgres.port in ports

    logs = sources["logs"]["data"]
    assert logs["total"] > 0
    assert logs["histogram"]

    rules = {f["rule"] for f in doc["findings"]}
    assert {"error_spike", "deploy_before_errors", "container_restarts"} <= rules


def test_a_stopped_database_is_one_failed_section_and_the_rest_is_whole(
    config_file: Path, postgres: Any
) -> None:
    postgres.stop()
    try:
        doc = snapshot(config_file, "--source", "queries", "--source", "deploys")
    finally:
        postgres.ensure_running()
    queries, deploys = doc["sources"]["queries"], doc["sources"]["deploys"]
    assert queries["ok"] is False
    assert queries["hint"]
    assert deploys["ok"] is True
    assert DEPLOY_TAG in {m["name"] for m in deploys["data"]["markers"]}


def test_a_stopped_engine_is_one_failed_section_and_the_rest_is_whole(
    config_file: Path, podman_engine: Any
) -> None:
    with podman_engine.service_stopped():
        doc = snapshot(config_file, "--source", "containers", "--source", "logs")
    containers, logs = doc["sources"]["containers"], doc["sources"]["logs"]
    assert containers["ok"] is False
    assert containers["hint"]
    assert logs["ok"] is True
    assert logs["data"]["total"] > 0


@pytest.mark.parametrize("fmt", ["--json", "--md"])
def test_the_snapshot_arrives_whole_through_the_early_exit(
    config_file: Path, podman_engine: Any, fmt: str
) -> None:
    """A snapshot run as the program ends without the interpreter's tear-down, its
    document written at once: whole, unbuffered output included, and status 0."""
    done = subprocess.run(
        [debugtui(), "--config", str(config_file), "snapshot", "--source", "containers", fmt],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert (done.returncode, done.stderr) == (0, "")
    if fmt == "--json":
        names = {
            c["name"]
            for c in json.loads(done.stdout)["sources"]["containers"]["data"]["containers"]
        }
        assert podman_engine.names.crashloop in names
    else:
        assert done.stdout.startswith("# debugtui snapshot of ")
        assert podman_engine.names.crashloop in done.stdout
    assert done.stdout.endswith("\n")


def test_doctor_says_ok_for_every_reachable_source_and_names_the_config(
    config_file: Path,
) -> None:
    done = subprocess.run(
        [debugtui(), "--config", str(config_file), "doctor"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"config: {config_file}"
    states = {line.split()[1]: line.split()[0] for line in lines[1:] if not line.startswith("    ")}
    assert states == dict.fromkeys(
        ("deploys", "logs", "queries", "containers", "sockets", "system"), "ok"
    )


def test_doctor_without_a_config_says_where_it_looked_and_how_to_fix_each_failure(
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
        "DOCKER_HOST": f"unix://{tmp_path / 'no-engine.sock'}",
        "PGHOST": str(tmp_path),
        "PGPORT": "5999",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [debugtui(), "doctor"], capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    expected = f"debugtui.toml and {tmp_path / 'xdg' / 'debugtui' / 'config.toml'}"
    assert out.splitlines()[0] == f"config: none found (looked for {expected}); built-in defaults"
    assert "  FAIL  containers  no container engine at unix://" in out
    assert "hint: is dockerd/podman running? set DOCKER_HOST or [containers] host" in out
    assert "  FAIL  queries     PostgreSQL is not reachable" in out
    assert "  ok    system" in out
