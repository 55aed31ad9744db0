"""The System panel: CPU, load, memory, disks, top processes, pressure (the htop view)."""

from __future__ import annotations

from debugtui.tui.panels.base import SourcePanel


class SystemPanel(SourcePanel):
    source_name = "system"
    views = (
        ("top_cpu", ("pid",)),
        ("top_memory", ("pid",)),
        ("cpu", ("cpu",)),
        ("memory", ("",)),
        ("disks", ("mount",)),
        ("pressure", ("resource",)),
        ("host", ("what",)),
    )
    refresh_seconds = 3.0
