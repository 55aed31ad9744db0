"""The Containers panel: ``docker ps -a`` + ``docker stats`` + ``docker events`` in one tab.

Every container with its state, health, restarts, last exit code and kill/OOM flags, CPU %
(of one core) and memory; the resource view adds memory limit, network and block IO; the
events view lists the deaths, kills, restarts and health changes of the last hour. Enter
shows a container's whole record with its recent events; ``l`` opens its recent output
(the engine's logs API, fetched in a worker), filterable. Refreshes every 3 s while shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, ClassVar

from textual.binding import Binding, BindingType

from debugtui.config import Config
from debugtui.sources.base import Source, SourceError, Table
from debugtui.sources.containerevents import ContainerEvent
from debugtui.sources.containers import ContainerInfo, ContainersData
from debugtui.sources.containerstats import ContainerStats
from debugtui.tui.panels.base import SourcePanel
from debugtui.tui.panels.container_logs import ContainerLogsScreen

NAME_COLUMNS: dict[str, str] = {"containers": "name", "stats": "name", "events": "container"}
"""The column naming the container, per view."""


class ContainersPanel(SourcePanel):
    source_name = "containers"
    views = (
        ("containers", ("name",)),
        ("stats", ("name",)),
        ("events", ("time", "container", "event")),
    )
    refresh_seconds = 3.0

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "logs", "Logs", tooltip="The selected container's recent output"),
    ]

    @property
    def view_name(self) -> str:
        return self.views[self.view_index % len(self.views)][0]

    def _data(self) -> ContainersData | None:
        return None if self.snapshot is None else self.snapshot.data  # type: ignore[no-any-return]

    def container_name(self, row: Sequence[str]) -> str | None:
        """The container a row is about, whatever the view."""
        columns = self.table.source_table.columns
        name = NAME_COLUMNS.get(self.view_name, "name")
        return row[columns.index(name)] if name in columns else None

    def container_for(self, row: Sequence[str]) -> ContainerInfo | None:
        data = self._data()
        name = self.container_name(row)
        if data is None or name is None:
            return None
        return next((c for c in data.containers if c.name == name), None)

    def event_for(self, row: Sequence[str]) -> ContainerEvent | None:
        data = self._data()
        if data is None or self.view_name != "events":
            return None
        table = data.tables()["events"]
        return next((e for e, r in zip(data.events, table.rows, strict=False) if r == row), None)

    # -- hooks -----------------------------------------------------------------------------

    def happened_at(self, rows: Sequence[Sequence[str]]) -> datetime | None:
        """Events when they happened (the newest of them); state is as of the collect."""
        times = [e.time for e in (self.event_for(r) for r in rows) if e is not None]
        return max(times, default=None)

    def detail_text(self, table: Table, row: Sequence[str]) -> str:
        data = self._data()
        container = self.container_for(row)
        if data is None or container is None:
            return super().detail_text(table, row)
        events = [e for e in data.events if e.container_id == container.id]
        return container_text(container, events, data.at)

    # -- logs ------------------------------------------------------------------------------

    def action_logs(self) -> None:
        row = self.table.cursor_values
        name = None if row is None else self.container_name(row)
        if not name:
            self.notify("Select a container first.", timeout=2)
            return
        factory, config = self.session.sources, self.app_config
        self.app.push_screen(
            ContainerLogsScreen(name, lambda: self._container_logs(name, factory, config))
        )

    def _container_logs(self, name: str, factory: Any, config: Config) -> list[str]:
        """Runs in the logs screen's worker: the panel's own source (its engine client), under
        the panel's lock so it never runs alongside a collect on the same client."""
        with self._lock:
            if self._source is None:
                self._source = factory(self.source_name, config)
            source: Source = self._source
            fetch = getattr(source, "container_logs", None)
            if fetch is None:
                raise SourceError(f"the {source.name} source cannot read container logs")
            lines: list[str] = fetch(name)
            return lines


def _when(at: datetime | None) -> str:
    return "-" if at is None else at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def _size(value: int | None) -> str:
    if value is None:
        return "-"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024:
            return f"{size:.1f} {unit}" if unit != "B" else f"{value} B"
        size /= 1024
    return f"{size:.1f} TiB"


def _cpu(s: ContainerStats) -> str:
    """CPU % saying what it is measured over: a lifetime average hides a current spike."""
    if s.cpu_percent is None:
        return "-"
    if s.cpu_since_start:
        return f"{s.cpu_percent:.1f}% of one core, average since the container started"
    if s.cpu_interval_s is None:
        return f"{s.cpu_percent:.1f}% of one core"
    return f"{s.cpu_percent:.1f}% of one core over the last {s.cpu_interval_s:.1f}s"


def _value(value: object) -> str:
    return "-" if value is None else str(value)


def container_text(c: ContainerInfo, events: Sequence[ContainerEvent], at: datetime) -> str:
    """Everything known about one container, then its events of the window."""
    pairs: list[tuple[str, str]] = [
        ("name", c.name),
        ("id", c.id),
        ("image", c.image),
        ("status", c.status),
        ("health", _value(c.health)),
        ("restarts", _value(c.restart_count)),
        ("last exit code", _value(c.exit_code)),
        ("flags", ", ".join(c.flags) or "-"),
        ("started", _when(c.started_at)),
        ("finished", _when(c.finished_at)),
    ]
    s = c.stats
    if s is not None:
        pairs += [
            ("cpu", _cpu(s)),
            ("memory", f"{_size(s.memory_bytes)} (working set)"),
            ("memory limit", _size(s.memory_limit_bytes)),
            ("memory %", "-" if s.memory_percent is None else f"{s.memory_percent:.1f}%"),
            ("net rx / tx", f"{_size(s.net_rx_bytes)} / {_size(s.net_tx_bytes)}"),
            ("block read / write", f"{_size(s.block_read_bytes)} / {_size(s.block_write_bytes)}"),
            ("pids", _value(s.pids)),
        ]
    else:
        pairs.append(("resources", "- (not running)"))
    pairs.append(("as of", _when(at)))
    width = max(len(name) for name, _ in pairs)
    lines = [f"{name:>{width}}  {value}" for name, value in pairs]
    lines += ["", f"events ({len(events)}):" if events else "events: none in the window"]
    for e in events:
        seen = " (seen by comparing collects)" if e.synthesized else ""
        lines.append(f"  {_when(e.time)}  {e.action}  {e.detail}{seen}")
    return "\n".join(lines)
