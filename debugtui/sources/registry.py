"""Names of the evidence sources and where each lives, imported only when used.

Heavy libraries (psycopg, docker, git) load with their source module, so listing the
sources or collecting only some of them costs nothing for the rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the TUI lists sources before it needs any
    from debugtui.config import Config
    from debugtui.sources.base import Source

SOURCES: dict[str, str] = {
    "deploys": "debugtui.sources.deploys:DeploysSource",
    "logs": "debugtui.sources.logs:LogsSource",
    "queries": "debugtui.sources.queries:QueriesSource",
    "containers": "debugtui.sources.containers:ContainersSource",
    "sockets": "debugtui.sources.sockets:SocketsSource",
    "system": "debugtui.sources.system:SystemSource",
}


def source_class(name: str) -> type[Source]:
    try:
        target = SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r} (known: {', '.join(SOURCES)})") from None
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def make_source(name: str, config: Config | None = None) -> Source:
    return source_class(name)(config)
