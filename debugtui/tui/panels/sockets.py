"""The Sockets panel: listeners with their programs, TCP states, top remotes (netstat -tulpn).

A port typed in the filter box at the top narrows every table to that port (5432, say).
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input

from debugtui.tui.panels.base import SourcePanel
from debugtui.tui.widgets.turn_field import TurnField


class SocketsPanel(SourcePanel):
    source_name = "sockets"
    views = (
        ("states", ("state",)),
        ("listeners", ("proto", "local address")),
        ("remote_hosts", ("remote host",)),
        ("processes", ("pid/program",)),
        ("local_ports", ("local port",)),
        ("connections", ("proto", "local address", "remote address")),
        ("summary", ("what",)),
    )
    refresh_seconds = 5.0

    def compose_controls(self) -> ComposeResult:
        yield TurnField(
            placeholder="port (e.g. 5432), enter to apply", id="sockets-port", compact=True
        )

    def params(self) -> dict[str, Any]:
        params = super().params()
        text = self.query_one("#sockets-port", Input).value.strip()
        if text.isdigit():
            params["port"] = int(text)
        elif self.app_config.sockets.ports:
            params["port"] = list(self.app_config.sockets.ports)
        return params

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "sockets-port":
            event.stop()
            text = event.value.strip()
            if text and not text.isdigit():
                self.notify("A port is a number, e.g. 5432.", severity="warning", timeout=3)
                return
            self.table.focus()
            self.collect()
            return
        super().on_input_submitted(event)
