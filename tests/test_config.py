"""Config loading: which file wins, defaults, env conventions, and errors with file and line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from debugtui.config import Config, ConfigError, find_config_file, load_config, parse_config

FULL = """\
[deploys]
repos = ["/srv/app"]
since = "24h"
deploy_tags = "release-*"

[logs]
paths = ["/var/log/app/*.log"]
max_matches = 50

[postgres]
dsn = "postgresql://monitor@db/app"

[containers]
host = "unix:///run/podman/podman.sock"

[sockets]
ports = [5432, 6379]

[thresholds]
disk_warning = 80
"""


def test_full_example_parses_into_every_section() -> None:
    cfg = parse_config(FULL, Path("x.toml"))
    assert cfg.deploys.repos == ("/srv/app",)
    assert cfg.deploys.deploy_tags == "release-*"
    assert cfg.logs.max_matches == 50
    assert cfg.postgres.dsn == "postgresql://monitor@db/app"
    assert cfg.sockets.ports == (5432, 6379)
    assert cfg.thresholds.disk_warning == 80.0


def test_missing_file_gives_defaults() -> None:
    cfg = load_config()
    assert cfg == Config()
    assert cfg.path is None


def test_without_a_file_the_toml_parser_is_not_loaded(tmp_path: Path) -> None:
    """Loading it costs every run that has no config file (most of them) a few ms."""
    (tmp_path / "debugtui.toml").write_text('[containers]\nhost = "unix:///x.sock"\n')
    elsewhere = tmp_path / "elsewhere"  # no debugtui.toml here, none in the test's XDG dir
    elsewhere.mkdir()
    code = (
        "import sys\n"
        "from debugtui.config import load_config\n"
        "assert load_config().path is None\n"
        "print('tomllib' in sys.modules, 'tomli' in sys.modules)\n"
        "print(load_config(sys.argv[1]).containers.host)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "debugtui.toml")],
        capture_output=True,
        text=True,
        check=True,
        cwd=elsewhere,
    )
    assert done.stdout.splitlines() == ["False False", "unix:///x.sock"]


def test_local_file_wins_over_xdg(tmp_path: Path) -> None:
    xdg = tmp_path / "xdg-config" / "debugtui"
    xdg.mkdir(parents=True)
    (xdg / "config.toml").write_text('[deploys]\nsince = "1h"\n')
    assert load_config().deploys.since == "1h"
    (tmp_path / "debugtui.toml").write_text('[deploys]\nsince = "3h"\n')
    assert load_config().deploys.since == "3h"


def test_explicit_path_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        find_config_file(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("[logs]\npaths = [1, 2]\n", 2, "logs.paths must be a list of strings"),
        ("[sockets]\nports = ['5432']\n", 2, "sockets.ports must be a list of integers"),
        ("[logs]\n\nmax_matches = 'many'\n", 3, "logs.max_matches must be an integer"),
        ("[postgres]\ndsn = 5\n", 2, "postgres.dsn must be a string"),
        ("[nonsense]\nx = 1\n", 1, "unknown section [nonsense]"),
        ("[logs]\ncolour = 'red'\n", 2, "unknown key logs.colour"),
        ("[logs]\npaths = [\n", 2, "invalid TOML"),
        ("[thresholds]\ndisk_warning = true\n", 2, "must be a number"),
    ],
)
def test_bad_config_names_file_line_and_key(text: str, line: int, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, Path("/etc/debugtui.toml"))
    message = str(info.value)
    assert message.startswith(f"/etc/debugtui.toml:{line}: ")
    assert fragment in message


def test_postgres_dsn_falls_back_to_database_url() -> None:
    cfg = Config()
    assert cfg.postgres_dsn({"DATABASE_URL": "postgresql://a@b/c"}) == "postgresql://a@b/c"
    assert cfg.postgres_dsn({}) == ""


def test_docker_host_prefers_config_then_env() -> None:
    cfg = parse_config('[containers]\nhost = "unix:///x.sock"\n')
    assert cfg.docker_host({"DOCKER_HOST": "tcp://y"}) == "unix:///x.sock"
    assert Config().docker_host({"DOCKER_HOST": "tcp://y"}) == "tcp://y"


def test_deploy_repos_default_to_cwd(tmp_path: Path) -> None:
    assert Config().deploy_repos() == (str(tmp_path),)
