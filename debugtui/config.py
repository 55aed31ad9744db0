"""Configuration: one optional TOML file, environment conventions and XDG paths.

Which file wins: ``--config PATH`` if given, else ``./debugtui.toml`` if it exists, else
``$XDG_CONFIG_HOME/debugtui/config.toml`` (``~/.config/debugtui/config.toml``) if it exists,
else built-in defaults. Files are not merged: the first one found is the whole config.

Every key is optional and the defaults work on a bare machine; the environment fills what
the file leaves out the way the tools it replaces do (libpq's ``PG*`` variables or
``DATABASE_URL`` for PostgreSQL, ``DOCKER_HOST`` for the container engine). A bad file is a
:class:`ConfigError` naming the file, the key and the line.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from debugtui.configpaths import APP, config_candidates
from debugtui.configpaths import xdg_config_home as _xdg_config_home


class ConfigError(Exception):
    """A config file that cannot be used; the message names file, line and key."""

    def __init__(self, path: Path | None, message: str, line: int | None = None) -> None:
        where = str(path) if path else "<config>"
        if line is not None:
            where += f":{line}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line


def xdg_config_home() -> Path:
    return Path(_xdg_config_home())


def xdg_data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def config_dir() -> Path:
    return xdg_config_home() / APP


def data_dir() -> Path:
    return xdg_data_home() / APP


def default_db_path() -> Path:
    """The notebook database: ``$DEBUGTUI_DB``, else the XDG data directory."""
    env = os.environ.get("DEBUGTUI_DB")
    return Path(env) if env else data_dir() / "notebook.db"


@dataclass(frozen=True)
class DeploysConfig:
    repos: tuple[str, ...] = ()
    """Git repositories to read; empty means the current directory if it is one."""
    since: str = "48h"
    """How far back to list commits (a duration like 48h, 2d, 90m, or an ISO time)."""
    deploy_tags: str = "v*"
    """Glob of tags that mark a deploy; merges to the default branch count too."""


@dataclass(frozen=True)
class LogsConfig:
    paths: tuple[str, ...] = ("/var/log",)
    """Files, globs and directories; rotated ``.1`` and ``.gz`` siblings are included."""
    max_matches: int = 1000
    """Matches kept per search; the true total is still counted."""
    context: int = 0
    """Lines of context kept around each match."""
    since: str = "2h"
    """Default window for searches started without one."""
    error_pattern: str = r"(?i)\b(error|fatal|panic|exception|critical|failed|timed? ?out)\b"
    """What counts as an error line for ``snapshot`` and the findings' error-rate rules."""


@dataclass(frozen=True)
class PostgresConfig:
    dsn: str | None = None
    """libpq connection string or URL; default: ``DATABASE_URL``, else the ``PG*`` variables."""
    connect_timeout_s: int = 3
    statement_timeout_ms: int = 5000
    lock_timeout_ms: int = 1000
    top: int = 50
    """How many statements the slow-query view keeps."""


@dataclass(frozen=True)
class ContainersConfig:
    host: str | None = None
    """Engine API address; default: ``DOCKER_HOST``, then the Docker or podman socket."""
    timeout_s: float = 5.0


@dataclass(frozen=True)
class SocketsConfig:
    ports: tuple[int, ...] = ()
    """Ports to single out (e.g. 5432); empty shows everything."""


@dataclass(frozen=True)
class ThresholdsConfig:
    """Alarm levels for findings, defaults from what operators already trust (glances)."""

    memory_warning: float = 70.0
    memory_critical: float = 90.0
    swap_warning: float = 70.0
    swap_critical: float = 90.0
    disk_warning: float = 70.0
    disk_critical: float = 90.0
    load_warning: float = 1.0
    """Load average per core."""
    load_critical: float = 5.0
    connections_warning: float = 80.0
    """Percent of ``max_connections`` in use."""
    close_wait_warning: int = 10
    """CLOSE_WAIT sockets held by one process: the peer hung up and the process never closed."""
    time_wait_warning: int = 1000
    """TIME_WAIT sockets to one remote host: connections opened and closed per request."""
    error_spike_factor: float = 3.0
    """How many times the baseline error rate makes a spike."""
    deploy_window_minutes: int = 60
    """Deploys this long before impact start are suspects."""


@dataclass(frozen=True)
class Config:
    deploys: DeploysConfig = field(default_factory=DeploysConfig)
    logs: LogsConfig = field(default_factory=LogsConfig)
    postgres: PostgresConfig = field(default_factory=PostgresConfig)
    containers: ContainersConfig = field(default_factory=ContainersConfig)
    sockets: SocketsConfig = field(default_factory=SocketsConfig)
    thresholds: ThresholdsConfig = field(default_factory=ThresholdsConfig)
    path: Path | None = None
    """The file this came from, None for built-in defaults."""

    def postgres_dsn(self, env: Mapping[str, str] | None = None) -> str:
        """The DSN to use: configured, else ``DATABASE_URL``, else "" (libpq reads PG*)."""
        env = os.environ if env is None else env
        return self.postgres.dsn or env.get("DATABASE_URL", "")

    def docker_host(self, env: Mapping[str, str] | None = None) -> str | None:
        """The engine address: configured, else ``DOCKER_HOST``, else an existing socket."""
        if self.containers.host:
            return self.containers.host
        from debugtui.sources.engineapi import default_host  # loads with the source anyway

        return default_host(env)

    def deploy_repos(self) -> tuple[str, ...]:
        if self.deploys.repos:
            return self.deploys.repos
        return (os.getcwd(),)


_SECTIONS: Mapping[str, type] = {
    "deploys": DeploysConfig,
    "logs": LogsConfig,
    "postgres": PostgresConfig,
    "containers": ContainersConfig,
    "sockets": SocketsConfig,
    "thresholds": ThresholdsConfig,
}


def find_config_file(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The file that wins, per the module docstring; an explicit path must exist."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(path, "config file not found")
        return path
    for candidate in map(Path, config_candidates()):
        if candidate.is_file():
            return candidate
    return None


def load_config(explicit: str | os.PathLike[str] | None = None) -> Config:
    path = find_config_file(explicit)
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, f"cannot read: {exc}") from exc
    return parse_config(text, path)


def parse_config(text: str, path: Path | None = None) -> Config:
    # The TOML parser loads only when there is a file to read (~5 ms, most runs have none:
    # a whole-process `debugtui snapshot` is timed against `podman stats`).
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = int(match.group(1)) if match else None
        if line is None and "end of document" in str(exc):
            line = max(len(text.splitlines()), 1)
        reason = re.sub(r"\s*\((at line \d+, column \d+|at end of document)\)", "", str(exc))
        raise ConfigError(path, f"invalid TOML: {reason}", line) from exc
    sections: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in _SECTIONS:
            known = ", ".join(_SECTIONS)
            raise ConfigError(
                path, f"unknown section [{name}] (known: {known})", _line_of(text, name)
            )
        if not isinstance(value, dict):
            raise ConfigError(path, f"[{name}] must be a table", _line_of(text, name))
        sections[name] = _build_section(name, _SECTIONS[name], value, text, path)
    return Config(**sections, path=path)


def _build_section(
    section: str, cls: type, values: dict[str, Any], text: str, path: Path | None
) -> Any:
    known = {f.name: f for f in fields(cls)}
    defaults = cls()
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        line = _line_of(text, section, key)
        if key not in known:
            raise ConfigError(
                path, f"unknown key {section}.{key} (known: {', '.join(known)})", line
            )
        kwargs[key] = _coerce(section, key, getattr(defaults, key), value, path, line)
    return cls(**kwargs)


def _coerce(
    section: str, key: str, default: Any, value: Any, path: Path | None, line: int | None
) -> Any:
    name = f"{section}.{key}"
    if isinstance(default, tuple):
        items = [value] if isinstance(value, (str, int)) else value
        if not isinstance(items, list):
            raise ConfigError(path, f"{name} must be a list", line)
        want = int if key == "ports" else str
        if not all(isinstance(i, want) and not isinstance(i, bool) for i in items):
            kind = "integers" if want is int else "strings"
            raise ConfigError(path, f"{name} must be a list of {kind}", line)
        return tuple(items)
    if isinstance(default, bool) or default is None:
        if not isinstance(value, str):
            raise ConfigError(path, f"{name} must be a string", line)
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(path, f"{name} must be a number", line)
        return float(value)
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(path, f"{name} must be an integer", line)
        if value < 0:
            raise ConfigError(path, f"{name} must not be negative", line)
        return value
    if not isinstance(value, str):
        raise ConfigError(path, f"{name} must be a string", line)
    return value


def _line_of(text: str, section: str, key: str | None = None) -> int | None:
    """The 1-based line of ``[section]`` or of ``key`` inside it (tomllib gives no positions)."""
    in_section = False
    header = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]")
    key_re = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=") if key else None
    for number, line in enumerate(text.splitlines(), start=1):
        found = header.match(line)
        if found:
            in_section = found.group(1).strip().strip("\"'") == section
            if in_section and key_re is None:
                return number
            continue
        if in_section and key_re is not None and key_re.match(line):
            return number
    return None
