"""The ``debugtui snapshot`` document: every source's result and the findings, as JSON or
Markdown. A failed source is a section with ``ok: false``, its error and its hint."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from debugtui.config import Config
from debugtui.export.tables import md_table
from debugtui.findings import evaluate
from debugtui.sources.base import Snapshot
from debugtui.textsafe import one_line

FORMAT = "debugtui-snapshot"
VERSION = 1
MD_ROW_LIMIT = 30


def snapshot_document(snaps: Mapping[str, Snapshot], config: Config) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "host": socket.gethostname(),
        "collected_at": datetime.now(timezone.utc).isoformat(),
        "sources": {name: snap.to_dict() for name, snap in snaps.items()},
        "findings": [f.to_dict() for f in evaluate(snaps, config.thresholds)],
    }


def snapshot_markdown(snaps: Mapping[str, Snapshot], config: Config) -> str:
    now = datetime.now(timezone.utc)
    out = [f"# debugtui snapshot of {socket.gethostname()} at {now:%Y-%m-%d %H:%M:%S} UTC\n"]
    found = evaluate(snaps, config.thresholds)
    out.append("## Findings\n")
    if found:
        rows = [(f.severity, f.statement, f.next_step) for f in found]
        out.append(md_table(("severity", "finding", "next step"), rows))
    else:
        out.append("No findings.\n")
    for name, snap in snaps.items():
        out.append(f"\n## {name}\n")
        if not snap.ok:
            out.append(f"**failed**: {one_line(snap.error or '')}\n")
            if snap.hint:
                out.append(f"\nhint: {one_line(snap.hint)}\n")
            continue
        for warning in snap.warnings:
            out.append(f"- warning: {one_line(warning)}\n")
        for title, table in snap.tables().items():
            out.append(f"\n### {table.title or title}\n\n")
            out.append(md_table(table.columns, table.rows, limit=MD_ROW_LIMIT))
    return "".join(out)
